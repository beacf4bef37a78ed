"""The elastic transform of CIFAR-10-C / Tiny ImageNet-C (a random affine warp, then a smooth random
displacement field), batched over the images of [N, H, W, C]."""

from __future__ import annotations

import torch
from torch import Tensor

from .resample import bilinear, warp_affine


def elastic_draws(n: int, h: int, w: int, shift: float, g: torch.Generator) -> dict:
    """Per image: the moves of the affine's three anchor points (uniform in [-shift, shift),
    float32) and two uniform [-1, 1) fields [H, W] for the displacements."""
    u = torch.rand((n, 3, 2), generator=g, dtype=torch.float64)
    moves = (-shift + (shift - -shift) * u).float()
    fx = -1 + 2 * torch.rand((n, h, w), generator=g, dtype=torch.float64)
    fy = -1 + 2 * torch.rand((n, h, w), generator=g, dtype=torch.float64)
    return {"moves": moves, "field_x": fx, "field_y": fy}


def affine_anchors(h: int, w: int) -> Tensor:
    """The published anchor points (x, y pairs as OpenCV reads them), float32 [3, 2]: the centre
    (float32([H, W]) // 2) plus (s, s), (s, -s) and minus (s, s), s = min(H, W) // 3."""
    centre = torch.floor(torch.tensor([h, w], dtype=torch.float32) / 2)
    s = float(min(h, w) // 3)
    return torch.stack([centre + s, torch.stack([centre[0] + s, centre[1] - s]), centre - s]).float()


def affine_matrix(src: Tensor, dst: Tensor) -> Tensor:
    """cv2.getAffineTransform: the 2x3 matrix (float64) mapping the three points src [N, 3, 2]
    onto dst [N, 3, 2] (float32 points), by solving the 6x6 system."""
    n = src.shape[0]
    s, d = src.double(), dst.double()
    a = torch.zeros((n, 6, 6), dtype=torch.float64)
    a[:, 0::2, 0:2] = s
    a[:, 0::2, 2] = 1
    a[:, 1::2, 3:5] = s
    a[:, 1::2, 5] = 1
    b = d.reshape(n, 6, 1)
    return torch.linalg.solve(a, b).view(n, 2, 3)


def elastic_transform(x: Tensor, alpha: float, sigma: float, shift: float, moves: Tensor, field_x: Tensor,
                      field_y: Tensor) -> Tensor:
    """x [N, H, W, C] in [0, 1] (float32 as published); alpha, sigma, shift in pixels.

    Warp each image by the affine map taking the anchors to the anchors + moves (cv2.warpAffine,
    reflect-101 borders), then sample it at (row + dy, col + dx) with order-1 interpolation and
    reflected borders (scipy map_coordinates), dx = alpha x Gaussian(field_x, sigma) (reflect
    borders, truncate 3), as float32. Returns float32 in [0, 1]."""
    from .kernels import gaussian_filter

    n, h, w, _ = x.shape
    dev = x.device
    x = x.float()
    anchors = affine_anchors(h, w).expand(n, 3, 2)
    m = affine_matrix(anchors, anchors + moves)
    x = warp_affine(x, m.to(dev))

    def displacement(field):
        smooth = gaussian_filter(field[..., None].to(dev), sigma, mode="reflect", truncate=3.0)[..., 0]
        return (smooth * alpha).float()

    dx, dy = displacement(field_x), displacement(field_y)
    rows = torch.arange(h, device=dev).view(1, -1, 1) + dy.double()
    cols = torch.arange(w, device=dev).view(1, 1, -1) + dx.double()
    return bilinear(x, rows, cols, "reflect").float().clamp(0, 1)
