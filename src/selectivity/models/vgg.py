"""VGG16-like network of the paper (A.1): batch-norm VGG16 (13 conv layers) whose two 4096-unit
fully connected layers are replaced by a single 512-unit layer, then the classifier.

Max-pools use ceil_mode so inputs smaller than 32x32 (28x28 Fashion-MNIST, 8x8 digits) work; on
32x32 inputs this is identical to the usual floor-mode pooling. Unit layers (13): every conv's
nonlinearity.
"""

from __future__ import annotations

from ..defaults import MODEL_OPTIONS

from torch import Tensor, nn

from .layers import make_activation, make_unit

VGG16_PLAN = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class VGG(nn.Module):
    def __init__(
        self,
        plan=VGG16_PLAN,
        num_classes: int = 10,
        in_channels: int = 3,
        width: float = MODEL_OPTIONS["width"],
        hidden: int = 512,
        activation: str = MODEL_OPTIONS["activation"],
        negative_slope: float = MODEL_OPTIONS["negative_slope"],
    ):
        super().__init__()
        layers, prev = [], in_channels
        for item in plan:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
            else:
                w = max(1, int(round(item * width)))
                layers += [nn.Conv2d(prev, w, 3, padding=1), nn.BatchNorm2d(w), make_unit(activation, negative_slope)]
                prev = w
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)  # 1x1 already on 32x32 inputs: a no-op there
        hidden = max(1, int(round(hidden * width)))
        self.classifier = nn.Sequential(
            nn.Linear(prev, hidden), make_activation(activation, negative_slope), nn.Linear(hidden, num_classes)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.pool(self.features(x)).flatten(1))


def vgg16(**options) -> VGG:
    return VGG(VGG16_PLAN, **options)
