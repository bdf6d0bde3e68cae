"""Tests for sparse/activation.py: exact selection, session cuts, and the gradients of pruned layers."""

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from sparsyfed.sparse.activation import ActivationPruner, keep_largest, pruned_conv2d, pruned_linear, zero_fraction
from sparsyfed.sparse.powerprop import PowerpropConv2d, PowerpropLinear
from sparsyfed.sparse.pruning import keep_count


def _relu_batch(shape, seed=0, dtype=torch.float64):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype).relu()


@pytest.mark.parametrize("k", [1, 7, 100, 400, 1000])
def test_keep_largest_keeps_exactly_min_k_nnz(k):
    x = _relu_batch((4, 5, 6, 7))  # about half zeros
    nnz = int(torch.count_nonzero(x))
    out, cut = keep_largest(x, k)
    assert int(torch.count_nonzero(out)) == min(k, nnz)
    kept = out != 0
    assert torch.equal(out[kept], x[kept])  # kept entries unchanged
    if k < nnz:
        assert x[~kept].abs().max() <= x[kept].abs().min() and cut == x[kept].abs().min().item()


def test_keep_largest_ties_are_exact():
    x = torch.tensor([[1.0, -1.0, 1.0], [2.0, -1.0, 0.0]])
    out, cut = keep_largest(x, 3)
    assert cut == 1.0
    assert torch.equal(out, torch.tensor([[1.0, -1.0, 0.0], [2.0, 0.0, 0.0]]))  # first ties kept


def test_collapsed_layer_saves_nothing():
    x = torch.randn(2, 3, 4, 4)
    out, cut = keep_largest(x, 0)
    assert cut == math.inf and int(torch.count_nonzero(out)) == 0
    p = ActivationPruner("session")
    assert int(torch.count_nonzero(p.select(x, 1.0))) == 0
    assert int(torch.count_nonzero(p.select(x, 1.0))) == 0 and p.density() == 0.0


def test_pruner_batch_mode_counts_and_density():
    p = ActivationPruner("batch")
    x = torch.randn(4, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    saved = p.select(x, 0.9)
    k = math.ceil(0.1 * x.numel())
    assert int(torch.count_nonzero(saved)) == k
    assert p.select(x, 0.0) is None  # nothing pruned at s_l = 0
    assert p.density() == pytest.approx((k + x.numel()) / (2 * x.numel()))
    p.reset()
    assert p.density() == 1.0


def test_pruner_session_mode_reuses_first_cut_until_reset():
    g = torch.Generator().manual_seed(0)
    p = ActivationPruner("session")
    x1, x2 = torch.randn(2, 3, 4, 4, generator=g), 3 * torch.randn(2, 3, 4, 4, generator=g)
    calls = []

    def s():
        calls.append(1)
        return 0.75

    first = p.select(x1, s)
    assert int(torch.count_nonzero(first)) == keep_count(x1.numel(), 0.75)
    second = p.select(x2, s)
    assert len(calls) == 1  # the sparsity is not asked again within the session
    assert torch.equal(second, x2 * (x2.abs() >= p.cut))
    assert int(torch.count_nonzero(second)) != keep_count(x2.numel(), 0.75)  # not exact on later batches
    p.reset()
    third = p.select(x2, s)
    assert int(torch.count_nonzero(third)) == keep_count(x2.numel(), 0.75) and len(calls) == 2


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="mode"):
        ActivationPruner("sometimes")


@pytest.mark.parametrize("stride,padding,groups,bias", [(1, 1, 1, True), (2, 0, 1, False), (1, 1, 2, True)])
def test_pruned_conv2d_gradients(stride, padding, groups, bias):
    # Prepare
    g = torch.Generator().manual_seed(0)
    x = _relu_batch((3, 4, 7, 7)).requires_grad_()
    w = torch.randn(6, 4 // groups, 3, 3, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(6, generator=g, dtype=torch.float64, requires_grad=True) if bias else None
    saved, _ = keep_largest(x.detach(), 50)
    r = torch.randn(F.conv2d(x, w, b, stride, padding, 1, groups).shape, generator=g, dtype=torch.float64)
    # Execute
    out = pruned_conv2d(x, w, b, saved, stride, padding, 1, groups)
    (out * r).sum().backward()
    # Assert: output and input gradient from the dense path ...
    x2, w2 = x.detach().clone().requires_grad_(), w.detach().clone().requires_grad_()
    b2 = b.detach().clone().requires_grad_() if bias else None
    dense = F.conv2d(x2, w2, b2, stride, padding, 1, groups)
    (dense * r).sum().backward()
    assert torch.allclose(out, dense)
    assert torch.allclose(x.grad, x2.grad)
    if bias:
        assert torch.allclose(b.grad, b2.grad)
    # ... weight gradient by hand from the masked input
    manual = torch.nn.grad.conv2d_weight(saved, w.shape, r, stride, padding, 1, groups)
    assert torch.allclose(w.grad, manual)
    assert not torch.allclose(w.grad, w2.grad)  # pruning did change it
    assert int(torch.count_nonzero(saved)) == 50


@pytest.mark.parametrize("shape", [(5, 12), (2, 3, 12)])
def test_pruned_linear_gradients(shape):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 12, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, generator=g, dtype=torch.float64, requires_grad=True)
    saved, _ = keep_largest(x.detach(), 9)
    r = torch.randn(*shape[:-1], 4, generator=g, dtype=torch.float64)
    out = pruned_linear(x, w, b, saved)
    (out * r).sum().backward()
    assert torch.allclose(out, F.linear(x, w, b))
    assert torch.allclose(x.grad, r @ w.detach())  # dense input gradient
    assert torch.allclose(w.grad, r.reshape(-1, 4).t() @ saved.reshape(-1, 12))  # from the masked input
    assert torch.allclose(b.grad, r.reshape(-1, 4).sum(0))
    assert int(torch.count_nonzero(saved)) == 9


def test_powerprop_conv_prunes_to_weight_sparsity_in_training_only():
    g = torch.Generator().manual_seed(0)
    conv = PowerpropConv2d(4, 5, 3, padding=1, beta=1.25, pruner=ActivationPruner("batch")).double()
    with torch.no_grad():
        conv.weight.view(-1)[::2] = 0.0  # s_l = 90 / 180 = 0.5
    assert zero_fraction(conv.weight) == 0.5
    x = torch.randn(2, 4, 6, 6, generator=g, dtype=torch.float64)
    r = torch.randn(2, 5, 6, 6, generator=g, dtype=torch.float64)
    w_eff = conv.effective_weight().detach()
    scale = 1.25 * conv.weight.detach().abs() ** 0.25

    def grad_of(mode):
        conv.train(mode)
        conv.weight.grad = None
        (conv(x) * r).sum().backward()
        return conv.weight.grad.clone()

    saved, _ = keep_largest(x, keep_count(x.numel(), 0.5))
    expect_train = scale * torch.nn.grad.conv2d_weight(saved, w_eff.shape, r, 1, 1)
    expect_eval = scale * torch.nn.grad.conv2d_weight(x, w_eff.shape, r, 1, 1)
    assert torch.allclose(grad_of(True), expect_train)
    assert conv.pruner.density() == pytest.approx(0.5, abs=1 / x.numel())
    assert torch.allclose(grad_of(False), expect_eval)  # eval mode: nothing pruned


def test_dense_layer_is_not_pruned():
    lin = PowerpropLinear(8, 3, beta=1.25, pruner=ActivationPruner("batch"))
    x = torch.randn(4, 8)
    lin(x).sum().backward()
    ref = nn.Linear(8, 3)
    ref.weight.data = lin.effective_weight().detach().clone()
    ref.bias.data = lin.bias.detach().clone()
    ref(x).sum().backward()
    assert torch.allclose(lin.weight.grad, 1.25 * lin.weight.detach().abs() ** 0.25 * ref.weight.grad)
    assert lin.pruner.density() == 1.0
