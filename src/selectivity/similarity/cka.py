"""Linear centred kernel alignment (Kornblith et al. 2019) and its debiased form.

For centred representations X [m, p] and Y [m, q] (m datapoints), linear CKA is

    CKA(X, Y) = ||X^T Y||_F^2 / (||X^T X||_F ||Y^T Y||_F),

i.e. HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)) with linear kernels K = X X^T, L = Y Y^T and the
biased HSIC estimator tr(H K H L) (H the centring matrix). ``debiased=True`` uses the unbiased
HSIC estimator of Song et al. (2012) instead (the "debiased CKA" of Kornblith's code, U-centred
Gram matrices), which removes the upward bias of CKA when m is not much larger than the number of
neurons; it can be slightly negative. Both are computed in feature space from the cross product
X^T Y, never forming m x m Gram matrices: with K~ = K with its diagonal set to 0 and r_i = ||x_i||^2,

    tr(K~ L~) = ||X^T Y||_F^2 - sum_i r_i s_i,   1^T K~ 1 = -sum_i r_i,   K~ 1 = -r   (X centred),

    HSIC_u = [tr(K~ L~) + (1^T K~ 1)(1^T L~ 1) / ((m-1)(m-2)) - 2/(m-2) (K~ 1)^T (L~ 1)] / (m (m-3)).

Invariant to orthogonal transforms and isotropic scaling of either side (not to other invertible
linear maps). A side without variance has no CKA (NaN).
"""

from __future__ import annotations

import numpy as np


def hsic_unbiased(cross_sq: float, r: np.ndarray, s: np.ndarray) -> float:
    """Song et al.'s unbiased HSIC of two centred sides from ||X^T Y||_F^2 and their squared row
    norms r, s [m] (needs m > 3)."""
    m = len(r)
    if m <= 3:
        raise ValueError(f"debiased CKA needs more than 3 datapoints, got {m}")
    rs = float(r @ s)
    return (cross_sq - rs + float(r.sum()) * float(s.sum()) / ((m - 1) * (m - 2)) - 2.0 * rs / (m - 2)) / (m * (m - 3))


def cka_from_products(cross: np.ndarray, gram1: np.ndarray, gram2: np.ndarray, rows1: np.ndarray | None = None,
                      rows2: np.ndarray | None = None, debiased: bool = False) -> float:
    """Linear CKA of two centred sides from cross = X^T Y [p, q], their Gram matrices X^T X [p, p],
    Y^T Y [q, q] and, if debiased, their squared row norms [m]."""
    cross_sq = float(np.sum(cross * cross))
    if not debiased:
        denom = float(np.linalg.norm(gram1) * np.linalg.norm(gram2))
        return cross_sq / denom if denom > 0 else float("nan")
    self1 = hsic_unbiased(float(np.sum(gram1 * gram1)), rows1, rows1)
    self2 = hsic_unbiased(float(np.sum(gram2 * gram2)), rows2, rows2)
    if self1 <= 0 or self2 <= 0:
        return float("nan")
    return hsic_unbiased(cross_sq, rows1, rows2) / np.sqrt(self1 * self2)


def minibatch_cka(batches) -> float:
    """Linear CKA accumulated over minibatches (Nguyen, Raghu & Kornblith 2021): the unbiased HSIC
    of each batch's pair of sides, averaged over batches, as mean HSIC(X, Y) / sqrt(mean HSIC(X, X)
    mean HSIC(Y, Y)). Memory: one batch. ``batches``: pairs (X [m_b, p], Y [m_b, q]) of the same
    datapoints (m_b > 3; centred per batch, which the unbiased HSIC does not depend on). One batch
    holding every datapoint gives the debiased CKA of ``cka_from_products``; many batches estimate
    it (the estimate does not depend on the order of datapoints within batches). NaN without
    variance on a side."""
    sums, n = np.zeros(3), 0
    for x, y in batches:
        x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
        if len(x) != len(y):
            raise ValueError(f"a batch holds {len(x)} datapoints on one side and {len(y)} on the other")
        x, y = x - x.mean(0), y - y.mean(0)
        r, s = np.einsum("ij,ij->i", x, x), np.einsum("ij,ij->i", y, y)
        sums += [hsic_unbiased(float(np.sum((x.T @ y) ** 2)), r, s),
                 hsic_unbiased(float(np.sum((x.T @ x) ** 2)), r, r), hsic_unbiased(float(np.sum((y.T @ y) ** 2)), s, s)]
        n += 1
    if n == 0:
        raise ValueError("minibatch CKA needs at least one batch")
    xy, xx, yy = sums / n
    return float(xy / np.sqrt(xx * yy)) if xx > 0 and yy > 0 else float("nan")
