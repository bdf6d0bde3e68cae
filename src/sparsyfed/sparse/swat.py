"""SWAT layers (ZeroFL's local training, SPEC 4.4): sparse weights and sparse saved activations.

In training mode, before each forward a SWAT layer sets the entries of its weight below the layer's
top-(1 - s) magnitude cut to zero in place, and saves for backward only the fraction 1 - s of the
input with largest |x|; the weight gradient is computed from that pruned input and reaches every
entry (zeroed weights come back when they grow past the cut). In eval mode the layers are plain.

Conv layers in ``"session"`` mode **[as ZeroFL's authors ran it]** fix the weight cut at the first
forward of a local session and the activation cut on the first batch, and reuse both; linear
layers (and ``"batch"`` mode) recompute both on every forward. `reset_session()` starts a session.
"""

from __future__ import annotations

import torch
from torch import nn

from sparsyfed.sparse.activation import ActivationPruner, conv_forward, keep_largest, linear_forward
from sparsyfed.sparse.pruning import keep_count


class SwatMixin:
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


class SwatConv2d(SwatMixin, nn.Conv2d):
    """nn.Conv2d with SWAT's sparse weights and activations in training mode (plain in eval mode)."""

    def __init__(self, *args, sparsity: float, mode: str = "session", **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(sparsity, mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        saved = self._saved_input(x)
        return conv_forward(self, x, self.weight, saved)


class SwatLinear(SwatMixin, nn.Linear):
    """nn.Linear with SWAT's sparse weights and activations in training mode; cuts recomputed every forward."""

    def __init__(self, *args, sparsity: float, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(sparsity, "batch")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        saved = self._saved_input(x)
        return linear_forward(self, x, self.weight, saved)


def swat_layers(model: nn.Module) -> dict[str, SwatMixin]:
    """Module name -> every SWAT layer of `model`."""
    return {name: m for name, m in model.named_modules() if isinstance(m, SwatMixin)}
