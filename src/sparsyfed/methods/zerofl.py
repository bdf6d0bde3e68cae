"""ZeroFL (SPEC 4.4): SWAT local training (sparse weights and activations), global pruning to s - m.

SWAT layers, in training mode, before each forward set the entries of the layer's weight below its
top-(1 - s) magnitude cut to zero in place, and save for backward only the fraction 1 - s of the
input with largest |x|; the weight gradient is computed from that pruned input and reaches every
entry (zeroed weights can come back when they grow past the cut). After local training the upload is
globally magnitude-pruned to s - m (m = `mask_ratio`, authors' runs: 0). Server: plain FedAvg.

- The first conv (role ``"first"``) stays dense and plain.
- ``conv_threshold="session"`` **[as the authors ran it]**: conv layers fix the weight cut at the first
  forward of a local session and the activation cut on the first batch, and reuse both; linear layers
  recompute both on every forward. ``"batch"`` recomputes for conv layers too.
- ``convert_shortcuts=False`` **[as the authors ran it]**: ResNet's 1x1 shortcut convs stay dense and
  plain during training (still globally pruned at upload); ``True`` makes them SWAT layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from sparsyfed.errors import UserError
from sparsyfed.methods.base import Method, RoundContext, SparseParams, State
from sparsyfed.models.layers import LayerFactory
from sparsyfed.sparse.activation import MODES, ActivationPruner, conv_forward, keep_count, keep_largest, linear_forward
from sparsyfed.sparse.pruning import global_magnitude_prune


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


class _SwatMixin:
    """Weight and activation sparsification of one SWAT layer, with its per-session cuts."""

    def _setup(self, sparsity: float, mode: str) -> None:
        self.sparsity = float(sparsity)
        self.mode = mode
        self.pruner = ActivationPruner(mode)
        self.reset_session()

    def reset_session(self) -> None:
        """Start a local session: forget the weight and activation cuts and the density record."""
        self.weight_cut = None
        self.pruner.reset()
        self._weight_nnz: torch.Tensor | int = 0  # non-zeros of the weight in each training forward, summed
        self._forwards = 0

    def weight_density(self) -> float | None:
        """Mean fraction of non-zero weight entries the session's training forwards computed with
        (what its FLOPs count); None if no training forward ran."""
        if self._forwards == 0:
            return None
        return float(self._weight_nnz) / (self._forwards * self.weight.numel())

    @torch.no_grad()
    def sparsify_weight_(self) -> None:
        """Zero, in place, the weight entries below the layer's top-(1 - s) magnitude cut."""
        if self.sparsity <= 0:
            return
        w = self.weight
        if self.mode == "session" and self.weight_cut is not None:
            w.masked_fill_(w.abs() < self.weight_cut, 0.0)
            return
        pruned, cut = keep_largest(w, keep_count(w.numel(), self.sparsity))
        if pruned is not w:
            w.copy_(pruned)
        if self.mode == "session":
            self.weight_cut = cut

    def _saved_input(self, x: torch.Tensor) -> torch.Tensor | None:
        if not self.training:
            return None
        self.sparsify_weight_()
        # A device tensor: no host sync per step. The density after the session's last SGD step is
        # near 1 (updates refill the zeroed entries), so FLOPs must count this one instead.
        self._weight_nnz = self._weight_nnz + torch.count_nonzero(self.weight.detach())
        self._forwards += 1
        return self.pruner.select(x, self.sparsity)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", swat_sparsity={self.sparsity}, threshold={self.mode}"


class SwatConv2d(_SwatMixin, nn.Conv2d):
    """nn.Conv2d with SWAT's sparse weights and activations in training mode (plain in eval mode)."""

    def __init__(self, *args, sparsity: float, mode: str = "session", **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(sparsity, mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        saved = self._saved_input(x)
        return conv_forward(self, x, self.weight, saved)


class SwatLinear(_SwatMixin, nn.Linear):
    """nn.Linear with SWAT's sparse weights and activations in training mode; cuts recomputed every forward."""

    def __init__(self, *args, sparsity: float, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(sparsity, "batch")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        saved = self._saved_input(x)
        return linear_forward(self, x, self.weight, saved)


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


def swat_layers(model: nn.Module) -> dict[str, _SwatMixin]:
    return {name: m for name, m in model.named_modules() if isinstance(m, _SwatMixin)}


class ZeroFL(Method):
    name = "zerofl"
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
        return global_magnitude_prune(state, ctx.prunable, round(self.params.sparsity - self.params.mask_ratio, 12))

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
