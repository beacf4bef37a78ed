"""Gradient attacks in the [0, 1] pixel space, before normalization: FGSM (Goodfellow et al. 2015)
and L-infinity PGD (Madry et al. 2018), on the model in eval mode, clipped to valid pixels and to
the eps ball. eps and step sizes are in pixel units of [0, 1] (e.g. 8/255)."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..evaluation import eval_mode
from ..defaults import ROBUSTNESS

Normalize = Callable[[Tensor], Tensor] | None


def normalizer(mean, std) -> Callable[[Tensor], Tensor]:
    """x [N, C, H, W] in [0, 1] -> (x - mean) / std, mean and std per channel ([C])."""
    mean, std = torch.as_tensor(mean, dtype=torch.float32), torch.as_tensor(std, dtype=torch.float32)

    def normalize(x: Tensor) -> Tensor:
        return (x - mean.to(x.device).view(1, -1, 1, 1)) / std.to(x.device).view(1, -1, 1, 1)

    return normalize


def _input_gradient(model: nn.Module, x: Tensor, labels: Tensor, normalize: Normalize) -> Tensor:
    """d(sum of cross-entropy losses) / dx, without touching the parameters' .grad."""
    x = x.detach().requires_grad_(True)
    logits = model(normalize(x) if normalize is not None else x)
    loss = F.cross_entropy(logits.float(), labels, reduction="sum")
    return torch.autograd.grad(loss, x)[0]


def _project(x_adv: Tensor, x: Tensor, eps: float) -> Tensor:
    """Into the eps ball around x and into [0, 1]."""
    return torch.min(torch.max(x_adv, x - eps), x + eps).clamp(0, 1)


def fgsm(model: nn.Module, images: Tensor, labels: Tensor, eps: float, normalize: Normalize = None) -> Tensor:
    """x + eps * sign(grad_x loss), clipped to [0, 1]. images: float [N, C, H, W] in [0, 1];
    labels [N]; normalize maps pixels to the model's input. Returns adversarial images [N, C, H, W]."""
    if eps == 0:
        return images.detach().clone()
    with eval_mode(model):
        grad = _input_gradient(model, images, labels, normalize)
    return _project(images.detach() + eps * grad.sign(), images.detach(), eps)


def pgd(model: nn.Module, images: Tensor, labels: Tensor, eps: float, steps: int = 10,
        step_size: float | None = None, random_start: bool = True, seed: int = 0,
        normalize: Normalize = None) -> Tensor:
    """L-infinity PGD: from a uniform random start in the eps ball (if ``random_start``), ``steps``
    signed-gradient steps of ``step_size`` (default 2.5 * eps / steps, Madry et al.), each projected
    onto the eps ball and [0, 1]. The start is drawn on the CPU from ``seed`` (same on any device).
    images: float [N, C, H, W] in [0, 1]. Returns adversarial images [N, C, H, W]."""
    x = images.detach()
    if eps == 0:
        return x.clone()
    step_size = 2.5 * eps / steps if step_size is None else step_size
    x_adv = x.clone()
    if random_start:
        g = torch.Generator().manual_seed(int(seed))
        noise = torch.rand(x.shape, generator=g, dtype=torch.float32).to(x.device, x.dtype)
        x_adv = _project(x + (2 * noise - 1) * eps, x, eps)
    with eval_mode(model):
        for _ in range(steps):
            grad = _input_gradient(model, x_adv, labels, normalize)
            x_adv = _project(x_adv + step_size * grad.sign(), x, eps)
    return x_adv


ATTACKS = {"fgsm": fgsm, "pgd": pgd}


def as_pixels(images: Tensor) -> Tensor:
    """uint8 [N, H, W, C] (the pipeline's layout) -> float [N, C, H, W] in [0, 1]; float images
    are taken to be [N, C, H, W] in [0, 1] already."""
    if images.dtype == torch.uint8:
        return images.permute(0, 3, 1, 2).float() / 255
    return images.float()


def accuracy_under_attack(model: nn.Module, images: Tensor, labels: Tensor, attack: str | Callable, eps: float,
                          normalize: Normalize = None, batch_size: int = ROBUSTNESS["batch_size"], device=None, **options) -> float:
    """Fraction of ``images`` classified correctly after the ``attack`` ("fgsm", "pgd" or a callable
    with fgsm's signature) at ``eps``, in batches on ``device`` (default: the model's).

    images: uint8 [N, H, W, C] or float [N, C, H, W] in [0, 1]; labels [N]. ``options`` go to the
    attack (steps, step_size, random_start, seed); PGD's seed is offset by the batch index."""
    if isinstance(attack, str) and attack not in ATTACKS:
        raise ValueError(f"unknown attack {attack!r}; known: {', '.join(ATTACKS)}")
    fn = ATTACKS[attack] if isinstance(attack, str) else attack
    if device is None:
        device = next(model.parameters()).device
    correct = 0
    seed = options.pop("seed", 0)
    for b, start in enumerate(range(0, images.shape[0], batch_size)):
        x = as_pixels(images[start : start + batch_size].to(device))
        y = labels[start : start + batch_size].to(device).long()
        extra = dict(options, seed=seed + b) if fn is pgd else options
        x_adv = fn(model, x, y, eps, normalize=normalize, **extra)
        with torch.no_grad(), eval_mode(model):
            logits = model(normalize(x_adv) if normalize is not None else x_adv)
        correct += int((logits.argmax(1) == y).sum())
    return correct / images.shape[0]
