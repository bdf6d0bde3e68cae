import math

import pytest
import torch
from torch import nn

from sparsyfed.errors import UserError
from sparsyfed.models import build_model
from sparsyfed.models.init import truncated_normal_


def prunable(model):
    return [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def test_resnet18_cifar_matches_the_paper_size():
    model = build_model("resnet18_cifar", 3, 10)
    assert sum(w.numel() for w in prunable(model)) == 11_164_352
    assert model.stem[0].kernel_size == (3, 3) and model.stem[0].stride == (1, 1) and model.stem[0].bias is None
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_resnet18_speech_shapes():
    model = build_model("resnet18_speech", 1, 35)
    assert model.stem[0].kernel_size == (7, 7) and isinstance(model.stem[3], nn.MaxPool2d)
    assert model.fc.in_features == 512 and model.fc.out_features == 35
    model.eval()
    assert model(torch.zeros(2, 1, 1, 8000)).shape == (2, 35)


@pytest.mark.parametrize("name", ["small_cnn", "resnet_small"])
def test_small_models_run_on_28x28(name):
    assert build_model(name, 1, 10)(torch.zeros(4, 1, 28, 28)).shape == (4, 10)


def test_truncated_normal_init():
    w = truncated_normal_(torch.empty(512, 256), torch.Generator().manual_seed(0))
    target = math.sqrt(1 / 256)
    assert abs(w.std().item() - target) / target < 0.02  # std sqrt(1/fan_in) after truncation
    assert w.abs().max().item() <= 2 * target / 0.87962566 + 1e-6


def test_init_zeroes_biases_and_norms():
    model = build_model("resnet_small", 1, 10)
    assert torch.count_nonzero(model.fc.bias) == 0
    assert torch.all(model.stem[1].weight == 1) and torch.all(model.stem[1].bias == 0)


def test_init_is_seeded():
    a = build_model("small_cnn", 1, 10, generator=torch.Generator().manual_seed(1))
    b = build_model("small_cnn", 1, 10, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a.fc1.weight, b.fc1.weight)


def test_unknown_model():
    with pytest.raises(UserError, match="model"):
        build_model("vgg", 1, 10)


def test_layers_know_the_role_they_were_built_for():
    from sparsyfed.methods import make_method
    from sparsyfed.models import layer_info

    info = layer_info(build_model("resnet_small", 1, 10, make_method("sparsyfed", 0.9).layers()))
    roles = {k: role for k, (role, _) in info.items()}
    assert roles["stem.0.weight"] == "first" and roles["fc.weight"] == "classifier"
    assert {k for k, r in roles.items() if r == "shortcut"} == {"stages.1.shortcut.0.weight",
                                                               "stages.2.shortcut.0.weight"}
    assert set(roles.values()) == {"first", "body", "shortcut", "classifier"}
    # SparsyFed as the authors ran it: shortcut convs stay plain, every other layer is Powerprop
    types = {role: {t for r, t in info.values() if r == role} for role in roles.values()}
    assert types == {"first": {"PowerpropConv2d"}, "body": {"PowerpropConv2d"}, "shortcut": {"Conv2d"},
                     "classifier": {"PowerpropLinear"}}
    small = layer_info(build_model("small_cnn", 1, 10))
    assert [r for r, _ in small.values()] == ["first", "body", "body", "classifier"]
