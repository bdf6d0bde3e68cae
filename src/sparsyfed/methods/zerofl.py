"""ZeroFL (SPEC 4.4): SWAT local training (sparse weights and activations, `sparse.swat`), global pruning to s - m.

After local training the upload is globally magnitude-pruned to s - m (m = `mask_ratio`, authors'
runs: 0). Server: plain FedAvg.

- The first conv (role ``"first"``) stays dense and plain.
- ``conv_threshold="session"`` **[as the authors ran it]**: conv layers fix the weight cut at the first
  forward of a local session and the activation cut on the first batch, and reuse both; linear layers
  recompute both on every forward. ``"batch"`` recomputes for conv layers too.
- ``convert_shortcuts=False`` **[as the authors ran it]**: ResNet's 1x1 shortcut convs stay dense and
  plain during training (still globally pruned at upload); ``True`` makes them SWAT layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from sparsyfed.errors import UserError
from sparsyfed.methods.base import Method, RoundContext, SparseParams, State
from sparsyfed.models.layers import LayerFactory
from sparsyfed.sparse.activation import MODES
from sparsyfed.sparse.pruning import exact, global_magnitude_prune
from sparsyfed.sparse.swat import SwatConv2d, SwatLinear, swat_layers


@dataclass(frozen=True)
class ZeroFLParams(SparseParams):
    """ZeroFL's parameters: SWAT sparsity s (also the upload target) and the mask ratio m."""

    mask_ratio: float = 0.0
    conv_threshold: str = "session"
    convert_shortcuts: bool = False

    def __post_init__(self):
        super().__post_init__()
        m = self.mask_ratio
        if isinstance(m, bool) or not isinstance(m, (int, float)) or not 0.0 <= m <= self.sparsity:
            raise UserError(f"mask_ratio: must be a number in [0, sparsity={self.sparsity}], got {m!r}")
        if self.conv_threshold not in MODES:
            raise UserError(f"conv_threshold: must be one of {list(MODES)}, got {self.conv_threshold!r}")
        if not isinstance(self.convert_shortcuts, bool):
            raise UserError(f"convert_shortcuts: must be true or false, got {self.convert_shortcuts!r}")


@dataclass(frozen=True)
class ZeroFLLayers(LayerFactory):
    """SWAT layers everywhere but the first conv (and, unless converted, the shortcut convs)."""

    sparsity: float = 0.9
    conv_threshold: str = "session"
    convert_shortcuts: bool = False

    def conv(self, in_ch, out_ch, kernel_size, stride=1, padding=0, bias=False, role="body"):
        if role == "first" or (role == "shortcut" and not self.convert_shortcuts):
            return super().conv(in_ch, out_ch, kernel_size, stride, padding, bias, role)
        return SwatConv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding, bias=bias,
                          sparsity=self.sparsity, mode=self.conv_threshold)

    def linear(self, in_features, out_features, bias=True, role="classifier"):
        return SwatLinear(in_features, out_features, bias=bias, sparsity=self.sparsity)


class ZeroFL(Method):
    Params = ZeroFLParams

    def layers(self) -> LayerFactory:
        p = self.params
        return ZeroFLLayers(p.sparsity, p.conv_threshold, p.convert_shortcuts)

    def prepare_client(self, model: nn.Module, ctx: RoundContext) -> None:
        """Client side: start a local session in every SWAT layer (cuts are per session)."""
        for layer in swat_layers(model).values():
            layer.reset_session()

    def postprocess_upload(self, state: State, ctx: RoundContext) -> State:
        """Client side: global magnitude pruning to s - m (a new state)."""
        p = self.params
        return global_magnitude_prune(state, ctx.prunable, exact(p.sparsity) - exact(p.mask_ratio))

    def activation_density(self, model: nn.Module) -> dict[str, float]:
        return {name: layer.pruner.density() for name, layer in swat_layers(model).items()}

    def weight_density(self, model: nn.Module) -> dict[str, float]:
        """Client side: the weight density each SWAT layer trained with (state key -> density)."""
        out = {}
        for name, layer in swat_layers(model).items():
            d = layer.weight_density()
            if d is not None:
                out[f"{name}.weight"] = d
        return out
