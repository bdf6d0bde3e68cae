"""Communication cost (SPEC section 5): bytes of one message with the cheapest per-tensor encoding, and
the authors' estimate.

Per floating-point tensor with n entries of which nnz are non-zero (values sent as float32):
dense = 4*n, sparse COO = 8*nnz (int32 index + float32 value), bitmap = ceil(n/8) + 4*nnz;
the message pays the cheapest. Integer tensors (BatchNorm `num_batches_tracked`) are not sent.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from sparsyfed.metrics._reduce import stack_counts

VALUE_BYTES = 4  # float32
INDEX_BYTES = 4  # int32


def tensor_bytes(numel: int, nnz: int) -> int:
    """Bytes of one float tensor: min(dense, COO, bitmap)."""
    if not 0 <= nnz <= numel:
        raise ValueError(f"need 0 <= nnz <= numel, got nnz={nnz}, numel={numel}")
    dense = VALUE_BYTES * numel
    coo = (INDEX_BYTES + VALUE_BYTES) * nnz
    bitmap = (numel + 7) // 8 + VALUE_BYTES * nnz
    return min(dense, coo, bitmap)


def message_bytes(state: Mapping[str, torch.Tensor]) -> int:
    """Bytes needed to send `state`: sum of `tensor_bytes` over its floating-point tensors."""
    keys = [k for k, t in state.items() if t.is_floating_point()]
    if not keys:
        return 0
    nnz = stack_counts([state[k].count_nonzero() for k in keys]).tolist()
    return sum(tensor_bytes(state[k].numel(), c) for k, c in zip(keys, nnz, strict=True))


def authors_comm_params(global_density: float, target_sparsity: float, num_params: int) -> float:
    """The authors' per-round estimate in parameters: (global_density + (1 - s)) * P.

    Downlink of the global model to one client plus one upload at the target density 1 - s.
    """
    return (global_density + (1.0 - target_sparsity)) * num_params
