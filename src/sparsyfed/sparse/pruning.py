"""Magnitude pruning to exact counts (SPEC 4.2, 4.5): the one magnitude cut, and pruning of model states.

Everything here works on a model `state_dict` (name -> tensor) and the names of its prunable tensors
(the `.weight` of every Conv/Linear layer). Functions return new state dicts and never modify their
inputs; tensors they do not change are shared with the input. Selection stays on the tensors' device
(one `torch.kthvalue` per selection, no sort, no host copy) so it is cheap on an 11 M-weight ResNet.

Ties are broken by position: among entries of equal magnitude at the cut, those that come first
(in the order of `keys`, then in row-major order inside a tensor) are selected first (pruned by
the state functions here, kept by SWAT and activation pruning), so counts are exact and results
deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

import torch

from sparsyfed.state import State


def exact(s: float | Fraction) -> Fraction:
    """A sparsity as an exact fraction, taking a config's decimal at face value.

    Fraction(repr) reads 0.95 as 19/20, so that 0.95 * 20 is 19 and ceil((1 - 0.95) * 20) is 1
    (in binary, 1 - 0.95 == 0.050000000000000044).
    """
    return s if isinstance(s, Fraction) else Fraction(repr(float(s)))


def num_to_prune(sparsity: float | Fraction, total: int) -> int:
    """round(sparsity * total) (SPEC 4.2), exact for decimal sparsities, halves rounded to even."""
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")
    return min(total, max(0, round(exact(sparsity) * total)))


def keep_count(numel: int, sparsity: float | Fraction) -> int:
    """k = ceil((1 - sparsity) * numel), computed exactly, in [0, numel] (SWAT and activation pruning)."""
    return min(numel, max(0, math.ceil((1 - exact(sparsity)) * numel)))


def magnitude_cut(magnitude: torch.Tensor, count: int, *, largest: bool) -> torch.Tensor:
    """The `count`-th smallest (or largest) value of a flat tensor, as a 0-dim tensor; 1 <= count <= n."""
    return magnitude.kthvalue(magnitude.numel() - count + 1 if largest else count).values


def magnitude_mask(magnitude: torch.Tensor, count: int, *, largest: bool,
                   cut: torch.Tensor | None = None) -> torch.Tensor:
    """Boolean mask of the `count` smallest (or largest) entries of a flat tensor, ties broken by position.

    Parameters
    ----------
    magnitude : Tensor, shape (n,)
        Non-negative values (usually |w|).
    count : int, 0 <= count <= n
    largest : select the largest entries (keep) instead of the smallest (prune).
    cut : `magnitude_cut(magnitude, count, largest=largest)` if the caller has it already.

    Returns
    -------
    Tensor of bool, shape (n,)
        Exactly `count` entries are True: every entry strictly beyond the cut (below it for the
        smallest, above it for the largest), then the first entries equal to it, by position,
        until `count` is reached.
    """
    n = magnitude.numel()
    if not 0 <= count <= n:
        raise ValueError(f"count must be in [0, {n}], got {count}")
    if count in (0, n):
        return torch.full_like(magnitude, count == n, dtype=torch.bool)
    if cut is None:
        cut = magnitude_cut(magnitude, count, largest=largest)
    mask = magnitude >= cut if largest else magnitude <= cut
    excess = int(mask.sum()) - count
    if excess > 0:
        # More entries equal the cut than slots left: un-select the last `excess` of them.
        ties = (magnitude == cut).nonzero().squeeze(1)
        mask[ties[ties.numel() - excess:]] = False
    return mask


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
    prune = magnitude_mask(flat, count, largest=False)
    for k, part in zip(keys, prune.split([state[k].numel() for k in keys]), strict=True):
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
            prune = magnitude_mask(t.detach().reshape(-1).abs(), count, largest=False)
            out[k] = t.masked_fill(prune.view_as(t), 0.0)
    return out


def support(state: Mapping[str, torch.Tensor], keys: Iterable[str]) -> dict[str, torch.Tensor]:
    """Support masks: name -> bool tensor, True where the entry is non-zero."""
    return {k: state[k] != 0 for k in keys}
