"""Model builders by id. Every builder takes (in_channels, num_classes, layers)."""

from __future__ import annotations

import torch
from torch import nn

from sparsyfed.errors import UserError
from sparsyfed.models.init import init_model_
from sparsyfed.models.layers import PLAIN, LayerFactory
from sparsyfed.models.resnet import resnet18_cifar, resnet18_speech, resnet_small
from sparsyfed.models.small import small_cnn

MODELS = {
    "resnet18_cifar": resnet18_cifar,
    "resnet18_speech": resnet18_speech,
    "resnet_small": resnet_small,
    "small_cnn": small_cnn,
}


def build_model(name: str, in_channels: int, num_classes: int, layers: LayerFactory = PLAIN,
                generator: torch.Generator | None = None) -> nn.Module:
    """Build model `name` with the method's layers and the shared initialisation (SPEC section 1)."""
    if name not in MODELS:
        raise UserError(f"model: unknown model {name!r}; choose one of {sorted(MODELS)}")
    return init_model_(MODELS[name](in_channels, num_classes, layers), generator)


def prunable_keys(model: nn.Module) -> tuple[str, ...]:
    """State keys of the prunable weights: `.weight` of every Conv2d/Linear (subclasses included)."""
    return tuple(f"{name}.weight" for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


__all__ = ["MODELS", "build_model", "prunable_keys", "LayerFactory", "PLAIN"]
