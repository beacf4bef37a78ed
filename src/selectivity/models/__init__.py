"""Model zoo: ``build_model(name, num_classes, in_channels=3, **options)``; the models are the
entries of ``registry.MODELS`` (imported on first use, so this package imports no torch).

options: ``width`` (channel multiplier, 1.0 = the paper's), ``activation`` ("relu" or
"leaky_relu"), ``negative_slope`` (leaky ReLU slope b); ResNet18 / ResNet50 also ``stem``
("imagenet" or "cifar", see ``resnet_imagenet``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import resolve
from .registry import MODELS, model_spec

if TYPE_CHECKING:
    from torch import nn


def build_model(name: str, num_classes: int, in_channels: int = 3, **options) -> nn.Module:
    factory = resolve(model_spec(name).factory)
    return factory(num_classes=num_classes, in_channels=in_channels, **options)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


__all__ = ["build_model", "count_parameters", "MODELS"]
