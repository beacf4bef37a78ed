"""Projection-weighted CCA distance (Morcos et al. 2018), as the paper used it (Sec. 3.4, A.2).

``pwcca_distance(acts1, acts2)`` returns 1 - the PWCCA similarity that the reference
implementation (google/svcca, ``pwcca.compute_pwcca`` on ``cca_core.get_cca_similarity``) computes:

1. covariances of the two neuron sets (``np.cov``, i.e. centred, ddof = 1), each side rescaled by
   its largest absolute covariance; neurons whose rescaled variance is below ``epsilon`` dropped;
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
return NaN). Everything per run (means, centring, covariance, whitening) is computed once in
``Prepared`` and reused for every pair the run takes part in; a pair then costs one
cross-covariance product and small k x k algebra (the QR of the directions is obtained from the
Cholesky factor of their Gram matrix, which needs only per-run quantities).

Invariances (tested; exact up to the epsilon * I regularization, ~1e-9): identical inputs, a scaled copy, a shifted copy and a neuron-space rotation of
the inputs all give distance 0 (CCA is invariant to invertible affine maps); the *weights*, and so
the distance between two different inputs, are not rotation-invariant (they use raw neurons).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_EPSILON = 1e-10  # the value the reference's tutorials pass to get_cca_similarity


@dataclass
class Prepared:
    """Per-run, per-layer quantities reused across pairs. k = kept neurons, m = datapoints."""

    mean: np.ndarray  # [k] neuron means
    centered: np.ndarray  # [k, m] acts - mean
    gram: np.ndarray  # [k, k] centered @ centered.T  (= (m - 1) * covariance)
    whitened: np.ndarray  # [k, m] (S/smax + eps I)^-1/2 @ centered / sqrt(smax * (m - 1))
    kept: np.ndarray  # [n] bool: neurons kept (rescaled variance >= epsilon)
    m: int


def _inv_sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """(pinv(matrix))^(1/2) for a symmetric PSD matrix, via one eigendecomposition."""
    w, v = np.linalg.eigh(matrix)
    tol = np.finfo(matrix.dtype).eps * max(matrix.shape) * max(float(np.max(np.abs(w))), 1e-300)
    inv_sqrt = np.zeros_like(w)
    keep = w > tol
    inv_sqrt[keep] = 1.0 / np.sqrt(w[keep])
    return (v * inv_sqrt) @ v.T


def prepare(acts: np.ndarray, epsilon: float = DEFAULT_EPSILON) -> Prepared:
    """Precompute one side. acts: (neurons, datapoints), neurons < datapoints."""
    acts = np.asarray(acts, dtype=np.float64)
    if acts.ndim != 2 or acts.shape[0] >= acts.shape[1]:
        raise ValueError(f"acts must be (neurons, datapoints) with neurons < datapoints, got {acts.shape}")
    m = acts.shape[1]
    mean_all = acts.mean(axis=1)
    centered_all = acts - mean_all[:, None]
    cov = centered_all @ centered_all.T / (m - 1)
    smax = float(np.max(np.abs(cov)))
    if smax == 0:
        kept = np.zeros(acts.shape[0], dtype=bool)
        smax = 1.0
    else:
        kept = np.abs(np.diagonal(cov)) / smax >= epsilon
    centered = centered_all[kept]
    gram = centered @ centered.T
    scaled = gram / ((m - 1) * smax) + epsilon * np.eye(int(kept.sum()))
    whitened = _inv_sqrt_psd(scaled) @ centered / np.sqrt(smax * (m - 1))
    return Prepared(mean=mean_all[kept], centered=centered, gram=gram, whitened=whitened, kept=kept, m=m)


def _weights(p: Prepared, coef: np.ndarray) -> np.ndarray:
    """Projection weights of one side: coef [k, k] rows are its CCA directions (whitened space)."""
    try:
        return _weights_cholesky(p, coef)
    except np.linalg.LinAlgError:  # near-collinear directions: explicit QR, as the reference
        return _weights_qr(p, coef)


def _weights_cholesky(p: Prepared, coef: np.ndarray) -> np.ndarray:
    """Directions D = coef @ centered + mean 1^T. Because centered @ 1 = 0, D D^T = coef G coef^T +
    m mu mu^T and D X^T = coef G + m mu mu^T (X: raw activations, G: the Gram matrix), so the QR of
    D^T (Q = D^T R^-1, R from the Cholesky factor of D D^T) and Q^T X^T need only k x k algebra."""
    mu = p.mean[:, None]
    mmu = p.m * mu @ mu.T
    cross = coef @ p.gram + mmu  # D X^T
    r = np.linalg.cholesky(coef @ p.gram @ coef.T + mmu).T  # D^T = Q R
    w = np.abs(np.linalg.solve(r.T, cross)).sum(axis=1)  # |Q^T X^T| summed over neurons
    return w / w.sum()


def _weights_qr(p: Prepared, coef: np.ndarray) -> np.ndarray:
    """The same weights with an explicit QR of the [m, k] directions (the reference's way)."""
    mu = p.mean[:, None]
    q, _ = np.linalg.qr((coef @ p.centered + mu).T)
    w = np.abs(q.T @ (p.centered + mu).T).sum(axis=1)
    return w / w.sum()


def pwcca_prepared(p1: Prepared, p2: Prepared) -> float:
    """PWCCA distance of two prepared sides (1 - similarity)."""
    if p1.m != p2.m:
        raise ValueError(f"datapoints differ: {p1.m} vs {p2.m}")
    k1, k2 = int(p1.kept.sum()), int(p2.kept.sum())
    if k1 == 0 or k2 == 0:
        return 1.0  # the reference returns zero coefficients: similarity 0
    u, s, vh = np.linalg.svd(p1.whitened @ p2.whitened.T)
    rho = np.abs(s)
    if k1 <= k2:
        weights = _weights(p1, u.T)
    else:
        weights = _weights(p2, vh)
    return float(1.0 - np.sum(weights * rho))


def pwcca_distance(acts1: np.ndarray, acts2: np.ndarray, epsilon: float = DEFAULT_EPSILON) -> float:
    """PWCCA distance between two activation matrices shaped (neurons, datapoints).

    0 for identical inputs (and for inputs that differ by an invertible affine map); up to 1.
    """
    return pwcca_prepared(prepare(acts1, epsilon), prepare(acts2, epsilon))
