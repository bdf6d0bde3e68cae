"""Tests for sparse/spectral.py: the spectral exponent of hand-made tensors, its modes and when it is computed."""

import copy
import math

import pytest
import torch
from torch import nn

from sparsyfed.sparse.powerprop import PowerpropConv2d, PowerpropLinear
from sparsyfed.sparse.spectral import SpectralExponent, spectral_ratio

SIGNS = torch.tensor([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])
RANK_ONE = torch.outer(torch.tensor([1.0, 2.0, 2.0]), torch.tensor([3.0, 4.0])) * SIGNS  # |v| = a b^T


def test_rank_one_ratio_by_hand():
    # |v| = a b^T with a = (1, 2, 2), b = (3, 4): sigma = |a| |b| = 3 * 5 = 15, mean = 35 / 6
    assert spectral_ratio(RANK_ONE) == pytest.approx(35 / 6 / 15, rel=1e-12)  # 7 / 18
    assert spectral_ratio(RANK_ONE, "nonzero") == pytest.approx(7 / 18, rel=1e-12)  # no zeros: the same
    # a conv weight (out, in, kh, kw) is read as (out, in * kh * kw): the same matrix
    assert spectral_ratio(RANK_ONE.reshape(3, 1, 1, 2)) == pytest.approx(7 / 18, rel=1e-12)
    assert spectral_ratio(RANK_ONE.reshape(3, 2, 1, 1)) == pytest.approx(7 / 18, rel=1e-12)


def test_zeros_count_in_the_mean_only_with_over_all():
    # a = (1, 2, 0), b = (3, 4): sigma = sqrt(5) * 5, entries sum to 21 over 6 entries, 4 of them non-zero
    v = torch.outer(torch.tensor([1.0, 2.0, 0.0]), torch.tensor([3.0, 4.0])) * SIGNS
    sigma = math.sqrt(5) * 5
    assert spectral_ratio(v, "all") == pytest.approx(21 / 6 / sigma, rel=1e-12)
    assert spectral_ratio(v, "nonzero") == pytest.approx(21 / 4 / sigma, rel=1e-12)
    # a full-rank case: diag(3, -1): sigma = 3 (exact; one power-iteration step would not give it)
    d = torch.tensor([[3.0, 0.0], [0.0, -1.0]])
    assert spectral_ratio(d, "all") == pytest.approx(1 / 3, rel=1e-12)
    assert spectral_ratio(d, "nonzero") == pytest.approx(2 / 3, rel=1e-12)


def test_ratio_is_scale_invariant_and_zero_layer_has_none():
    const = torch.full((4, 9), 0.3)  # sigma = 0.3 * sqrt(36), mean 0.3 -> 1 / 6 whatever the scale
    assert spectral_ratio(const) == pytest.approx(1 / 6, rel=1e-12)
    assert spectral_ratio(const * 1e-4) == pytest.approx(1 / 6, rel=1e-12)
    assert spectral_ratio(torch.zeros(3, 2)) is None
    assert spectral_ratio(torch.zeros(3, 2), "nonzero") is None
    with pytest.raises(ValueError, match="over"):
        spectral_ratio(const, "some")


def three_layers(mode: str, over: str = "all") -> tuple[nn.Sequential, SpectralExponent]:
    """Rank-one (ratio 7/18), [[3, 0, 0], [0, -1, 0]] (sigma 3, mean 4/6: ratio 2/9) and all-zero
    Powerprop layers sharing one rule."""
    rule = SpectralExponent(mode, over, fallback=1.25)
    model = nn.Sequential(PowerpropLinear(2, 3, exponent=rule), PowerpropLinear(3, 2, exponent=rule),
                          PowerpropLinear(2, 2, exponent=rule))
    with torch.no_grad():
        model[0].weight.copy_(RANK_ONE)
        model[1].weight.copy_(torch.tensor([[3.0, 0.0, 0.0], [0.0, -1.0, 0.0]]))
        model[2].weight.zero_()
    return model, rule


def test_mean_mode_shares_the_mean_exponent():
    model, rule = three_layers("mean")
    betas = rule.update()
    shared = 1 + (7 / 18 + 2 / 9) / 2  # = 1 + 11/36; the zero layer is left out of the mean
    assert betas == pytest.approx([shared] * 3, rel=1e-12)
    assert [m.beta for m in model] == pytest.approx([shared] * 3, rel=1e-12)


def test_layer_mode_gives_each_its_own_and_the_zero_layer_the_mean():
    model, rule = three_layers("layer")
    rule.update()
    assert [m.beta for m in model] == pytest.approx([25 / 18, 11 / 9, 1 + 11 / 36], rel=1e-12)
    # the forward computes with it: sign(v) |v| ** beta
    w = model[1].effective_weight()
    assert w[0, 0].item() == pytest.approx(3 ** (11 / 9), rel=1e-6) and w[1, 1].item() == pytest.approx(-1.0)


def test_zero_layer_gives_no_nan_and_stays_zero():
    model, rule = three_layers("layer")
    x = torch.randn(5, 2, generator=torch.Generator().manual_seed(0))
    model(x).square().sum().backward()
    assert model[2].beta > 1 and all(math.isfinite(m.beta) for m in model)
    assert torch.all(model[2].weight.grad == 0)  # beta > 1: zero gradient, no regrowth
    assert all(torch.isfinite(m.weight.grad).all() for m in model)
    with torch.no_grad():
        for m in model:
            m.weight.zero_()
    assert rule.update() == [1.25, 1.25, 1.25]  # nothing left: the fallback


def test_beta_follows_a_loaded_state_at_the_next_forward_only():
    model, rule = three_layers("layer")
    x = torch.randn(4, 2)
    model(x)  # first forward: computed from the stored v
    assert model[0].beta == pytest.approx(25 / 18)
    # Training changes v but not the session's beta
    with torch.no_grad():
        model[0].weight.mul_(torch.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 1.0]]))
    model(x)
    assert model[0].beta == pytest.approx(25 / 18)
    # Loading a state: recomputed from the loaded v at the next forward
    state = model.state_dict()
    state["0.weight"] = torch.full((3, 2), -0.5)  # constant: 1 + 1 / sqrt(6)
    model.load_state_dict(state)
    assert rule.stale
    model(x)
    assert model[0].beta == pytest.approx(1 + 1 / math.sqrt(6), rel=1e-12)


def test_deep_copy_gets_its_own_rule_and_a_rule_serves_one_model():
    model, rule = three_layers("mean")
    twin = copy.deepcopy(model)
    assert twin[0].exponent is not rule and all(a is b for a, b in zip(twin[0].exponent.layers, twin, strict=True))
    with torch.no_grad():
        twin[1].weight.zero_()
    twin[0].exponent.update()
    rule.update()
    assert model[0].beta == pytest.approx(1 + 11 / 36) and twin[0].beta == pytest.approx(25 / 18)
    with pytest.raises(RuntimeError, match="one model"):
        PowerpropConv2d(1, 1, 1, exponent=rule)


def test_fixed_layers_are_untouched():
    lin = PowerpropLinear(3, 2, beta=1.25)
    assert lin.exponent is None and lin.beta == 1.25 and "beta=1.25" in repr(lin)
    lin.load_state_dict(lin.state_dict())
    assert lin.beta == 1.25
    with pytest.raises(ValueError, match="beta"):
        lin.set_beta(0.99)
    with pytest.raises(ValueError, match="mode"):
        SpectralExponent("median")
