"""The blurs of CIFAR-10-C / Tiny ImageNet-C that move pixels: glass blur (local pixel shuffling
between two Gaussian blurs), motion blur (ImageMagick's ``MotionBlurImage``, without ImageMagick)
and zoom blur (the mean of centred zooms), batched over the images of [N, H, W, C]."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from .resample import clipped_zoom


def glass_shifts(n: int, h: int, w: int, delta: int, iterations: int, g: torch.Generator) -> Tensor:
    """The random moves of glass blur: int64 [iterations, positions, N, 2] (dx, dy), each uniform in
    [-delta, delta) as ``np.random.randint(-delta, delta, size=(2,))``, one pair per visited
    position ((H - 2 delta) x (W - 2 delta) of them, in the published visiting order)."""
    positions = max(h - 2 * delta, 0) * max(w - 2 * delta, 0)
    return torch.randint(-delta, delta, (iterations, positions, n, 2), generator=g)


def glass_shuffle(x: Tensor, delta: int, shifts: Tensor) -> Tensor:
    """The published "local shuffle" of [N, H, W, C]: visit rows h = H - delta .. delta + 1 and
    within them columns w = W - delta .. delta + 1 (descending), and at each set pixel (h, w) to the
    value pixel (h + dy, w + dx) holds at that moment. (The published statement
    ``x[h, w], x[h', w'] = x[h', w'], x[h, w]`` is meant as a swap, but with numpy views it copies
    x[h', w'] into x[h, w] and leaves x[h', w'] as it was: what made the official files, followed here.)"""
    x = x.clone()
    _, h, w, _ = x.shape
    n = torch.arange(x.shape[0], device=x.device)
    for it in range(shifts.shape[0]):
        moves = shifts[it].to(x.device)
        k = 0
        for row in range(h - delta, delta, -1):
            for col in range(w - delta, delta, -1):
                dx, dy = moves[k, :, 0], moves[k, :, 1]
                x[:, row, col] = x[n, row + dy, col + dx]
                k += 1
    return x


def glass_blur(x: Tensor, sigma: float, delta: int, iterations: int, shifts: Tensor) -> Tensor:
    """Gaussian blur, truncated to uint8 levels, local shuffle, Gaussian blur; x in [0, 1] float64."""
    from .kernels import gaussian_blur

    levels = torch.floor(gaussian_blur(x, sigma) * 255)  # np.uint8(gaussian(x) * 255)
    shuffled = glass_shuffle(levels, delta, shifts)
    return gaussian_blur(shuffled / 255, sigma)


def motion_kernel(radius: float, sigma: float) -> tuple[Tensor, int]:
    """ImageMagick's one-sided motion kernel: width 2 ceil(radius) + 1 (GetOptimalKernelWidth1D for
    radius > 0), weights exp(-i^2 / (2 sigma^2)) normalized to sum 1, i = 0 .. width - 1."""
    width = int(2 * math.ceil(radius) + 1)
    i = torch.arange(width, dtype=torch.float64)
    s = max(abs(sigma), 1e-12)
    k = torch.exp(-(i * i) / (2.0 * s * s)) / (math.sqrt(2 * math.pi) * s)
    return k / k.sum(), width


def motion_offsets(angles: Tensor, width: int) -> tuple[Tensor, Tensor]:
    """Pixel offsets (dx, dy) [N, width] of the motion kernel's taps for angles [N] in degrees:
    ImageMagick's ceil(i * cos / hypot - 0.5), ceil(i * sin / hypot - 0.5) of the point
    (width sin, width cos)."""
    rad = angles.double() * (math.pi / 180)
    px, py = width * torch.sin(rad), width * torch.cos(rad)
    hyp = torch.hypot(px, py)
    i = torch.arange(width, dtype=torch.float64, device=angles.device)
    dx = torch.ceil(i[None] * py[:, None] / hyp[:, None] - 0.5).long()
    dy = torch.ceil(i[None] * px[:, None] / hyp[:, None] - 0.5).long()
    return dx, dy


def motion_blur_levels(levels: Tensor, radius: float, sigma: float, angles: Tensor) -> Tensor:
    """Motion blur of uint8-valued images [N, H, W, C] (float, 0..255), each along its own angle,
    pixels beyond the border repeat the edge (ImageMagick's edge virtual pixels); result quantized
    as ImageMagick 6.9.11 Q16 writes an 8-bit PNG: rounded to 16 bits, then truncated to 8. Returns
    float64 levels 0..255."""
    kernel, width = motion_kernel(radius, sigma)
    n, h, w, _ = levels.shape
    dev = levels.device
    dx, dy = motion_offsets(angles.to(dev), width)
    kernel = kernel.to(dev)
    x = levels.double()
    nidx = torch.arange(n, device=dev).view(-1, 1, 1)
    rows = torch.arange(h, device=dev).view(1, -1)
    cols = torch.arange(w, device=dev).view(1, -1)
    out = torch.zeros_like(x)
    for i in range(width):
        r = (rows + dy[:, i:i + 1]).clamp(0, h - 1)  # [N, H]
        c = (cols + dx[:, i:i + 1]).clamp(0, w - 1)  # [N, W]
        out = out + kernel[i] * x[nidx, r[:, :, None], c[:, None, :]]
    q = torch.floor(out * 257 + 0.5).clamp(0, 65535)  # 8-bit value v is quantum 257 v; ClampToQuantum
    return torch.div(q, 257, rounding_mode="floor")  # the 8-bit PNG of ImageMagick 6.9.11 Q16: q / 257


def motion_blur(levels: Tensor, radius: float, sigma: float, angles: Tensor) -> Tensor:
    """The published motion blur of uint8 images [N, H, W, C] at ``angles`` [N] (degrees): uint8."""
    return motion_blur_levels(levels.double(), radius, sigma, angles).to(torch.uint8)


def zoom_factors(end: float) -> np.ndarray:
    """The published zoom factors ``np.arange(1, end, 0.01)`` (float rounding included: 1.06 ends
    after 1.06, so severity 1 holds 7 factors)."""
    return np.arange(1, end, 0.01)


def zoom_blur(x: Tensor, end: float) -> Tensor:
    """(x + sum of clipped zooms of x) / (factors + 1), in float32 as published; x in [0, 1]."""
    x = x.float()
    out = torch.zeros_like(x)
    factors = zoom_factors(end)
    for z in factors:
        out += clipped_zoom(x, float(z))
    return ((x + out) / (len(factors) + 1)).clamp(0, 1)
