"""The width multiplier of the models (models/width.py, `RunConfig.width`): width 1 is today's model bit for
bit, other widths scale the channel counts and so the prunable weights as counted by hand."""

import hashlib

import pandas as pd
import pytest
import torch

from sparsyfed import catalog
from sparsyfed.config import RunConfig, load_config, run_identity
from sparsyfed.errors import UserError
from sparsyfed.models import build_model, prunable_keys
from sparsyfed.models.width import scaled, scaled_all
from sparsyfed.runner import run

# SHA-256 (16 hex digits) of each model's initial state (keys and bytes) at seed 5378, computed with the code
# before widths existed (git HEAD 0ea2e37, `build_model(name, in_channels, classes, generator=...)`).
STATE_BEFORE_WIDTHS = {("resnet_small", 1, 10): "da8e68b442903083", ("mfcc_cnn", 1, 10): "304ffd1be534c8cc",
                       ("small_cnn", 1, 10): "802a806b3249e1ab", ("resnet18_cifar", 3, 10): "a1e983a5588b10b5",
                       ("resnet18_speech", 1, 35): "bd854d35c60d91a8"}


def state_hash(model) -> str:
    digest = hashlib.sha256()
    for key, value in model.state_dict().items():
        digest.update(key.encode())
        digest.update(value.detach().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def prunable(model) -> int:
    state = model.state_dict()
    return sum(state[k].numel() for k in prunable_keys(model))


def resnet_small_by_hand(c1: int, c2: int, c3: int, classes: int = 10) -> int:
    """Prunable weights of resnet_small on 1-channel inputs: 3x3 stem, one BasicBlock per stage (two 3x3 convs,
    a 1x1 shortcut where the width changes), fc."""
    return (1 * c1 * 9 + 2 * c1 * c1 * 9 + (c1 * c2 * 9 + c2 * c2 * 9 + c1 * c2)
            + (c2 * c3 * 9 + c3 * c3 * 9 + c2 * c3) + c3 * classes)


def mfcc_cnn_by_hand(widths: tuple[int, ...], classes: int = 10) -> int:
    chans = (1, *widths)
    return sum(a * b * 9 for a, b in zip(chans, chans[1:], strict=False)) + widths[-1] * classes


@pytest.mark.parametrize("key", list(STATE_BEFORE_WIDTHS))
def test_width_one_is_todays_model_bit_for_bit(key):
    name, channels, classes = key
    for kwargs in ({}, {"width": 1.0}):
        model = build_model(name, channels, classes, generator=torch.Generator().manual_seed(5378), **kwargs)
        assert state_hash(model) == STATE_BEFORE_WIDTHS[key], kwargs


def test_width_one_runs_todays_numbers(tiny_run, tmp_path):
    """A run that says width 1 computes exactly what a run without the key computes."""
    settings = tiny_run + ["model=resnet_small", "method=sparsyfed", "sparsity=0.9", "rounds=2"]
    run(load_config(None, settings), tmp_path / "plain", progress=False)
    run(load_config(None, settings + ["width=1"]), tmp_path / "width1", progress=False)
    plain, width1 = (pd.read_csv(tmp_path / r / "rounds.csv").drop(columns="round_wall_s") for r in ("plain", "width1"))
    pd.testing.assert_frame_equal(plain, width1)


@pytest.mark.parametrize("width", [0.5, 1.0, 1.5, 2.0, 4.0])
def test_widths_scale_the_prunable_weights_as_counted_by_hand(width):
    c1, c2, c3 = (round(c * width) for c in (16, 32, 64))
    assert prunable(build_model("resnet_small", 1, 10, width=width)) == resnet_small_by_hand(c1, c2, c3)
    widths = tuple(round(c * width) for c in (16, 24, 32, 32, 48))
    assert prunable(build_model("mfcc_cnn", 1, 10, width=width)) == mfcc_cnn_by_hand(widths)


def test_the_ladder_is_about_77k_300k_and_1_2m_weights():
    counts = [prunable(build_model("resnet_small", 1, 10, width=w)) for w in (1, 2, 4)]
    assert counts == [77_072, 306_720, 1_223_744]  # as resnet_small's docstring says
    assert 3.9 < counts[1] / counts[0] < 4.0 and 3.98 < counts[2] / counts[1] < 4.0  # about width squared


def test_widths_round_to_whole_channels_and_never_to_zero():
    assert scaled(16, 1.5) == 24 and scaled(24, 1.25) == 30 and scaled(16, 0.01) == 1
    assert scaled_all((16, 32, 64), 0.5) == (8, 16, 32)
    model = build_model("resnet_small", 1, 10, width=1.5)
    assert [m.out_channels for m in (model.stem[0], model.stages[1].conv1, model.stages[2].conv1)] == [24, 48, 96]


def test_resnet18_cifar_takes_one_channel_28x28_inputs():
    """The capacity ladder's model rung: the paper's CIFAR ResNet-18 on Fashion-MNIST (global pooling)."""
    model = build_model("resnet18_cifar", 1, 10).eval()
    with torch.no_grad():
        assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert prunable(model) == 11_164_352 - 2 * 64 * 9  # the first conv takes 1 channel, not 3


def test_a_model_without_a_width_says_so(monkeypatch):
    import sparsyfed.models.small as small

    monkeypatch.setattr(small, "fixed_width", lambda c, k, layers: small.SmallCNN(c, k, layers), raising=False)
    monkeypatch.setattr(catalog, "MODELS", catalog.MODELS + (catalog.ModelEntry("fixed", "sparsyfed.models.small:"
                                                                                          "fixed_width"),))
    assert prunable(build_model("fixed", 1, 10)) > 0
    with pytest.raises(UserError, match="width: model 'fixed' takes no width multiplier"):
        build_model("fixed", 1, 10, width=2.0)


@pytest.mark.parametrize("width", [0, -1.0])
def test_width_must_be_positive(width):
    with pytest.raises(UserError, match="width: must be > 0"):
        RunConfig(width=width)


def test_runs_recorded_before_widths_compare_as_width_one():
    before = {k: v for k, v in RunConfig().to_dict().items() if k != "width"}
    assert run_identity(before) == RunConfig(width=1.0).identity()
    assert run_identity(before) != RunConfig(width=2.0).identity()
