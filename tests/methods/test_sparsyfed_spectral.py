"""SparsyFed with the spectral exponent (SPEC 4.3, beyond the main table): when the betas are set,
from which v, and that the variant trains without regrowth."""

import copy
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from _helpers import local_train, method_and_model
from sparsyfed.errors import UserError
from sparsyfed.methods.base import RoundContext
from sparsyfed.methods.sparsyfed import SparsyFedParams
from sparsyfed.models import build_model
from sparsyfed.sparse.powerprop import PowerpropConv2d, PowerpropLinear


def powerprop(model):
    return {n: m for n, m in model.named_modules() if isinstance(m, (PowerpropConv2d, PowerpropLinear))}


def numpy_beta(v: torch.Tensor, over: str = "all") -> float | None:
    """1 + mean(|v|) / sigma with numpy's 2-norm: an implementation independent of the library's."""
    a = np.abs(v.detach().double().numpy()).reshape(v.shape[0], -1)
    if not a.any():
        return None
    mean = a.mean() if over == "all" else a[a != 0].mean()
    return 1 + mean / np.linalg.norm(a, 2)


def expected_betas(state, names, mode="layer", over="all") -> dict[str, float]:
    """Module name -> beta by the rule of `sparse.spectral`, from numpy_beta (collapsed: the mean of the rest)."""
    per_layer = {n: numpy_beta(state[f"{n}.weight"], over) for n in names}
    live = [b for b in per_layer.values() if b is not None]
    mean = sum(live) / len(live)
    return {n: (mean if mode == "mean" or b is None else b) for n, b in per_layer.items()}


def pruned_global(method, model, keys):
    ctx = RoundContext(2, 5, 0.1, 0, keys, 0)
    return method.postprocess_upload(model.state_dict(), ctx), ctx


@pytest.mark.parametrize("over", ["all", "nonzero"])
def test_prepare_client_sets_the_mean_exponent_of_the_received_model(over):
    method, model, keys = method_and_model("sparsyfed", 0.9, exponent="spectral_mean", spectral_over=over,
                                           convert_shortcuts=True)
    glob, ctx = pruned_global(method, model, keys)
    model.load_state_dict(glob)
    method.prepare_client(model, ctx)
    assert not glob["stages.2.conv2.weight"].any()  # pruning the initial model at 90 % collapses this layer
    expected = expected_betas(glob, powerprop(model), "mean", over)
    assert len(set(expected.values())) == 1
    assert method.exponents(model) == pytest.approx(expected, rel=1e-9)


def test_layer_mode_and_the_collapsed_layer():
    method, model, keys = method_and_model("sparsyfed", 0.9, exponent="spectral_layer", convert_shortcuts=True)
    glob, ctx = pruned_global(method, model, keys)
    model.load_state_dict(glob)
    method.prepare_client(model, ctx)
    got = method.exponents(model)
    assert got == pytest.approx(expected_betas(glob, powerprop(model)), rel=1e-9)
    assert len({round(b, 12) for b in got.values()}) > 2 and all(math.isfinite(b) and b > 1 for b in got.values())


def test_init_stores_the_shared_draw_and_fixed_mode_is_unchanged():
    _, model, _ = method_and_model("sparsyfed", 0.9, exponent="spectral_mean")
    plain = build_model("resnet_small", 1, 10, generator=torch.Generator().manual_seed(0))
    assert torch.equal(model.fc.weight, plain.fc.weight) and torch.equal(model.stem[0].weight, plain.stem[0].weight)
    fixed, fixed_model, _ = method_and_model("sparsyfed", 0.9)
    assert all(m.exponent is None for m in powerprop(fixed_model).values())
    assert set(fixed.exponents(fixed_model).values()) == {1.25}


def test_short_session_trains_and_keeps_pruned_entries_at_zero():
    method, model, keys = method_and_model("sparsyfed", 0.9, exponent="spectral_mean", convert_shortcuts=True)
    glob, ctx = pruned_global(method, model, keys)
    model.load_state_dict(glob)
    model.train()
    method.prepare_client(model, ctx)
    betas = method.exponents(model)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 1, 28, 28, generator=g), torch.randint(0, 10, (16,), generator=g)
    losses = []
    for _ in range(8):  # one fixed batch: the loss must fall
        for p in model.parameters():
            p.grad = None
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.05 * p.grad
        losses.append(loss.item())
    assert all(math.isfinite(v) for v in losses) and losses[-1] < losses[0]
    assert min(betas.values()) > 1 and method.exponents(model) == betas  # fixed for the session
    trained = model.state_dict()
    for k in keys:
        assert not torch.any((glob[k] == 0) & (trained[k] != 0)), k  # no regrowth, collapsed layer included
    assert sum(int(((glob[k] != 0) & (trained[k] != glob[k])).sum()) for k in keys) > 0


def test_evaluation_uses_the_betas_of_the_state_it_evaluates():
    # Two replicas with different histories give the same outputs once they load the same state.
    method, model, keys = method_and_model("sparsyfed", 0.9, exponent="spectral_layer")
    twin = copy.deepcopy(model)
    glob, ctx = pruned_global(method, model, keys)
    local_train(method, model, glob, ctx, steps=2)
    other = local_train(method, twin, model.state_dict(), ctx, steps=2, seed=1)
    for m in (model, twin):
        m.load_state_dict(other)
        m.eval()
    x = torch.randn(4, 1, 28, 28)
    assert torch.equal(model(x), twin(x))
    assert method.exponents(model) == pytest.approx(expected_betas(other, powerprop(model)), rel=1e-9)


def test_params_validation():
    with pytest.raises(UserError, match="exponent"):
        SparsyFedParams(exponent="spectral")
    with pytest.raises(UserError, match="spectral_over"):
        SparsyFedParams(exponent="spectral_mean", spectral_over="positive")
