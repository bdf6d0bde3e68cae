"""The MFCC CNN (models/mfcc.py): size, balance of its layers, roles, and every method's layers on it."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from sparsyfed import catalog
from sparsyfed.methods import make_method
from sparsyfed.methods.base import RoundContext
from sparsyfed.models import prunable_keys
from sparsyfed.models.init import init_model_
from sparsyfed.models.mfcc import MfccCNN, mfcc_cnn
from sparsyfed.sparse.powerprop import PowerpropConv2d, PowerpropLinear
from sparsyfed.sparse.swat import SwatConv2d, SwatLinear


def build(method=None):
    layers = method.layers() if method is not None else make_method("dense").layers()
    return init_model_(mfcc_cnn(1, 10, layers), torch.Generator().manual_seed(0))


def test_size_balance_and_roles():
    model = build()
    sizes = {k: v.numel() for k, v in model.state_dict().items() if k in prunable_keys(model)}
    # 1*16*9 + 16*24*9 + 24*32*9 + 32*32*9 + 32*48*9 + 48*10
    assert list(sizes.values()) == [144, 3456, 6912, 9216, 13824, 480] and sum(sizes.values()) == 34032
    assert max(sizes.values()) / sum(sizes.values()) < 0.45  # no layer holds most of the weights
    assert model(torch.zeros(3, 1, 40, 13)).shape == (3, 10)
    assert model(torch.zeros(2, 1, 8, 5)).shape == (2, 10)  # global pooling: any input of at least 3 x 3

    roles = []

    class Recorder:
        def conv(self, *a, role="body", **k):
            roles.append(role)
            return nn.Conv2d(*a, **k)

        def linear(self, *a, role="classifier", **k):
            roles.append(role)
            return nn.Linear(*a, **k)

    MfccCNN(1, 10, Recorder())
    assert roles == ["first", "body", "body", "body", "body", "classifier"]


CASES = [(name, {}) for name in catalog.ids(catalog.METHODS)] + [
    ("sparsyfed", {"exponent": "spectral", "spectral_scope": "average", "spectral_sigma": "exact"})]


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}{'-' + str(p) if p else ''}" for n, p in CASES])
def test_every_method_trains_it(name, params):
    method = make_method(name, 0.9, params)
    model = build(method)
    keys = prunable_keys(model)
    ctx = RoundContext(1, 5, 0.1, 0, keys, 0)
    glob = method.postprocess_upload(model.state_dict(), ctx)
    model.load_state_dict(glob)
    model.train()
    method.prepare_client(model, ctx)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 1, 40, 13, generator=g), torch.randint(0, 10, (8,), generator=g)
    for _ in range(2):
        model.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        method.after_backward(model, ctx)
        assert torch.isfinite(loss) and all(torch.isfinite(p.grad).all() for p in model.parameters())
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    upload = method.postprocess_upload(model.state_dict(), ctx)
    zeros = sum(int((upload[k] == 0).sum()) for k in keys)
    assert zeros == (0 if name == "dense" else round(0.9 * 34032))
    types = {type(m) for m in model.modules()}
    if name.startswith("sparsyfed"):
        assert {PowerpropConv2d, PowerpropLinear} <= types
    if name == "zerofl":
        assert {SwatConv2d, SwatLinear} <= types and type(model.features[0]) is nn.Conv2d  # first conv stays plain
