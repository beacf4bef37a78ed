"""The OpenCV operations the published spatter corruption calls, on batches of single-channel maps
[N, H, W]: Canny edges, the 5x5 chamfer distance transform (DIST_L2), box filters, histogram
equalization and filter2D, each as OpenCV computes it for its input depth (integer arithmetic where
OpenCV uses it), with OpenCV's default border (BORDER_REFLECT_101) unless stated."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

CANNY_SHIFT = 15
TG22 = int(0.4142135623730950488016887242097 * (1 << CANNY_SHIFT) + 0.5)


def _pad(x: Tensor, r: int, mode: str) -> Tensor:
    """Pad [N, H, W] by r on every side: "reflect" (reflect-101) or "replicate"."""
    return F.pad(x[:, None], (r, r, r, r), mode=mode)[:, 0]


def _window(x: Tensor, k: int) -> Tensor:
    """[N, H + k - 1, W + k - 1] -> [N, H, W, k, k] sliding windows."""
    return x.unfold(1, k, 1).unfold(2, k, 1)


def sobel(x: Tensor) -> tuple[Tensor, Tensor]:
    """3x3 Sobel derivatives (int64) of uint8-valued maps, replicated borders (as Canny calls it)."""
    p = _pad(x.double(), 1, "replicate").long()
    win = _window(p, 3)
    kx = torch.tensor([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], device=x.device)
    return (win * kx).sum((-1, -2)), (win * kx.T).sum((-1, -2))


def canny(x: Tensor, low: float, high: float) -> Tensor:
    """cv2.Canny(img, low, high) (aperture 3, L1 gradient) of uint8-valued maps [N, H, W]: bool edges.
    Non-maximum suppression with OpenCV's fixed-point direction test and its tie rule, then
    hysteresis: candidates above ``low`` joined 8-connectedly to a pixel above ``high``."""
    if low > high:
        low, high = high, low
    low, high = int(low // 1), int(high // 1)
    dx, dy = sobel(x)
    mag = dx.abs() + dy.abs()
    n, h, w = mag.shape
    m = F.pad(mag, (1, 1, 1, 1))  # zero outside, as OpenCV's magnitude buffer
    c = m[:, 1:-1, 1:-1]

    def at(di, dj):
        return m[:, 1 + di:1 + di + h, 1 + dj:1 + dj + w]

    ax = dx.abs()
    ay = dy.abs() << CANNY_SHIFT
    tg22x = ax * TG22
    tg67x = tg22x + (ax << (CANNY_SHIFT + 1))
    horizontal = ay < tg22x
    vertical = ~horizontal & (ay > tg67x)
    s = torch.where((dx ^ dy) < 0, -1, 1)
    keep_h = (c > at(0, -1)) & (c >= at(0, 1))
    keep_v = (c > at(-1, 0)) & (c >= at(1, 0))
    # diagonal: previous row at column j - s, next row at column j + s
    keep_d = torch.where(s < 0, (c > at(-1, 1)) & (c > at(1, -1)), (c > at(-1, -1)) & (c > at(1, 1)))
    kept = torch.where(horizontal, keep_h, torch.where(vertical, keep_v, keep_d)) & (c > low)
    strong = kept & (c > high)
    weak = kept
    edges = strong
    while True:
        grown = F.max_pool2d(edges[:, None].float(), 3, 1, 1)[:, 0].bool() & weak
        if torch.equal(grown, edges):
            return edges
        edges = grown


DIST_SHIFT = 16


def distance_transform_l2_5(x: Tensor) -> Tensor:
    """cv2.distanceTransform(img, DIST_L2, 5) of uint8-valued maps [N, H, W]: float32 chamfer
    distance to the nearest zero pixel with OpenCV's 5x5 mask (1, 1.4, 2.1969 in 16-bit fixed
    point); pixels outside the image are far, as in OpenCV."""
    a, b, c = (int(round(v * (1 << DIST_SHIFT))) for v in (1.0, 1.4, 2.1969))
    far = (2**31 - 1) >> 2
    n, h, w = x.shape
    d = torch.where(x == 0, 0, far).long()
    steps = [(0, 1, a), (1, 0, a), (1, 1, b), (1, -1, b), (1, 2, c), (2, 1, c), (1, -2, c), (2, -1, c)]
    offsets = [(di, dj, cost) for (di, dj, cost) in steps] + [(-di, -dj, cost) for (di, dj, cost) in steps]
    while True:
        p = F.pad(d, (2, 2, 2, 2), value=far)
        best = d
        for di, dj, cost in offsets:
            best = torch.minimum(best, p[:, 2 + di:2 + di + h, 2 + dj:2 + dj + w] + cost)
        if torch.equal(best, d):
            break
        d = best
    return (d.double() * (1.0 / (1 << DIST_SHIFT))).float()


def box3(x: Tensor) -> Tensor:
    """cv2.blur(img, (3, 3)): the 3x3 mean (reflect-101 borders). float32 maps: float64 sums times
    1/9 rounded to float32; uint8-valued (int64) maps: rounded to the nearest integer."""
    integer = not x.is_floating_point()
    p = _pad(x.double(), 1, "reflect")
    s = _window(p, 3).sum((-1, -2))
    if integer:
        return torch.round(s * (1.0 / 9)).long().clamp(0, 255)
    return (s * (1.0 / 9)).float()


def equalize_hist(x: Tensor) -> Tensor:
    """cv2.equalizeHist of each uint8-valued map [N, H, W] (int64): OpenCV's lookup table
    round((cumulative count - count of the lowest level) x 255 / (pixels - count of the
    lowest level)), in float32."""
    n = x.shape[0]
    flat = x.reshape(n, -1)
    total = flat.shape[1]
    hist = torch.zeros((n, 256), dtype=torch.long, device=x.device).scatter_add_(1, flat, torch.ones_like(flat))
    first = (hist > 0).long().argmax(1)
    lowest = hist.gather(1, first[:, None])[:, 0]
    scale = (torch.tensor(255.0, dtype=torch.float32) / (total - lowest).clamp(min=1).float())
    cum = hist.cumsum(1) - lowest[:, None]  # OpenCV's running sum starts after the lowest level
    lut = torch.round(cum.float() * scale[:, None]).clamp(0, 255).long()
    levels = torch.arange(256, device=x.device)[None]
    lut = torch.where(levels <= first[:, None], 0, lut)
    lut = torch.where((lowest == total)[:, None], first[:, None].expand(-1, 256), lut)
    return lut.gather(1, flat).view_as(x)


def filter2d_u8(x: Tensor, kernel: Tensor) -> Tensor:
    """cv2.filter2D(img, cv2.CV_8U, kernel) of uint8-valued maps (correlation, centred anchor,
    reflect-101), saturated to 0..255."""
    k = kernel.shape[0]
    p = _pad(x.double(), k // 2, "reflect")
    s = (_window(p, k) * kernel.double().to(x.device)).sum((-1, -2))
    return torch.round(s).clamp(0, 255).long()
