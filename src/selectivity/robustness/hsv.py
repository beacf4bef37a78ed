"""RGB <-> HSV on tensors, the formulas of ``skimage.color.rgb2hsv`` / ``hsv2rgb`` (and of Python's
``colorsys``), which the published brightness and saturate corruptions go through."""

from __future__ import annotations

import torch
from torch import Tensor


def rgb_to_hsv(rgb: Tensor) -> Tensor:
    """[..., 3] RGB in [0, 1] -> [..., 3] HSV, each in [0, 1] (hue 0 where the pixel is grey)."""
    r, g, b = rgb.unbind(-1)
    v = rgb.amax(-1)
    delta = v - rgb.amin(-1)
    safe = torch.where(delta > 0, delta, torch.ones_like(delta))
    s = torch.where(v > 0, delta / torch.where(v > 0, v, torch.ones_like(v)), torch.zeros_like(v))
    h = torch.where(r == v, (g - b) / safe, torch.zeros_like(v))  # later channels win ties, as in skimage
    h = torch.where(g == v, 2.0 + (b - r) / safe, h)
    h = torch.where(b == v, 4.0 + (r - g) / safe, h)
    h = torch.where(delta > 0, (h / 6.0) % 1.0, torch.zeros_like(h))
    return torch.stack([h, s, v], -1)


def hsv_to_rgb(hsv: Tensor) -> Tensor:
    """[..., 3] HSV in [0, 1] -> [..., 3] RGB in [0, 1]."""
    h, s, v = hsv.unbind(-1)
    i = torch.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.long() % 6
    p = v * (1.0 - s)
    q = v * (1.0 - f * s)
    t = v * (1.0 - (1.0 - f) * s)
    # sector i -> (r, g, b): 0 (v,t,p) 1 (q,v,p) 2 (p,v,t) 3 (p,q,v) 4 (t,p,v) 5 (v,p,q)
    options = torch.stack([v, q, p, p, t, v, t, v, v, q, p, p, p, p, t, v, v, q], -1)
    options = options.view(*h.shape, 3, 6)  # [..., channel, sector]
    return options.gather(-1, i[..., None, None].expand(*h.shape, 3, 1)).squeeze(-1)
