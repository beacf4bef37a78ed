"""The selectivity index of a unit that carries no class information: SI (Eq. 1) under shuffled
labels.

With finitely many test images per class, the largest of C class-conditional means exceeds the
mean of the others by chance, so a unit with no class information has SI well above 0 (about 0.10
with 200 classes and 10,000 images, and about 0.33 on a 256-image minibatch of them). The null of
a unit is its mean SI over ``n_permutations`` random permutations of the test labels: the same
permutations (a fixed seed) for every layer and every run of a test set, so runs compare on the
same footing. "Near-zero selectivity" means "not above this null" (claims table).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..metrics import class_selectivity


def label_permutations(n_images: int, n_permutations: int, seed: int) -> Tensor:
    """[n_permutations, n_images] int64: independent random permutations of 0..n_images-1,
    a function of (n_images, n_permutations, seed) only."""
    gen = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randperm(n_images, generator=gen) for _ in range(n_permutations)]) \
        if n_permutations else torch.empty(0, n_images, dtype=torch.int64)


def shuffled_label_si(acts: Tensor, labels: Tensor, num_classes: int, permutations: Tensor,
                      eps: float) -> Tensor:
    """Per unit, the mean SI over the label permutations: [U] (NaN if there are none).

    acts: [N, U] spatially averaged activations; labels: [N]; permutations: [P, N] (from
    ``label_permutations``). SI is the project's one definition (``metrics.class_selectivity``),
    applied to the permuted class means with one row per present class (its class-conditional
    means are then those rows, exactly); the class sums are scatter-adds, O(N x U) per permutation
    rather than the one-hot matmul's O(N x C x U)."""
    if len(permutations) == 0:
        return torch.full((acts.shape[1],), float("nan"), dtype=acts.dtype)
    labels = labels.long()
    counts = torch.bincount(labels, minlength=num_classes).to(acts.dtype)  # the same for every permutation
    present = torch.nonzero(counts > 0).squeeze(1)
    total = torch.zeros(acts.shape[1], dtype=torch.float64)
    for perm in permutations:
        sums = torch.zeros(num_classes, acts.shape[1], dtype=acts.dtype).index_add_(0, labels[perm], acts)
        means = (sums / counts.clamp(min=1).unsqueeze(1))[present]  # [C_present, U]
        total += class_selectivity(means, present, num_classes, eps).to(torch.float64)
    return (total / len(permutations)).to(acts.dtype)
