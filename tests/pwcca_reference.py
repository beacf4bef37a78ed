"""A literal transcription of the reference PWCCA steps (google/svcca: cca_core.get_cca_similarity
and pwcca.compute_pwcca), second-branch bug fixed: the slow, obviously-faithful version that
selectivity.cca is tested and benchmarked against."""

import numpy as np


def reference_pwcca(acts1, acts2, epsilon=1e-10):
    """Step by step as the reference code does it (np.cov, rescale, pinv, eigh sqrt, svd, QR)."""
    numx = acts1.shape[0]
    cov = np.cov(acts1, acts2)
    sxx, sxy, syy = cov[:numx, :numx], cov[:numx, numx:], cov[numx:, numx:]
    xmax, ymax = np.max(np.abs(sxx)), np.max(np.abs(syy))
    sxx, syy, sxy = sxx / xmax, syy / ymax, sxy / np.sqrt(xmax * ymax)
    xi, yi = np.abs(np.diag(sxx)) >= epsilon, np.abs(np.diag(syy)) >= epsilon
    sxx, sxy, syy = sxx[xi][:, xi], sxy[xi][:, yi], syy[yi][:, yi]
    sxx = sxx + epsilon * np.eye(len(sxx))
    syy = syy + epsilon * np.eye(len(syy))

    def sqrtm(a):
        w, v = np.linalg.eigh(a)
        return v @ np.diag(np.sqrt(np.clip(w, 0, None))) @ v.T

    u, s, v = np.linalg.svd(sqrtm(np.linalg.pinv(sxx)) @ sxy @ sqrtm(np.linalg.pinv(syy)))
    m1, m2 = acts1[xi].mean(1, keepdims=True), acts2[yi].mean(1, keepdims=True)
    if xi.sum() <= yi.sum():
        dirns, acts, idx = u.T @ (acts1[xi] - m1) + m1, acts1, xi
    else:
        dirns, acts, idx = v @ (acts2[yi] - m2) + m2, acts2, yi
    p, _ = np.linalg.qr(dirns.T)
    w = np.abs(p.T @ acts[idx].T).sum(1)
    w = w / w.sum()
    return 1 - np.sum(w * np.abs(s))
