"""A small CNN for 28x28 one-channel images that trains quickly on two CPU cores (not the paper's model)."""

from __future__ import annotations

from torch import nn

from sparsyfed.models.layers import PLAIN, LayerFactory
from sparsyfed.models.width import scaled_all

WIDTHS = (16, 32, 128)  # conv1, conv2 and fc1's outputs at width 1


class SmallCNN(nn.Module):
    """Conv(C,16,3)-ReLU-Pool-Conv(16,32,3)-ReLU-Pool-FC(32*7*7,128)-ReLU-FC(128,classes).

    Its first linear layer holds about 97 % of the weights, so global magnitude pruning at 99 %
    can remove it entirely (layer collapse); prefer `resnet_small` for sparse grids. `width` scales
    the three widths.
    """

    def __init__(self, in_channels: int, num_classes: int, layers: LayerFactory = PLAIN, image_size: int = 28,
                 width: float = 1.0):
        super().__init__()
        c1, c2, hidden = scaled_all(WIDTHS, width)
        self.conv1 = layers.conv(in_channels, c1, 3, 1, 1, bias=True, role="first")
        self.conv2 = layers.conv(c1, c2, 3, 1, 1, bias=True, role="body")
        self.pool = nn.MaxPool2d(2)
        self.fc1 = layers.linear(c2 * (image_size // 4) ** 2, hidden, role="body")
        self.fc2 = layers.linear(hidden, num_classes, role="classifier")

    def forward(self, x):
        x = self.pool(self.conv1(x).relu())
        x = self.pool(self.conv2(x).relu())
        return self.fc2(self.fc1(x.flatten(1)).relu())


def small_cnn(in_channels: int, num_classes: int, layers: LayerFactory = PLAIN, width: float = 1.0) -> SmallCNN:
    return SmallCNN(in_channels, num_classes, layers, width=width)
