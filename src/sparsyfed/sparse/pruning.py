"""Magnitude pruning of model states to exact counts, supports (masks) and zero counting (SPEC 4.2, 4.5, 5).

Everything here works on a model `state_dict` (name -> tensor) and the names of its prunable tensors
(the `.weight` of every Conv/Linear layer). Functions return new state dicts and never modify their
inputs; tensors they do not change are shared with the input. Selection stays on the tensors' device
(one `torch.kthvalue` per selection, no sort, no host copy) so it is cheap on an 11 M-weight ResNet.

Ties are broken by position: among entries of equal magnitude at the cut, those that come first
(in the order of `keys`, then in row-major order inside a tensor) are pruned first, so the number
of zeros is exact and the result deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

import torch

State = dict[str, torch.Tensor]


def smallest_mask(magnitude: torch.Tensor, count: int) -> torch.Tensor:
    """Boolean mask of the `count` smallest entries of a flat tensor, ties broken by position.

    Parameters
    ----------
    magnitude : Tensor, shape (n,)
        Non-negative values (usually |w|).
    count : int
        How many entries to select, 0 <= count <= n.

    Returns
    -------
    Tensor of bool, shape (n,)
        Exactly `count` entries are True: every entry strictly below the `count`-th smallest value,
        then the first entries equal to it until `count` is reached.
    """
    n = magnitude.numel()
    if not 0 <= count <= n:
        raise ValueError(f"count must be in [0, {n}], got {count}")
    if count == 0:
        return torch.zeros_like(magnitude, dtype=torch.bool)
    if count == n:
        return torch.ones_like(magnitude, dtype=torch.bool)
    cut = magnitude.kthvalue(count).values
    mask = magnitude <= cut
    excess = int(mask.sum()) - count
    if excess > 0:
        # More entries equal the cut than slots left: un-select the last `excess` of them.
        ties = (magnitude == cut).nonzero().squeeze(1)
        mask[ties[ties.numel() - excess:]] = False
    return mask


def largest_mask(magnitude: torch.Tensor, count: int) -> torch.Tensor:
    """Boolean mask of the `count` largest entries of a flat tensor (complement of `smallest_mask`).

    Among entries equal at the cut, the first ones (by position) are kept.
    """
    n = magnitude.numel()
    if not 0 <= count <= n:
        raise ValueError(f"count must be in [0, {n}], got {count}")
    if count == n:
        return torch.ones_like(magnitude, dtype=torch.bool)
    if count == 0:
        return torch.zeros_like(magnitude, dtype=torch.bool)
    cut = magnitude.kthvalue(n - count + 1).values  # the count-th largest value
    mask = magnitude >= cut
    excess = int(mask.sum()) - count
    if excess > 0:
        ties = (magnitude == cut).nonzero().squeeze(1)
        mask[ties[ties.numel() - excess:]] = False
    return mask


def num_to_prune(sparsity: float, total: int) -> int:
    """round(sparsity * total) (SPEC 4.2), exact for decimal sparsities, halves rounded to even."""
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")
    # Fraction(repr) takes a config's decimal at face value: 0.95 * 20 is 19, never 18.999...
    exact = sparsity if isinstance(sparsity, Fraction) else Fraction(repr(float(sparsity)))
    return min(total, max(0, round(exact * total)))


def global_magnitude_prune(state: Mapping[str, torch.Tensor], keys: Sequence[str], sparsity: float) -> State:
    """Global magnitude pruning (SPEC 4.2): zero the round(s * P) smallest-|w| entries over all `keys`.

    Parameters
    ----------
    state : mapping name -> Tensor
        A model state; only `state[k]` for k in `keys` is pruned, every other entry is passed through.
    keys : sequence of str
        Names of the prunable tensors, P = total number of their entries.
    sparsity : float in [0, 1]
        Target fraction of zeros over the prunable entries together (layer sparsities differ).

    Returns
    -------
    dict name -> Tensor
        A new state. On a state with fewer than round(s * P) zeros the result has exactly that many;
        entries already zero stay zero (they are the smallest), so a sparser input stays as it is.
    """
    keys = list(keys)
    out = dict(state)
    if not keys:
        return out
    # (P,) magnitudes of all prunable entries, laid end to end in the order of `keys`
    flat = torch.cat([state[k].detach().reshape(-1).abs() for k in keys])
    count = num_to_prune(sparsity, flat.numel())
    if count == 0:
        return out
    prune = smallest_mask(flat, count)
    for k, part in zip(keys, prune.split([state[k].numel() for k in keys])):
        out[k] = state[k].masked_fill(part.view_as(state[k]), 0.0)
    return out


def layerwise_magnitude_prune(state: Mapping[str, torch.Tensor], density: Mapping[str, float]) -> State:
    """Prune each tensor separately, keeping round(d * n) largest-|w| entries of a tensor of n entries.

    Parameters
    ----------
    state : mapping name -> Tensor
    density : mapping name -> float in [0, 1]
        Fraction of entries to keep per tensor; tensors not named are passed through.

    Returns
    -------
    dict name -> Tensor
        A new state (FLASH's round-1 server pruning, SPEC 4.5).
    """
    out = dict(state)
    for k, d in density.items():
        if not 0.0 <= d <= 1.0:
            raise ValueError(f"density of {k!r} must be in [0, 1], got {d}")
        t = state[k]
        count = t.numel() - num_to_prune(d, t.numel())
        if count > 0:
            prune = smallest_mask(t.detach().reshape(-1).abs(), count)
            out[k] = t.masked_fill(prune.view_as(t), 0.0)
    return out


def support(state: Mapping[str, torch.Tensor], keys: Iterable[str]) -> dict[str, torch.Tensor]:
    """Support masks: name -> bool tensor, True where the entry is non-zero."""
    return {k: state[k] != 0 for k in keys}


def apply_masks(state: Mapping[str, torch.Tensor], masks: Mapping[str, torch.Tensor]) -> State:
    """A new state with entries outside `masks[k]` set to zero for every masked name `k`."""
    out = dict(state)
    for k, m in masks.items():
        out[k] = state[k].masked_fill(~m, 0.0)
    return out


def count_zeros(state: Mapping[str, torch.Tensor], keys: Iterable[str]) -> tuple[int, int]:
    """(number of zero entries, number of entries) over the tensors `keys` of `state`."""
    zeros = total = 0
    for k in keys:
        t = state[k]
        total += t.numel()
        zeros += t.numel() - int(torch.count_nonzero(t))
    return zeros, total


def sparsity(state: Mapping[str, torch.Tensor], keys: Iterable[str]) -> float:
    """Fraction of zeros over the tensors `keys` of `state` (0 when there are none)."""
    zeros, total = count_zeros(state, keys)
    return zeros / total if total else 0.0


def density_per_tensor(state: Mapping[str, torch.Tensor], keys: Iterable[str]) -> dict[str, float]:
    """name -> fraction of non-zero entries of that tensor."""
    return {k: int(torch.count_nonzero(state[k])) / state[k].numel() for k in keys}
