"""Batched data pipeline on the training device: shuffling, random crop with zero (black) padding,
horizontal flip and per-channel normalization as tensor ops over a whole batch (no DataLoader).
Crop and flip act on the uint8 images, before normalization, so padding is black as in the
standard CIFAR recipe.

All randomness comes from one ``torch.Generator`` per epoch, seeded from (run seed, epoch), so an
epoch's batches are identical whether or not the run was interrupted and resumed before it.
"""

from __future__ import annotations

from typing import Iterator

import torch
from torch import Tensor


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """CPU generator for one epoch's shuffling and augmentation, independent of earlier epochs."""
    return torch.Generator().manual_seed(seed * 100_003 + epoch)


def normalize(images: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    """uint8 [N, C, H, W] -> float, scaled to [0, 1] then standardized per channel. mean/std: [C]."""
    return (images.float() / 255.0 - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)


def random_crop(x: Tensor, padding: int, generator: torch.Generator) -> Tensor:
    """Zero-pad each image by ``padding`` and crop back to H x W at a random offset per image."""
    if padding <= 0:
        return x
    n, c, h, w = x.shape
    padded = torch.nn.functional.pad(x, (padding,) * 4)
    dy = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)
    dx = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]  # [N, 1, H, 1]
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]  # [N, 1, 1, W]
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    chan = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch, chan, rows, cols]


def random_hflip(x: Tensor, generator: torch.Generator) -> Tensor:
    """Mirror each image left-right with probability 1/2."""
    flip = (torch.rand(x.shape[0], generator=generator) < 0.5).to(x.device)
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def train_batches(
    images: Tensor,
    labels: Tensor,
    batch_size: int,
    generator: torch.Generator,
    mean: Tensor,
    std: Tensor,
    crop_padding: int = 0,
    hflip: bool = False,
) -> Iterator[tuple[Tensor, Tensor]]:
    """One epoch of shuffled, augmented, normalized batches ([B, C, H, W] float, [B] int64).

    images: uint8 [N, C, H, W] on the training device. The last batch may be smaller.
    """
    order = torch.randperm(images.shape[0], generator=generator).to(images.device)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        x = random_crop(images[idx], crop_padding, generator)  # pads with black (0) pixels, as
        if hflip:  # torchvision's RandomCrop(padding=p) before Normalize does
            x = random_hflip(x, generator)
        yield normalize(x, mean, std), labels[idx]
