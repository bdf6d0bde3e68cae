"""Tests for sparse/powerprop.py: effective weight, init, the Powerprop gradient, zeros that stay zero."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from sparsyfed.models import build_model
from sparsyfed.models.init import init_model_
from sparsyfed.sparse.powerprop import PowerpropConv2d, PowerpropLinear, powerprop_inverse, powerprop_weight


def test_effective_weight_and_init_from():
    conv = PowerpropConv2d(3, 4, 3, beta=1.25)
    u = torch.randn(4, 3, 3, 3, generator=torch.Generator().manual_seed(0))
    conv.init_from_(u)
    assert torch.allclose(conv.weight, torch.sign(u) * u.abs() ** 0.8)
    assert torch.allclose(conv.effective_weight(), u, atol=1e-6)
    assert isinstance(conv, nn.Conv2d) and isinstance(conv.weight, nn.Parameter)


def test_init_model_gives_effective_weights_of_the_shared_draw():
    class Layers:
        def conv(self, *a, role="body", **k):
            return PowerpropConv2d(*a, beta=2.0, **k)

        def linear(self, *a, role="classifier", **k):
            return PowerpropLinear(*a, beta=2.0, **k)

    from sparsyfed.models.small import SmallCNN

    pp = init_model_(SmallCNN(1, 10, Layers()), torch.Generator().manual_seed(3))
    plain = build_model("small_cnn", 1, 10, generator=torch.Generator().manual_seed(3))
    assert torch.allclose(pp.fc1.effective_weight(), plain.fc1.weight, atol=1e-6)
    assert torch.allclose(pp.conv1.effective_weight(), plain.conv1.weight, atol=1e-6)


@pytest.mark.parametrize("beta", [1.25, 1.5, 2.0])
def test_gradient_matches_formula_and_finite_differences(beta):
    # Prepare: float64 layer, a loss that weights each output differently
    g = torch.Generator().manual_seed(1)
    conv = PowerpropConv2d(2, 3, 3, padding=1, beta=beta).double()
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=g, dtype=torch.float64))
    x = torch.randn(2, 2, 5, 5, generator=g, dtype=torch.float64)
    r = torch.randn(2, 3, 5, 5, generator=g, dtype=torch.float64)

    def loss_of(v):
        w = torch.sign(v) * v.abs() ** beta
        return (F.conv2d(x, w, conv.bias, padding=1) * r).sum()

    # Execute
    (conv(x) * r).sum().backward()
    # Assert: manual formula beta |v|^(beta-1) dL/dw, with dL/dw from a plain conv
    v = conv.weight.detach()
    w = (torch.sign(v) * v.abs() ** beta).requires_grad_()
    (F.conv2d(x, w, conv.bias, padding=1) * r).sum().backward()
    assert torch.allclose(conv.weight.grad, beta * v.abs() ** (beta - 1) * w.grad, rtol=1e-10, atol=1e-12)
    # and central finite differences on a few entries
    eps = 1e-6
    for idx in [(0, 0, 0, 0), (1, 1, 2, 1), (2, 0, 1, 2)]:
        vp, vm = v.clone(), v.clone()
        vp[idx] += eps
        vm[idx] -= eps
        fd = (loss_of(vp) - loss_of(vm)) / (2 * eps)
        assert conv.weight.grad[idx].item() == pytest.approx(fd.item(), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("beta", [1.25, 2.0])
def test_zero_entry_has_exactly_zero_gradient(beta):
    lin = PowerpropLinear(6, 4, beta=beta)
    with torch.no_grad():
        lin.weight[0, :3] = 0.0
    lin(torch.randn(5, 6)).square().sum().backward()
    assert torch.all(lin.weight.grad[0, :3] == 0)
    assert torch.isfinite(lin.weight.grad).all()
    assert torch.all(lin.weight.grad[1:] != 0)


def test_beta_one_is_plain_weights():
    g = torch.Generator().manual_seed(2)
    pp = PowerpropConv2d(2, 3, 3, beta=1.0)
    plain = nn.Conv2d(2, 3, 3)
    plain.load_state_dict(pp.state_dict())
    with torch.no_grad():
        pp.weight[0, 0] = 0.0
        plain.weight[0, 0] = 0.0
    x = torch.randn(2, 2, 6, 6, generator=g)
    assert torch.equal(pp(x), plain(x))
    pp(x).sum().backward()
    plain(x).sum().backward()
    assert torch.allclose(pp.weight.grad, plain.weight.grad)
    assert torch.all(pp.weight.grad[0, 0] != 0)  # a zero entry still learns with beta = 1


def test_beta_below_one_is_rejected():
    with pytest.raises(ValueError, match="beta"):
        PowerpropLinear(3, 3, beta=0.5)


def _train_steps(model, steps, lr=0.5, wd=1e-3, seed=0):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=wd)
    model.train()
    for _ in range(steps):
        x, y = torch.randn(8, 1, 28, 28, generator=g), torch.randint(0, 10, (8,), generator=g)
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()


@pytest.mark.parametrize("beta,stays_zero", [(1.25, True), (1.0, False)])
def test_zero_stays_zero_through_sgd_with_weight_decay(beta, stays_zero):
    class Layers:
        def conv(self, *a, role="body", **k):
            return PowerpropConv2d(*a, beta=beta, **k)

        def linear(self, *a, role="classifier", **k):
            return PowerpropLinear(*a, beta=beta, **k)

    from sparsyfed.models.small import SmallCNN

    model = init_model_(SmallCNN(1, 10, Layers()), torch.Generator().manual_seed(0))
    with torch.no_grad():
        for m in (model.conv2, model.fc1, model.fc2):
            m.weight.view(-1)[::3] = 0.0
    before = {n: m.weight.detach() == 0 for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))}
    _train_steps(model, 4)
    mods = dict(model.named_modules())
    regrown = sum(int((mods[n].weight.detach()[z] != 0).sum()) for n, z in before.items())
    assert (regrown == 0) == stays_zero


def test_powerprop_weight_function_helpers():
    v = torch.tensor([-2.0, 0.0, 0.5])
    assert torch.allclose(powerprop_weight(v, 2.0), torch.tensor([-4.0, 0.0, 0.25]))
    assert torch.allclose(powerprop_weight(powerprop_inverse(v, 1.25), 1.25), v)
    assert powerprop_weight(v, 1.0) is v
