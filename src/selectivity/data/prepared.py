"""The prepared-dataset format: one uncompressed .npz of uint8 images [N, C, H, W] and int64
labels for the train / val / test splits, plus a JSON metadata string.

Every dataset (CIFAR-10, Fashion-MNIST, Tiny ImageNet, digits, synthetic) is prepared once into
this format; the trainer and the analysis read only this.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..io import atomic_path

SPLITS = ("train", "val", "test")


@dataclass
class Split:
    images: torch.Tensor  # [N, C, H, W] uint8
    labels: torch.Tensor  # [N] int64


@dataclass
class PreparedData:
    name: str
    classes: list[str]
    mean: list[float]  # per-channel mean of the train split, pixel values scaled to [0, 1]
    std: list[float]
    train: Split
    val: Split
    test: Split
    meta: dict

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.train.images.shape[1:])


def split_indices(labels: np.ndarray, fractions_or_sizes: dict[str, float | int], seed: int) -> dict[str, np.ndarray]:
    """Stratified random split of ``range(len(labels))``.

    fractions_or_sizes: held-out splits (e.g. {"val": 5000}) as sizes (int) or fractions (float);
    every class contributes in proportion to its frequency. The rest is "train". Sorted indices.
    """
    rng = np.random.default_rng(seed)
    n = len(labels)
    sizes = {k: (v if isinstance(v, int) else int(round(v * n))) for k, v in fractions_or_sizes.items()}
    out = {k: [] for k in [*sizes, "train"]}
    classes, counts = np.unique(labels, return_counts=True)
    for c, count in zip(classes, counts):
        idx = rng.permutation(np.flatnonzero(labels == c))
        start = 0
        for k, size in sizes.items():
            take = int(round(size * count / n))
            out[k].append(idx[start : start + take])
            start += take
        out["train"].append(idx[start:])
    return {k: np.sort(np.concatenate(v)) for k, v in out.items()}


def channel_stats(images: np.ndarray, chunk: int = 1024) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of uint8 images [N, C, H, W], pixel values scaled to [0, 1].

    From exact integer sums (a histogram of the 256 values per channel, ``chunk`` images at a time):
    no float copy of the images (Tiny ImageNet's train split would take 9 GB as float64)."""
    hist = np.zeros((images.shape[1], 256), np.int64)
    for start in range(0, len(images), chunk):
        block = images[start : start + chunk]
        for c in range(images.shape[1]):
            hist[c] += np.bincount(block[:, c].ravel(), minlength=256)
    n = len(images) * images.shape[2] * images.shape[3]
    means, stds = [], []
    for counts in hist.tolist():
        s1 = sum(v * k for v, k in enumerate(counts))
        s2 = sum(v * v * k for v, k in enumerate(counts))
        means.append(s1 / (255 * n))
        stds.append(math.sqrt(n * s2 - s1 * s1) / (255 * n))  # sqrt(n * sum(x^2) - sum(x)^2) / n, exact inside
    return means, stds


def save_prepared(
    path: str | Path,
    name: str,
    classes: list[str],
    splits: dict[str, tuple[np.ndarray, np.ndarray]],
    meta: dict | None = None,
) -> None:
    """Write the splits (images uint8 [N, C, H, W], labels) atomically to ``path`` (.npz)."""
    for k, (x, y) in splits.items():
        if x.dtype != np.uint8 or x.ndim != 4 or len(x) != len(y):
            raise ValueError(f"split {k}: need uint8 images [N, C, H, W] and N labels")
    mean, std = channel_stats(splits["train"][0])
    info = dict(meta or {}, name=name, classes=list(classes), mean=mean, std=std,
                sizes={k: int(len(v[1])) for k, v in splits.items()})
    arrays = {}
    for k in SPLITS:
        arrays[f"{k}_images"] = splits[k][0]
        arrays[f"{k}_labels"] = splits[k][1].astype(np.int64)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, meta=np.array(json.dumps(info, sort_keys=True)), **arrays)


def load_prepared(path: str | Path) -> PreparedData:
    """The prepared dataset at ``path``, checked: every split present, uint8 images [N, C, H, W] with
    N labels in [0, classes), the metadata's sizes. A bad file raises InputError naming it."""
    from ..inputs import input_error, load_npz, require

    path = Path(path)
    arrays = load_npz(path, ["meta"] + [f"{k}_{a}" for k in SPLITS for a in ("images", "labels")])
    try:
        info = json.loads(str(arrays["meta"]))
        name, classes, mean, std = info["name"], info["classes"], info["mean"], info["std"]
    except (ValueError, KeyError, TypeError) as e:
        raise input_error(path, f"its metadata is damaged ({type(e).__name__}: {e})") from e
    splits = {}
    for k in SPLITS:
        x, y = arrays[f"{k}_images"], arrays[f"{k}_labels"]
        require(x.dtype == np.uint8 and x.ndim == 4 and y.ndim == 1 and len(x) == len(y), path,
                f"split {k!r} is not uint8 images [N, C, H, W] with N labels")
        require(len(y) == 0 or (0 <= y.min() and y.max() < len(classes)), path,
                f"split {k!r} has labels outside [0, {len(classes)})")
        require(info.get("sizes", {}).get(k, len(y)) == len(y), path,
                f"split {k!r} holds {len(y)} images, its metadata says {info.get('sizes', {}).get(k)}")
        splits[k] = Split(torch.from_numpy(x), torch.from_numpy(y))
    return PreparedData(name=name, classes=classes, mean=mean, std=std, meta=info, **splits)
