"""Sparsity and per-layer density (SPEC section 5) on hand-made states."""

import pytest
import torch
from torch import nn

from sparsyfed.metrics.sparsity import global_sparsity, global_sparsity_all, layer_density, parameter_names


def _state():
    return {
        "conv.weight": torch.tensor([[0.0, 1.0], [2.0, 0.0]]),  # 2 zeros / 4
        "conv.bias": torch.tensor([1.0, 0.0]),  # 1 zero / 2
        "fc.weight": torch.tensor([0.0, 0.0, 0.0, 3.0, 0.0, 0.0]),  # 5 zeros / 6
        "bn.weight": torch.tensor([1.0, 1.0]),  # 0 zeros / 2
        "bn.running_mean": torch.zeros(3),  # buffer: never counted
        "bn.num_batches_tracked": torch.tensor(0),  # int buffer: never counted
    }


PRUNABLE = ("conv.weight", "fc.weight")
PARAMS = {"conv.weight", "conv.bias", "fc.weight", "bn.weight"}


def test_global_sparsity_over_prunable_weights():
    # Prepare
    state = _state()
    # Execute
    s = global_sparsity(state, PRUNABLE)
    # Assert: (2 + 5) zeros / (4 + 6) entries
    assert s == pytest.approx(0.7)


def test_global_sparsity_all_parameters_excludes_buffers():
    # Prepare
    state = _state()
    # Execute
    s = global_sparsity_all(state, PARAMS)
    # Assert: (2 + 1 + 5 + 0) / (4 + 2 + 6 + 2) = 8 / 14; with running_mean it would be 11 / 17
    assert s == pytest.approx(8 / 14)


def test_layer_density_per_key():
    # Prepare
    state = _state()
    # Execute
    d = layer_density(state, PRUNABLE)
    # Assert
    assert d == pytest.approx({"conv.weight": 0.5, "fc.weight": 1 / 6})
    assert list(d) == list(PRUNABLE)


def test_parameter_names_excludes_batchnorm_buffers():
    # Prepare
    model = nn.Sequential(nn.Conv2d(1, 2, 3, bias=False), nn.BatchNorm2d(2))
    # Execute
    names = parameter_names(model)
    # Assert
    assert names == {"0.weight", "1.weight", "1.bias"}
    assert "1.running_mean" in model.state_dict()


def test_missing_key_raises():
    # Prepare
    state = _state()
    # Execute / Assert
    with pytest.raises(KeyError):
        global_sparsity(state, ("nope.weight",))
