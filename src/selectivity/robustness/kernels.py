"""Filters of the published corruptions, as tensors: the Gaussian of ``scipy.ndimage`` /
``skimage.filters.gaussian``, the anti-aliased disk of the defocus blur, and Pillow's BOX
resampling (fixed point, rounded to uint8 after each axis, as Pillow does for 8-bit images)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def gaussian_kernel1d(sigma: float, truncate: float = 4.0) -> Tensor:
    """[2r + 1] float64 weights summing to 1, r = int(truncate * sigma + 0.5) (scipy's radius)."""
    r = int(truncate * sigma + 0.5)
    x = torch.arange(-r, r + 1, dtype=torch.float64)
    w = torch.exp(-0.5 * (x / sigma) ** 2)
    return w / w.sum()


def _cv2_gaussian1d(ksize: int, sigma: float) -> Tensor:
    """OpenCV's getGaussianKernel for sigma > 0: exp(-x^2 / (2 sigma^2)), x = i - (ksize - 1) / 2."""
    x = torch.arange(ksize, dtype=torch.float64) - (ksize - 1) / 2
    w = torch.exp(-(x**2) / (2 * sigma**2))
    return w / w.sum()


def disk_kernel(radius: float, alias_blur: float) -> Tensor:
    """The defocus kernel [K, K] float64: a disk of ``radius`` pixels on a grid -8..8 (-r..r for
    r > 8), normalized, then smoothed by a 3x3 (5x5 for r > 8) Gaussian of sigma ``alias_blur``
    with reflect-101 borders (cv2.GaussianBlur). Zero rows and columns at the border are cut."""
    extent = 8 if radius <= 8 else math.ceil(radius)
    ksize = 3 if radius <= 8 else 5
    grid = torch.arange(-extent, extent + 1, dtype=torch.float64)
    disk = ((grid[:, None] ** 2 + grid[None, :] ** 2) <= radius**2).double()
    disk = disk / disk.sum()
    g = _cv2_gaussian1d(ksize, alias_blur)
    x = F.pad(disk[None, None], (ksize // 2,) * 4, mode="reflect")
    x = F.conv2d(F.conv2d(x, g.view(1, 1, -1, 1)), g.view(1, 1, 1, -1))[0, 0]
    nonzero = (x != 0).any(0).nonzero()
    lo, hi = int(nonzero.min()), int(nonzero.max())
    cut = min(lo, x.shape[0] - 1 - hi)  # the kernel is symmetric: cut the same on every side
    return x[cut : x.shape[0] - cut, cut : x.shape[1] - cut]


PRECISION_BITS = 22  # Pillow's 8-bit resampling: 32 - 8 - 2


def box_resize_weights(in_size: int, out_size: int) -> Tensor:
    """[out_size, in_size] float64 fixed-point weights (integers, scale 2**22) of Pillow's BOX
    resampling of one axis (``precompute_coeffs`` and ``normalize_coeffs_8bpc`` of Resample.c)."""
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = 0.5 * filterscale
    w = torch.zeros(out_size, in_size, dtype=torch.float64)
    for i in range(out_size):
        center = (i + 0.5) * scale
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), in_size)
        x = torch.arange(lo, hi, dtype=torch.float64)
        u = (x - center + 0.5) / filterscale
        k = ((u > -0.5) & (u <= 0.5)).double()
        if k.sum() > 0:
            k = k / k.sum()
        w[i, lo:hi] = torch.floor(k * 2**PRECISION_BITS + 0.5)
    return w


def box_resize(images: Tensor, height: int, width: int) -> Tensor:
    """Pillow's ``resize((width, height), Image.BOX)`` of uint8 [N, H, W, C], batched: width first,
    then height, each pass rounded and clipped to uint8. Returns uint8 [N, height, width, C]."""
    x = images.double()
    n, h, w, c = x.shape
    half = 2 ** (PRECISION_BITS - 1)
    if width != w:
        kw = box_resize_weights(w, width).to(x.device)
        x = torch.floor((torch.einsum("nhwc,vw->nhvc", x, kw) + half) / 2**PRECISION_BITS).clamp(0, 255)
    if height != h:
        kh = box_resize_weights(h, height).to(x.device)
        x = torch.floor((torch.einsum("nhwc,uh->nuwc", x, kh) + half) / 2**PRECISION_BITS).clamp(0, 255)
    return x.to(torch.uint8)


def gaussian_filter(x: Tensor, sigma: float, mode: str = "nearest", truncate: float = 4.0,
                    dtype: torch.dtype | None = None) -> Tensor:
    """skimage ``gaussian(x, sigma)`` / scipy ``gaussian_filter`` of each channel of [N, H, W, C]:
    rows, then columns, in float64; ``mode`` "nearest" (skimage's default) or "reflect"
    (half-sample symmetric); ``dtype`` float32 rounds after each pass, as scipy does for a float32
    image. sigma 0: unchanged."""
    out_dtype = dtype or torch.float64
    x = x.double()
    if sigma <= 0:
        return x.to(out_dtype)
    k = gaussian_kernel1d(sigma, truncate).to(x.device)
    for dim in (1, 2):
        x = _correlate1d(x, k, dim, mode).to(out_dtype).double()
    return x.to(out_dtype)


def _correlate1d(x: Tensor, k: Tensor, dim: int, mode: str) -> Tensor:
    """Correlate [N, H, W, C] with the odd 1-D kernel k along ``dim`` (1: rows, 2: columns), borders
    "nearest" or "reflect" (half-sample symmetric), as scipy.ndimage.correlate1d."""
    size, r = x.shape[dim], k.numel() // 2
    idx = torch.arange(-r, size + r, device=x.device)
    if mode == "nearest":
        idx = idx.clamp(0, size - 1)
    else:
        idx = torch.remainder(idx, 2 * size)
        idx = torch.where(idx >= size, 2 * size - 1 - idx, idx)
    p = x.index_select(dim, idx)
    win = p.unfold(dim, k.numel(), 1)  # [..., size, ..., taps]
    return (win * k).sum(-1)


def gaussian_blur(x: Tensor, sigma: float) -> Tensor:
    """skimage ``gaussian(sigma, multichannel=True)``: each channel, nearest-edge borders, truncate 4."""
    return gaussian_filter(x, sigma).clamp(0, 1)
