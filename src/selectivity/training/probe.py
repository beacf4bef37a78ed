"""Selectivity over training: after each epoch, the mean SI per layer and over the network (Eq. 3)
and the accuracy on a fixed probe of validation images (``RunConfig.probe_size``).

The probe is the same images for every run of a dataset: drawn from the *prepared* validation split
(not a run's own, ``val_draw: per_run``), stratified, in file order: the first image of every
class, then the second of every class, ... until ``probe_size`` images (``probe_indices``).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..metrics import layer_selectivity
from ..units import collect_activations


def probe_indices(labels: Tensor, size: int) -> Tensor:
    """Indices [size] into ``labels`` [N]: round-robin over the classes in file order (the k-th
    image of each class before any class's (k+1)-th), ascending. Raises if there are fewer images."""
    if size > labels.shape[0]:
        raise ValueError(f"probe_size {size} exceeds the {labels.shape[0]} images of the prepared validation "
                         f"split: lower training.probe_size")
    labels = labels.long()
    order = torch.argsort(labels, stable=True)  # by class, file order within a class
    sorted_labels = labels[order]
    starts = torch.searchsorted(sorted_labels, sorted_labels, right=False)
    rank = torch.arange(labels.shape[0]) - starts  # position of each image within its class
    by_rank = torch.argsort(rank * (int(labels.max()) + 1) + sorted_labels, stable=True)
    return order[by_rank][:size].sort().values


def probe_selectivity(model: nn.Module, images: Tensor, labels: Tensor, num_classes: int, eps: float,
                      batch_size: int, transform) -> tuple[list[tuple[str, float]], float]:
    """The probe's (layer, mean SI) pairs in layer order, then ("network", mu_SI of Eq. 3), and its
    accuracy. images: [P, C, H, W] uint8 on the model's device; labels: [P] (CPU)."""
    acts, logits = collect_activations(model, images, batch_size, transform=transform)
    per_layer = layer_selectivity(acts, labels, num_classes, eps)
    values = per_layer.tolist()
    pairs = list(zip(acts, values)) + [("network", float(per_layer.mean()))]
    return pairs, float((logits.argmax(1) == labels).float().mean())
