"""The published per-severity parameters of the 19 CIFAR-10-C and Tiny ImageNet-C corruptions
(Hendrycks & Dietterich, ICLR 2019), from the scripts that made those data sets:
github.com/hendrycks/robustness, ``ImageNet-C/create_c/make_cifar_c.py`` (32x32 images) and
``make_tinyimagenet_c.py`` (64x64 images, its latest revision 7a64e6a). Entry s - 1 is severity s.

Units: noise scales and offsets in pixel units of [0, 1]; shot noise: photons per unit intensity;
blur: Gaussian sigma in pixels, defocus (disk radius, anti-alias sigma) in pixels; glass blur
(sigma, largest shift in pixels, iterations); motion blur (radius, sigma) in pixels; zoom blur: the
end of ``np.arange(1, end, 0.01)``, the zoom factors; snow (flake mean, flake SD, flake zoom,
threshold, motion radius, motion sigma, weight of the image); frost (weight of the image, weight
of the frost); fog (weight of the plasma map, its wibble decay); spatter (mean, SD, blur sigma,
threshold, intensity, 0: water / 1: mud); elastic: (alpha, sigma, affine shift) as fractions of
the image side (the published ``IMSIZE * f``); pixelate: the fraction of the side length the image
is shrunk to; jpeg: Pillow quality.
"""

from __future__ import annotations

import operator

CIFAR10_C = {  # 32 x 32
    "gaussian_noise": (0.04, 0.06, 0.08, 0.09, 0.10),  # sigma
    "shot_noise": (500, 250, 100, 75, 50),  # Poisson rate per unit intensity
    "impulse_noise": (0.01, 0.02, 0.03, 0.05, 0.07),  # fraction of values set to 0 or 1
    "defocus_blur": ((0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)),  # (radius, alias sigma)
    "glass_blur": ((0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)),
    "motion_blur": ((6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)),
    "zoom_blur": (1.06, 1.11, 1.16, 1.21, 1.26),
    "snow": ((0.1, 0.2, 1, 0.6, 8, 3, 0.95), (0.1, 0.2, 1, 0.5, 10, 4, 0.9), (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
             (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85), (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8)),
    "frost": ((1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)),
    "fog": ((0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)),
    "brightness": (0.05, 0.1, 0.15, 0.2, 0.3),  # added to V of HSV
    "contrast": (0.75, 0.5, 0.4, 0.3, 0.15),  # factor on the deviation from the channel mean
    "elastic_transform": ((0, 0, 0.08), (0.05, 0.2, 0.07), (0.08, 0.06, 0.06), (0.1, 0.04, 0.05),
                          (0.1, 0.03, 0.03)),
    "pixelate": (0.95, 0.9, 0.85, 0.75, 0.65),  # shrink factor
    "jpeg_compression": (80, 65, 58, 50, 40),  # quality
    # the "extra" (validation) corruptions
    "speckle_noise": (0.06, 0.1, 0.12, 0.16, 0.2),  # sigma of the multiplicative noise
    "gaussian_blur": (0.4, 0.6, 0.7, 0.8, 1.0),  # sigma
    "spatter": ((0.62, 0.1, 0.7, 0.7, 0.5, 0), (0.65, 0.1, 0.8, 0.7, 0.5, 0), (0.65, 0.3, 1, 0.69, 0.5, 0),
                (0.65, 0.1, 0.7, 0.69, 0.6, 1), (0.65, 0.1, 0.5, 0.68, 0.6, 1)),
    "saturate": ((0.3, 0), (0.1, 0), (1.5, 0), (2, 0.1), (2.5, 0.2)),  # S of HSV -> S * a + b
}

TINY_IMAGENET_C = {  # 64 x 64
    "gaussian_noise": (0.04, 0.08, 0.12, 0.15, 0.18),
    "shot_noise": (250, 100, 50, 30, 15),
    "impulse_noise": (0.01, 0.02, 0.05, 0.08, 0.14),
    "defocus_blur": ((0.5, 0.6), (1, 0.1), (1.5, 0.1), (2.5, 0.01), (3, 0.1)),
    "glass_blur": ((0.1, 1, 1), (0.5, 1, 1), (0.6, 1, 2), (0.7, 2, 1), (0.9, 2, 2)),
    "motion_blur": ((10, 1), (10, 1.5), (10, 2), (10, 2.5), (12, 3)),
    "zoom_blur": (1.06, 1.11, 1.16, 1.21, 1.26),
    "snow": ((0.1, 0.2, 1, 0.6, 8, 3, 0.8), (0.1, 0.2, 1, 0.5, 10, 4, 0.8), (0.15, 0.3, 1.75, 0.55, 10, 4, 0.7),
             (0.25, 0.3, 2.25, 0.6, 12, 6, 0.65), (0.3, 0.3, 1.25, 0.65, 14, 12, 0.6)),
    "frost": ((1, 0.3), (0.9, 0.4), (0.8, 0.45), (0.75, 0.5), (0.7, 0.55)),
    "fog": ((0.4, 3), (0.7, 3), (1, 2.5), (1.5, 2), (2, 1.75)),
    "brightness": (0.1, 0.2, 0.3, 0.4, 0.5),
    "contrast": (0.4, 0.3, 0.2, 0.1, 0.05),
    "elastic_transform": ((0, 0, 0.08), (0.05, 0.3, 0.06), (0.1, 0.08, 0.06), (0.1, 0.03, 0.03),
                          (0.16, 0.03, 0.02)),
    "pixelate": (0.9, 0.8, 0.7, 0.6, 0.5),
    "jpeg_compression": (65, 58, 50, 40, 25),
    "speckle_noise": (0.15, 0.2, 0.25, 0.3, 0.35),
    "gaussian_blur": (0.5, 0.75, 1.0, 1.25, 1.5),
    "spatter": ((0.62, 0.1, 0.7, 0.7, 0.6, 0), (0.65, 0.1, 0.8, 0.7, 0.6, 0), (0.65, 0.3, 1, 0.69, 0.6, 0),
                (0.65, 0.1, 0.7, 0.68, 0.6, 1), (0.65, 0.1, 0.5, 0.67, 0.6, 1)),
    "saturate": ((0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (30, 0.2)),
}

TABLES = {32: CIFAR10_C, 64: TINY_IMAGENET_C}
FROST_SCALE = {32: 0.2, 64: 0.3}  # the published resize of the frost pictures before the crop

# The benchmark's 15 (every published CIFAR-10-C / ImageNet-C mean), in the published order, and
# the 4 "extra" corruptions released beside them for validation.
BENCHMARK = ("gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur",
             "zoom_blur", "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate",
             "jpeg_compression")
EXTRA = ("speckle_noise", "gaussian_blur", "spatter", "saturate")
CORRUPTIONS = BENCHMARK + EXTRA
SETS = {"benchmark": BENCHMARK, "extra": EXTRA, "all": CORRUPTIONS}
FAMILIES = {  # Hendrycks & Dietterich's categories; each extra corruption under its kind
    "noise": ("gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise"),
    "blur": ("defocus_blur", "glass_blur", "motion_blur", "zoom_blur", "gaussian_blur"),
    "weather": ("snow", "frost", "fog", "brightness", "spatter"),
    "digital": ("contrast", "elastic_transform", "pixelate", "jpeg_compression", "saturate"),
}


def corruption_set(names) -> tuple[str, ...]:
    """The corruptions of a set name ("benchmark", "extra", "all") or of a list of names, checked."""
    if isinstance(names, str):
        if names not in SETS:
            raise ValueError(f"unknown corruption set {names!r}; known: {', '.join(SETS)} (or a list of names)")
        return SETS[names]
    names = tuple(names)
    unknown = [n for n in names if n not in CORRUPTIONS]
    if unknown:
        raise ValueError(f"unknown corruptions {unknown}; known: {', '.join(CORRUPTIONS)}")
    return names


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
