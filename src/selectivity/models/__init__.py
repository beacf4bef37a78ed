"""Model zoo: ``build_model(name, num_classes, in_channels=3, **options)``.

options: ``width`` (channel multiplier, 1.0 = the paper's), ``activation`` ("relu" or
"leaky_relu"), ``negative_slope`` (leaky ReLU slope b); ResNet18 / ResNet50 also ``stem``
("imagenet" or "cifar", see ``resnet_imagenet``).
"""

from __future__ import annotations

from torch import nn

from .resnet import resnet20
from .resnet_imagenet import resnet18, resnet50
from .vgg import vgg16

MODELS = {"resnet20": resnet20, "vgg16": vgg16, "resnet18": resnet18, "resnet50": resnet50}


def build_model(name: str, num_classes: int, in_channels: int = 3, **options) -> nn.Module:
    try:
        factory = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}: choose one of {sorted(MODELS)}") from None
    return factory(num_classes=num_classes, in_channels=in_channels, **options)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


__all__ = ["build_model", "count_parameters", "MODELS"]
