"""IoU of bit-packed supports (numpy only: the analysis reads a run's saved masks with it, without torch).

A packed support is `numpy.packbits` of a model's flattened prunable supports concatenated in
`prunable` order (big bit order, zero padding), as `metrics.iou.pack_support` writes it, so two
packed supports of the same model compare bit for bit. IoU of two empty supports is 1.0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_POPCOUNT = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(axis=1).astype(np.int64)


def _popcount(a: np.ndarray) -> int:
    if hasattr(np, "bitwise_count"):
        return int(np.bitwise_count(a).sum(dtype=np.int64))
    return int(_POPCOUNT[a].sum())


def iou_ratio(inter: int, union: int) -> float:
    """|A and B| / |A or B|, 1.0 for two empty sets."""
    return 1.0 if union == 0 else inter / union


def iou_packed(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two packed supports of the same model (1.0 if both are empty)."""
    if a.shape != b.shape:
        raise ValueError(f"packed supports differ in length: {a.shape} vs {b.shape}")
    return iou_ratio(_popcount(a & b), _popcount(a | b))


def iou_matrix(packed: Sequence[np.ndarray]) -> np.ndarray:
    """Symmetric matrix M[i, j] = IoU(packed[i], packed[j]) (float64, ones on the diagonal)."""
    m = len(packed)
    out = np.ones((m, m), dtype=np.float64)
    for i in range(m):
        for j in range(i + 1, m):
            out[i, j] = out[j, i] = iou_packed(packed[i], packed[j])
    return out
