"""The 19 CIFAR-10-C / Tiny ImageNet-C corruptions (Hendrycks & Dietterich, ICLR 2019), batched in
torch on the images' device, with the published per-severity parameters (``params.py``).

Each corruption follows the published formula on pixels scaled to [0, 1] (float64, or float32
where the published code works in float32), clipped and turned back into uint8 by truncation, as
``np.uint8`` does in the published scripts. The noises, the per-pixel colour changes, pixelate and
JPEG are here; glass, motion and zoom blur in ``blurs.py``, snow, frost, fog and spatter in
``weather.py``, the elastic transform in ``elastic.py``.
Random draws come from a CPU generator seeded with ``seed`` (``draws``) and are moved to the
device, so a seed gives the same corrupted images on CPU and GPU. JPEG goes through Pillow, image
by image.
"""

from __future__ import annotations

import io

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .hsv import hsv_to_rgb, rgb_to_hsv
from .kernels import box_resize, disk_kernel, gaussian_blur, gaussian_filter
from .params import CORRUPTIONS, FROST_SCALE, TABLES, parameter


def to_uint8(x: Tensor) -> Tensor:
    """[0, 1] float -> uint8 by truncation, as np.uint8(x * 255) in the published scripts."""
    return (x.clamp(0, 1) * 255).to(torch.uint8)


def _draw(shape, generator: torch.Generator, device, kind: str = "normal", rate: Tensor | None = None) -> Tensor:
    """Random numbers drawn on the CPU (device-independent for a seed), moved to ``device``."""
    if kind == "normal":
        r = torch.randn(shape, generator=generator, dtype=torch.float64)
    elif kind == "uniform":
        r = torch.rand(shape, generator=generator, dtype=torch.float64)
    else:  # poisson
        r = torch.poisson(rate.cpu(), generator=generator)
    return r.to(device)


def gaussian_noise(x: Tensor, sigma: float, g: torch.Generator) -> Tensor:
    """x + N(0, sigma^2) per value; x in [0, 1]."""
    return (x + sigma * _draw(x.shape, g, x.device)).clamp(0, 1)


def shot_noise(x: Tensor, rate: float, g: torch.Generator) -> Tensor:
    """Poisson(x * rate) / rate per value."""
    return (_draw(x.shape, g, x.device, "poisson", x * rate) / rate).clamp(0, 1)


def impulse_noise(x: Tensor, amount: float, g: torch.Generator) -> Tensor:
    """Salt and pepper (skimage ``random_noise(mode='s&p')``): each value is replaced with
    probability ``amount``, by 1 or 0 with equal probability."""
    flip = _draw(x.shape, g, x.device, "uniform") <= amount
    salt = _draw(x.shape, g, x.device, "uniform") <= 0.5
    return torch.where(flip, salt.to(x.dtype), x)


def speckle_noise(x: Tensor, sigma: float, g: torch.Generator) -> Tensor:
    """x + x * N(0, sigma^2) per value."""
    return (x + x * sigma * _draw(x.shape, g, x.device)).clamp(0, 1)


def _conv_nhwc(x: Tensor, kernel: Tensor, pad: tuple[int, int], mode: str) -> Tensor:
    """Convolve every channel of [N, H, W, C] with a [kh, kw] kernel (padding (ph, pw), ``mode``)."""
    n, h, w, c = x.shape
    y = x.permute(0, 3, 1, 2).reshape(n * c, 1, h, w)
    ph, pw = pad
    y = F.pad(y, (pw, pw, ph, ph), mode=mode)
    y = F.conv2d(y, kernel.to(x.dtype).to(x.device)[None, None])
    return y.view(n, c, h, w).permute(0, 2, 3, 1)


def defocus_blur(x: Tensor, radius: float, alias_blur: float) -> Tensor:
    """Each channel convolved with the anti-aliased disk (cv2.filter2D, reflect-101 borders)."""
    k = disk_kernel(radius, alias_blur).float().double()  # the published kernel is float32
    r = k.shape[0] // 2
    return _conv_nhwc(x, k, (r, r), "reflect").clamp(0, 1)


def _rgb(x: Tensor, name: str) -> None:
    if x.shape[-1] != 3:
        raise ValueError(f"{name} acts on the hue/saturation/value of RGB images; these have {x.shape[-1]} "
                         f"channel(s)" + (" (brightness works on grey images)" if name == "saturate" else ""))


def brightness(x: Tensor, shift: float) -> Tensor:
    """V of HSV + shift (clipped to [0, 1]). A grey (1-channel) image is treated as R = G = B."""
    if x.shape[-1] == 1:
        return (x + shift).clamp(0, 1)
    _rgb(x, "brightness")
    hsv = rgb_to_hsv(x)
    hsv = torch.stack([hsv[..., 0], hsv[..., 1], (hsv[..., 2] + shift).clamp(0, 1)], -1)
    return hsv_to_rgb(hsv).clamp(0, 1)


def contrast(x: Tensor, factor: float) -> Tensor:
    """(x - m) * factor + m, m: each image's mean of each channel."""
    m = x.mean(dim=(1, 2), keepdim=True)
    return ((x - m) * factor + m).clamp(0, 1)


def saturate(x: Tensor, scale: float, shift: float) -> Tensor:
    """S of HSV -> S * scale + shift (clipped to [0, 1]); RGB images only."""
    _rgb(x, "saturate")
    hsv = rgb_to_hsv(x)
    hsv = torch.stack([hsv[..., 0], (hsv[..., 1] * scale + shift).clamp(0, 1), hsv[..., 2]], -1)
    return hsv_to_rgb(hsv).clamp(0, 1)


def pixelate(images: Tensor, factor: float) -> Tensor:
    """uint8 -> uint8: Pillow BOX resize to int(side * factor), then BOX resize back."""
    _, h, w, _ = images.shape
    small = box_resize(images, int(h * factor), int(w * factor))
    return box_resize(small, h, w)


def jpeg_compression(images: Tensor, quality: int) -> Tensor:
    """uint8 -> uint8: each image saved as JPEG by Pillow at ``quality`` (its default settings) and
    decoded again; runs on the CPU."""
    from PIL import Image

    arr = images.cpu().numpy()
    out = np.empty_like(arr)
    for i, a in enumerate(arr):
        buf = io.BytesIO()
        Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a).save(buf, format="JPEG", quality=int(quality))
        buf.seek(0)
        out[i] = np.asarray(Image.open(buf)).reshape(a.shape)
    return torch.from_numpy(out).to(images.device)


_RANDOM = {"gaussian_noise": gaussian_noise, "shot_noise": shot_noise, "impulse_noise": impulse_noise,
           "speckle_noise": speckle_noise}
_FLOAT = {"gaussian_blur": gaussian_blur, "defocus_blur": defocus_blur, "brightness": brightness,
          "contrast": contrast, "saturate": saturate}
_UINT8 = {"pixelate": pixelate, "jpeg_compression": jpeg_compression}
AS_RGB = ("frost", "spatter")  # formulas with colours: a grey image is corrupted as R = G = B, then greyed


def draws(name: str, shape, severity: int, seed: int = 0, table: int = 32) -> dict:
    """The random draws of corruption ``name`` for images of ``shape`` [N, H, W, C] (CPU tensors,
    from a generator seeded with ``seed``): what ``corrupt`` uses; {} for corruptions without
    randomness beyond the noises'."""
    from .blurs import glass_shifts
    from .elastic import elastic_draws
    from .weather import frost_draws, plasma_draws, plasma_size

    n, h, w = shape[0], shape[1], shape[2]
    c = parameter(name, severity, table)
    g = torch.Generator().manual_seed(int(seed))
    if name == "glass_blur":
        return {"shifts": glass_shifts(n, h, w, c[1], c[2], g)}
    if name == "motion_blur":
        return {"angles": -45 + 90 * torch.rand(n, generator=g, dtype=torch.float64)}
    if name == "snow":
        flakes = torch.randn((n, h, w), generator=g, dtype=torch.float64)
        return {"flakes": flakes, "angles": -135 + 90 * torch.rand(n, generator=g, dtype=torch.float64)}
    if name == "frost":
        return frost_draws(n, h, w, FROST_SCALE[table], g)
    if name == "fog":
        return {"draws": plasma_draws(n, plasma_size(h, w, table), g)}
    if name == "spatter":
        return {"liquid": torch.randn((n, h, w), generator=g, dtype=torch.float64)}
    if name == "elastic_transform":
        return elastic_draws(n, h, w, c[2] * _side(h, w), g)
    return {}


def _side(h: int, w: int) -> int:
    """The published IMSIZE of the elastic transform: the image side (its parameters are fractions of it)."""
    return min(h, w)


def _apply(x: Tensor, name: str, c, d: dict, table: int) -> Tensor:
    """Corruption ``name`` with parameters c and draws d of uint8 images x: float in [0, 1]
    (uint8 for the uint8 formulas)."""
    from .blurs import glass_blur, motion_blur, zoom_blur
    from .elastic import elastic_transform
    from .weather import fog, frost, snow, spatter

    args = c if isinstance(c, tuple) else (c,)
    x01 = x.double() / 255
    if name == "glass_blur":
        return glass_blur(x01, c[0], c[1], c[2], d["shifts"])
    if name == "motion_blur":
        return motion_blur(x, c[0], c[1], d["angles"])
    if name == "zoom_blur":
        return zoom_blur(x01, c)
    if name == "snow":
        return snow(x01, *c, d["flakes"], d["angles"])
    if name == "frost":
        return frost(x, *c, FROST_SCALE[table], d["which"], d["top"], d["left"]) / 255
    if name == "fog":
        return fog(x01, *c, d["draws"])
    if name == "spatter":
        return spatter(x01, *c, d["liquid"])
    if name == "elastic_transform":
        side = _side(*x.shape[1:3])
        return elastic_transform(x01, side * c[0], side * c[1], side * c[2], d["moves"], d["field_x"], d["field_y"])
    if name in _UINT8:
        return _UINT8[name](x, *args)
    if name in _FLOAT:
        return _FLOAT[name](x01, *args)
    raise ValueError(f"unknown corruption {name!r}")


def _to_grey(x: Tensor) -> Tensor:
    """[..., 3] -> [..., 1]: 0.299 R + 0.587 G + 0.114 B."""
    from .weather import _grey

    return _grey(x.double())


def corrupt(images, name: str, severity: int, seed: int = 0, table: int | None = None):
    """Corrupt uint8 images [N, H, W, C] (numpy array or torch tensor, C = 1 or 3) with corruption
    ``name`` (one of ``CORRUPTIONS``) at ``severity`` 1..5.

    table: which published parameters: 32 (CIFAR-10-C) or 64 (Tiny ImageNet-C); by default the
    images' size, which must then be 32x32 or 64x64. Returns uint8 of the input's type, shape and
    device; the same seed gives the same images.
    """
    is_numpy = isinstance(images, np.ndarray)
    x = torch.from_numpy(np.ascontiguousarray(images)) if is_numpy else images
    if not isinstance(x, Tensor) or x.dtype != torch.uint8 or x.dim() != 4 or x.shape[-1] not in (1, 3):
        what = f"{x.dtype} {tuple(x.shape)}" if hasattr(x, "shape") else type(images).__name__
        raise ValueError(f"corrupt takes uint8 images [N, H, W, C] with C = 1 or 3, got {what}")
    if table is None:
        h, w = x.shape[1:3]
        if h != w or h not in TABLES:
            raise ValueError(f"no published parameters for {h}x{w} images (only 32x32: CIFAR-10-C, 64x64: "
                             f"Tiny ImageNet-C); pass table=32 or table=64 to use one of them")
        table = h
    if name not in CORRUPTIONS:
        raise ValueError(f"unknown corruption {name!r}; known: {', '.join(CORRUPTIONS)}")
    c = parameter(name, severity, table)
    if name in _RANDOM:
        g = torch.Generator().manual_seed(int(seed))
        out = to_uint8(_RANDOM[name](x.double() / 255, *(c if isinstance(c, tuple) else (c,)), g))
    else:
        grey = x.shape[-1] == 1 and name in AS_RGB
        rgb = x.expand(*x.shape[:3], 3) if grey else x
        out = _apply(rgb, name, c, draws(name, x.shape, severity, seed, table), table)
        if out.dtype != torch.uint8:
            out = to_uint8(_to_grey(out) if grey else out)
    return out.cpu().numpy() if is_numpy else out
