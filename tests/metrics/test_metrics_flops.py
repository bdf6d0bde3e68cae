"""Analytic FLOPs relative to dense and per-layer MACs from a forward pass (SPEC section 5)."""

import pytest
from torch import nn

from sparsyfed.metrics.flops import layer_macs, relative_flops


class MyLinear(nn.Linear):
    """A method's replacement layer: a subclass must still be found."""


class ConvFc(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.fc = MyLinear(8 * 16 * 16, 10)

    def forward(self, x):
        return self.fc(self.conv(x).relu().flatten(1))


def test_layer_macs_conv_with_stride_padding_and_linear_subclass():
    # Prepare: 32x32 input, k3 s2 p1 -> 16x16 output; conv F = 16*16*8*3*3*3, fc F = 2048*10
    model = ConvFc()
    model.train()
    # Execute
    macs = layer_macs(model, (3, 32, 32))
    # Assert
    assert macs == {"conv.weight": 16 * 16 * 8 * 3 * 9, "fc.weight": 2048 * 10}
    assert set(macs) <= set(model.state_dict())
    assert model.training  # mode restored


def test_layer_macs_grouped_conv():
    # Prepare: Conv(4, 6, k3, groups=2) on 5x5 -> 3x3x6 outputs, each 4/2*3*3 MACs
    model = nn.Sequential(nn.Conv2d(4, 6, 3, groups=2))
    # Execute
    macs = layer_macs(model, (4, 5, 5))
    # Assert
    assert macs == {"0.weight": 3 * 3 * 6 * 2 * 9}


def test_relative_flops_hand_computed():
    # Prepare: a: 100*(2*0.5 + 0.2) = 120; b: 300*(2*0.1 + 1) = 360; dense 3*400 = 1200
    macs = {"a.weight": 100, "b.weight": 300}
    weight_density = {"a.weight": 0.5, "b.weight": 0.1}
    act_density = {"a": 0.2}  # module-name keys, as Method.activation_density returns; b missing -> 1
    # Execute
    rel = relative_flops(macs, weight_density, act_density)
    # Assert
    assert rel == pytest.approx(0.4)


def test_relative_flops_of_conv_fc_model_with_known_densities():
    # Prepare: conv F = 55296, d_w 0.5, d_a 0.25; fc F = 20480, d_w 0.1, d_a 1 (state-key form)
    macs = layer_macs(ConvFc(), (3, 32, 32))
    # Execute
    rel = relative_flops(macs, {"conv.weight": 0.5, "fc.weight": 0.1}, {"conv.weight": 0.25})
    # Assert: (55296*1.25 + 20480*1.2) / (3*75776) = 93696 / 227328
    assert rel == pytest.approx(93696 / 227328)


def test_relative_flops_dense_is_one_and_missing_weight_density_raises():
    # Prepare
    macs = {"a.weight": 7, "b.weight": 11}
    # Execute / Assert
    assert relative_flops(macs, {"a.weight": 1.0, "b.weight": 1.0}) == pytest.approx(1.0)
    with pytest.raises(KeyError):
        relative_flops(macs, {"a.weight": 1.0})
