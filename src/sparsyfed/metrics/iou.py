"""Mask consensus on model states (SPEC section 5): IoU of prunable supports and their bit packing.

A support is the set of non-zero prunable entries; `pack_support` writes it in the format that
`metrics.packed` compares (and the run saves under masks/). IoU of two empty supports is 1.0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from sparsyfed.metrics._reduce import check_keys, stack_counts
from sparsyfed.metrics.packed import iou_ratio

State = Mapping[str, torch.Tensor]


def iou(a: State, b: State, prunable: Sequence[str]) -> float:
    """|A and B| / |A or B| of the prunable supports of states `a` and `b` (1.0 if both are empty)."""
    keys = list(prunable)
    check_keys(a, keys, "first state")
    check_keys(b, keys, "second state")
    if not keys:
        return 1.0
    counts = []
    for k in keys:
        if a[k].shape != b[k].shape:
            raise ValueError(f"shape mismatch for {k}: {tuple(a[k].shape)} vs {tuple(b[k].shape)}")
        sa, sb = a[k] != 0, b[k] != 0
        counts.append((sa & sb).sum())
        counts.append((sa | sb).sum())
    inter, union = stack_counts(counts).view(-1, 2).sum(dim=0).tolist()
    return iou_ratio(inter, union)


def pack_support(state: State, prunable: Sequence[str]) -> np.ndarray:
    """Bit-packed support: `np.packbits` of the concatenated flattened supports in `prunable` order (uint8)."""
    keys = list(prunable)
    check_keys(state, keys)
    if not keys:
        return np.zeros(0, dtype=np.uint8)
    device = state[keys[0]].device
    flat = torch.cat([(state[k] != 0).reshape(-1).to(device) for k in keys])
    return np.packbits(flat.cpu().numpy())
