"""Checkpoints that load with ``torch.load(weights_only=True)``: tensors and plain Python values
only, so loading never runs pickled code."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .io import torch_save
from .models import build_model


def save_model(path: str | Path, model: nn.Module, info: dict) -> None:
    """The trained model: {"state_dict", "model", "num_classes", "in_channels", "model_options", ...}."""
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    torch_save(path, dict(info, state_dict=state))


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """Rebuild a model saved by ``save_model``; returns (model in eval mode, its info dict)."""
    ckpt = torch.load(path, map_location=device, weights_only=True)
    model = build_model(ckpt["model"], ckpt["num_classes"], ckpt["in_channels"], **ckpt["model_options"])
    model.load_state_dict(ckpt.pop("state_dict"))
    return model.to(device).eval(), ckpt


def load_state(path: str | Path) -> dict | None:
    """A resume state, or None if there is none (a partial temp file is never at ``path``)."""
    path = Path(path)
    return torch.load(path, map_location="cpu", weights_only=True) if path.exists() else None
