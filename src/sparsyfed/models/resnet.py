"""ResNet-18 variants of the paper (SPEC section 3) and a small BatchNorm ResNet for CPUs.

Written here (no torchvision), in torchvision's shape: a BasicBlock, a private `_resnet`, and
one-line builders. Layer factories come in as arguments so methods can supply their own layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from sparsyfed.models.layers import PLAIN, LayerFactory


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


@dataclass(frozen=True)
class ResNetConfig:
    in_channels: int
    num_classes: int
    widths: tuple[int, ...] = (64, 128, 256, 512)
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


def resnet18_cifar(in_channels: int, num_classes: int, layers: LayerFactory = PLAIN) -> ResNet:
    """ResNet-18 for 32x32 images: 3x3 stride-1 first conv, no max-pool (11,164,352 prunable for 10 classes)."""
    return _resnet(ResNetConfig(in_channels, num_classes), layers)


def resnet18_speech(in_channels: int, num_classes: int, layers: LayerFactory = PLAIN) -> ResNet:
    """ResNet-18 for Speech Commands (1 x 1 x 8000 input): 7x7 stride-2 first conv, max-pool, fc 512 -> classes."""
    return _resnet(ResNetConfig(in_channels, num_classes, stem_kernel=7, stem_stride=2, stem_maxpool=True), layers)


def resnet_small(in_channels: int, num_classes: int, layers: LayerFactory = PLAIN) -> ResNet:
    """A miniature of the paper's ResNet for CPUs: widths 16/32/64, one block per stage, 1x1 shortcuts,
    3x3 stride-2 first conv (a 28x28 input is 14x14 after the stem: 3x faster on two cores).

    Not the paper's model (SPEC section 3); chosen so that no single layer dominates the weight
    count, which would make global magnitude pruning collapse that layer at high sparsity.
    """
    return _resnet(ResNetConfig(in_channels, num_classes, widths=(16, 32, 64), blocks=(1, 1, 1), stem_stride=2), layers)
