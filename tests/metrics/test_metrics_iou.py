"""Support IoU, bit packing and the IoU matrix (SPEC section 5); the packed side is numpy only."""

import numpy as np
import pytest
import torch

from sparsyfed.metrics.iou import iou, pack_support
from sparsyfed.metrics.packed import iou_matrix, iou_packed

PRUNABLE = ("x", "y")
A = {"x": torch.tensor([1.0, 0.0, 1.0, 0.0]), "y": torch.tensor([1.0, 1.0])}
B = {"x": torch.tensor([1.0, 1.0, 0.0, 0.0]), "y": torch.tensor([0.0, 1.0])}
EMPTY = {"x": torch.zeros(4), "y": torch.zeros(2)}


def test_iou_of_known_masks():
    # Prepare: A = {x0, x2, y0, y1}, B = {x0, x1, y1}: |A and B| = 2, |A or B| = 5
    # Execute
    v = iou(A, B, PRUNABLE)
    # Assert (Dice would give 4/7)
    assert v == pytest.approx(0.4)


def test_iou_of_empty_supports_is_one_and_empty_vs_nonempty_is_zero():
    # Prepare / Execute / Assert
    assert iou(EMPTY, EMPTY, PRUNABLE) == 1.0
    assert iou(EMPTY, A, PRUNABLE) == 0.0
    assert iou_packed(pack_support(EMPTY, PRUNABLE), pack_support(EMPTY, PRUNABLE)) == 1.0


def test_iou_packed_matches_state_iou():
    # Prepare
    pa, pb = pack_support(A, PRUNABLE), pack_support(B, PRUNABLE)
    # Execute
    v = iou_packed(pa, pb)
    # Assert
    assert v == pytest.approx(0.4)


def test_pack_support_bits_follow_prunable_order():
    # Prepare: bits x=1010, y=11 -> 101011|00 ; y then x -> 111010|00
    # Execute
    xy = pack_support(A, ("x", "y"))
    yx = pack_support(A, ("y", "x"))
    # Assert
    assert xy.dtype == np.uint8
    assert xy.tolist() == [0b10101100]
    assert yx.tolist() == [0b11101000]


def test_pack_support_is_numpy_packbits_of_the_flat_supports():
    # Prepare: 15 + 12 = 27 bits -> 4 bytes, the last padded with zeros
    g = torch.Generator().manual_seed(0)
    state = {"p": torch.randn(3, 5, generator=g).clamp(min=0), "q": torch.randn(2, 2, 3, generator=g).clamp(min=0)}
    # Execute
    packed = pack_support(state, ("p", "q"))
    # Assert
    bits = np.unpackbits(packed)
    assert len(packed) == 4 and not bits[27:].any()
    flat = torch.cat([(state[k] != 0).flatten() for k in ("p", "q")]).numpy()
    np.testing.assert_array_equal(bits[:27].astype(bool), flat)


def test_iou_matrix_values_and_symmetry():
    # Prepare
    masks = [pack_support(s, PRUNABLE) for s in (A, B, EMPTY)]
    # Execute
    m = iou_matrix(masks)
    # Assert
    expected = np.array([[1.0, 0.4, 0.0], [0.4, 1.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(m, expected)
