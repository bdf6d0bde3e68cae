"""Tests for methods/flash.py: round-1 per-tensor pruning, the fixed mask, no growth, mask scopes."""

import pytest
import torch

from _helpers import local_train
from sparsyfed.errors import UserError
from sparsyfed.methods import make_method
from sparsyfed.methods.base import RoundContext
from sparsyfed.methods.flash import FlashParams
from sparsyfed.models import build_model, prunable_keys


def _round(method, model, glob, keys, rnd, weights=(100.0, 300.0)):
    ctx = RoundContext(rnd, 4, 0.1, 0, keys)
    trained = [local_train(method, model, glob, RoundContext(rnd, 4, 0.1, 0, keys, c), seed=10 * rnd + c)
               for c in range(len(weights))]
    uploads = [method.postprocess_upload(t, ctx) for t in trained]
    new = method.postprocess_global(method.aggregate(uploads, list(weights), ctx), ctx)
    return trained, uploads, new


def _setup(model_name="small_cnn", **params):
    method = make_method("flash", 0.9, params)
    model = build_model(model_name, 1, 10, method.layers(), torch.Generator().manual_seed(0))
    return method, model, prunable_keys(model)


def test_round_one_fixes_mask_with_mean_density_per_tensor():
    method, model, keys = _setup("resnet_small")
    _, uploads, new = _round(method, model, model.state_dict(), keys, 1)
    assert method.mask is not None
    total = sum(new[k].numel() for k in keys)
    assert abs(sum(int(torch.count_nonzero(new[k])) for k in keys) - 0.1 * total) <= len(keys)
    for k in keys:
        d = (100 * (uploads[0][k] != 0).float().mean() + 300 * (uploads[1][k] != 0).float().mean()) / 400
        assert method.density[k] == pytest.approx(float(d))
        assert abs(int(torch.count_nonzero(new[k])) - method.density[k] * new[k].numel()) <= 0.5 + 1e-9
        assert torch.equal(method.mask[k], new[k] != 0)


@pytest.mark.parametrize("scope", ["all", "prunable"])
def test_global_support_never_grows_after_round_one(scope):
    method, model, keys = _setup("resnet_small", mask_scope=scope)
    _, _, glob = _round(method, model, model.state_dict(), keys, 1)
    for rnd in (2, 3):
        trained, _, new = _round(method, model, glob, keys, rnd)
        for k in keys:
            assert not torch.any((new[k] != 0) & (glob[k] == 0))
            for t in trained:  # masked entries stayed exactly zero through SGD with weight decay
                assert not torch.any((t[k] != 0) & (glob[k] == 0))
        glob = new


def test_mask_scope_all_freezes_zero_biases_prunable_does_not():
    # [as the authors ran it]: every bias starts at 0 and is masked with scope "all"
    for scope, frozen in (("all", True), ("prunable", False)):
        method, model, keys = _setup(mask_scope=scope)
        ctx = RoundContext(1, 4, 0.1, 0, keys, 0)
        trained = local_train(method, model, model.state_dict(), ctx)
        assert all(bool(torch.all(trained[k] == 0)) == frozen for k in ("conv1.bias", "fc1.bias", "fc2.bias"))


def test_server_hooks_do_not_mutate_their_inputs():
    method, model, keys = _setup()
    ctx = RoundContext(1, 4, 0.1, 0, keys)
    uploads = [method.postprocess_upload(model.state_dict(), ctx)]
    copies = [{k: v.clone() for k, v in u.items()} for u in uploads]
    avg = method.aggregate(uploads, [1.0], ctx)
    avg_copy = {k: v.clone() for k, v in avg.items()}
    method.postprocess_global(avg, ctx)
    assert all(torch.equal(uploads[0][k], copies[0][k]) for k in copies[0])
    assert all(torch.equal(avg[k], avg_copy[k]) for k in avg)


def test_state_dict_round_trip():
    method, model, keys = _setup()
    assert method.state_dict() == {}
    _round(method, model, model.state_dict(), keys, 1)
    saved = method.state_dict()
    fresh = make_method("flash", 0.9)
    fresh.load_state_dict(saved)
    assert fresh.density == method.density
    assert all(torch.equal(fresh.mask[k], method.mask[k]) for k in keys)
    # once the mask is fixed, the server no longer re-prunes
    state = {k: v.clone() for k, v in model.state_dict().items()}
    ctx = RoundContext(2, 4, 0.1, 0, keys)
    assert fresh.postprocess_global(fresh.aggregate([state], [1.0], ctx), ctx).keys() == state.keys()
    assert fresh._pending_density is None


def test_params_validation():
    with pytest.raises(UserError, match="mask_scope"):
        FlashParams(mask_scope="some")
