"""Message bytes with the cheapest per-tensor encoding and the authors' estimate (SPEC section 5)."""

import pytest
import torch

from sparsyfed.metrics.comm import authors_comm_params, message_bytes, tensor_bytes


def test_dense_tensor_pays_dense_bytes():
    # Prepare: n = 10, nnz = 10 -> dense 40, COO 80, bitmap 2 + 40 = 42
    state = {"w": torch.ones(10)}
    # Execute
    b = message_bytes(state)
    # Assert
    assert b == 40


def test_very_sparse_tensor_pays_coo():
    # Prepare: n = 1000, nnz = 2 -> dense 4000, COO 16, bitmap 125 + 8 = 133
    w = torch.zeros(1000)
    w[[3, 700]] = 1.5
    # Execute
    b = message_bytes({"w": w})
    # Assert
    assert b == 16


def test_half_sparse_large_tensor_pays_bitmap():
    # Prepare: n = 1000, nnz = 500 -> dense 4000, COO 4000, bitmap 125 + 2000 = 2125
    w = torch.zeros(1000)
    w[::2] = -2.0
    # Execute
    b = message_bytes({"w": w})
    # Assert
    assert b == 2125


def test_integer_tensors_are_not_sent_and_messages_sum_tensors():
    # Prepare: 40 (dense ones) + 0 (all-zero: COO with no entries) + float64 counted as float32 (8)
    state = {"w": torch.ones(10), "z": torch.zeros(16), "d": torch.ones(2, dtype=torch.float64),
             "bn.num_batches_tracked": torch.tensor(123456), "idx": torch.arange(100)}
    # Execute
    b = message_bytes(state)
    # Assert
    assert b == 40 + 0 + 8


def test_tensor_bytes_formula_crossovers():
    # Prepare / Execute / Assert: bitmap beats COO above n/32 non-zeros, dense beats bitmap above 31n/32
    assert tensor_bytes(320, 9) == 72  # COO 72 < bitmap 40 + 36 = 76
    assert tensor_bytes(320, 11) == 84  # bitmap 84 < COO 88
    assert tensor_bytes(320, 315) == 1280  # dense 1280 < bitmap 1300


def test_authors_estimate():
    # Prepare / Execute
    p = authors_comm_params(global_density=0.1, target_sparsity=0.9, num_params=1000)
    # Assert: (0.1 + 0.1) * 1000
    assert p == pytest.approx(200.0)
