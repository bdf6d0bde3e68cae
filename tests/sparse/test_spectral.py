"""Tests for sparse/spectral.py: the spectral exponent of hand-made tensors, the authors' sigma estimate,
the scopes, the seeded random start and when the exponent is computed."""

import copy
import math
import statistics

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from sparsyfed.sparse.powerprop import PowerpropConv2d, PowerpropLinear
from sparsyfed.sparse.spectral import (
    SpectralExponent,
    abs_matrix,
    exact_sigma,
    power_iteration_sigma,
    spectral_ratio,
    start_generator,
)

SIGNS = torch.tensor([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])
RANK_ONE = torch.outer(torch.tensor([1.0, 2.0, 2.0]), torch.tensor([3.0, 4.0])) * SIGNS  # |v| = a b^T
SECOND = torch.tensor([[3.0, 0.0, 0.0], [0.0, -1.0, 0.0]])  # sigma 3, mean 4/6: ratio 2/9


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def authors_sigma(weight: torch.Tensor, g: torch.Generator) -> float:
    """Their SpectralNormHandler._compute_spectral_norm (Release code), transcribed, with their global
    generator replaced by `g`: float32, u and v drawn in that order, one iteration, clamp 1e-12."""
    weight_mat = weight.detach().abs().view(weight.size(0), -1)
    u = torch.randn(weight_mat.size(0), 1, generator=g)
    v = torch.randn(weight_mat.size(1), 1, generator=g)  # noqa: F841 - drawn, then overwritten
    for _ in range(1):
        v = F.normalize(torch.matmul(weight_mat.t(), u), dim=0)
        u = F.normalize(torch.matmul(weight_mat, v), dim=0)
    sigma = torch.matmul(u.t(), torch.matmul(weight_mat, v))
    return float(torch.clamp(sigma, min=1e-12))


# ---------------------------------------------------------------- the ratio with the exact sigma

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
    d = torch.tensor([[3.0, 0.0], [0.0, -1.0]])  # full rank: sigma = 3
    assert spectral_ratio(d, "all") == pytest.approx(1 / 3, rel=1e-12)
    assert spectral_ratio(d, "nonzero") == pytest.approx(2 / 3, rel=1e-12)


def test_ratio_is_scale_invariant_and_a_zero_layer_gives_zero_as_theirs():
    const = torch.full((4, 9), 0.3)  # sigma = 0.3 * sqrt(36), mean 0.3 -> 1 / 6 whatever the scale
    assert spectral_ratio(const) == pytest.approx(1 / 6, rel=1e-12)
    assert spectral_ratio(const * 1e-4) == pytest.approx(1 / 6, rel=1e-12)
    for over in ("all", "nonzero"):  # their clamp (all) and their NaN branch (nonzero): beta 1
        assert spectral_ratio(torch.zeros(3, 2), over) == 0.0
        assert spectral_ratio(torch.zeros(3, 2), over, gen(0)) == 0.0
    assert authors_sigma(torch.zeros(3, 2), gen(0)) == pytest.approx(1e-12)  # theirs: mean(0 / 1e-12) = 0
    with pytest.raises(ValueError, match="over"):
        spectral_ratio(const, "some")


# ---------------------------------------------------------------- the authors' one-step sigma

def test_one_step_sigma_by_hand():
    # A = diag(3, 1), start u: A^T u = (3 u1, u2), A A^T u = (9 u1, u2): sigma = |A A^T u| / |A^T u|
    a = torch.tensor([[3.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    u1, u2 = torch.randn(2, generator=gen(3)).tolist()
    by_hand = math.hypot(9 * u1, u2) / math.hypot(3 * u1, u2)
    assert power_iteration_sigma(a, gen(3)) == pytest.approx(by_hand, rel=1e-7)  # u drawn in float32
    assert by_hand < 3.0 - 1e-3  # below the exact sigma: one step does not converge
    # rank one: one step is exact from any start not orthogonal to a
    assert power_iteration_sigma(abs_matrix(RANK_ONE), gen(5)) == pytest.approx(15.0, rel=1e-12)


def test_one_step_sigma_is_the_authors_code_on_the_same_start():
    v = torch.randn(16, 8, 3, 3, generator=gen(1))
    v[v.abs() < 1.0] = 0.0  # a pruned layer
    for seed in range(5):
        ours = power_iteration_sigma(abs_matrix(v), gen(seed))
        assert ours == pytest.approx(authors_sigma(v, gen(seed)), rel=1e-5)  # theirs in float32
    a = abs_matrix(v)
    assert spectral_ratio(v, start=gen(2)) == pytest.approx(float(a.mean()) / authors_sigma(v, gen(2)), rel=1e-5)


def test_one_step_sigma_is_biased_low_on_a_non_negative_matrix():
    a = abs_matrix(torch.randn(64, 576, generator=gen(0)))  # a dense layer's |v|
    exact = exact_sigma(a)
    steps = [power_iteration_sigma(a, gen(seed)) for seed in range(20)]
    assert max(steps) <= exact * (1 + 1e-12)
    assert statistics.median(steps) < 0.97 * exact  # beta - 1 comes out larger than the exact one
    assert exact == pytest.approx(float(torch.linalg.matrix_norm(a, 2)), rel=1e-12)


# ---------------------------------------------------------------- the scopes on one model

def three_layers(scope: str, sigma: str = "exact", over: str = "all") -> tuple[nn.Sequential, SpectralExponent]:
    """Rank-one (ratio 7/18), SECOND (ratio 2/9) and all-zero Powerprop layers sharing one rule."""
    rule = SpectralExponent(scope, sigma, over)
    model = nn.Sequential(PowerpropLinear(2, 3, exponent=rule), PowerpropLinear(3, 2, exponent=rule),
                          PowerpropLinear(2, 2, exponent=rule))
    with torch.no_grad():
        model[0].weight.copy_(RANK_ONE)
        model[1].weight.copy_(SECOND)
        model[2].weight.zero_()
    return model, rule


def test_layer_scope_gives_each_layer_its_own_and_a_zero_layer_one():
    model, rule = three_layers("layer")
    assert rule.update() == pytest.approx([25 / 18, 11 / 9, 1.0], rel=1e-12)
    assert [m.beta for m in model] == pytest.approx([25 / 18, 11 / 9, 1.0], rel=1e-12)
    # the forward computes with it: sign(v) |v| ** beta
    w = model[1].effective_weight()
    assert w[0, 0].item() == pytest.approx(3 ** (11 / 9), rel=1e-6) and w[1, 1].item() == pytest.approx(-1.0)


def test_average_scope_shares_the_mean_over_every_layer():
    model, rule = three_layers("average")
    shared = (25 / 18 + 11 / 9 + 1.0) / 3  # the zero layer's beta 1 counts
    assert rule.update() == pytest.approx([shared] * 3, rel=1e-12)
    assert [m.beta for m in model] == pytest.approx([shared] * 3, rel=1e-12)


def test_a_zero_layer_at_beta_one_trains_as_plain_weights():
    model, rule = three_layers("layer")
    x = torch.randn(5, 2, generator=gen(0))
    model(x).square().sum().backward()
    assert model[2].beta == 1.0 and torch.any(model[2].weight.grad != 0)  # as theirs: it can regrow
    assert all(torch.isfinite(m.weight.grad).all() for m in model)
    averaged, _ = three_layers("average")
    averaged(x).square().sum().backward()
    assert averaged[2].beta > 1 and torch.all(averaged[2].weight.grad == 0)  # the average: it stays zero


def test_power_iteration_scope_layer_uses_one_seeded_start_per_model():
    model, rule = three_layers("layer", "power_iteration")
    betas = rule.update()
    start = start_generator(m.weight for m in model)
    assert betas == pytest.approx([1 + spectral_ratio(m.weight, "all", start) for m in model], rel=1e-12)
    assert betas[0] == pytest.approx(25 / 18, rel=1e-12)  # rank one: one step is exact
    assert betas[1] > 11 / 9 and betas[2] == 1.0  # diag(3, 1): sigma underestimated, beta larger
    again, rule_again = three_layers("layer", "power_iteration")
    assert rule_again.update() == betas  # a pure function of the stored v


def test_start_generator_is_a_function_of_the_bytes():
    a, b = torch.randn(4, 3, generator=gen(0)), torch.randn(2, 2, generator=gen(1))
    draw = [torch.randn(3, generator=start_generator(ws)) for ws in ([a, b], [a.clone(), b.clone()])]
    assert torch.equal(*draw)
    changed = a.clone()
    changed[0, 0] += 1e-6
    assert not torch.equal(draw[0], torch.randn(3, generator=start_generator([changed, b])))
    assert not torch.equal(draw[0], torch.randn(3, generator=start_generator([b, a])))


# ---------------------------------------------------------------- when

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
    model, rule = three_layers("average")
    twin = copy.deepcopy(model)
    assert twin[0].exponent is not rule and all(a is b for a, b in zip(twin[0].exponent.layers, twin, strict=True))
    with torch.no_grad():
        twin[1].weight.zero_()
    twin[0].exponent.update()
    rule.update()
    assert model[0].beta == pytest.approx((25 / 18 + 11 / 9 + 1) / 3) and twin[0].beta == pytest.approx(
        (25 / 18 + 2) / 3)
    with pytest.raises(RuntimeError, match="one model"):
        PowerpropConv2d(1, 1, 1, exponent=rule)


def test_fixed_layers_are_untouched_and_choices_are_checked():
    lin = PowerpropLinear(3, 2, beta=1.25)
    assert lin.exponent is None and lin.beta == 1.25 and "beta=1.25" in repr(lin)
    lin.load_state_dict(lin.state_dict())
    assert lin.beta == 1.25
    with pytest.raises(ValueError, match="beta"):
        lin.set_beta(0.99)
    for bad in ({"scope": "median"}, {"sigma": "svd"}, {"over": "some"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            SpectralExponent(**bad)
    assert "spectral(layer, sigma=power_iteration)" in repr(PowerpropLinear(2, 2, exponent=SpectralExponent()))
