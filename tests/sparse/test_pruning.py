"""Tests for sparse/pruning.py: exact counts, the magnitude cut, global and per-tensor pruning, supports."""

import pytest
import torch

from sparsyfed.sparse.pruning import (
    global_magnitude_prune,
    keep_count,
    layerwise_magnitude_prune,
    magnitude_mask,
    num_to_prune,
    support,
)


def count_zeros(state, keys):
    """(zero entries, entries) over `keys`."""
    return sum(int((state[k] == 0).sum()) for k in keys), sum(state[k].numel() for k in keys)


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


def test_keep_count_is_ceil_and_exact_for_decimals():
    assert keep_count(20, 0.95) == 1  # not 2: (1 - 0.95) * 20 is 1.0000000000000009 in binary
    assert keep_count(10, 0.91) == 1 and keep_count(10, 0.89) == 2
    assert keep_count(7, 0.0) == 7 and keep_count(7, 1.0) == 0


@pytest.mark.parametrize("count", [0, 1, 4, 5, 9, 10])
@pytest.mark.parametrize("largest", [False, True])
def test_magnitude_mask_has_exact_counts(count, largest):
    m = torch.tensor([2.0, 1.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 2.0, 1.0])
    mask = magnitude_mask(m, count, largest=largest)
    assert int(mask.sum()) == count
    if 0 < count < 10:
        inside, outside = m[mask], m[~mask]
        assert (inside.min() >= outside.max()) if largest else (inside.max() <= outside.min())


@pytest.mark.parametrize("largest", [False, True])
def test_magnitude_mask_selects_the_first_ties_by_position(largest):
    # 1.0 is the cut in both directions, held by positions 1, 2, 4, 6, 9: the first ones are selected
    m = torch.tensor([2.0, 1.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 2.0, 1.0])
    mask = magnitude_mask(m, 4, largest=largest)
    expected = [0, 1, 5, 8] if largest else [1, 2, 3, 7]
    assert mask.nonzero().flatten().tolist() == expected


def test_layerwise_prune_keeps_given_density_per_tensor():
    state = _state()
    out = layerwise_magnitude_prune(state, {"conv.weight": 0.25, "fc.weight": 0.1})
    assert int(torch.count_nonzero(out["conv.weight"])) == round(0.25 * 216)
    assert int(torch.count_nonzero(out["fc.weight"])) == round(0.1 * 720)
    assert out["conv.bias"] is state["conv.bias"]
    # per tensor, the kept entries are that tensor's largest
    w, o = state["fc.weight"].flatten(), out["fc.weight"].flatten()
    assert w[o == 0].abs().max() <= w[o != 0].abs().min()


def test_support_marks_the_non_zero_entries():
    state = {"w": torch.tensor([[0.0, 2.0], [-3.0, 0.0]]), "b": torch.tensor([1.0, 0.0])}
    masks = support(state, ["w"])
    assert list(masks) == ["w"]
    assert torch.equal(masks["w"], torch.tensor([[False, True], [True, False]]))
