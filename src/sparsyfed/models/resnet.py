"""ResNet-18 variants of the paper (SPEC section 3) and a small BatchNorm ResNet for CPUs.

Written here (no torchvision), in torchvision's shape: a BasicBlock, a private `_resnet`, and
one-line builders. Layer factories come in as arguments so methods can supply their own layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from sparsyfed.models.layers import PLAIN, LayerFactory
from sparsyfed.models.width import scaled_all


class BasicBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int, layers: LayerFactory):
        super().__init__()
        self.conv1 = layers.conv(in_ch, out_ch, 3, stride, 1, role="body")
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.conv2 = layers.conv(out_ch, out_ch, 3, 1, 1, role="body")
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(
                layers.conv(in_ch, out_ch, 1, stride, 0, role="shortcut"), nn.BatchNorm2d(out_ch)
            )

    def forward(self, x):
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        return (out + self.shortcut(x)).relu()


WIDTHS_18 = (64, 128, 256, 512)  # ResNet-18's stage widths at width 1


@dataclass(frozen=True)
class ResNetConfig:
    in_channels: int
    num_classes: int
    widths: tuple[int, ...] = WIDTHS_18
    blocks: tuple[int, ...] = (2, 2, 2, 2)
    stem_kernel: int = 3  # 3x3 stride 1 for CIFAR; 7x7 stride 2 + max-pool for Speech Commands
    stem_stride: int = 1
    stem_maxpool: bool = False


class ResNet(nn.Module):
    def __init__(self, cfg: ResNetConfig, layers: LayerFactory = PLAIN):
        super().__init__()
        w0 = cfg.widths[0]
        stem = [layers.conv(cfg.in_channels, w0, cfg.stem_kernel, cfg.stem_stride, cfg.stem_kernel // 2, role="first"),
                nn.BatchNorm2d(w0), nn.ReLU()]
        if cfg.stem_maxpool:
            stem.append(nn.MaxPool2d(3, 2, 1))
        self.stem = nn.Sequential(*stem)
        stages, in_ch = [], w0
        for i, (width, n) in enumerate(zip(cfg.widths, cfg.blocks, strict=True)):
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                stages.append(BasicBlock(in_ch, width, stride, layers))
                in_ch = width
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = layers.linear(in_ch, cfg.num_classes, role="classifier")

    def forward(self, x):
        return self.fc(self.pool(self.stages(self.stem(x))).flatten(1))


def _resnet(cfg: ResNetConfig, layers: LayerFactory) -> ResNet:
    return ResNet(cfg, layers)


def resnet18_cifar(in_channels: int, num_classes: int, layers: LayerFactory = PLAIN, width: float = 1.0) -> ResNet:
    """ResNet-18 for 32x32 images: 3x3 stride-1 first conv, no max-pool (11,164,352 prunable for 10 classes).
    Any input of at least 8x8 fits (global pooling), e.g. Fashion-MNIST's 1 x 28 x 28."""
    return _resnet(ResNetConfig(in_channels, num_classes, widths=scaled_all(WIDTHS_18, width)), layers)


def resnet18_speech(in_channels: int, num_classes: int, layers: LayerFactory = PLAIN, width: float = 1.0) -> ResNet:
    """ResNet-18 for Speech Commands (1 x 1 x 8000 input): 7x7 stride-2 first conv, max-pool, fc 512 -> classes."""
    return _resnet(ResNetConfig(in_channels, num_classes, widths=scaled_all(WIDTHS_18, width), stem_kernel=7,
                                stem_stride=2, stem_maxpool=True), layers)


WIDTHS_SMALL = (16, 32, 64)  # resnet_small's stage widths at width 1


def resnet_small(in_channels: int, num_classes: int, layers: LayerFactory = PLAIN, width: float = 1.0) -> ResNet:
    """A miniature of the paper's ResNet for CPUs: widths 16/32/64, one block per stage, 1x1 shortcuts,
    3x3 stride-2 first conv (a 28x28 input is 14x14 after the stem: 3x faster on two cores).

    Not the paper's model (SPEC section 3); chosen so that no single layer dominates the weight
    count, which would make global magnitude pruning collapse that layer at high sparsity. `width` scales
    the stage widths: 77,072 prunable weights for 1-channel inputs and 10 classes at width 1, 306,720 at 2,
    1,223,744 at 4 (tests/models/test_width.py).
    """
    return _resnet(ResNetConfig(in_channels, num_classes, widths=scaled_all(WIDTHS_SMALL, width), blocks=(1, 1, 1),
                                stem_stride=2), layers)
