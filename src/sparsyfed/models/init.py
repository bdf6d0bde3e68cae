"""The shared initialisation of SPEC section 1, used by every method."""

from __future__ import annotations

import math

import torch
from torch import nn


def truncated_normal_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill `weight` from N(0, std^2) truncated at +-2 std, std = sqrt(1 / fan_in) / 0.87962566.

    0.87962566 is the std of a standard normal truncated to [-2, 2], so the truncated draw has
    std sqrt(1 / fan_in) (variance-scaling, fan-in mode).
    """
    fan_in = weight[0].numel()
    std = math.sqrt(1.0 / fan_in) / 0.87962566
    with torch.no_grad():
        return nn.init.trunc_normal_(weight, 0.0, std, -2 * std, 2 * std, generator=generator)


def init_model_(model: nn.Module, generator: torch.Generator | None = None) -> nn.Module:
    """Initialise every Conv/Linear weight (truncated normal), bias 0, norm layers weight 1 bias 0.

    Layers that store a re-parameterised weight (Powerprop) expose `init_from_(u)`: they receive the
    truncated-normal draw u and store the value whose effective weight equals u.
    """
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            draw = truncated_normal_(torch.empty_like(module.weight), generator)
            with torch.no_grad():
                if hasattr(module, "init_from_"):
                    module.init_from_(draw)
                else:
                    module.weight.copy_(draw)
                if module.bias is not None:
                    module.bias.zero_()
        elif isinstance(module, nn.modules.batchnorm._BatchNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
    return model
