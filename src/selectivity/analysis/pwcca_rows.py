"""The datapoints ("rows") that PWCCA compares, per unit layer, recomputed from a trained network.

Appendix A.2 compares "the activation vector of every neuron over the M data samples". For a
convolutional layer with output [N, U, H, W] there are two readings of a data sample:

- ``"positions"`` (the default): channels are the neurons and every (test image, spatial position)
  is a datapoint, as google/svcca's tutorial for convolutional layers does. ``rows`` of the
  N * H * W pairs are drawn once per layer, from a seed that depends only on the dataset, the
  test-set size and the layer's shape [U, H, W], never on the run: every network compared sees the
  same images at the same positions, and the draw is reproducible.
- ``"images"``: one datapoint per test image, each channel's spatial mean (the units of the
  selectivity analysis; N rows).

A fully connected layer (or a 1 x 1 map) has one row per test image under both readings.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import torch
from torch import Tensor, nn

from ..units import UnitRecorder, spatial_mean

READINGS = ("positions", "images")


def row_indices(dataset: str, n_images: int, shape: tuple[int, ...], rows: int) -> np.ndarray:
    """The rows of one layer under "positions": sorted flat indices image * H*W + position into the
    n_images * H*W (image, position) pairs, min(rows, n_images * H*W) of them, without repeats.

    shape: the layer's output shape without the batch dimension, [U, H, W]. The draw depends only on
    (dataset, n_images, shape, rows)."""
    total = n_images * math.prod(shape[1:])
    if rows >= total:
        return np.arange(total)
    key = f"pwcca-rows|{dataset}|{n_images}|{'x'.join(map(str, shape))}"
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    return np.sort(rng.choice(total, size=rows, replace=False))


@torch.no_grad()
def layer_rows(model: nn.Module, images: Tensor, dataset: str, reading: str = "positions", rows: int = 4096,
               batch_size: int = 500, transform=None) -> dict[str, np.ndarray]:
    """{unit layer: [R, U] float32}: the layer's datapoints under ``reading`` (see the module doc).

    images: the whole test set [N, C, H, W] (``transform`` maps a batch to the model's input);
    dataset: the dataset's name (part of the row seed); rows: rows per convolutional layer under
    "positions" (all N * H * W pairs if fewer). Layers are the model's unit layers, as recorded by
    ``UnitRecorder``. The model is run in eval mode."""
    if reading not in READINGS:
        raise ValueError(f"PWCCA reading must be one of {READINGS}, got {reading!r}")
    if rows < 1:
        raise ValueError(f"rows must be >= 1, got {rows}")
    was_training = model.training
    model.eval()
    prepare = transform if transform is not None else (lambda x: x)
    n = images.shape[0]
    chunks: dict[str, list[Tensor]] = {}
    try:
        with UnitRecorder(model, detach=True, reduce=None) as rec:
            model(prepare(images[:1]))
            shapes = {name: tuple(a.shape[1:]) for name, a in rec.activations.items()}
            picks = {name: None if reading == "images" or math.prod(s[1:]) == 1
                     else row_indices(dataset, n, s, rows) for name, s in shapes.items()}
            for start in range(0, n, batch_size):
                x = images[start : start + batch_size]
                model(prepare(x))
                for name, out in rec.activations.items():
                    chunks.setdefault(name, []).append(_gather(out, picks[name], start))
    finally:
        model.train(was_training)
    return {name: torch.cat(c).numpy() for name, c in chunks.items()}


def _gather(out: Tensor, picks: np.ndarray | None, start: int) -> Tensor:
    """The rows of one batch (images start ... start + B): spatial means [B, U] if picks is None,
    else the picked (image, position) rows that fall in the batch, [r, U] (float32, on CPU)."""
    if picks is None:
        return spatial_mean(out).float().cpu()
    b, u = out.shape[:2]
    per_image = math.prod(out.shape[2:])
    lo, hi = np.searchsorted(picks, [start * per_image, (start + b) * per_image])
    local = torch.as_tensor(picks[lo:hi] - start * per_image, device=out.device)
    return out.reshape(b, u, per_image)[local // per_image, :, local % per_image].float().cpu()
