"""FedAvg (SPEC section 1): sample-weighted mean over the whole model state, server learning rate 1."""

from __future__ import annotations

import torch

State = dict[str, torch.Tensor]


def fedavg(states: list[State], weights: list[float]) -> State:
    """Weighted mean of `states` with `weights` (client sample counts), key by key.

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
            for c, s in zip(coeffs, states):
                acc.add_(s[key], alpha=c)
        else:
            acc = sum(c * s[key].double() for c, s in zip(coeffs, states)).round().to(first.dtype)
        out[key] = acc
    return out
