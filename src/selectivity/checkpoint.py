"""Checkpoints that load with ``torch.load(weights_only=True)``: tensors and plain Python values
only, so loading never runs pickled code. A missing or damaged checkpoint raises ``InputError``
naming the file and how to rebuild it."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .inputs import input_error, torch_load
from .io import torch_save
from .models import build_model

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


def load_state(path: str | Path) -> dict | None:
    """A resume state, or None if there is none (a partial temp file is never at ``path``)."""
    path = Path(path)
    return torch_load(path, required=STATE_KEYS) if path.exists() else None
