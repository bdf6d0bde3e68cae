"""Regrowth counts (SPEC section 5) on tiny two-tensor states."""

import torch

from sparsyfed.metrics.regrowth import regrowth_global, regrowth_local_per_layer, regrowth_pruned

PRUNABLE = ("a.weight", "b.weight")


def _states():
    received = {"a.weight": torch.tensor([0.0, 0.0, 1.0, 2.0, 0.0]),
                "b.weight": torch.tensor([[0.0, 5.0], [0.0, 0.0]]),
                "a.bias": torch.tensor([0.0])}
    trained = {"a.weight": torch.tensor([0.0, 3.0, 1.0, 0.0, 4.0]),
               "b.weight": torch.tensor([[6.0, 5.0], [0.0, 7.0]]),
               "a.bias": torch.tensor([9.0])}  # not prunable: must not count
    upload = {"a.weight": torch.tensor([0.0, 3.0, 1.0, 0.0, 0.0]),
              "b.weight": torch.tensor([[0.0, 5.0], [0.0, 7.0]]),
              "a.bias": torch.tensor([9.0])}
    return received, trained, upload


def test_regrowth_local_counts_zero_then_nonzero_per_layer():
    # Prepare
    received, trained, _ = _states()
    # Execute
    n = regrowth_local_per_layer(received, trained, PRUNABLE)
    # Assert: a[1], a[4] | b[0,0], b[1,1] (the opposite direction would give 1; with a.bias 5)
    assert n == {"a.weight": 2, "b.weight": 2}


def test_regrowth_pruned_counts_nonzero_then_zero_in_upload():
    # Prepare
    received, _, upload = _states()
    # Execute
    n = regrowth_pruned(received, upload, PRUNABLE)
    # Assert: only a[3] (the opposite direction would give 2)
    assert n == 1


def test_regrowth_global_counts_new_nonzero_over_previous_zero():
    # Prepare
    prev, _, new = _states()
    # Execute
    n = regrowth_global(prev, new, PRUNABLE)
    # Assert: a[1] and b[1,1] (the opposite direction would give 1)
    assert n == 2
    assert isinstance(n, int)
