"""Batched data pipeline on the training device: shuffling, random crop with zero (black) padding,
horizontal flip and per-channel normalization as tensor ops over a whole batch (no DataLoader).

The training images live on the device as uint8 [N, H, W, C] (channels last). Crop and flip act on
the uint8 images, before normalization, so padding is black as in the standard CIFAR recipe
(torchvision's RandomCrop(padding=p) before Normalize). A batch leaves as float [B, C, H, W],
either with channels-last strides (for channels_last models, no copy) or contiguous.

All randomness of an epoch (permutation, crop offsets, flips) is drawn at its start from one CPU
``torch.Generator`` seeded from (run seed, epoch) and moved to the device in one transfer: an
epoch's batches are identical on CPU and GPU, whether or not the run was interrupted and resumed
before it, and the training loop never waits for the host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import torch
from torch import Tensor


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """CPU generator for one epoch's shuffling and augmentation, independent of earlier epochs."""
    return torch.Generator().manual_seed(seed * 100_003 + epoch)


@dataclass(frozen=True)
class EpochPlan:
    """One epoch's randomness. order: [N] permutation; dy, dx: [N] crop offsets in [0, 2p] and
    flip: [N] bool, all indexed by position in the epoch (sample order[i] gets dy[i], dx[i], flip[i])."""

    order: Tensor
    dy: Tensor
    dx: Tensor
    flip: Tensor

    def to(self, device) -> "EpochPlan":
        return EpochPlan(*(t.to(device, non_blocking=True) for t in (self.order, self.dy, self.dx, self.flip)))


def epoch_plan(n: int, generator: torch.Generator, crop_padding: int = 0, hflip: bool = False) -> EpochPlan:
    """Draw an epoch's permutation, crop offsets and flips of ``n`` images (CPU tensors)."""
    order = torch.randperm(n, generator=generator)
    dy = torch.randint(0, 2 * crop_padding + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * crop_padding + 1, (n,), generator=generator)
    flip = torch.rand(n, generator=generator) < 0.5 if hflip else torch.zeros(n, dtype=torch.bool)
    return EpochPlan(order, dy, dx, flip)


def to_nhwc(images: Tensor) -> Tensor:
    """[N, C, H, W] -> contiguous [N, H, W, C] (the layout the pipeline keeps images in)."""
    return images.permute(0, 2, 3, 1).contiguous()


def crop(images: Tensor, dy: Tensor, dx: Tensor, padding: int) -> Tensor:
    """Zero-pad [B, H, W, C] images by ``padding`` and cut each back to H x W at offset (dy, dx)."""
    if padding <= 0:
        return images
    b, h, w, _ = images.shape
    padded = torch.nn.functional.pad(images, (0, 0, padding, padding, padding, padding))
    rows = (dy[:, None] + torch.arange(h, device=images.device))[:, :, None]  # [B, H, 1]
    cols = (dx[:, None] + torch.arange(w, device=images.device))[:, None, :]  # [B, 1, W]
    return padded[torch.arange(b, device=images.device)[:, None, None], rows, cols]


def flip_where(images: Tensor, flip: Tensor) -> Tensor:
    """Mirror left-right the [B, H, W, C] images where ``flip`` [B] is true."""
    return torch.where(flip[:, None, None, None], images.flip(2), images)


def _scale_shift(mean: Tensor, std: Tensor) -> tuple[Tensor, Tensor]:
    """x_uint8 * scale + shift == (x / 255 - mean) / std."""
    return 1.0 / (255.0 * std), -mean / std


def normalize(images: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    """uint8 [N, C, H, W] -> float, scaled to [0, 1] then standardized per channel. mean/std: [C]."""
    scale, shift = _scale_shift(mean, std)
    return images.float() * scale.view(1, -1, 1, 1) + shift.view(1, -1, 1, 1)


def normalize_nhwc(images: Tensor, mean: Tensor, std: Tensor, channels_last: bool = False) -> Tensor:
    """uint8 [N, H, W, C] -> normalized float [N, C, H, W]: a channels-last view when
    ``channels_last``, else contiguous. Same values as ``normalize`` of the NCHW images."""
    scale, shift = _scale_shift(mean, std)
    x = (images.float() * scale + shift).permute(0, 3, 1, 2)
    return x if channels_last else x.contiguous()


def batch_class_counts(labels_in_order: Tensor, batch_size: int) -> Tensor:
    """Number of distinct classes in each minibatch of the labels [N] taken in epoch order.
    Returns [ceil(N / batch_size)] (CPU, no loop over batches or classes)."""
    n = labels_in_order.shape[0]
    labels = labels_in_order.long().cpu()
    batch = torch.arange(n) // batch_size
    num_classes = int(labels.max()) + 1 if n else 1
    counts = torch.zeros((n + batch_size - 1) // batch_size, num_classes, dtype=torch.long)
    counts.index_put_((batch, labels), torch.ones(n, dtype=torch.long), accumulate=True)
    return (counts > 0).sum(1)


def train_batches(
    images: Tensor,
    labels: Tensor,
    batch_size: int,
    plan: EpochPlan,
    mean: Tensor,
    std: Tensor,
    crop_padding: int = 0,
    channels_last: bool = False,
    drop_last: bool = False,
) -> Iterator[tuple[Tensor, Tensor]]:
    """One epoch of shuffled, augmented, normalized batches ([B, C, H, W] float, [B] int64).

    images: uint8 [N, H, W, C] on the training device; labels: [N]; plan: ``epoch_plan`` moved to
    the same device (its flips decide hflip). The last batch may be smaller unless ``drop_last``.
    """
    n = images.shape[0]
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        sl = slice(start, start + batch_size)
        idx = plan.order[sl]
        x = crop(images[idx], plan.dy[sl], plan.dx[sl], crop_padding)  # black (0) padding
        x = flip_where(x, plan.flip[sl])
        yield normalize_nhwc(x, mean, std, channels_last), labels[idx]
