"""The weather corruptions of CIFAR-10-C / Tiny ImageNet-C: snow, frost, fog, and spatter (an
"extra" corruption), batched over the images of [N, H, W, C].

Random layers (snow flakes, plasma fractals, frost crops, liquid) are drawn per image; a 1-channel
image is corrupted as the RGB image R = G = B and the result turned to grey by
0.299 R + 0.587 G + 0.114 B (OpenCV's RGB2GRAY), which for frost and spatter is the same as using
the grey of the frost picture / of the liquid's colour (both are linear in it).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from .blurs import motion_blur_levels
from .resample import clipped_zoom, cv2_resize_linear

LUMA = (0.299, 0.587, 0.114)
FROST_DIR = Path(__file__).with_name("frost")
FROST_FILES = ("frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg")


def _grey(rgb: Tensor) -> Tensor:
    """[..., 3] -> [..., 1] by OpenCV's RGB2GRAY weights, in rgb's dtype."""
    w = torch.tensor(LUMA, dtype=rgb.dtype, device=rgb.device)
    return (rgb[..., 0:1] * w[0] + rgb[..., 1:2] * w[1]) + rgb[..., 2:3] * w[2]


# ---------------------------------------------------------------- snow


def snow(x: Tensor, loc, scale, zoom, threshold, radius, sigma, weight, flakes: Tensor, angles: Tensor) -> Tensor:
    """x [N, H, W, C] in [0, 1]; flakes [N, H, W] N(0, 1) draws; angles [N] in degrees (-135 .. -45).

    The flake layer loc + scale z, zoomed (clipped_zoom), zero below ``threshold``, to uint8 levels,
    motion-blurred (ImageMagick, 8-bit), in [0, 1]; the image is brightened towards its grey level
    (weight x + (1 - weight) max(x, 1.5 grey + 0.5), float32) and the layer and its 180-degree
    rotation are added. Returns float64 in [0, 1]."""
    x = x.float()
    layer = (loc + scale * flakes.to(x.device).double())[..., None]
    layer = clipped_zoom(layer, float(zoom))
    layer = torch.where(layer < threshold, torch.zeros_like(layer), layer)
    levels = torch.floor(layer.clamp(0, 1) * 255)
    layer = motion_blur_levels(levels, radius, sigma, angles) / 255.0
    grey = x if x.shape[-1] == 1 else _grey(x)
    x = weight * x + (1 - weight) * torch.maximum(x, grey * 1.5 + 0.5)
    return (x.double() + layer + torch.rot90(layer, 2, dims=(1, 2))).clamp(0, 1)


# ---------------------------------------------------------------- frost


@lru_cache(maxsize=4)
def frost_pictures(scale: float) -> tuple[np.ndarray, ...]:
    """The five published frost pictures (RGB uint8), resized by ``scale`` as cv2.resize does."""
    from PIL import Image

    out = []
    for name in FROST_FILES:
        path = FROST_DIR / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: a frost picture of the package is missing; reinstall selectivity")
        with Image.open(path) as im:
            out.append(cv2_resize_linear(np.asarray(im.convert("RGB")), scale))
    return tuple(out)


def frost_draws(n: int, h: int, w: int, scale: float, g: torch.Generator) -> dict:
    """Per image: which picture (0..4, ``np.random.randint(5)``) and the crop's top-left corner
    (uniform in [0, picture height - H) x [0, picture width - W))."""
    pictures = frost_pictures(scale)
    small = min(min(p.shape[0], p.shape[1]) for p in pictures)
    if max(h, w) >= small:
        raise ValueError(f"frost crops {h}x{w} pieces from pictures of at least {small} pixels (table scale "
                         f"{scale}); images of {h}x{w} are too large for this table: use table=64")
    which = torch.randint(0, len(pictures), (n,), generator=g)
    u = torch.rand((n, 2), generator=g, dtype=torch.float64)
    sizes = torch.tensor([[p.shape[0] - h, p.shape[1] - w] for p in pictures], dtype=torch.float64)[which]
    corner = torch.floor(u * sizes).long()
    return {"which": which, "top": corner[:, 0], "left": corner[:, 1]}


def frost(images: Tensor, weight: float, frost_weight: float, scale: float, which: Tensor, top: Tensor,
          left: Tensor) -> Tensor:
    """weight x + frost_weight crop (0..255, float64, clipped), x uint8 [N, H, W, C]."""
    n, h, w, c = images.shape
    pictures = frost_pictures(scale)
    crops = np.stack([pictures[int(k)][int(t):int(t) + h, int(s):int(s) + w]
                      for k, t, s in zip(which, top, left)])
    layer = torch.from_numpy(crops).to(images.device).double()
    if c == 1:
        layer = _grey(layer)
    return (weight * images.double() + frost_weight * layer).clamp(0, 255)


# ---------------------------------------------------------------- fog


def plasma_size(h: int, w: int, table: int) -> int:
    """The plasma map's side: the table's (32 / 64, as published), or the next power of two that
    holds larger images."""
    size = table
    while size < max(h, w):
        size *= 2
    return size


def plasma_draws(n: int, mapsize: int, g: torch.Generator) -> list[Tensor]:
    """The uniform [0, 1) draws of the diamond-square algorithm for N maps, in the published order:
    per step (stepsize = mapsize, mapsize / 2, ..., 2) the square centres, then the two diamond
    grids, each [N, k, k] with k = mapsize / stepsize."""
    draws = []
    step = mapsize
    while step >= 2:
        k = mapsize // step
        draws += [torch.rand((n, k, k), generator=g, dtype=torch.float64) for _ in range(3)]
        step //= 2
    return draws


def plasma_fractal(draws: list[Tensor], mapsize: int, decay: float) -> Tensor:
    """Diamond-square height maps [N, mapsize, mapsize] in [0, 1] (the published
    ``plasma_fractal``, its ``np.random.uniform(-wibble, wibble)`` from ``draws``)."""
    n = draws[0].shape[0]
    m = torch.zeros((n, mapsize, mapsize), dtype=torch.float64)
    step, wibble, i = mapsize, 100.0, 0

    def wibbled(a, u):
        return a / 4 + wibble * (-wibble + (wibble - -wibble) * u)

    while step >= 2:
        half = step // 2
        corners = m[:, 0:mapsize:step, 0:mapsize:step]
        sq = corners + torch.roll(corners, -1, dims=1)
        sq = sq + torch.roll(sq, -1, dims=2)
        m[:, half:mapsize:step, half:mapsize:step] = wibbled(sq, draws[i])
        dr = m[:, half:mapsize:step, half:mapsize:step]
        ul = m[:, 0:mapsize:step, 0:mapsize:step]
        lt = (dr + torch.roll(dr, 1, dims=1)) + (ul + torch.roll(ul, -1, dims=2))
        m[:, 0:mapsize:step, half:mapsize:step] = wibbled(lt, draws[i + 1])
        tt = (dr + torch.roll(dr, 1, dims=2)) + (ul + torch.roll(ul, -1, dims=1))
        m[:, half:mapsize:step, 0:mapsize:step] = wibbled(tt, draws[i + 2])
        step //= 2
        wibble /= decay
        i += 3
    m = m - m.amin(dim=(1, 2), keepdim=True)
    return m / m.amax(dim=(1, 2), keepdim=True)


def fog(x: Tensor, strength: float, decay: float, draws: list[Tensor]) -> Tensor:
    """x + strength plasma (top-left H x W of the map), rescaled by max / (max + strength), each
    image by its own maximum; x in [0, 1] float64."""
    _, h, w, _ = x.shape
    mapsize = draws[-1].shape[1] * 2
    plasma = plasma_fractal(draws, mapsize, decay)[:, :h, :w, None].to(x.device)
    peak = x.amax(dim=(1, 2, 3), keepdim=True)
    return ((x + strength * plasma) * peak / (peak + strength)).clamp(0, 1)


# ---------------------------------------------------------------- spatter

WATER = (175 / 255.0, 238 / 255.0, 238 / 255.0)  # pale turquoise, in the image's channel order
MUD = (63 / 255.0, 42 / 255.0, 20 / 255.0)
SPATTER_KERNEL = ((-2, -1, 0), (-1, 1, 1), (0, 1, 2))


def _water_mask(liquid: Tensor) -> Tensor:
    """The published water intensity from the thresholded liquid layer [N, H, W] (float64): uint8
    levels, distance to its Canny edges (truncated at 20, blurred, equalized, embossed, blurred),
    times the levels, each map divided by its maximum (0 where it has none). float32 [N, H, W]."""
    from .cvops import box3, canny, distance_transform_l2_5, equalize_hist, filter2d_u8

    levels = torch.floor(liquid * 255).long() % 256  # astype(np.uint8)
    dist = distance_transform_l2_5(torch.where(canny(levels, 50, 150), 0, 255))
    dist = torch.clamp(dist, max=20.0)
    dist = torch.floor(box3(dist).double()).long()  # float blur, astype(np.uint8)
    dist = equalize_hist(dist)
    dist = filter2d_u8(dist, torch.tensor(SPATTER_KERNEL))
    dist = box3(dist).float()
    m = levels.float() * dist
    peak = m.amax(dim=(1, 2), keepdim=True)
    return torch.where(peak > 0, m / torch.where(peak > 0, peak, torch.ones_like(peak)), torch.zeros_like(m))


def spatter(x: Tensor, loc, scale, sigma, threshold, intensity, mud, liquid: Tensor) -> Tensor:
    """x [N, H, W, 3] in [0, 1]; liquid [N, H, W] N(0, 1) draws. The liquid layer loc + scale z,
    Gaussian-blurred, zero below ``threshold``; water (mud = 0) adds intensity x the water mask in
    pale turquoise, mud (mud = 1) replaces the image by brown where the blurred blob mask is >= 0.8.
    float32 arithmetic as published; returns [N, H, W, 3] in [0, 1]."""
    from .kernels import gaussian_filter

    x = x.float()
    layer = gaussian_filter((loc + scale * liquid.to(x.device).double())[..., None], sigma)[..., 0]
    layer = torch.where(layer < threshold, torch.zeros_like(layer), layer)
    if mud == 0:
        m = (_water_mask(layer) * intensity).float()[..., None]
        color = torch.tensor(WATER, dtype=torch.float32, device=x.device)
        return (x + m * color).clamp(0, 1)
    blobs = (layer > threshold).float()[..., None]
    m = gaussian_filter(blobs, intensity, dtype=torch.float32)
    m = torch.where(m < 0.8, torch.zeros_like(m), m)
    color = torch.tensor(MUD, dtype=torch.float32, device=x.device) * m
    return (x * (1 - m) + color).clamp(0, 1)
