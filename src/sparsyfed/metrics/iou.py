"""Mask consensus: IoU of prunable supports, bit-packed supports and the round x round IoU matrix (SPEC section 5).

A support is the set of non-zero prunable entries. Packed supports are `numpy.packbits` of the
flattened supports concatenated in `prunable` order (big bit order, zero padding), so two packed
supports of the same model compare bit for bit. IoU of two empty supports is defined as 1.0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from sparsyfed.metrics._reduce import check_keys, stack_counts

State = Mapping[str, torch.Tensor]

_POPCOUNT = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(axis=1).astype(np.int64)


def _popcount(a: np.ndarray) -> int:
    if hasattr(np, "bitwise_count"):
        return int(np.bitwise_count(a).sum(dtype=np.int64))
    return int(_POPCOUNT[a].sum())


def _ratio(inter: int, union: int) -> float:
    return 1.0 if union == 0 else inter / union


def support_masks(state: State, prunable: Sequence[str]) -> dict[str, torch.Tensor]:
    """key -> bool tensor of the non-zero entries of `state[key]`, for each prunable key."""
    keys = list(prunable)
    check_keys(state, keys)
    return {k: state[k] != 0 for k in keys}


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
    return _ratio(inter, union)


def pack_support(state: State, prunable: Sequence[str]) -> np.ndarray:
    """Bit-packed support: `np.packbits` of the concatenated flattened supports in `prunable` order (uint8)."""
    keys = list(prunable)
    check_keys(state, keys)
    if not keys:
        return np.zeros(0, dtype=np.uint8)
    device = state[keys[0]].device
    flat = torch.cat([(state[k] != 0).reshape(-1).to(device) for k in keys])
    return np.packbits(flat.cpu().numpy())


def unpack_support(packed: np.ndarray, shapes: Mapping[str, Sequence[int]]) -> dict[str, torch.Tensor]:
    """Inverse of `pack_support`: key -> bool tensor, for `shapes` (key -> shape) in the packing order."""
    sizes = [int(np.prod(tuple(s), dtype=np.int64)) for s in shapes.values()]
    total = sum(sizes)
    if len(packed) != (total + 7) // 8:
        raise ValueError(f"packed support holds {len(packed)} bytes, shapes need {(total + 7) // 8}")
    flat = torch.from_numpy(np.unpackbits(np.asarray(packed, dtype=np.uint8), count=total).astype(bool))
    out, start = {}, 0
    for (key, shape), n in zip(shapes.items(), sizes):
        out[key] = flat[start:start + n].reshape(tuple(shape)).clone()
        start += n
    return out


def iou_packed(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two packed supports of the same model (1.0 if both are empty)."""
    if a.shape != b.shape:
        raise ValueError(f"packed supports differ in length: {a.shape} vs {b.shape}")
    return _ratio(_popcount(a & b), _popcount(a | b))


def iou_matrix(packed: Sequence[np.ndarray]) -> np.ndarray:
    """Symmetric matrix M[i, j] = IoU(packed[i], packed[j]) (float64, ones on the diagonal)."""
    m = len(packed)
    out = np.ones((m, m), dtype=np.float64)
    for i in range(m):
        for j in range(i + 1, m):
            out[i, j] = out[j, i] = iou_packed(packed[i], packed[j])
    return out
