"""Models by id (declared in `sparsyfed.catalog`). Every builder takes (in_channels, num_classes, layers), and
the project's builders a `width` multiplier of their channel counts too (`models.width`)."""

from __future__ import annotations

import torch
from torch import nn

from sparsyfed import catalog
from sparsyfed.errors import UserError
from sparsyfed.models.init import init_model_
from sparsyfed.models.layers import PLAIN, ROLES, LayerFactory


class _RoleRecorder:
    """Wraps a `LayerFactory` and remembers the role each Conv/Linear layer was built for."""

    def __init__(self, factory: LayerFactory):
        self.factory = factory
        self.roles: dict[int, str] = {}  # id(module) -> role

    def conv(self, *args, role: str = "body", **kwargs) -> nn.Conv2d:
        return self._record(self.factory.conv(*args, role=role, **kwargs), role)

    def linear(self, *args, role: str = "classifier", **kwargs) -> nn.Linear:
        return self._record(self.factory.linear(*args, role=role, **kwargs), role)

    def _record(self, module: nn.Module, role: str) -> nn.Module:
        if role not in ROLES:
            raise ValueError(f"layer role must be one of {ROLES}, got {role!r}")
        self.roles[id(module)] = role
        return module


def build_model(name: str, in_channels: int, num_classes: int, layers: LayerFactory = PLAIN,
                generator: torch.Generator | None = None, width: float = 1.0) -> nn.Module:
    """Build model `name` with the method's layers and the shared initialisation (SPEC section 1), its
    channel counts times `width` (1: the builder's own model, built by the very same call as before widths).

    The model carries `layer_roles` (prunable key -> role it was built for, see `models.layers`).
    """
    builder = catalog.load(catalog.model(name).builder)
    recorder = _RoleRecorder(layers)
    if width == 1.0:
        model = builder(in_channels, num_classes, recorder)
    else:
        try:
            model = builder(in_channels, num_classes, recorder, width=width)
        except TypeError as exc:
            if "width" not in str(exc):
                raise
            raise UserError(f"width: model {name!r} takes no width multiplier; use width 1") from None
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

