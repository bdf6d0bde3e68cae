"""Dead channels (metrics.channels): counted by hand on weights with known all-zero channels."""

import math

import torch

from sparsyfed.metrics.channels import DeadChannels, dead_channels, dead_zero_share


def test_dead_output_and_input_channels_of_a_conv_and_the_zeros_in_them():
    w = torch.ones(4, 3, 2, 2)
    w[1] = 0  # output channel 1 dead: 3 * 4 zeros
    w[:, 2] = 0  # input channel 2 dead: 4 * 4 zeros, 4 of them shared with output channel 1
    w[0, 0, 0, 0] = 0  # a zero in live channels
    dead = dead_channels({"c.weight": w}, ["c.weight"])["c.weight"]
    assert dead == DeadChannels(dead_out=1, dead_in=1, zeros_dead=12 + 16 - 4, zeros=12 + 16 - 4 + 1)
    assert dead_zero_share({"c": dead}) == 24 / 25


def test_linear_layers_and_dense_models():
    w = torch.tensor([[0.0, 1.0], [0.0, 2.0], [0.0, 0.0]])  # input 0 and output 2 dead
    dead = dead_channels({"fc.weight": w, "b": torch.zeros(3)}, ["fc.weight", "b"])
    assert set(dead) == {"fc.weight"}  # 1-D tensors have no channels
    assert dead["fc.weight"] == DeadChannels(1, 1, 4, 4)
    dense = dead_channels({"fc.weight": torch.ones(2, 2)}, ["fc.weight"])
    assert math.isnan(dead_zero_share(dense))
