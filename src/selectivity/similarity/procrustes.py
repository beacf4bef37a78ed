"""Orthogonal Procrustes distance (Ding, Denain & Steinhardt 2021; Williams et al. 2021).

Each representation [m, p] is centred (per neuron) and scaled to unit Frobenius norm; then

    d(X, Y) = min_R ||X R - Y||_F^2 over orthogonal R = ||X||_F^2 + ||Y||_F^2 - 2 ||X^T Y||_* = 2 - 2 ||X^T Y||_*

(the narrower side padded with zero neurons), in [0, 2]; ||.||_* is the nuclear norm (sum of
singular values). ``angular=True`` gives the angular form arccos ||X^T Y||_* (Williams et al.'s
shape metric), in [0, pi/2]. 0 exactly when one side is an orthogonal transform of the other
(after centring and scaling); an invertible linear map that is not orthogonal gives > 0. A side
without variance has no distance (NaN).
"""

from __future__ import annotations

import numpy as np


def procrustes_from_products(cross: np.ndarray, sq_norm1: float, sq_norm2: float, angular: bool = False) -> float:
    """The distance from cross = X^T Y [p, q] of the centred (unscaled) sides and their squared
    Frobenius norms."""
    if sq_norm1 <= 0 or sq_norm2 <= 0:
        return float("nan")
    nuclear = float(np.linalg.svd(cross, compute_uv=False).sum()) / np.sqrt(sq_norm1 * sq_norm2)
    nuclear = min(nuclear, 1.0)  # round-off can exceed 1 for identical sides
    return float(np.arccos(nuclear)) if angular else 2.0 - 2.0 * nuclear
