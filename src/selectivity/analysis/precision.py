"""Precision, an alternative class-selectivity metric (paper A.5; Zhou et al. 2015, Gale et al. 2019):
the fraction of the most common class among the N images that activate a unit most."""

from __future__ import annotations

import numpy as np


def precision(acts: np.ndarray, labels: np.ndarray, num_classes: int, n_top: int) -> np.ndarray:
    """acts: [N, U]; labels: [N]. Returns precision [U] in [1/C, 1] (for N >= C).

    The top ``n_top`` images of each unit are taken by a stable sort of its activations
    (descending), so ties (e.g. the zeros of a dead unit) go to the earlier images.
    """
    if not 1 <= n_top <= acts.shape[0]:
        raise ValueError(f"n_top must be in [1, {acts.shape[0]}], got {n_top}")
    order = np.argsort(-acts, axis=0, kind="stable")[:n_top]  # [n_top, U]
    top_labels = labels[order]  # [n_top, U]
    counts = np.stack([(top_labels == c).sum(axis=0) for c in range(num_classes)])  # [C, U]
    return counts.max(axis=0) / n_top


def default_n_top(labels: np.ndarray, num_classes: int) -> int:
    """The paper's N: the number of test images per class (1000 for CIFAR-10); rounded mean if unequal."""
    return max(1, int(round(len(labels) / num_classes)))
