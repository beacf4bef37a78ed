"""Class selectivity, defined once (paper Eq. 1 and Eq. 3), differentiable.

Used unchanged by the training regularizer (per minibatch) and by the analysis (whole test set).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import torch
from torch import Tensor

from .defaults import SELECTIVITY_EPS

DEFAULT_EPS = SELECTIVITY_EPS


def class_conditional_means(acts: Tensor, labels: Tensor, num_classes: int) -> tuple[Tensor, Tensor]:
    """Mean activation of every unit for every class, in one matmul.

    acts: [N, U] unit activations (already spatially averaged); labels: [N] int class ids.
    Returns (means [C, U], counts [C]); rows of absent classes (count 0) are 0.
    """
    if acts.dim() != 2:
        raise ValueError(f"acts must be [N, U], got shape {tuple(acts.shape)}")
    if labels.shape != acts.shape[:1]:
        raise ValueError(f"labels must be [N]={acts.shape[0]}, got shape {tuple(labels.shape)}")
    dtype = torch.float64 if acts.dtype == torch.float64 else torch.float32  # never reduced precision
    with torch.autocast(acts.device.type, enabled=False):  # the matmul stays fp32 under bf16 autocast
        onehot = torch.nn.functional.one_hot(labels.long(), num_classes).to(dtype)  # [N, C]
        counts = onehot.sum(0)  # [C]
        sums = onehot.T @ acts.to(dtype)  # [C, U]
    return sums / counts.clamp(min=1).unsqueeze(1), counts


def class_selectivity(
    acts: Tensor, labels: Tensor, num_classes: int, eps: float = DEFAULT_EPS, check: bool = True
) -> Tensor:
    """Class selectivity index of every unit (Eq. 1), differentiable.

    SI = (mu_max - mu_-max) / (mu_max + mu_-max + eps), where mu_max is the largest class-conditional
    mean activation and mu_-max the mean of the class-conditional means of the other classes.
    Classes absent from ``labels`` are left out of both. At least two classes must be present;
    ``check=False`` skips that test, which reads a value back from the device (the trainer checks
    its minibatches on the host instead), so nothing here waits for the GPU.

    acts: [N, U] activations (spatially averaged per unit); labels: [N]. Returns SI: [U] (float32,
    or float64 for float64 input; computed in full precision under autocast).
    """
    means, counts = class_conditional_means(acts, labels, num_classes)
    present = counts > 0
    n_present = present.sum()
    if check and int(n_present) < 2:
        raise ValueError(f"class selectivity needs samples of at least 2 classes, got {int(n_present)}")
    mask = present.unsqueeze(1)  # [C, 1]
    mu_max = means.masked_fill(~mask, float("-inf")).amax(0)  # [U]
    sum_present = (means * mask).sum(0)  # [U]
    mu_rest = (sum_present - mu_max) / (n_present - 1)
    return (mu_max - mu_rest) / (mu_max + mu_rest + eps)


def layer_selectivity(
    layer_acts: Mapping[str, Tensor] | Sequence[Tensor],
    labels: Tensor,
    num_classes: int,
    eps: float = DEFAULT_EPS,
    check: bool = True,
) -> Tensor:
    """Mean SI over the units of each layer. layer_acts: L tensors [N, U_l]. Returns [L].

    All layers go through one ``class_selectivity`` call on their concatenation (one matmul).
    """
    values = list(layer_acts.values() if isinstance(layer_acts, Mapping) else layer_acts)
    if not values:
        raise ValueError("layer_selectivity needs at least one layer of activations")
    si = class_selectivity(torch.cat(values, dim=1), labels, num_classes, eps, check)
    return torch.stack([chunk.mean() for chunk in si.split([v.shape[1] for v in values])])


def mean_selectivity(
    layer_acts: Mapping[str, Tensor] | Sequence[Tensor],
    labels: Tensor,
    num_classes: int,
    eps: float = DEFAULT_EPS,
    check: bool = True,
) -> Tensor:
    """mu_SI of Eq. 3: the mean over layers of the mean SI over that layer's units. Scalar tensor."""
    return layer_selectivity(layer_acts, labels, num_classes, eps, check).mean()
