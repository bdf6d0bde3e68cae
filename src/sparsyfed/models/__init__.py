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


class _RoleRecorder:
    """Wraps a `LayerFactory` and remembers the role each Conv/Linear layer was built for."""

    def __init__(self, factory: LayerFactory):
        self.factory = factory
        self.roles: dict[int, str] = {}  # id(module) -> role

    def conv(self, *args, role: str = "body", **kwargs) -> nn.Conv2d:
        module = self.factory.conv(*args, role=role, **kwargs)
        self.roles[id(module)] = role
        return module

    def linear(self, *args, role: str = "classifier", **kwargs) -> nn.Linear:
        module = self.factory.linear(*args, role=role, **kwargs)
        self.roles[id(module)] = role
        return module


def build_model(name: str, in_channels: int, num_classes: int, layers: LayerFactory = PLAIN,
                generator: torch.Generator | None = None) -> nn.Module:
    """Build model `name` with the method's layers and the shared initialisation (SPEC section 1).

    The model carries `layer_roles` (prunable key -> role it was built for, see `models.layers`).
    """
    if name not in MODELS:
        raise UserError(f"model: unknown model {name!r}; choose one of {sorted(MODELS)}")
    recorder = _RoleRecorder(layers)
    model = MODELS[name](in_channels, num_classes, recorder)
    model.layer_roles = {f"{n}.weight": recorder.roles[id(m)] for n, m in model.named_modules()
                         if id(m) in recorder.roles}
    return init_model_(model, generator)


def layer_info(model: nn.Module) -> dict[str, tuple[str, str]]:
    """Prunable key -> (role, layer type name), e.g. ('shortcut', 'Conv2d') or ('body', 'PowerpropConv2d').

    Roles come from `build_model`; a model built otherwise gets role 'unknown'.
    """
    roles = getattr(model, "layer_roles", {})
    return {f"{name}.weight": (roles.get(f"{name}.weight", "unknown"), type(m).__name__)
            for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))}


def prunable_keys(model: nn.Module) -> tuple[str, ...]:
    """State keys of the prunable weights: `.weight` of every Conv2d/Linear (subclasses included)."""
    return tuple(f"{name}.weight" for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


__all__ = ["MODELS", "build_model", "layer_info", "prunable_keys", "LayerFactory", "PLAIN"]
