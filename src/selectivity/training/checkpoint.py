"""Checkpoints that load with ``torch.load(weights_only=True)``: tensors and plain Python values
only, so loading never runs pickled code. A missing or damaged checkpoint raises ``InputError``
naming the file and how to rebuild it.

Two kinds: a run's trained model (``save_model`` / ``load_model``) and a run's resume state while it
trains (``save_resume_state`` / ``load_resume_state``).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..inputs import input_error, torch_load
from ..io import torch_save
from ..models import build_model

MODEL_KEYS = ("state_dict", "model", "num_classes", "in_channels", "model_options")
STATE_KEYS = ("config_hash", "epoch", "model", "optimizer", "scheduler", "rng", "best", "log")


def save_model(path: str | Path, model: nn.Module, info: dict) -> None:
    """The trained model: {"state_dict", "model", "num_classes", "in_channels", "model_options", ...}."""
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    torch_save(path, dict(info, state_dict=state))


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """Rebuild a model saved by ``save_model``; returns (model in eval mode, its info dict)."""
    ckpt = torch_load(path, map_location=device, required=MODEL_KEYS)
    model = build_model(ckpt["model"], ckpt["num_classes"], ckpt["in_channels"], **ckpt["model_options"])
    try:
        model.load_state_dict(ckpt.pop("state_dict"))
    except RuntimeError as e:
        raise input_error(path, f"its weights do not fit a {ckpt['model']} ({str(e).splitlines()[0]})") from e
    return model.to(device).eval(), ckpt


def _own_copy(value):
    """Tensors copied to the CPU on their own storage (a view of a stack's [K, ...] tensor would
    otherwise save the whole stack), through dicts, lists and tuples."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if isinstance(value, dict):
        return {k: _own_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_own_copy(v) for v in value)
    return value


def save_resume_state(path: str | Path, *, config_hash: str, epoch: int, model: dict, optimizer: dict,
                      scheduler: dict, rng: dict, best: dict, log: list, probe: list | None = None) -> None:
    """A run's complete training state after ``epoch`` epochs (state dicts of its model, optimizer
    and scheduler; RNG states; best epoch so far; log rows; per-epoch probe rows), written atomically."""
    state = dict(config_hash=config_hash, epoch=epoch, model=model, optimizer=optimizer, scheduler=scheduler,
                 rng=rng, best=best, log=log, probe=probe or [])
    torch_save(path, _own_copy(state))


def load_resume_state(path: str | Path, config_hash: str | None = None) -> tuple[dict | None, str]:
    """(state saved by ``save_resume_state``, "") -- or (None, why) when there is none to resume:
    no file (why ""), or one saved under another configuration than ``config_hash``."""
    path = Path(path)
    if not path.exists():
        return None, ""
    state = torch_load(path, required=STATE_KEYS)
    if config_hash is not None and state["config_hash"] != config_hash:
        return None, f"ignoring {path}: saved under another configuration ({state['config_hash']})"
    return state, ""
