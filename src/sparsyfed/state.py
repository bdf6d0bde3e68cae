"""Model states (name -> tensor, a `state_dict`) and FedAvg, the sample-weighted mean of states (SPEC section 1).

Below both `methods/` (whose default `aggregate` is FedAvg) and `fl/` (the engine moving states around).
"""

from __future__ import annotations

import torch

State = dict[str, torch.Tensor]


def clone(state: State) -> State:
    """A detached copy of every tensor of `state`."""
    return {k: v.detach().clone() for k, v in state.items()}


def fedavg(states: list[State], weights: list[float]) -> State:
    """FedAvg, server learning rate 1: the mean of `states` weighted by `weights` (sample counts), key by key.

    Integer buffers (BatchNorm's `num_batches_tracked`) are averaged in float64 and rounded back.
    Returns new tensors; the inputs are not modified.
    """
    if not states or len(states) != len(weights):
        raise ValueError("fedavg needs one weight per state and at least one state")
    total = float(sum(weights))
    if total <= 0:
        raise ValueError("fedavg weights must sum to a positive number")
    coeffs = [w / total for w in weights]
    out: State = {}
    for key, first in states[0].items():
        if first.is_floating_point():
            acc = torch.zeros_like(first)
            for c, s in zip(coeffs, states, strict=True):
                acc.add_(s[key], alpha=c)
        else:
            acc = sum(c * s[key].double() for c, s in zip(coeffs, states, strict=True)).round().to(first.dtype)
        out[key] = acc
    return out
