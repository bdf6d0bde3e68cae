"""Weight regrowth counts over prunable entries: local, pruned and global (SPEC section 5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from sparsyfed.metrics._reduce import check_keys, stack_counts

State = Mapping[str, torch.Tensor]


def _zero_then_nonzero_per_key(before: State, after: State, prunable: Sequence[str]) -> dict[str, int]:
    """Per prunable key, the number of entries that are zero in `before` and non-zero in `after`."""
    keys = list(prunable)
    check_keys(before, keys, "first state")
    check_keys(after, keys, "second state")
    for k in keys:
        if before[k].shape != after[k].shape:
            raise ValueError(f"shape mismatch for {k}: {tuple(before[k].shape)} vs {tuple(after[k].shape)}")
    if not keys:
        return {}
    counts = stack_counts([((before[k] == 0) & (after[k] != 0)).sum() for k in keys]).tolist()
    return dict(zip(keys, counts, strict=True))


def _count_zero_then_nonzero(before: State, after: State, prunable: Sequence[str]) -> int:
    """Number of prunable entries that are zero in `before` and non-zero in `after`."""
    return sum(_zero_then_nonzero_per_key(before, after, prunable).values())


def regrowth_local_per_layer(received: State, trained: State, prunable: Sequence[str]) -> dict[str, int]:
    """Per prunable key, the entries zero in the received global model and non-zero after local training
    (before pruning); the values sum to a client's `regrowth_local`."""
    return _zero_then_nonzero_per_key(received, trained, prunable)


def regrowth_pruned(received: State, upload: State, prunable: Sequence[str]) -> int:
    """Prunable entries non-zero in the received global model and zero in the client's upload."""
    return _count_zero_then_nonzero(upload, received, prunable)


def regrowth_global(prev_global: State, new_global: State, prunable: Sequence[str]) -> int:
    """Prunable entries non-zero in the new global model and zero in the previous one."""
    return _count_zero_then_nonzero(prev_global, new_global, prunable)
