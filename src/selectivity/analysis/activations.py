"""Activation dump: every unit layer's activations on the whole test set for a trained run,
spatially averaged per unit (the file's format: ``selectivity.files.activations``); and a trained
network loaded for evaluation on a prepared dataset."""

from __future__ import annotations

from pathlib import Path

import torch

from ..data import load_prepared
from ..data.augment import normalize
from ..defaults import ANALYSIS
from ..files.activations import Activations, save_activations
from ..inputs import input_error
from ..training.checkpoint import load_model
from ..units import collect_activations


def load_network(model_path: str | Path, data, device: str | torch.device = "cpu"):
    """A trained run's model (eval mode, on ``device``) and its checkpoint info, checked against the
    prepared dataset ``data`` it is evaluated on, and the transform from a test batch to its input."""
    model, info = load_model(model_path, device)
    if info.get("dataset", data.name) != data.name:
        raise input_error(model_path, f"was trained on {info['dataset']!r}, but the data given holds {data.name!r}")
    mean = torch.tensor(data.mean, device=device)
    std = torch.tensor(data.std, device=device)
    return model, info, lambda x: normalize(x.to(device), mean, std)


def run_identity(info: dict) -> dict:
    """The run a checkpoint holds: experiment, alpha, seed and config hash (those it records)."""
    cfg = info.get("config", {})
    run = {k: cfg[k] for k in ("experiment", "alpha", "seed") if k in cfg}
    if "config_hash" in info:
        run["config_hash"] = info["config_hash"]
    return run


def dump_activations(model_path: str | Path, data_path: str | Path, out: str | Path, batch_size: int = 1000,
                     dtype: str = ANALYSIS["activation_dtype"], device: str = "cpu") -> Activations:
    """Run the best-validation model over the test set and write its unit activations to ``out``.

    device: "cpu", "cuda", "cuda:N" or "auto" (CUDA when available)."""
    from ..training.speed import resolve_device

    device = resolve_device(device)
    data = load_prepared(data_path)
    model, info, transform = load_network(model_path, data, device)
    acts, _ = collect_activations(model, data.test.images.to(device), batch_size, transform=transform)
    result = Activations({n: a.numpy().astype(dtype) for n, a in acts.items()}, data.test.labels.numpy(),
                         data.num_classes, run_identity(info))
    save_activations(out, result)
    return result
