"""SparsyFed with the spectral exponent (SPEC 4.3, beyond the main table): the as-ran default (each
module its own beta from the authors' one-step sigma), the variants, when the betas are set and from
which v, and what a session does with them."""

import copy
import hashlib
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from _helpers import local_train, method_and_model
from sparsyfed.errors import UserError
from sparsyfed.methods.base import RoundContext
from sparsyfed.methods.sparsyfed import SparsyFedParams, spectral_exponents
from sparsyfed.models import build_model
from sparsyfed.sparse.powerprop import PowerpropConv2d, PowerpropLinear


def powerprop(model):
    return {n: m for n, m in model.named_modules() if isinstance(m, (PowerpropConv2d, PowerpropLinear))}


def numpy_beta(v: torch.Tensor, over: str = "all") -> float:
    """1 + mean(|v|) / sigma with numpy's 2-norm: an implementation independent of the library's."""
    a = np.abs(v.detach().double().numpy()).reshape(v.shape[0], -1)
    if not a.any():
        return 1.0  # the authors' code: beta 1 for an all-zero layer
    mean = a.mean() if over == "all" else a[a != 0].mean()
    return 1 + mean / np.linalg.norm(a, 2)


def authors_betas(model) -> dict[str, float]:
    """Module name -> the beta of the authors' Release code (one SpectralNormHandler per module: mean of
    |v| / sigma over all entries, sigma by one power-iteration step), transcribed, with their global
    generator seeded by the SHA-256 of the modules' v just before the first forward (module order)."""
    layers = powerprop(model)
    digest = hashlib.sha256()
    for m in layers.values():
        digest.update(repr(tuple(m.weight.shape)).encode())
        digest.update(m.weight.detach().numpy().tobytes())
    g = torch.Generator().manual_seed(int.from_bytes(digest.digest()[:8], "little"))
    betas = {}
    for name, m in layers.items():  # each handler at its module's first forward
        weight_abs = m.weight.detach().abs()
        weight_mat = weight_abs.view(weight_abs.size(0), -1)
        u = torch.randn(weight_mat.size(0), 1, generator=g)
        torch.randn(weight_mat.size(1), 1, generator=g)  # their v start, overwritten
        v = F.normalize(weight_mat.t() @ u, dim=0)
        u = F.normalize(weight_mat @ v, dim=0)
        sigma = torch.clamp(u.t() @ (weight_mat @ v), min=1e-12)
        betas[name] = 1.0 + float(torch.mean(weight_abs / sigma))
    return betas


def pruned_global(method, model, keys):
    ctx = RoundContext(2, 5, 0.1, 0, keys, 0)
    return method.postprocess_upload(model.state_dict(), ctx), ctx


def received(name="sparsyfed_spectral", **params):
    """(method, model, keys, ctx, state): the initial model pruned to 90 % loaded into a client that
    prepared its session (every 1x1 shortcut converted, so every prunable layer has an exponent)."""
    method, model, keys = method_and_model(name, 0.9, convert_shortcuts=True, **params)
    glob, ctx = pruned_global(method, model, keys)
    model.load_state_dict(glob)
    method.prepare_client(model, ctx)
    assert not glob["stages.2.conv2.weight"].any()  # pruning the initial model at 90 % collapses this layer
    return method, model, keys, ctx, glob


def test_the_as_ran_default_is_per_layer_with_the_one_step_sigma():
    method, _, _ = method_and_model("sparsyfed_spectral", 0.9)
    p = method.params
    assert (p.exponent, p.spectral_scope, p.spectral_sigma, p.spectral_over) == (
        "spectral", "layer", "power_iteration", "all")


def test_each_module_computes_with_its_own_beta_from_the_authors_estimate():
    method, model, _, _, glob = received()
    got = method.exponents(model)
    expected = authors_betas(model)
    assert got == pytest.approx(expected, rel=1e-5)  # theirs in float32, here float64
    assert got["stages.2.conv2"] == 1.0  # collapsed: beta 1, as theirs
    live = {n: b for n, b in got.items() if n != "stages.2.conv2"}
    assert len({round(b, 9) for b in live.values()}) == len(live)  # one beta per module, all different
    exact = {n: numpy_beta(glob[f"{n}.weight"]) for n in got}
    assert all(got[n] >= exact[n] - 1e-12 for n in got)  # one step underestimates sigma: beta is larger
    assert sum(got[n] - 1 for n in live) > 1.2 * sum(exact[n] - 1 for n in live)


def test_the_exact_sigma_per_module():
    method, model, _, _, glob = received(spectral_sigma="exact")
    expected = {n: numpy_beta(glob[f"{n}.weight"]) for n in powerprop(model)}
    assert method.exponents(model) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("sigma", ["exact", "power_iteration"])
def test_the_average_variant_gives_every_module_the_mean_of_the_per_layer_betas(sigma):
    method, model, _, _, glob = received(spectral_scope="average", spectral_sigma=sigma)
    per_layer = ({n: numpy_beta(glob[f"{n}.weight"]) for n in powerprop(model)} if sigma == "exact"
                 else authors_betas(model))
    mean = sum(per_layer.values()) / len(per_layer)  # the collapsed layer's 1 counts
    assert method.exponents(model) == pytest.approx(dict.fromkeys(per_layer, mean), rel=1e-5)


@pytest.mark.parametrize("over", ["all", "nonzero"])
def test_over_sets_the_entries_of_the_mean(over):
    method, model, _, _, glob = received(spectral_sigma="exact", spectral_over=over)
    expected = {n: numpy_beta(glob[f"{n}.weight"], over) for n in powerprop(model)}
    assert method.exponents(model) == pytest.approx(expected, rel=1e-9)


def test_init_stores_the_shared_draw_and_fixed_mode_is_unchanged():
    _, model, _ = method_and_model("sparsyfed_spectral", 0.9)
    plain = build_model("resnet_small", 1, 10, generator=torch.Generator().manual_seed(0))
    assert torch.equal(model.fc.weight, plain.fc.weight) and torch.equal(model.stem[0].weight, plain.stem[0].weight)
    fixed, fixed_model, _ = method_and_model("sparsyfed", 0.9)
    assert all(m.exponent is None for m in powerprop(fixed_model).values())
    assert set(fixed.exponents(fixed_model).values()) == {1.25}


def sgd_session(method, model, steps=8):
    """A few SGD steps on one fixed random batch; the losses."""
    model.train()
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 1, 28, 28, generator=g), torch.randint(0, 10, (16,), generator=g)
    losses = []
    for _ in range(steps):
        for p in model.parameters():
            p.grad = None
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.05 * p.grad
        losses.append(loss.item())
    return losses


def regrowth(glob, trained, keys) -> dict[str, int]:
    return {k: int(((glob[k] == 0) & (trained[k] != 0)).sum()) for k in keys}


def test_a_session_trains_without_regrowth():
    method, model, keys, _, glob = received()
    betas = method.exponents(model)
    losses = sgd_session(method, model)
    assert all(math.isfinite(v) for v in losses) and losses[-1] < losses[0]
    assert method.exponents(model) == betas  # fixed for the session
    trained = model.state_dict()
    # beta > 1 freezes the zeros; the collapsed layer (beta 1) keeps none of its input for the weight
    # gradient (activation pruning at s_l = 1), so it stays zero too
    assert not any(regrowth(glob, trained, keys).values())
    assert sum(int(((glob[k] != 0) & (trained[k] != glob[k])).sum()) for k in keys) > 0


@pytest.mark.parametrize("scope", ["layer", "average"])
def test_without_activation_pruning_a_collapsed_layer_regrows_at_beta_one_only(scope):
    method, model, keys, _, glob = received("sparsyfed", exponent="spectral", spectral_scope=scope,
                                            activation_pruning=False)
    sgd_session(method, model, steps=2)
    regrown = regrowth(glob, model.state_dict(), keys)
    collapsed = regrown.pop("stages.2.conv2.weight")
    assert not any(regrown.values())
    assert (collapsed > 0) == (scope == "layer")  # beta 1 (as theirs): plain weights; the average: > 1


def test_evaluation_uses_the_betas_of_the_state_it_evaluates():
    # Two replicas with different histories give the same outputs once they load the same state.
    method, model, keys = method_and_model("sparsyfed_spectral", 0.9)
    twin = copy.deepcopy(model)
    glob, ctx = pruned_global(method, model, keys)
    local_train(method, model, glob, ctx, steps=2)
    other = local_train(method, twin, model.state_dict(), ctx, steps=2, seed=1)
    for m in (model, twin):
        m.load_state_dict(other)
        m.eval()
    x = torch.randn(4, 1, 28, 28)
    assert torch.equal(model(x), twin(x))
    rule = spectral_exponents(model)[0]
    assert [m.beta for m in rule.layers] == [m.beta for m in spectral_exponents(twin)[0].layers]
    assert len(set(method.exponents(model).values())) > 2  # per layer


def test_params_validation():
    for key, bad in (("exponent", "median"), ("spectral_scope", "mean"), ("spectral_sigma", "svd"),
                     ("spectral_over", "positive")):
        with pytest.raises(UserError, match=key):
            SparsyFedParams(**{key: bad})
    with pytest.raises(UserError, match="spectral_scope: average, spectral_sigma: exact"):
        SparsyFedParams(exponent="spectral_mean")  # the name before issue 18: the hint says what it meant
