"""Projection-weighted CCA distance (Morcos et al. 2018), as the paper used it (Sec. 3.4, A.2).

The distance is 1 - the PWCCA similarity that the reference implementation (google/svcca,
``pwcca.compute_pwcca`` on ``cca_core.get_cca_similarity``) computes:

1. covariances of the two neuron sets (centred, ddof = 1), each side rescaled by its largest
   absolute covariance; neurons whose rescaled variance is below ``epsilon`` dropped;
   ``epsilon * I`` added; whitening by the inverse square root;
2. canonical correlations rho = singular values of Sxx^-1/2 Sxy Syy^-1/2, with their singular
   vectors;
3. the side with fewer kept neurons (side 1 on a tie) supplies the weights: its directions
   ``coef @ (acts - mean) + mean`` (the reference applies the whitened-space singular vectors to the
   un-whitened, centred activations and adds the neuron means back), orthonormalized (QR), and
   weight_i = sum_j |<p_i, x_j>| over that side's raw neuron vectors x_j, normalized to sum 1;
4. similarity = sum_i weight_i * rho_i.

Unlike the reference, the second branch uses ``acts2`` (the reference indexes ``acts1`` there),
and negative eigenvalues from round-off are clipped to 0 before square roots (the reference would
return NaN). A side is prepared once (``pwcca_side``: whitening from its Gram matrix) and a pair
needs only the cross product of the two centred sides (``Side.centered.T @ other.centered``, shared
with CKA and Procrustes) and k x k algebra; the QR of the directions is obtained from the
Cholesky factor of their Gram matrix.

Shapes here: k kept neurons, m datapoints. CCA is invariant to invertible affine maps of either
side (identical, scaled, shifted, rotated inputs give 0 up to the epsilon * I regularization,
~1e-9); the *weights*, and so the distance between two different inputs, use raw neurons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..defaults import ANALYSIS

DEFAULT_EPSILON = ANALYSIS["pwcca_epsilon"]  # the value the reference's tutorials pass to get_cca_similarity


@dataclass
class PwccaSide:
    """One side's PWCCA quantities. n neurons, k kept, m datapoints."""

    kept: np.ndarray  # [n] bool: neurons kept (rescaled variance >= epsilon)
    mean: np.ndarray  # [k] raw means of the kept neurons
    gram: np.ndarray  # [k, k] centred Gram matrix of the kept neurons (= (m - 1) * covariance)
    whiten: np.ndarray  # [k, k] symmetric: whitened datapoints = centred_k @ whiten
    centered: np.ndarray  # [m, k] centred activations of the kept neurons (explicit-QR fallback)
    m: int


def _inv_sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """(pinv(matrix))^(1/2) for a symmetric PSD matrix, via one eigendecomposition."""
    w, v = np.linalg.eigh(matrix)
    tol = np.finfo(matrix.dtype).eps * max(matrix.shape) * max(float(np.max(np.abs(w))), 1e-300)
    inv_sqrt = np.zeros_like(w)
    keep = w > tol
    inv_sqrt[keep] = 1.0 / np.sqrt(w[keep])
    return (v * inv_sqrt) @ v.T


def pwcca_side(centered: np.ndarray, mean: np.ndarray, gram: np.ndarray, epsilon: float = DEFAULT_EPSILON) -> PwccaSide:
    """Prepare one side from its centred activations [m, n], raw means [n] and Gram matrix [n, n]
    (centered.T @ centered). Needs fewer neurons than datapoints (n < m)."""
    m, n = centered.shape
    if n >= m:
        raise ValueError(f"PWCCA needs fewer neurons than datapoints, got {n} neurons and {m} datapoints")
    cov_diag = np.diagonal(gram) / (m - 1)
    smax = float(np.max(np.abs(gram))) / (m - 1)
    if smax == 0:
        kept = np.zeros(n, dtype=bool)
        smax = 1.0
    else:
        kept = np.abs(cov_diag) / smax >= epsilon
    gram_k = gram[np.ix_(kept, kept)]
    scaled = gram_k / ((m - 1) * smax) + epsilon * np.eye(int(kept.sum()))
    whiten = _inv_sqrt_psd(scaled) / np.sqrt(smax * (m - 1)) if kept.any() else np.zeros((0, 0))
    return PwccaSide(kept=kept, mean=mean[kept], gram=gram_k, whiten=whiten, centered=centered[:, kept], m=m)


def _weights(p: PwccaSide, coef: np.ndarray) -> np.ndarray:
    """Projection weights of one side: coef [k, k] rows are its CCA directions (whitened space)."""
    try:
        return _weights_cholesky(p, coef)
    except np.linalg.LinAlgError:  # near-collinear directions: explicit QR, as the reference
        return _weights_qr(p, coef)


def _weights_cholesky(p: PwccaSide, coef: np.ndarray) -> np.ndarray:
    """Directions D = coef @ centered^T + mean 1^T. Because centered^T @ 1 = 0, D D^T = coef G coef^T +
    m mu mu^T and D X = coef G + m mu mu^T (X: raw activations [m, k], G: the Gram matrix), so the QR of
    D^T (Q = D^T R^-1, R from the Cholesky factor of D D^T) and Q^T X need only k x k algebra."""
    mu = p.mean[:, None]
    mmu = p.m * mu @ mu.T
    cross = coef @ p.gram + mmu  # D X
    r = np.linalg.cholesky(coef @ p.gram @ coef.T + mmu).T  # D^T = Q R
    w = np.abs(np.linalg.solve(r.T, cross)).sum(axis=1)  # |Q^T X| summed over neurons
    return w / w.sum()


def _weights_qr(p: PwccaSide, coef: np.ndarray) -> np.ndarray:
    """The same weights with an explicit QR of the [m, k] directions (the reference's way)."""
    q, _ = np.linalg.qr(p.centered @ coef.T + p.mean[None, :])
    w = np.abs(q.T @ (p.centered + p.mean[None, :])).sum(axis=1)
    return w / w.sum()


def pwcca_pair(p1: PwccaSide, p2: PwccaSide, cross: np.ndarray) -> float:
    """PWCCA distance (1 - similarity) of two prepared sides; cross [n1, n2]: the product of their
    centred activations over all neurons (kept or not), centered1.T @ centered2."""
    if p1.m != p2.m:
        raise ValueError(f"datapoints differ: {p1.m} vs {p2.m}")
    k1, k2 = int(p1.kept.sum()), int(p2.kept.sum())
    if k1 == 0 or k2 == 0:
        return 1.0  # the reference returns zero coefficients: similarity 0
    u, s, vh = np.linalg.svd(p1.whiten @ cross[np.ix_(p1.kept, p2.kept)] @ p2.whiten)
    rho = np.abs(s)
    weights = _weights(p1, u.T) if k1 <= k2 else _weights(p2, vh)
    return float(1.0 - np.sum(weights * rho))
