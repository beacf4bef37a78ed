"""A run's own train / val splits, drawn from the prepared file (training options ``train_size`` and
``val_draw``; both part of the run hash).

- ``train_size``: a stratified subset of exactly that many training images, drawn with a seed fixed
  by the dataset (its ``split_seed``), never by the run: every alpha and seed trains on the same
  images.
- ``val_draw``: ``fixed`` keeps the prepared validation split (the same for every run); ``per_run``
  pools the training images (after ``train_size``) with the prepared validation images and draws,
  with the run's seed, as many validation images of each class as the prepared split holds.

Normalization keeps the prepared file's statistics (those of its fixed training split) in every
case, so runs differ only in the images they see.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from .prepared import PreparedData, Split

VAL_DRAWS = ("fixed", "per_run")
_SUBSET_STREAM = 0x5EB5E7  # separate random streams from the split and epoch seeds
_VAL_STREAM = 0x7A1D


def stratified_counts(class_counts: np.ndarray, size: int) -> np.ndarray:
    """Images to take per class so that they sum to exactly ``size``, in proportion to
    ``class_counts`` [K] (largest remainder; ties go to the lower class index)."""
    total = int(class_counts.sum())
    if not 0 <= size <= total:
        raise ValueError(f"cannot take {size} of {total} images")
    quota = class_counts * size / total
    take = np.floor(quota).astype(np.int64)
    order = np.argsort(-(quota - take), kind="stable")
    take[order[: size - int(take.sum())]] += 1
    return take


def take_per_class(labels: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``counts[c]`` images of each class c, drawn at random from ``labels`` [N]."""
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in enumerate(counts)]
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)


def train_subset(labels: np.ndarray, size: int, num_classes: int, split_seed: int) -> np.ndarray:
    """Sorted indices of a stratified subset of exactly ``size`` of the training ``labels`` [N],
    fixed by the dataset's ``split_seed`` alone."""
    counts = stratified_counts(np.bincount(labels, minlength=num_classes), size)
    return take_per_class(labels, counts, np.random.default_rng([_SUBSET_STREAM, split_seed]))


def draw_val(pool_labels: np.ndarray, val_counts: np.ndarray, seed: int) -> np.ndarray:
    """Boolean mask [N] over the pooled ``pool_labels``: ``val_counts[c]`` images of class c for
    validation, drawn with the run's ``seed``."""
    mask = np.zeros(len(pool_labels), bool)
    mask[take_per_class(pool_labels, val_counts, np.random.default_rng([_VAL_STREAM, seed]))] = True
    return mask


def run_splits(data: PreparedData, train_size: int | None, val_draw: str, seed: int) -> PreparedData:
    """``data`` with the run's training and validation splits (the test split unchanged)."""
    if val_draw not in VAL_DRAWS:
        raise ValueError(f"val_draw must be one of {VAL_DRAWS}, not {val_draw!r}")
    train, val = data.train, data.val
    if train_size is not None:
        n = len(train.labels)
        if train_size > n:
            raise ValueError(f"train_size {train_size} is larger than the training split of {data.name} "
                             f"({n} images): lower it or set it to null (all of them)")
        idx = torch.from_numpy(train_subset(train.labels.numpy(), train_size, data.num_classes,
                                            int(data.meta.get("split_seed", 0))))
        train = Split(train.images[idx], train.labels[idx])
    if val_draw == "per_run":
        images = torch.cat([train.images, val.images])
        labels = torch.cat([train.labels, val.labels])
        val_counts = np.bincount(val.labels.numpy(), minlength=data.num_classes)
        mask = torch.from_numpy(draw_val(labels.numpy(), val_counts, seed))
        train, val = Split(images[~mask], labels[~mask]), Split(images[mask], labels[mask])
    return dataclasses.replace(data, train=train, val=val)
