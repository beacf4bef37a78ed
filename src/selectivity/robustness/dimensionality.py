"""PCA-based dimensionality of a representation [N, U] (N samples, U units) and of the change a
perturbation causes in it (the differences between perturbed and clean activations of the same
images), per unit layer.

With lambda_1 >= ... >= lambda_U the eigenvalues of the covariance of the rows (centered PCA):
- components for a variance fraction f: the smallest k with sum_{i<=k} lambda_i >= f * sum lambda;
- participation ratio: (sum lambda)^2 / sum lambda^2, between 1 (one direction) and U (isotropic).
A representation without variance (a dead layer, no change) has dimensionality 0 by both.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd
import torch
from torch import Tensor, nn

from ..units import collect_activations


def pca_variances(x: Tensor) -> Tensor:
    """Variances along the principal axes of x [N, U]: [min(N, U)] float64, descending."""
    if x.dim() != 2 or x.shape[0] < 2:
        raise ValueError(f"a representation is [N, U] with N >= 2 samples, got {tuple(x.shape)}")
    x = x.double()
    x = x - x.mean(0, keepdim=True)
    return torch.linalg.svdvals(x) ** 2 / (x.shape[0] - 1)


def _no_variance(lam: Tensor, x: Tensor) -> bool:
    """Total variance zero up to float rounding of the centering."""
    return float(lam.sum()) <= 1e-12 * max(float(x.double().pow(2).mean()) * x.shape[1], 1e-300)


def n_components(x: Tensor, fraction: float = 0.9) -> int:
    """Number of principal components that explain ``fraction`` (0 < f <= 1) of the variance of x [N, U]."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    lam = pca_variances(x)
    if _no_variance(lam, x):
        return 0
    explained = torch.cumsum(lam, 0) / lam.sum()
    return int((explained < fraction - 1e-9).sum()) + 1


def participation_ratio(x: Tensor) -> float:
    """(sum lambda)^2 / sum lambda^2 of the covariance eigenvalues of x [N, U]."""
    lam = pca_variances(x)
    if _no_variance(lam, x):
        return 0.0
    return float(lam.sum() ** 2 / (lam**2).sum())


def dimensionality(x: Tensor, fraction: float = 0.9) -> dict[str, float]:
    """{"participation_ratio", "components_<100 f>"} of x [N, U]."""
    return {"participation_ratio": participation_ratio(x), f"components_{fraction * 100:g}": n_components(x, fraction)}


def layer_dimensionality(model: nn.Module, clean: Tensor, perturbed: Tensor | None = None, fraction: float = 0.9,
                         layers: str | Iterable[str] | None = None, batch_size: int = 1000,
                         transform=None) -> pd.DataFrame:
    """Per unit layer (``collect_activations``: every ``Unit``, or ``layers``), the dimensionality
    of the representation of ``clean`` [N, ...] and, given ``perturbed`` (the same N images
    perturbed), of the change: perturbed minus clean activations [N, U].

    ``transform`` maps a batch to the model's input (e.g. normalization). Returns a tidy table:
    layer, measure ("clean_participation_ratio", "clean_components_90", "change_...", "units"), value.
    """
    acts, _ = collect_activations(model, clean, batch_size, layers, transform)
    if perturbed is not None:
        if perturbed.shape != clean.shape:
            raise ValueError(f"perturbed {tuple(perturbed.shape)} must be the clean images {tuple(clean.shape)} "
                             f"perturbed, one for one")
        pert, _ = collect_activations(model, perturbed, batch_size, layers, transform)
    rows = []
    for layer, a in acts.items():
        rows.append((layer, "units", float(a.shape[1])))
        rows += [(layer, f"clean_{k}", float(v)) for k, v in dimensionality(a, fraction).items()]
        if perturbed is not None:
            rows += [(layer, f"change_{k}", float(v)) for k, v in dimensionality(pert[layer] - a, fraction).items()]
    return pd.DataFrame(rows, columns=["layer", "measure", "value"])
