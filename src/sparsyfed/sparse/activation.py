"""Activation pruning for training (SPEC 4.3 step 2, 4.4): prune the input a layer saves for backward.

A layer computes its output from the dense input. Only the copy of the input kept for the backward
pass is pruned, to the k = ceil((1 - s_l) * numel) entries of largest |x| over the whole batch tensor;
the weight gradient is computed from that pruned input, the input gradient from the dense path
(weight x incoming gradient, which does not depend on the input at all).

Two ways to find the magnitude cut, held per layer by an `ActivationPruner`:

- ``"batch"``: exact selection on every batch (min(k, nnz) non-zeros saved; ties by position).
- ``"session"`` **[as the authors ran it]** for conv layers: the cut found by exact selection on the
  first training batch of a local session is reused for the rest of the session (entries with
  |x| >= cut are kept, so later batches keep about, not exactly, k). `reset()` starts a session.

Nothing is pruned in eval mode (the layers check `self.training`) or when s_l == 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import torch
from torch import nn

from sparsyfed.sparse.pruning import keep_count, magnitude_cut, magnitude_mask

MODES = ("batch", "session")

Sparsity = float | Fraction


def zero_fraction(t: torch.Tensor) -> Fraction:
    """Exact fraction of zero entries of `t` (a layer's s_l in SparsyFed)."""
    return Fraction(t.numel() - int(torch.count_nonzero(t)), t.numel())


def keep_largest(x: torch.Tensor, k: int) -> tuple[torch.Tensor, float]:
    """Keep the k largest-|x| entries of `x` over the whole tensor, zero the rest.

    Parameters
    ----------
    x : Tensor, any shape (e.g. (N, C, H, W) for a whole batch)
    k : int, 0 <= k <= x.numel()

    Returns
    -------
    pruned : Tensor, shape of x
        Exactly min(k, nnz(x)) non-zeros. Ties at the cut are kept in order of position.
        `x` itself (not a copy) when nothing needs to be zeroed.
    cut : float
        The k-th largest |x|: the threshold the session mode reuses (keep |x| >= cut); inf for k = 0.
    """
    n = x.numel()
    if k >= n:
        return x, 0.0
    if k <= 0:
        # A layer whose weight is entirely pruned (layer collapse) saves nothing.
        return torch.zeros_like(x), math.inf
    a = x.detach().abs().reshape(-1)  # (numel,) over the whole batch
    cut = magnitude_cut(a, k, largest=True)
    value = float(cut)
    if value == 0.0:
        # Fewer than k non-zeros: keeping them all is keeping the k largest.
        return x, value
    return x * magnitude_mask(a, k, largest=True, cut=cut).view_as(x), value


class ActivationPruner:
    """Per-layer activation-pruning state: the threshold mode, the session cut and the kept count.

    Parameters
    ----------
    mode : {"batch", "session"}
        Exact selection on every batch, or the cut of the session's first batch reused
        (**[as the authors ran it]** for conv layers).
    """

    def __init__(self, mode: str = "batch"):
        if mode not in MODES:
            raise ValueError(f"activation threshold mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        self.reset()

    def reset(self) -> None:
        """Start a new local session: forget the cut and the kept counts."""
        self.cut: float | None = None
        self._kept: torch.Tensor | int = 0  # saved non-zeros, a device tensor to avoid host syncs
        self._total = 0

    def density(self) -> float:
        """Kept fraction of the saved input over the session's training batches: non-zeros saved /
        entries, where a batch seen at s_l = 0 (not pruned) counts as fully kept; 1.0 if nothing ran."""
        if self._total == 0:
            return 1.0
        return float(self._kept) / self._total

    @torch.no_grad()
    def select(self, x: torch.Tensor, sparsity: Sparsity | Callable[[], Sparsity]) -> torch.Tensor | None:
        """The input to save for the weight gradient, or None when nothing is pruned (save `x` itself).

        Parameters
        ----------
        x : Tensor, the layer's whole input batch
        sparsity : fraction to prune, or a function returning it (only called when a cut is needed)
        """
        n = x.numel()
        self._total += n
        if self.mode == "session" and self.cut is not None:
            if self.cut == 0.0:
                self._kept = self._kept + torch.count_nonzero(x)
                return x.detach()
            mask = x.abs() >= self.cut
            self._kept = self._kept + mask.sum()
            return x.detach() * mask
        s = sparsity() if callable(sparsity) else sparsity
        if s <= 0:
            self._kept = self._kept + n
            return None
        k = keep_count(n, s)
        saved, cut = keep_largest(x.detach(), k)
        if self.mode == "session":
            self.cut = cut
        # min(k, nnz): with cut == 0 every non-zero was kept and there are fewer than k of them.
        self._kept = self._kept + (torch.count_nonzero(x) if cut == 0.0 else min(k, n))
        return saved


class _PrunedConv2d(torch.autograd.Function):
    """conv2d whose backward uses `saved` (a pruned copy of x) in place of x for the weight gradient."""

    @staticmethod
    def forward(ctx, x, weight, bias, saved, stride, padding, dilation, groups):
        ctx.save_for_backward(saved, weight)
        ctx.conf = (stride, padding, dilation, groups, bias is not None)
        return torch.nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, grad_out):
        saved, weight = ctx.saved_tensors
        stride, padding, dilation, groups, has_bias = ctx.conf
        # One call for all three gradients: the input gradient only needs the shape of `saved`,
        # the weight gradient correlates grad_out with the pruned input.
        gx, gw, gb = torch.ops.aten.convolution_backward(
            grad_out, saved, weight, [weight.shape[0]] if has_bias else None,
            stride, padding, dilation, False, [0, 0], groups,
            [ctx.needs_input_grad[0], ctx.needs_input_grad[1], has_bias and ctx.needs_input_grad[2]],
        )
        return gx, gw, gb, None, None, None, None, None


class _PrunedLinear(torch.autograd.Function):
    """linear whose backward uses `saved` (a pruned copy of x) in place of x for the weight gradient."""

    @staticmethod
    def forward(ctx, x, weight, bias, saved):
        ctx.save_for_backward(saved, weight)
        ctx.has_bias = bias is not None
        return torch.nn.functional.linear(x, weight, bias)

    @staticmethod
    def backward(ctx, grad_out):
        saved, weight = ctx.saved_tensors
        g2 = grad_out.reshape(-1, grad_out.shape[-1])  # (batch, out) over all leading dims
        gx = grad_out.matmul(weight) if ctx.needs_input_grad[0] else None
        gw = g2.t().matmul(saved.reshape(-1, saved.shape[-1])) if ctx.needs_input_grad[1] else None
        gb = g2.sum(0) if ctx.has_bias and ctx.needs_input_grad[2] else None
        return gx, gw, gb, None


def pruned_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, saved: torch.Tensor,
                  stride=1, padding=0, dilation=1, groups: int = 1) -> torch.Tensor:
    """conv2d(x, weight, bias) with the weight gradient computed from `saved` instead of x.

    Parameters
    ----------
    x : Tensor (N, C_in, H, W), the dense input the output is computed from
    weight : Tensor (C_out, C_in / groups, kh, kw)
    bias : Tensor (C_out,) or None
    saved : Tensor (N, C_in, H, W), the pruned input kept for backward
    stride, padding, dilation : int or pair of ints (zero padding only)

    Returns
    -------
    Tensor (N, C_out, H', W'), equal to the dense conv2d output.
    """
    if isinstance(padding, str):
        raise ValueError("pruned_conv2d supports numeric zero padding only")
    pair = torch.nn.modules.utils._pair
    return _PrunedConv2d.apply(x, weight, bias, saved.detach(), pair(stride), pair(padding), pair(dilation), groups)


def pruned_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                  saved: torch.Tensor) -> torch.Tensor:
    """linear(x, weight, bias) with the weight gradient computed from `saved` instead of x.

    Shapes: x and saved (*, in), weight (out, in), bias (out,) or None -> output (*, out).
    """
    return _PrunedLinear.apply(x, weight, bias, saved.detach())


def conv_forward(layer: nn.Conv2d, x: torch.Tensor, weight: torch.Tensor, saved: torch.Tensor | None) -> torch.Tensor:
    """A Conv2d layer's forward with `weight`, pruning the saved input when `saved` is given."""
    if saved is None:
        return layer._conv_forward(x, weight, layer.bias)
    if layer.padding_mode != "zeros":
        raise ValueError(f"activation pruning supports padding_mode='zeros' only, got {layer.padding_mode!r}")
    return pruned_conv2d(x, weight, layer.bias, saved, layer.stride, layer.padding, layer.dilation, layer.groups)


def linear_forward(layer: nn.Linear, x: torch.Tensor, weight: torch.Tensor, saved: torch.Tensor | None) -> torch.Tensor:
    """A Linear layer's forward with `weight`, pruning the saved input when `saved` is given."""
    if saved is None:
        return nn.functional.linear(x, weight, layer.bias)
    return pruned_linear(x, weight, layer.bias, saved)
