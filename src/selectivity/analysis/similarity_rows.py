"""The datapoints ("rows") that the similarity measures compare, per unit layer, recomputed from a
trained network in one forward pass for every reading.

Appendix A.2 compares "the activation vector of every neuron over the M data samples". For a
convolutional layer with output [N, U, H, W] there are two readings of a data sample, and the
paper does not say which it used:

- ``"positions"``: channels are the neurons and every (test image, spatial position) is a
  datapoint, as google/svcca's tutorial for convolutional layers does;
- ``"images"``: one datapoint per test image, each channel's spatial mean (the units of the
  selectivity analysis, Sec. 3.2: "the activation of a unit ... averaged over the spatial
  dimensions").

A fully connected layer (or a 1 x 1 map) has one datapoint per test image under both readings.

How many rows: ``selectivity.similarity.rows_wanted(U) = max(min_rows, rows_per_neuron * U)`` for a layer of U neurons,
the same rule under both readings, so a layer's readings are compared at the same datapoints per
neuron; a layer with fewer available datapoints than that (N * H * W, or N images) gets all of them.
The rows are drawn once per layer from a seed that depends only on the dataset, the test-set
size, the layer's shape and the row count, never on the run: every network compared sees the same
images at the same positions, and a rerun draws the same rows.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import torch
from torch import Tensor, nn

from ..names import SIMILARITY_READINGS
from ..defaults import SIMILARITY_IMAGES_PER_PASS
from ..similarity import DEFAULT_MIN_ROWS, DEFAULT_ROWS_PER_NEURON, rows_wanted
from ..evaluation import eval_mode
from ..units import UnitRecorder, spatial_mean


def _draw(key: str, total: int, rows: int) -> np.ndarray:
    """Sorted indices of ``rows`` of ``total`` items, without repeats (all if rows >= total)."""
    if rows >= total:
        return np.arange(total)
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    return np.sort(rng.choice(total, size=rows, replace=False))


def row_indices(dataset: str, n_images: int, shape: tuple[int, ...], rows: int, reading: str = "positions") -> np.ndarray:
    """The rows of one layer: sorted flat indices into its datapoints, min(rows, available) of them.

    shape: the layer's output shape without the batch dimension, [U, H, W] or [U]. Under
    "positions" a datapoint is (image, position), index image * H*W + position (a layer with one
    position counts as "images"); under "images" it is a test image. The draw depends only on
    (dataset, n_images, shape, rows, reading)."""
    per_image = math.prod(shape[1:])
    if reading == "images" or per_image == 1:
        return _draw(f"similarity-images|{dataset}|{n_images}|{rows}", n_images, rows)
    return _draw(f"pwcca-rows|{dataset}|{n_images}|{'x'.join(map(str, shape))}", n_images * per_image, rows)


@torch.no_grad()
def layer_rows(model: nn.Module, images: Tensor, dataset: str, readings=SIMILARITY_READINGS,
               rows_per_neuron: int = DEFAULT_ROWS_PER_NEURON, min_rows: int = DEFAULT_MIN_ROWS, batch_size: int = SIMILARITY_IMAGES_PER_PASS, transform=None) -> dict[str, dict[str, np.ndarray]]:
    """{reading: {unit layer: [R, U] float32}}: each layer's rows under each reading (module doc),
    from one pass over the test set.

    images: the whole test set [N, C, H, W] (``transform`` maps a batch to the model's input);
    dataset: the dataset's name (part of the row seed). Layers are the model's unit layers, as
    recorded by ``UnitRecorder``. The model is run in eval mode."""
    readings = tuple(readings)
    bad = [r for r in readings if r not in SIMILARITY_READINGS]
    if bad or not readings:
        raise ValueError(f"similarity readings must be among {SIMILARITY_READINGS}, got {list(readings)}")
    if rows_per_neuron < 1 or min_rows < 2:
        raise ValueError(f"rows_per_neuron must be >= 1 and min_rows >= 2, got {rows_per_neuron}, {min_rows}")
    prepare = transform if transform is not None else (lambda x: x)
    n = images.shape[0]
    chunks: dict[tuple[str, str], list[Tensor]] = {}
    with eval_mode(model):
        with UnitRecorder(model, detach=True, reduce=None) as rec:
            model(prepare(images[:1]))
            shapes = {name: tuple(a.shape[1:]) for name, a in rec.activations.items()}
            picks = {(reading, name): row_indices(dataset, n, s, rows_wanted(s[0], rows_per_neuron, min_rows), reading)
                     for reading in readings for name, s in shapes.items()}
            for start in range(0, n, batch_size):
                x = images[start : start + batch_size]
                model(prepare(x))
                for name, out in rec.activations.items():
                    for reading in readings:
                        chunks.setdefault((reading, name), []).append(
                            _gather(out, picks[reading, name], start, reading))
    return {reading: {name: torch.cat(chunks[reading, name]).numpy() for name in shapes} for reading in readings}


def _gather(out: Tensor, picks: np.ndarray, start: int, reading: str) -> Tensor:
    """The picked rows that fall in one batch (images start ... start + B), [r, U] float32 on the
    CPU: spatial means of the picked images (``images``, or one position per image), else the picked
    (image, position) pairs."""
    b, u = out.shape[:2]
    per_image = math.prod(out.shape[2:])
    if reading == "images" or per_image == 1:
        lo, hi = np.searchsorted(picks, [start, start + b])
        local = torch.as_tensor(picks[lo:hi] - start, device=out.device)
        return spatial_mean(out[local]).float().cpu()
    lo, hi = np.searchsorted(picks, [start * per_image, (start + b) * per_image])
    local = torch.as_tensor(picks[lo:hi] - start * per_image, device=out.device)
    return out.reshape(b, u, per_image)[local // per_image, :, local % per_image].float().cpu()
