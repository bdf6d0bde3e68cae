"""Tests for methods/zerofl.py: SWAT layers, the dense first conv, session cuts, pruning to s - m."""

import pytest
import torch
from torch import nn

from _helpers import count_zeros, local_train, method_and_model
from sparsyfed.errors import UserError
from sparsyfed.methods.base import RoundContext
from sparsyfed.methods.zerofl import ZeroFLParams
from sparsyfed.sparse.pruning import keep_count
from sparsyfed.sparse.swat import SwatConv2d, SwatLinear


def _setup(s=0.9, **params):
    return method_and_model("zerofl", s, **params)


def test_first_conv_and_shortcuts_stay_dense_and_plain():
    method, model, keys = _setup()
    mods = dict(model.named_modules())
    assert type(mods["stem.0"]) is nn.Conv2d
    assert all(type(m) is nn.Conv2d for n, m in mods.items() if n.endswith("shortcut.0"))
    assert isinstance(mods["stages.0.conv1"], SwatConv2d) and isinstance(model.fc, SwatLinear)
    ctx = RoundContext(1, 5, 0.1, 0, keys, 0)
    local_train(method, model, model.state_dict(), ctx)
    model(torch.randn(2, 1, 28, 28))  # a training forward sparsifies the SWAT weights in place
    trained = model.state_dict()
    assert int(torch.count_nonzero(trained["stem.0.weight"])) == trained["stem.0.weight"].numel()
    assert count_zeros(trained, ["stages.1.conv2.weight"])[0] >= 0.85 * trained["stages.1.conv2.weight"].numel()
    _, converted, _ = _setup(convert_shortcuts=True)
    assert all(isinstance(m, SwatConv2d) for n, m in converted.named_modules() if n.endswith("shortcut.0"))
    assert type(dict(converted.named_modules())["stem.0"]) is nn.Conv2d


def test_swat_weight_cuts_session_for_conv_and_every_forward_for_linear():
    method, model, keys = _setup(s=0.75)
    ctx = RoundContext(1, 5, 0.1, 0, keys, 0)
    model.train()
    method.prepare_client(model, ctx)
    conv, fc = model.stages[1].conv2, model.fc
    model(torch.randn(4, 1, 28, 28))
    assert int(torch.count_nonzero(conv.weight)) == keep_count(conv.weight.numel(), 0.75)
    assert int(torch.count_nonzero(fc.weight)) == keep_count(fc.weight.numel(), 0.75)
    cut = conv.weight_cut
    with torch.no_grad():  # as if an SGD step moved every weight
        conv.weight.add_(0.01)
        fc.weight.add_(0.01)
    model(torch.randn(4, 1, 28, 28))
    assert conv.weight_cut == cut  # the conv cut is fixed for the session [as the authors ran it]
    assert int(torch.count_nonzero(fc.weight)) == keep_count(fc.weight.numel(), 0.75)  # exact again
    method.prepare_client(model, ctx)
    assert conv.weight_cut is None and conv.pruner.cut is None


def test_eval_mode_leaves_weights_alone():
    method, model, _ = _setup()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.eval()
    with torch.no_grad():
        model(torch.randn(2, 1, 28, 28))
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


@pytest.mark.parametrize("m", [0.0, 0.1])
def test_upload_pruned_to_s_minus_mask_ratio(m):
    method, model, keys = _setup(s=0.9, mask_ratio=m)
    ctx = RoundContext(1, 5, 0.1, 0, keys, 0)
    trained = local_train(method, model, model.state_dict(), ctx, steps=1)
    up = method.postprocess_upload(trained, ctx)
    total = sum(trained[k].numel() for k in keys)
    assert count_zeros(up, keys)[0] == max(round((0.9 - m) * total), count_zeros(trained, keys)[0])
    density = method.activation_density(model)
    assert density["fc"] == pytest.approx(0.1, abs=0.02) and "stem.0" not in density


def test_params_validation():
    with pytest.raises(UserError, match="mask_ratio"):
        ZeroFLParams(sparsity=0.9, mask_ratio=0.95)
    with pytest.raises(UserError, match="conv_threshold"):
        ZeroFLParams(conv_threshold="never")


def test_swat_layer_reports_the_weight_density_it_trained_with():
    """FLOPs count the density the forwards used, not the (nearly dense) weights after the last step."""
    # Prepare: a linear layer with 10 weights of distinct magnitudes, SWAT sparsity 0.6 -> keeps 4
    layer = SwatLinear(5, 2, bias=False, sparsity=0.6)
    with torch.no_grad():
        layer.weight.copy_(torch.arange(1.0, 11.0).reshape(2, 5))
    layer.train()
    assert layer.weight_density() is None  # no training forward yet

    # Execute: two forwards, with an "SGD step" refilling every entry in between
    layer(torch.ones(3, 5))
    with torch.no_grad():
        layer.weight.add_(0.5)  # the zeroed entries come back at 0.5, below the cut
    layer(torch.ones(3, 5))
    after = int(torch.count_nonzero(layer.weight))
    with torch.no_grad():
        layer.weight.add_(0.5)

    # Assert: both forwards computed with 4 of 10 weights, whatever the weights look like now
    assert after == 4
    assert layer.weight_density() == pytest.approx(0.4)
    assert int(torch.count_nonzero(layer.weight)) == 10
    layer.reset_session()
    assert layer.weight_density() is None


def test_zerofl_flops_use_the_trained_with_density():
    from sparsyfed.metrics.flops import relative_flops

    method, model, keys = _setup(s=0.9)
    ctx = RoundContext(1, 5, 0.1, 0, keys, 0)
    local_train(method, model, model.state_dict(), ctx, steps=2)
    reported = method.weight_density(model)
    swat = {f"{n}.weight" for n, m in model.named_modules() if isinstance(m, (SwatConv2d, SwatLinear))}
    assert set(reported) == swat
    for key in swat:  # 1 - s of the entries (keep_count rounds up), in every forward
        numel = model.state_dict()[key].numel()
        assert reported[key] == pytest.approx(keep_count(numel, 0.9) / numel, abs=0.02)
    trained = model.state_dict()
    after = {k: int(torch.count_nonzero(trained[k])) / trained[k].numel() for k in keys}
    assert min(after[k] for k in swat) > 0.5  # the SGD steps refilled the zeroed entries
    macs = {k: 1 for k in keys}
    with_reported = relative_flops(macs, after | reported, method.activation_density(model))
    assert with_reported < 0.5 < relative_flops(macs, after, method.activation_density(model))
