"""Helpers for SPEC section 5 metrics: reduce per-tensor counts on the device, copy to the host once."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def stack_counts(counts: Sequence[torch.Tensor]) -> torch.Tensor:
    """Stack 0-dim count tensors (possibly from tensors on several devices) on the first one's device."""
    if not counts:
        return torch.zeros(0, dtype=torch.int64)
    device = counts[0].device
    return torch.stack([c.to(device=device, dtype=torch.int64) for c in counts])


def check_keys(state, keys: Sequence[str], what: str = "state") -> None:
    missing = [k for k in keys if k not in state]
    if missing:
        raise KeyError(f"{what} lacks key(s) {missing[:5]}{' ...' if len(missing) > 5 else ''}")
