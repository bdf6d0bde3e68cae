"""A small CNN for MFCC frames (1 x frames x coefficients, e.g. FSDD's 1 x 40 x 13) that trains fast on CPUs.

Not a model of the paper (it ran Speech Commands on a ResNet-18 over raw audio). Five 3x3 convs
with BatchNorm, two of stride 2, global average pooling and a linear classifier; 34,032 prunable
weights, the largest layer 41 % of them, so global magnitude pruning at 95-99 % does not have
to empty one layer to reach the target (the failure of `small_cnn`, whose fc1 holds 97 %).
Global pooling makes it independent of the input's size (at least 3 x 3).
"""

from __future__ import annotations

from torch import nn

from sparsyfed.models.layers import PLAIN, LayerFactory
from sparsyfed.models.width import scaled_all

WIDTHS = (16, 24, 32, 32, 48)  # at width 1
STRIDES = (1, 2, 1, 2, 1)


class MfccCNN(nn.Module):
    """conv3x3(C,16)-[conv3x3(16,24)/2]-conv3x3(24,32)-[conv3x3(32,32)/2]-conv3x3(32,48), each with
    BatchNorm and ReLU, then global average pooling and fc(48, classes); `width` scales the five widths."""

    def __init__(self, in_channels: int, num_classes: int, layers: LayerFactory = PLAIN, width: float = 1.0):
        super().__init__()
        blocks, in_ch = [], in_channels
        for i, (out_ch, stride) in enumerate(zip(scaled_all(WIDTHS, width), STRIDES, strict=True)):
            blocks += [layers.conv(in_ch, out_ch, 3, stride, 1, role="first" if i == 0 else "body"),
                       nn.BatchNorm2d(out_ch), nn.ReLU()]
            in_ch = out_ch
        self.features = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = layers.linear(in_ch, num_classes, role="classifier")

    def forward(self, x):
        return self.fc(self.pool(self.features(x)).flatten(1))


def mfcc_cnn(in_channels: int, num_classes: int, layers: LayerFactory = PLAIN, width: float = 1.0) -> MfccCNN:
    return MfccCNN(in_channels, num_classes, layers, width)
