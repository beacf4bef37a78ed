"""ResNet18 and ResNet50 (He et al. 2016), layer for layer as torchvision's ``resnet18`` / ``resnet50``
(v1.5: a bottleneck block strides in its 3 x 3 conv; projection shortcuts, 1 x 1 conv + BN, where the
shape changes), written here because torchvision cannot be imported beside the CPU torch.

With 200 classes and the ImageNet stem: 11,279,112 and 23,917,832 parameters (torchvision's counts
with a 200-way head). ``stem``: "imagenet" (default: 7 x 7 stride-2 conv + 3 x 3 stride-2 max-pool, as
torchvision and the paper's "ResNet18 / ResNet50") or "cifar" (3 x 3 stride-1 conv, no max-pool: the
common variant for 64 x 64 Tiny ImageNet images, which keeps 4x more spatial resolution).

Unit layers: the stem's nonlinearity, every conv's nonlinearity inside a block, and the
nonlinearity after each block's residual addition: 1 + 8 x 2 = 17 (ResNet18), 1 + 16 x 3 = 49
(ResNet50).
"""

from __future__ import annotations

from ..defaults import MODEL_OPTIONS

from torch import Tensor, nn

from .layers import make_unit

STEMS = ("imagenet", "cifar")


def _projection(in_channels: int, out_channels: int, stride: int) -> nn.Module:
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False), nn.BatchNorm2d(out_channels))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_channels: int, planes: int, stride: int, unit):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.act1 = unit()
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.act2 = unit()
        self.shortcut = _projection(in_channels, planes, stride)

    def forward(self, x: Tensor) -> Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        return self.act2(self.bn2(self.conv2(out)) + self.shortcut(x))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int, unit):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.act1 = unit()
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.act2 = unit()
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.act3 = unit()
        self.shortcut = _projection(in_channels, planes * 4, stride)

    def forward(self, x: Tensor) -> Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.act2(self.bn2(self.conv2(out)))
        return self.act3(self.bn3(self.conv3(out)) + self.shortcut(x))


class ResNet(nn.Module):
    """blocks: BasicBlock or Bottleneck; depths: blocks per stage (4 stages, 64/128/256/512 planes
    times ``width``)."""

    def __init__(self, block, depths, num_classes: int = 1000, in_channels: int = 3, width: float = MODEL_OPTIONS["width"],
                 activation: str = MODEL_OPTIONS["activation"], negative_slope: float = MODEL_OPTIONS["negative_slope"], stem: str = "imagenet"):
        super().__init__()
        if stem not in STEMS:
            raise ValueError(f"unknown stem {stem!r}: choose one of {STEMS}")
        planes = [max(1, int(round(p * width))) for p in (64, 128, 256, 512)]
        def unit():
            return make_unit(activation, negative_slope)
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, planes[0], 7, 2, 3, bias=False)
            self.pool = nn.MaxPool2d(3, 2, 1)
        else:
            self.conv1 = nn.Conv2d(in_channels, planes[0], 3, 1, 1, bias=False)
            self.pool = nn.Identity()
        self.bn1 = nn.BatchNorm2d(planes[0])
        self.act1 = unit()
        stages, prev = [], planes[0]
        for i, (p, depth) in enumerate(zip(planes, depths)):
            blocks = []
            for b in range(depth):
                blocks.append(block(prev, p, 2 if i > 0 and b == 0 else 1, unit))
                prev = p * block.expansion
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.fc = nn.Linear(prev, num_classes)
        for m in self.modules():  # torchvision's initialization
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        out = self.pool(self.act1(self.bn1(self.conv1(x))))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        return self.fc(out.mean(dim=(2, 3)))


def resnet18(**options) -> ResNet:
    return ResNet(BasicBlock, (2, 2, 2, 2), **options)


def resnet50(**options) -> ResNet:
    return ResNet(Bottleneck, (3, 4, 6, 3), **options)
