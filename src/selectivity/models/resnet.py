"""ResNet20 for CIFAR (He et al. 2016, Sec. 4.2), as in Idelbayev's pytorch_resnet_cifar10.

3 stages x 3 basic blocks, widths 16/32/64 (times ``width``), option-A parameter-free shortcuts
(stride-2 subsampling + zero-padded channels), global average pooling, linear classifier.
Unit layers (19): the stem's nonlinearity, and in each block the first conv's nonlinearity and the
nonlinearity after the residual addition.
"""

from __future__ import annotations

from ..defaults import MODEL_OPTIONS

import torch.nn.functional as F
from torch import Tensor, nn

from .layers import make_unit


class ShortcutA(nn.Module):
    """Option A: subsample by 2 and zero-pad the new channels evenly on both sides."""

    def __init__(self, out_channels: int, in_channels: int):
        super().__init__()
        self.pad = (out_channels - in_channels) // 2

    def forward(self, x: Tensor) -> Tensor:
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))


class BasicBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int, activation: str, negative_slope: float):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.act1 = make_unit(activation, negative_slope)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.act2 = make_unit(activation, negative_slope)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = ShortcutA(out_channels, in_channels)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.act2(out + self.shortcut(x))


class ResNetCifar(nn.Module):
    def __init__(
        self,
        blocks_per_stage: int = 3,
        num_classes: int = 10,
        in_channels: int = 3,
        width: float = MODEL_OPTIONS["width"],
        activation: str = MODEL_OPTIONS["activation"],
        negative_slope: float = MODEL_OPTIONS["negative_slope"],
    ):
        super().__init__()
        widths = [max(4, int(round(w * width))) // 4 * 4 for w in (16, 32, 64)]  # option A pads by quarters
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.act1 = make_unit(activation, negative_slope)
        layers, prev = [], widths[0]
        for stage, w in enumerate(widths):
            blocks = []
            for b in range(blocks_per_stage):
                stride = 2 if stage > 0 and b == 0 else 1
                blocks.append(BasicBlock(prev, w, stride, activation, negative_slope))
                prev = w
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.fc = nn.Linear(prev, num_classes)
        for m in self.modules():  # He init for convs and the classifier, as in the reference code
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x: Tensor) -> Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        return self.fc(out.mean(dim=(2, 3)))


def resnet20(**options) -> ResNetCifar:
    return ResNetCifar(blocks_per_stage=3, **options)
