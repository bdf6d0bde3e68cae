"""Tests for sparse/pruning.py: exact-count global and per-tensor magnitude pruning, masks, counts."""

import pytest
import torch

from sparsyfed.sparse.pruning import (
    apply_masks,
    count_zeros,
    density_per_tensor,
    global_magnitude_prune,
    largest_mask,
    layerwise_magnitude_prune,
    num_to_prune,
    smallest_mask,
    sparsity,
    support,
)


def _state(seed=0):
    g = torch.Generator().manual_seed(seed)
    return {
        "conv.weight": torch.randn(8, 3, 3, 3, generator=g),
        "conv.bias": torch.randn(8, generator=g),
        "bn.running_mean": torch.randn(8, generator=g),
        "fc.weight": torch.randn(10, 72, generator=g),
        "fc.bias": torch.zeros(10),
    }


KEYS = ("conv.weight", "fc.weight")


@pytest.mark.parametrize("s", [0.0, 0.5, 0.9, 0.95, 0.99, 0.999])
def test_global_prune_leaves_exact_count_of_zeros(s):
    # Prepare
    state = _state()
    total = sum(state[k].numel() for k in KEYS)
    before = {k: v.clone() for k, v in state.items()}
    # Execute
    out = global_magnitude_prune(state, KEYS, s)
    # Assert
    assert count_zeros(out, KEYS) == (round(s * total), total)
    for k, v in state.items():  # the input is not mutated, non-prunable tensors pass through
        assert torch.equal(v, before[k])
    for k in ("conv.bias", "bn.running_mean", "fc.bias"):
        assert out[k] is state[k]
    # survivors keep their values, and every survivor is at least as large as every pruned entry
    kept = torch.cat([out[k].flatten() for k in KEYS])
    orig = torch.cat([state[k].flatten() for k in KEYS])
    nz = kept != 0
    assert torch.equal(kept[nz], orig[nz])
    if s > 0:
        assert orig[~nz].abs().max() <= orig[nz].abs().min()


def test_global_prune_with_ties_exact_count_and_by_position():
    # Prepare: magnitudes 3 1 2 | 1 1 5 0.5 -> three entries tie at 1
    state = {"a": torch.tensor([3.0, 1.0, 2.0]), "b": torch.tensor([[1.0, -1.0], [5.0, 0.5]])}
    # Execute: round(3/7 * 7) = 3 zeros; the cut (1) has 3 ties for 2 slots
    out = global_magnitude_prune(state, ["a", "b"], 3 / 7)
    # Assert: 0.5 and the first two ties by position (a[1], b[0,0]) are pruned
    assert torch.equal(out["a"], torch.tensor([3.0, 0.0, 2.0]))
    assert torch.equal(out["b"], torch.tensor([[0.0, -1.0], [5.0, 0.0]]))


@pytest.mark.parametrize("s", [0.3, 0.5, 0.9])
def test_global_prune_all_equal_magnitudes(s):
    state = {"w": torch.ones(7, 11), "v": -torch.ones(13)}
    out = global_magnitude_prune(state, ["w", "v"], s)
    assert count_zeros(out, ["w", "v"])[0] == round(s * 90)
    # deterministic: pruned in key order, then row-major
    flat = torch.cat([out["w"].flatten(), out["v"].flatten()])
    assert torch.all(flat[: round(s * 90)] == 0) and torch.all(flat[round(s * 90):] != 0)


def test_global_prune_is_global_not_per_layer():
    state = {"small": torch.full((10,), 0.01), "big": torch.arange(1.0, 91.0)}
    out = global_magnitude_prune(state, ["small", "big"], 0.1)
    assert torch.all(out["small"] == 0)  # the whole small layer goes first
    assert torch.all(out["big"] != 0)


def test_global_prune_keeps_existing_zeros():
    state = _state()
    sparse = global_magnitude_prune(state, KEYS, 0.9)
    again = global_magnitude_prune(sparse, KEYS, 0.5)  # already sparser than 0.5
    for k in KEYS:
        assert torch.equal(again[k], sparse[k])


def test_num_to_prune_is_exact_for_decimals():
    assert num_to_prune(0.95, 20) == 19
    assert num_to_prune(0.9, 11_164_352) == 10_047_917
    assert num_to_prune(0.0, 5) == 0 and num_to_prune(1.0, 5) == 5


@pytest.mark.parametrize("count", [0, 1, 4, 5, 9, 10])
def test_smallest_and_largest_masks_have_exact_counts(count):
    m = torch.tensor([2.0, 1.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 2.0, 1.0])
    small = smallest_mask(m, count)
    large = largest_mask(m, count)
    assert int(small.sum()) == count and int(large.sum()) == count
    if 0 < count < 10:
        assert m[small].max() <= m[~small].min()
        assert m[large].min() >= m[~large].max()


def test_layerwise_prune_keeps_given_density_per_tensor():
    state = _state()
    out = layerwise_magnitude_prune(state, {"conv.weight": 0.25, "fc.weight": 0.1})
    assert int(torch.count_nonzero(out["conv.weight"])) == round(0.25 * 216)
    assert int(torch.count_nonzero(out["fc.weight"])) == round(0.1 * 720)
    assert out["conv.bias"] is state["conv.bias"]
    d = density_per_tensor(out, KEYS)
    assert d["conv.weight"] == pytest.approx(54 / 216) and d["fc.weight"] == pytest.approx(72 / 720)
    # per tensor, the kept entries are that tensor's largest
    w, o = state["fc.weight"].flatten(), out["fc.weight"].flatten()
    assert w[o == 0].abs().max() <= w[o != 0].abs().min()


def test_support_apply_masks_and_sparsity():
    state = {"w": torch.tensor([[0.0, 2.0], [-3.0, 0.0]]), "b": torch.tensor([1.0, 0.0])}
    masks = support(state, ["w"])
    assert torch.equal(masks["w"], torch.tensor([[False, True], [True, False]]))
    dense = {"w": torch.ones(2, 2), "b": torch.ones(2)}
    out = apply_masks(dense, masks)
    assert torch.equal(out["w"], masks["w"].float())
    assert out["b"] is dense["b"] and torch.all(dense["w"] == 1)
    assert count_zeros(state, ["w", "b"]) == (3, 6)
    assert sparsity(state, ["w"]) == 0.5
    assert sparsity(state, []) == 0.0
