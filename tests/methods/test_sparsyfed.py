"""Tests for methods/sparsyfed.py: layers, no regrowth with beta > 1, union support, activation density."""

import pytest
import torch
from torch import nn

from _helpers import count_zeros, local_train, method_and_model
from sparsyfed.errors import UserError
from sparsyfed.methods import make_method
from sparsyfed.methods.base import RoundContext
from sparsyfed.methods.sparsyfed import SparsyFed, SparsyFedParams
from sparsyfed.models import build_model
from sparsyfed.sparse.powerprop import PowerpropConv2d, PowerpropLinear


def _setup(s=0.9, **params):
    return method_and_model("sparsyfed", s, **params)


def test_layers_default_and_converted_shortcuts():
    method, model, _ = _setup()
    mods = dict(model.named_modules())
    assert isinstance(mods["stem.0"], PowerpropConv2d) and mods["stem.0"].pruner.mode == "session"
    assert isinstance(model.fc, PowerpropLinear) and model.fc.pruner.mode == "batch"
    shortcuts = [m for n, m in mods.items() if n.endswith("shortcut.0")]
    assert shortcuts and all(type(m) is nn.Conv2d for m in shortcuts)  # [as the authors ran it]
    _, converted, _ = _setup(convert_shortcuts=True)
    assert all(isinstance(m, PowerpropConv2d) for n, m in converted.named_modules() if n.endswith("shortcut.0"))
    _, batch, _ = _setup(conv_threshold="batch")
    assert dict(batch.named_modules())["stem.0"].pruner.mode == "batch"
    assert make_method("sparsyfed_noact", 0.9).params.activation_pruning is False
    noact = build_model("resnet_small", 1, 10, make_method("sparsyfed_noact", 0.9).layers())
    assert all(getattr(m, "pruner", None) is None for m in noact.modules())


def test_no_pruned_entry_regrows_and_fedavg_support_within_union():
    # Prepare: a pruned global model (round 2), two clients
    method, model, keys = _setup(convert_shortcuts=True)
    ctx = RoundContext(2, 5, 0.1, 0, keys, 0)
    glob = method.postprocess_upload(model.state_dict(), ctx)
    # Execute
    trained = [local_train(method, model, glob, ctx, seed=c) for c in range(2)]
    uploads = [method.postprocess_upload(t, ctx) for t in trained]
    new = method.postprocess_global(method.aggregate(uploads, [1.0, 3.0], ctx), ctx)
    # Assert: zero in the received model -> still zero after local training (regrowth_local = 0)
    for t in trained:
        assert sum(int(((glob[k] == 0) & (t[k] != 0)).sum()) for k in keys) == 0
    for k in keys:
        union = (uploads[0][k] != 0) | (uploads[1][k] != 0)
        assert not torch.any((new[k] != 0) & ~union)
        assert not torch.any((new[k] != 0) & (glob[k] == 0))  # the global support only shrinks
    total = sum(glob[k].numel() for k in keys)
    assert all(count_zeros(u, keys)[0] == round(0.9 * total) for u in uploads)


def test_plain_shortcuts_may_regrow_but_powerprop_layers_do_not():
    method, model, keys = _setup()
    ctx = RoundContext(2, 5, 0.1, 0, keys, 0)
    glob = method.postprocess_upload(model.state_dict(), ctx)
    trained = local_train(method, model, glob, ctx)
    regrowth = {k: int(((glob[k] == 0) & (trained[k] != 0)).sum()) for k in keys}
    assert all(v == 0 for k, v in regrowth.items() if "shortcut" not in k)
    assert sum(v for k, v in regrowth.items() if "shortcut" in k) > 0


def test_activation_density_follows_weight_sparsity_and_resets():
    method, model, keys = _setup(s=0.8)
    ctx = RoundContext(2, 5, 0.1, 0, keys, 0)
    dense = local_train(method, model, model.state_dict(), ctx, steps=1)
    assert all(d == 1.0 for d in method.activation_density(model).values())  # dense weights: no pruning
    glob = method.postprocess_upload(dense, ctx)
    local_train(method, model, glob, ctx, steps=2)
    density = method.activation_density(model)
    assert "stem.0" in density and "fc" in density and not any("shortcut" in n for n in density)
    mods = dict(model.named_modules())
    for name, d in density.items():
        w = mods[name].weight
        expected = int(torch.count_nonzero(w)) / w.numel()  # keep about 1 - s_l
        assert d <= expected + 0.02
    assert min(density.values()) < 0.5


def test_params_validation():
    with pytest.raises(UserError, match="beta"):
        SparsyFedParams(beta=0.9)
    with pytest.raises(UserError, match="conv_threshold"):
        SparsyFedParams(conv_threshold="always")
    with pytest.raises(UserError, match="sparsity"):
        SparsyFedParams(sparsity=1.0)
    with pytest.raises(UserError, match="activation_pruning"):
        make_method("sparsyfed_noact", 0.9, {"activation_pruning": True})
    assert isinstance(make_method("sparsyfed", 0.95), SparsyFed)
