"""Dead units (paper A.6): units whose activation is zero for every test image."""

from __future__ import annotations

import numpy as np


def dead_units(acts: np.ndarray) -> np.ndarray:
    """acts: [N, U] (spatially averaged). Returns bool [U]: True where every activation is 0.

    For ReLU units the spatial mean is 0 exactly when every position is 0, so this is the paper's
    definition on the feature maps themselves.
    """
    return np.all(acts == 0, axis=0)
