"""Analytic local-training FLOPs relative to dense, from layer shapes and densities (SPEC section 5).

Per prunable layer l with dense per-sample multiply-accumulates F_l, one training step costs
F_l * d_w (forward) + F_l * d_w (input gradient) + F_l * d_a (weight gradient), against 3 * F_l
dense, where d_w is the layer's weight density and d_a its activation density (the fraction of
the saved input kept for the weight gradient). Relative cost = sum of costs / sum of dense costs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn


def layer_macs(model: nn.Module, input_shape: Sequence[int]) -> dict[str, int]:
    """Dense per-sample multiply-accumulates of every nn.Conv2d / nn.Linear (subclasses included).

    One forward pass of a single zero sample of shape `input_shape` (without the batch dimension)
    in eval mode under torch.no_grad; the model's training mode is restored afterwards. Keys are
    the module name + ".weight" (the state key). F = output entries * weight[0] entries, which is
    out_h*out_w*out_ch*in_ch/groups*kh*kw for a conv and in*out for a linear layer.
    A module called several times in one forward accumulates.
    """
    macs: dict[str, int] = {}
    handles = []

    def hook_for(key: str):
        def hook(module, inputs, output):
            macs[key] = macs.get(key, 0) + output.numel() * module.weight[0].numel()
        return hook

    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            key = f"{name}.weight" if name else "weight"
            macs.setdefault(key, 0)
            handles.append(module.register_forward_hook(hook_for(key)))
    first = next(iter(model.parameters()), None)
    device = first.device if first is not None else torch.device("cpu")
    dtype = first.dtype if first is not None and first.is_floating_point() else torch.float32
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *input_shape), device=device, dtype=dtype))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return macs


def _act(act_density: Mapping[str, float], key: str) -> float:
    """Activation density for state key `key`; accepts keys with or without '.weight'; default 1."""
    if key in act_density:
        return float(act_density[key])
    module = key[: -len(".weight")] if key.endswith(".weight") else key
    return float(act_density.get(module, 1.0))


def relative_flops(macs: Mapping[str, int], weight_density: Mapping[str, float],
                   act_density: Mapping[str, float] | None = None) -> float:
    """sum_l F_l * (2 d_w + d_a) / sum_l 3 F_l over the layers in `macs`.

    `weight_density`: state key -> d_w, required for every key of `macs`. `act_density`: state key
    or module name -> d_a; layers not listed (and `None`) count as 1 (no activation pruning).
    """
    act_density = act_density or {}
    missing = [k for k in macs if k not in weight_density]
    if missing:
        raise KeyError(f"weight density missing for layer(s) {missing[:5]}")
    dense = 3 * sum(macs.values())
    if dense == 0:
        raise ValueError("relative FLOPs need at least one layer with a non-zero cost")
    cost = sum(f * (2.0 * float(weight_density[k]) + _act(act_density, k)) for k, f in macs.items())
    return cost / dense
