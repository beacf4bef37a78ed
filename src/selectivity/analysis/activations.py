"""Activation dump: every unit layer's activations on the whole test set for a trained run,
spatially averaged per unit, in one .npz: ``layer_names`` [L], ``layer_<i>`` [N_test, U_i],
``labels`` [N_test], ``num_classes``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..checkpoint import load_model
from ..data import load_prepared
from ..data.augment import normalize
from ..io import atomic_path
from ..units import collect_activations


@dataclass
class Activations:
    layers: dict[str, np.ndarray]  # name -> [N, U] float
    labels: np.ndarray  # [N] int64
    num_classes: int


def dump_activations(model_path: str | Path, data_path: str | Path, out: str | Path, batch_size: int = 1000,
                     dtype: str = "float32", device: str = "cpu") -> Activations:
    """Run the best-validation model over the test set and write its unit activations to ``out``.

    device: "cpu", "cuda", "cuda:N" or "auto" (CUDA when available)."""
    from ..accel import resolve_device

    device = resolve_device(device)
    model, _ = load_model(model_path, device)
    data = load_prepared(data_path)
    mean = torch.tensor(data.mean, device=device)
    std = torch.tensor(data.std, device=device)
    acts, _ = collect_activations(model, data.test.images.to(device), batch_size,
                                  transform=lambda x: normalize(x, mean, std))
    result = Activations({n: a.numpy().astype(dtype) for n, a in acts.items()}, data.test.labels.numpy(),
                         data.num_classes)
    save_activations(out, result)
    return result


def save_activations(out: str | Path, acts: Activations) -> None:
    arrays = {f"layer_{i}": a for i, a in enumerate(acts.layers.values())}
    with atomic_path(out) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, layer_names=np.array(list(acts.layers)), labels=acts.labels,
                     num_classes=np.array(acts.num_classes), **arrays)


def load_activations(path: str | Path) -> Activations:
    with np.load(path, allow_pickle=False) as z:
        names = [str(n) for n in z["layer_names"]]
        return Activations({n: z[f"layer_{i}"] for i, n in enumerate(names)}, z["labels"], int(z["num_classes"]))
