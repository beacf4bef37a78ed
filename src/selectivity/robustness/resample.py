"""Linear resampling of image batches [N, H, W, C] as the libraries the published corruptions call
compute it: ``scipy.ndimage.zoom`` / ``map_coordinates`` (order 1), OpenCV's ``resize`` and
``warpAffine`` (INTER_LINEAR), and the published ``clipped_zoom``. Arithmetic in float64 with the
libraries' order of operations where it is known; results in the input's dtype."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor


def _linear_axis(coords: Tensor, size: int, mode: str) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Indices (i0, i1) and weights (w0, w1) of order-1 interpolation at ``coords`` along an axis of
    ``size`` samples; out-of-range indices mapped by ``mode`` ("reflect": half-sample symmetric,
    scipy's; "clamp"), or flagged by index -1 ("constant")."""
    start = torch.floor(coords)
    t = coords - start
    i0 = start.long()
    i1 = i0 + 1
    if mode == "reflect":
        i0, i1 = _reflect(i0, size), _reflect(i1, size)
    elif mode == "clamp":
        i0, i1 = i0.clamp(0, size - 1), i1.clamp(0, size - 1)
    else:  # constant: out of range -> -1 (value 0)
        i0 = torch.where((i0 >= 0) & (i0 < size), i0, -1)
        i1 = torch.where((i1 >= 0) & (i1 < size), i1, -1)
    return i0, i1, 1.0 - t, t


def _reflect(i: Tensor, size: int) -> Tensor:
    """Half-sample symmetric index (d c b a | a b c d | d c b a)."""
    if size == 1:
        return torch.zeros_like(i)
    period = 2 * size
    i = torch.remainder(i, period)
    return torch.where(i >= size, period - 1 - i, i)


def _take(x: Tensor, rows: Tensor, cols: Tensor) -> Tensor:
    """x [N, H, W, C] at rows [N, h, w] x cols [N, h, w] -> [N, h, w, C]; index -1 gives 0."""
    n = torch.arange(x.shape[0], device=x.device).view(-1, 1, 1)
    out = x[n, rows.clamp(min=0), cols.clamp(min=0)]
    bad = (rows < 0) | (cols < 0)
    return torch.where(bad[..., None], torch.zeros((), dtype=x.dtype, device=x.device), out) if bad.any() else out


def bilinear(x: Tensor, rows: Tensor, cols: Tensor, mode: str) -> Tensor:
    """Order-1 interpolation of x [N, H, W, C] (float64 arithmetic) at float64 coordinates rows,
    cols [N, h, w], summed as scipy.ndimage does: sum over the corners (r0 c0, r0 c1, r1 c0, r1 c1)
    of (value * row weight) * column weight. Returns float64 [N, h, w, C]."""
    h, w = x.shape[1:3]
    r0, r1, wr0, wr1 = _linear_axis(rows, h, mode)
    c0, c1, wc0, wc1 = _linear_axis(cols, w, mode)
    x = x.double()
    out = _take(x, r0, c0) * wr0[..., None] * wc0[..., None]
    out = out + _take(x, r0, c1) * wr0[..., None] * wc1[..., None]
    out = out + _take(x, r1, c0) * wr1[..., None] * wc0[..., None]
    return out + _take(x, r1, c1) * wr1[..., None] * wc1[..., None]


def zoom(x: Tensor, factor: float) -> Tensor:
    """``scipy.ndimage.zoom(img, (factor, factor, 1), order=1)`` of each image of x [N, h, w, C]:
    output side round(side * factor), input coordinate o * (side - 1) / (out - 1) (grid_mode off),
    constant (0) outside. Returns [N, round(h f), round(w f), C] in x's dtype."""
    n, h, w, _ = x.shape
    oh, ow = int(round(h * factor)), int(round(w * factor))
    ry = (h - 1) / (oh - 1) if oh > 1 else 1.0
    rx = (w - 1) / (ow - 1) if ow > 1 else 1.0
    ys = torch.arange(oh, dtype=torch.float64, device=x.device) * ry
    xs = torch.arange(ow, dtype=torch.float64, device=x.device) * rx
    rows, cols = ys.view(1, -1, 1).expand(n, oh, ow), xs.view(1, 1, -1).expand(n, oh, ow)
    return bilinear(x, rows, cols, "constant").to(x.dtype)


def clipped_zoom(x: Tensor, factor: float) -> Tensor:
    """The published ``clipped_zoom``: crop the central ceil(side / factor) square (from
    (side - crop) // 2), zoom it by ``factor`` and cut the central side x side of the result."""
    h, w = x.shape[1:3]
    ch, cw = math.ceil(h / factor), math.ceil(w / factor)
    top, left = (h - ch) // 2, (w - cw) // 2
    z = zoom(x[:, top:top + ch, left:left + cw], factor)
    trim_top, trim_left = (z.shape[1] - h) // 2, (z.shape[2] - w) // 2
    return z[:, trim_top:trim_top + h, trim_left:trim_left + w]


RESIZE_BITS = 11  # OpenCV's INTER_RESIZE_COEF_BITS


def _resize_axis(out: int, size: int, factor: float):
    """OpenCV's INTER_LINEAR taps of one axis: source x = (float)((x' + 0.5) / factor - 0.5),
    clamped at the borders, weights (1 - t, t) in 11-bit fixed point."""
    src = ((np.arange(out) + 0.5) * (1.0 / factor) - 0.5).astype(np.float32)
    i0 = np.floor(src).astype(np.int64)
    t = (src - i0).astype(np.float32)
    t = np.where(i0 < 0, np.float32(0), t)
    i0 = np.maximum(i0, 0)
    t = np.where(i0 >= size - 1, np.float32(0), t)
    i0 = np.minimum(i0, size - 1)
    scale = np.float32(1 << RESIZE_BITS)
    return i0, np.minimum(i0 + 1, size - 1), np.round((1 - t) * scale).astype(np.int64), np.round(t * scale).astype(np.int64)


def cv2_resize_linear(img: np.ndarray, factor: float) -> np.ndarray:
    """``cv2.resize(img, (0, 0), fx=factor, fy=factor)`` (INTER_LINEAR) of a uint8 [H, W, C] picture,
    in OpenCV's integer arithmetic: output side round(side * factor), 11-bit weights, the horizontal
    pass in int, the vertical one as OpenCV's x86 SIMD path rounds it
    (((b0 (S0 >> 4)) >> 16) + ((b1 (S1 >> 4)) >> 16) + 2) >> 2."""
    h, w = img.shape[:2]
    oh, ow = int(round(h * factor)), int(round(w * factor))
    y0, y1, b0, b1 = _resize_axis(oh, h, factor)
    x0, x1, a0, a1 = _resize_axis(ow, w, factor)
    a = img.astype(np.int64)
    rows = a[:, x0] * a0[None, :, None] + a[:, x1] * a1[None, :, None]
    s0, s1 = rows[y0], rows[y1]
    out = (((b0[:, None, None] * (s0 >> 4)) >> 16) + ((b1[:, None, None] * (s1 >> 4)) >> 16) + 2) >> 2
    return np.clip(out, 0, 255).astype(np.uint8)


INTER_BITS = 5  # OpenCV's warps: sub-pixel positions on a 1/32 grid
AB_BITS = 10


def _cv_round(x: Tensor) -> Tensor:
    """cvRound / saturate_cast<int>(double): round half to even."""
    return torch.round(x).long()


def warp_affine(x: Tensor, m: Tensor) -> Tensor:
    """``cv2.warpAffine(img, M, (W, H), borderMode=BORDER_REFLECT_101)`` (INTER_LINEAR) of each
    image of x [N, H, W, C] float32 with its own forward matrix m [N, 2, 3] float64: OpenCV inverts
    M, maps each output pixel in fixed point (10 bits), keeps 5 bits of sub-pixel position and
    interpolates with float32 weights of the 1/32 grid. Returns float32 [N, H, W, C]."""
    n, h, w, c = x.shape
    dev = x.device
    a, b, c0 = m[:, 0, 0], m[:, 0, 1], m[:, 0, 2]
    d, e, f0 = m[:, 1, 0], m[:, 1, 1], m[:, 1, 2]
    det = a * e - b * d
    det = torch.where(det != 0, 1.0 / det, torch.zeros_like(det))
    ia, ib, id_, ie = e * det, -b * det, -d * det, a * det  # the inverse map (OpenCV's order of operations)
    ic, if_ = -ia * c0 - ib * f0, -id_ * c0 - ie * f0
    scale = float(1 << AB_BITS)
    xs = torch.arange(w, dtype=torch.float64, device=dev)
    ys = torch.arange(h, dtype=torch.float64, device=dev)
    adelta = _cv_round(ia[:, None] * xs[None] * scale)  # [N, W]
    bdelta = _cv_round(id_[:, None] * xs[None] * scale)
    round_delta = 1 << (AB_BITS - INTER_BITS - 1)
    x0 = _cv_round((ib[:, None] * ys[None] + ic[:, None]) * scale) + round_delta  # [N, H]
    y0 = _cv_round((ie[:, None] * ys[None] + if_[:, None]) * scale) + round_delta
    X = (x0[:, :, None] + adelta[:, None, :]) >> (AB_BITS - INTER_BITS)  # [N, H, W]
    Y = (y0[:, :, None] + bdelta[:, None, :]) >> (AB_BITS - INTER_BITS)
    size = 1 << INTER_BITS
    fx = (X & (size - 1)).float() / size
    fy = (Y & (size - 1)).float() / size
    sx, sy = X >> INTER_BITS, Y >> INTER_BITS
    w00, w01 = (1 - fy) * (1 - fx), (1 - fy) * fx
    w10, w11 = fy * (1 - fx), fy * fx
    xf = x.float()
    nidx = torch.arange(n, device=dev).view(-1, 1, 1)

    def at(r, q):
        return xf[nidx, _reflect101(r, h), _reflect101(q, w)]

    out = at(sy, sx) * w00[..., None] + at(sy, sx + 1) * w01[..., None]
    out = out + at(sy + 1, sx) * w10[..., None] + at(sy + 1, sx + 1) * w11[..., None]
    return out


def _reflect101(i: Tensor, size: int) -> Tensor:
    """OpenCV's BORDER_REFLECT_101 (gfedcb | abcdefgh | gfedcba)."""
    if size == 1:
        return torch.zeros_like(i)
    period = 2 * size - 2
    i = torch.remainder(i, period)
    return torch.where(i >= size, period - i, i)
