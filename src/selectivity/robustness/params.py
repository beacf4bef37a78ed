"""The published per-severity parameters of the CIFAR-10-C and Tiny ImageNet-C corruptions
(Hendrycks & Dietterich, ICLR 2019), from the scripts that made those data sets:
github.com/hendrycks/robustness, ``ImageNet-C/create_c/make_cifar_c.py`` (32x32 images) and
``make_tinyimagenet_c.py`` (64x64 images, its latest revision 7a64e6a). Entry s - 1 is severity s.

Units: noise scales and offsets in pixel units of [0, 1]; shot noise: photons per unit intensity;
blur: Gaussian sigma in pixels, defocus (disk radius, anti-alias sigma) in pixels; pixelate: the
fraction of the side length the image is shrunk to; jpeg: Pillow quality.
"""

from __future__ import annotations

import operator

CIFAR10_C = {  # 32 x 32
    "gaussian_noise": (0.04, 0.06, 0.08, 0.09, 0.10),  # sigma
    "shot_noise": (500, 250, 100, 75, 50),  # Poisson rate per unit intensity
    "impulse_noise": (0.01, 0.02, 0.03, 0.05, 0.07),  # fraction of values set to 0 or 1
    "speckle_noise": (0.06, 0.1, 0.12, 0.16, 0.2),  # sigma of the multiplicative noise
    "gaussian_blur": (0.4, 0.6, 0.7, 0.8, 1.0),  # sigma
    "defocus_blur": ((0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)),  # (radius, alias sigma)
    "brightness": (0.05, 0.1, 0.15, 0.2, 0.3),  # added to V of HSV
    "contrast": (0.75, 0.5, 0.4, 0.3, 0.15),  # factor on the deviation from the channel mean
    "saturate": ((0.3, 0), (0.1, 0), (1.5, 0), (2, 0.1), (2.5, 0.2)),  # S of HSV -> S * a + b
    "pixelate": (0.95, 0.9, 0.85, 0.75, 0.65),  # shrink factor
    "jpeg_compression": (80, 65, 58, 50, 40),  # quality
}

TINY_IMAGENET_C = {  # 64 x 64
    "gaussian_noise": (0.04, 0.08, 0.12, 0.15, 0.18),
    "shot_noise": (250, 100, 50, 30, 15),
    "impulse_noise": (0.01, 0.02, 0.05, 0.08, 0.14),
    "speckle_noise": (0.15, 0.2, 0.25, 0.3, 0.35),
    "gaussian_blur": (0.5, 0.75, 1.0, 1.25, 1.5),
    "defocus_blur": ((0.5, 0.6), (1, 0.1), (1.5, 0.1), (2.5, 0.01), (3, 0.1)),
    "brightness": (0.1, 0.2, 0.3, 0.4, 0.5),
    "contrast": (0.4, 0.3, 0.2, 0.1, 0.05),
    "saturate": ((0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (30, 0.2)),
    "pixelate": (0.9, 0.8, 0.7, 0.6, 0.5),
    "jpeg_compression": (65, 58, 50, 40, 25),
}

TABLES = {32: CIFAR10_C, 64: TINY_IMAGENET_C}
CORRUPTIONS = tuple(CIFAR10_C)
FAMILIES = {
    "noise": ("gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise"),
    "blur": ("gaussian_blur", "defocus_blur"),
    "weather": ("brightness",),
    "digital": ("contrast", "saturate", "pixelate", "jpeg_compression"),
}  # Hendrycks & Dietterich's categories (speckle, Gaussian blur, saturate: their "extra" set)


def parameter(name: str, severity: int, table: int):
    """The published parameter of corruption ``name`` at ``severity`` (1..5) for the ``table``
    (32: CIFAR-10-C, 64: Tiny ImageNet-C). Clear errors for unknown names, severities, tables."""
    if table not in TABLES:
        raise ValueError(f"no published parameter table for {table}x{table} images: use table=32 "
                         f"(CIFAR-10-C) or table=64 (Tiny ImageNet-C)")
    if name not in TABLES[table]:
        raise ValueError(f"unknown corruption {name!r}; known: {', '.join(CORRUPTIONS)}")
    return TABLES[table][name][check_severity(severity) - 1]


def check_severity(severity) -> int:
    """``severity`` as an int, or ValueError unless it is an integer 1..5."""
    try:
        s = operator.index(severity)
    except TypeError:
        s = None
    if s is None or isinstance(severity, bool) or not 1 <= s <= 5:
        raise ValueError(f"severity must be an integer 1..5, got {severity!r}")
    return s
