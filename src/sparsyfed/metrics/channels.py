"""Dead channels of a layer: output or input channels whose weights are all zero.

Global magnitude pruning can empty whole channels of a small model. A weight in a dead output
channel feeds a constant (zero) pre-activation, one in a dead input channel reads a channel that
the layer never uses; such zeros rarely regrow, so their share of a model's zeros bounds what
Top-K's and ZeroFL's regrowth can be (shown beside claim 2).

`dead_channels(state, keys)` -> {key: DeadChannels} for Conv (out, in, kh, kw) and Linear (out, in)
weights; `dead_zero_share(dead)` -> zeros in dead channels / all zeros over those layers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class DeadChannels:
    dead_out: int  # output channels whose weights are all zero
    dead_in: int  # input channels whose weights (over every output) are all zero
    zeros_dead: int  # zero entries lying in a dead output or input channel
    zeros: int  # zero entries of the layer


def _dead(weight: torch.Tensor) -> torch.Tensor:
    """[dead_out, dead_in, zeros_dead, zeros] of one weight, as a tensor on its device (no host sync)."""
    nonzero = (weight != 0).reshape(weight.shape[0], weight.shape[1], -1).any(dim=2)  # (out, in)
    out_dead, in_dead = ~nonzero.any(dim=1), ~nonzero.any(dim=0)
    per_pair = weight[0, 0].numel()  # kernel entries per (out, in) pair
    pairs_dead = (out_dead[:, None] | in_dead[None, :]).sum()
    zeros = weight.numel() - weight.count_nonzero()
    return torch.stack([out_dead.sum(), in_dead.sum(), pairs_dead * per_pair, zeros])


def dead_channels(state: Mapping[str, torch.Tensor], keys: Sequence[str]) -> dict[str, DeadChannels]:
    """Dead output and input channels of each weight `state[key]` (2-D or more), copied to the host once."""
    keys = [k for k in keys if state[k].dim() >= 2]
    if not keys:
        return {}
    counts = torch.stack([_dead(state[k]).to(state[keys[0]].device) for k in keys]).tolist()
    return {k: DeadChannels(*map(int, c)) for k, c in zip(keys, counts, strict=True)}


def dead_zero_share(dead: Mapping[str, DeadChannels]) -> float:
    """Zeros lying in dead channels / all zeros of the layers (NaN when they have no zeros)."""
    zeros = sum(d.zeros for d in dead.values())
    return sum(d.zeros_dead for d in dead.values()) / zeros if zeros else math.nan
