"""Powerpropagation layers (SPEC 4.3 step 1): the stored parameter is v, the weight used is sign(v)|v|^beta.

`.weight` holds v: it is what is communicated, averaged and pruned (ranking |v| is ranking |w|).
The effective weight w = sign(v) * |v| ** beta is computed in every forward, so
dL/dv = beta * |v| ** (beta - 1) * dL/dw: with beta > 1 an entry with v = 0 gets exactly zero gradient
and zero weight decay, so a pruned entry stays zero during local training without any mask.
beta = 1 gives plain weights.

The layers optionally carry an `ActivationPruner` (SPEC 4.3 step 2): SparsyFed prunes the input saved
for the weight gradient to the current sparsity of the layer's weight.

beta is fixed at construction unless the layer is given an `exponent` (`sparse.spectral`), which
sets a new beta from the stored v at the first forward after each `load_state_dict`.
"""

from __future__ import annotations

from fractions import Fraction

import torch
from torch import nn

from sparsyfed.sparse.activation import ActivationPruner, conv_forward, linear_forward, zero_fraction
from sparsyfed.sparse.spectral import SpectralExponent


def _abs_pow(v: torch.Tensor, exponent: float) -> torch.Tensor:
    """|v| ** exponent as a new tensor; 0 ** e = 0 for e > 0 and 1 for e = 0."""
    out = v.abs()
    # A fractional pow is ~10x slower than rsqrt on CPU, and sqrt is ~4x slower on zeros than on other
    # values (a pruned v is mostly zeros). rsqrt(rsqrt(a)) = a ** 0.25 exactly at 0 (rsqrt(0) = inf,
    # rsqrt(inf) = 0) and within 2 ulp elsewhere; beta = 1.25 (the paper's) needs just that.
    if exponent == 0.25:
        return out.rsqrt_().rsqrt_()
    if exponent == 0.5:
        return out.rsqrt_().rsqrt_().square_()
    return out.pow_(exponent)


class _PowerpropWeight(torch.autograd.Function):
    """w = v * |v| ** (beta - 1) (= sign(v) |v| ** beta); grad_v = beta * |v| ** (beta - 1) * grad_w.

    Writing the gradient by hand saves one fractional power per step and makes the zero at v = 0
    explicit (autograd of v * |v| ** (beta - 1) would give 0 * inf = NaN there).
    """

    @staticmethod
    def forward(ctx, v: torch.Tensor, beta: float) -> torch.Tensor:
        scale = _abs_pow(v, beta - 1.0)  # |v|^(beta-1), 0 where v = 0
        ctx.save_for_backward(scale)
        ctx.beta = beta
        return v * scale

    @staticmethod
    def backward(ctx, grad_w: torch.Tensor):
        (scale,) = ctx.saved_tensors
        return grad_w.mul(scale).mul_(ctx.beta), None


def powerprop_weight(v: torch.Tensor, beta: float) -> torch.Tensor:
    """The effective weight sign(v) * |v| ** beta, differentiable in v (v itself for beta = 1)."""
    if beta == 1.0:
        return v
    return _PowerpropWeight.apply(v, beta)


def powerprop_inverse(u: torch.Tensor, beta: float) -> torch.Tensor:
    """The stored value v = sign(u) * |u| ** (1 / beta) whose effective weight is u."""
    if beta == 1.0:
        return u.clone()
    return torch.copysign(u.abs().pow(1.0 / beta), u)


class _PowerpropMixin:
    """Shared by the conv and linear layers: beta, effective weight, initialisation, pruner."""

    beta: float
    pruner: ActivationPruner | None
    exponent: SpectralExponent | None

    def _setup(self, beta: float, pruner: ActivationPruner | None, exponent: SpectralExponent | None) -> None:
        self.set_beta(beta)
        self.pruner = pruner
        self.exponent = exponent
        if exponent is not None:
            exponent.register(self)

    def set_beta(self, beta: float) -> None:
        """Compute with exponent `beta` (>= 1) from the next forward on."""
        if not beta >= 1.0:
            raise ValueError(f"beta must be >= 1 (beta < 1 has an infinite gradient at v = 0), got {beta}")
        self.beta = float(beta)

    def _weight_for_forward(self) -> torch.Tensor:
        if self.exponent is not None:
            self.exponent.ensure()
        return self.effective_weight()

    def _load_from_state_dict(self, *args, **kwargs):
        super()._load_from_state_dict(*args, **kwargs)
        if self.exponent is not None:  # a new v: its beta is recomputed at the next forward
            self.exponent.mark_stale()

    def effective_weight(self) -> torch.Tensor:
        """w = sign(v) * |v| ** beta, same shape as `.weight`."""
        return powerprop_weight(self.weight, self.beta)

    @torch.no_grad()
    def init_from_(self, u: torch.Tensor) -> None:
        """Store v = sign(u) |u| ** (1 / beta) so that the effective weight equals the draw u."""
        self.weight.copy_(powerprop_inverse(u, self.beta))
        if self.exponent is not None:
            self.exponent.mark_stale()

    def _act_sparsity(self) -> Fraction:
        # SparsyFed's s_l: the current fraction of zeros of this layer's stored weight (v = 0 <=> w = 0).
        return zero_fraction(self.weight)

    def _prune_active(self) -> bool:
        return self.training and self.pruner is not None

    def extra_repr(self) -> str:
        rule = self.exponent
        extra = f", beta={self.beta}" if rule is None else f", beta=spectral({rule.scope}, sigma={rule.sigma})"
        if self.pruner is not None:
            extra += f", activation_pruning={self.pruner.mode}"
        return super().extra_repr() + extra


class PowerpropConv2d(_PowerpropMixin, nn.Conv2d):
    """nn.Conv2d whose `.weight` stores v; forward uses sign(v)|v|^beta.

    Parameters
    ----------
    *args, **kwargs
        As for `nn.Conv2d`.
    beta : float >= 1
        Powerprop exponent (SPEC 4.3; paper: 1.25).
    pruner : ActivationPruner or None
        If given, the input saved for the weight gradient is pruned in training mode to the layer's
        current weight sparsity (SPEC 4.3 step 2).
    exponent : SpectralExponent or None
        If given, it sets beta from the stored v (`sparse.spectral`); `beta` is then only the value
        used to initialise v.
    """

    def __init__(self, *args, beta: float = 1.25, pruner: ActivationPruner | None = None,
                 exponent: SpectralExponent | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(beta, pruner, exponent)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self._weight_for_forward()
        saved = self.pruner.select(x, self._act_sparsity) if self._prune_active() else None
        return conv_forward(self, x, weight, saved)


class PowerpropLinear(_PowerpropMixin, nn.Linear):
    """nn.Linear whose `.weight` stores v; forward uses sign(v)|v|^beta. Arguments as `PowerpropConv2d`."""

    def __init__(self, *args, beta: float = 1.25, pruner: ActivationPruner | None = None,
                 exponent: SpectralExponent | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(beta, pruner, exponent)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self._weight_for_forward()
        saved = self.pruner.select(x, self._act_sparsity) if self._prune_active() else None
        return linear_forward(self, x, weight, saved)
