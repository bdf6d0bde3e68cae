"""Global sparsity (prunable and all-parameter variants) and per-layer density (SPEC section 5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import torch
from torch import nn

from sparsyfed.metrics._reduce import check_keys, stack_counts


def parameter_names(model: nn.Module) -> frozenset[str]:
    """State keys of the model's parameters (excludes BatchNorm running stats and num_batches_tracked)."""
    return frozenset(name for name, _ in model.named_parameters())


def _zeros_and_entries(state: Mapping[str, torch.Tensor], keys: Sequence[str]) -> tuple[int, int]:
    check_keys(state, keys)
    if not keys:
        raise ValueError("sparsity needs at least one tensor")
    entries = sum(state[k].numel() for k in keys)
    if entries == 0:
        raise ValueError("sparsity of tensors without entries is undefined")
    nonzero = int(stack_counts([state[k].count_nonzero() for k in keys]).sum().item())
    return entries - nonzero, entries


def global_sparsity(state: Mapping[str, torch.Tensor], prunable: Sequence[str]) -> float:
    """Zeros / entries over the prunable weights `prunable` of `state`."""
    zeros, entries = _zeros_and_entries(state, list(prunable))
    return zeros / entries


def global_sparsity_all(state: Mapping[str, torch.Tensor], parameter_names: Iterable[str]) -> float:
    """Zeros / entries over every floating-point parameter of `state` (the authors' logged variant).

    `parameter_names`: the model's parameter names (see `parameter_names(model)`); buffers such as
    BatchNorm running statistics are not parameters and are left out. Keys are taken in sorted order.
    """
    names = sorted(parameter_names)
    check_keys(state, names)
    keys = [k for k in names if state[k].is_floating_point()]
    zeros, entries = _zeros_and_entries(state, keys)
    return zeros / entries


def layer_density(state: Mapping[str, torch.Tensor], keys: Sequence[str]) -> dict[str, float]:
    """Non-zeros / entries of each tensor `state[key]` (key -> density; 0-entry tensors -> 0.0)."""
    keys = list(keys)
    check_keys(state, keys)
    if not keys:
        return {}
    nonzero = stack_counts([state[k].count_nonzero() for k in keys]).tolist()
    return {k: (nz / state[k].numel() if state[k].numel() else 0.0) for k, nz in zip(keys, nonzero, strict=True)}
