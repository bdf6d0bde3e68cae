"""Layer factories: how a method swaps in its own Conv/Linear layers without editing models.

Every model builds its Conv and Linear layers through a `LayerFactory`, passing a `role`:
``"first"`` (the first conv), ``"body"``, ``"shortcut"`` (1x1 convs of ResNet downsample
branches) or ``"classifier"`` (the final linear layer). Methods return a factory from
`Method.layers()`; the default builds plain `nn.Conv2d`/`nn.Linear`.
Any replacement layer must subclass `nn.Conv2d`/`nn.Linear` and keep its stored, communicated
tensor in `.weight`, so pruning and metrics see every method's models the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

ROLES = ("first", "body", "shortcut", "classifier")


@dataclass(frozen=True)
class LayerFactory:
    """Builds the Conv/Linear layers of a model. Subclass and override `conv`/`linear`."""

    def conv(self, in_ch: int, out_ch: int, kernel_size: int, stride: int = 1, padding: int = 0,
             bias: bool = False, role: str = "body") -> nn.Conv2d:
        return nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding, bias=bias)

    def linear(self, in_features: int, out_features: int, bias: bool = True, role: str = "classifier") -> nn.Linear:
        return nn.Linear(in_features, out_features, bias=bias)


PLAIN = LayerFactory()
