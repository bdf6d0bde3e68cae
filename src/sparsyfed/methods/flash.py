"""FLASH (SPEC 4.5): a global mask fixed after round 1, enforced on clients by masking gradients.

Round 1: clients train the dense model and prune their uploads globally to s; the server averages,
then prunes each prunable tensor l separately, keeping the fraction d_l = sample-weighted mean
density of tensor l over the round's uploads. That support is the fixed mask.
Every round, each client builds its gradient mask from the non-zero entries of the model it received
and multiplies the gradients by it at every step, so masked entries stay exactly zero (weight decay
included: SGD adds wd * w = 0 to a zero gradient); after training it prunes globally to s (normally a
no-op) and the server runs plain FedAvg, so the global support never grows after round 1.

- ``mask_scope="all"`` **[as the authors ran it]**: the client mask covers *all* parameters, so those
  that start at exactly zero (every bias, norm-layer biases) are frozen at zero for the whole run.
  ``"prunable"`` masks only the prunable weights (the corrected behaviour).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from sparsyfed.errors import UserError
from sparsyfed.methods.base import Method, RoundContext, SparseParams, State
from sparsyfed.sparse.pruning import global_magnitude_prune, layerwise_magnitude_prune, support

SCOPES = ("all", "prunable")


@dataclass(frozen=True)
class FlashParams(SparseParams):
    """FLASH's parameters: target sparsity s and which parameters the client mask covers."""

    mask_scope: str = "all"

    def __post_init__(self):
        super().__post_init__()
        if self.mask_scope not in SCOPES:
            raise UserError(f"mask_scope: must be one of {list(SCOPES)}, got {self.mask_scope!r}")


class Flash(Method):
    """FLASH. Cross-round state: the fixed mask and the per-tensor densities d_l (checkpointed)."""

    Params = FlashParams

    def __init__(self, params: FlashParams | None = None):
        super().__init__(params)
        self.mask: dict[str, torch.Tensor] | None = None  # prunable key -> bool support, fixed after round 1
        self.density: dict[str, float] | None = None  # prunable key -> d_l of round 1
        self._pending_density: dict[str, float] | None = None  # between aggregate and postprocess_global
        self._grad_masks: list[tuple[nn.Parameter, torch.Tensor]] = []  # the current client's masks

    # -- client side -------------------------------------------------------------------------
    def prepare_client(self, model: nn.Module, ctx: RoundContext) -> None:
        """Client side: build the gradient mask from the received model's non-zero entries.

        Parameters that are entirely non-zero get no mask (nothing to freeze), which makes round 1
        dense for the prunable weights.
        """
        scope = None if self.params.mask_scope == "all" else set(ctx.prunable)
        self._grad_masks = []
        with torch.no_grad():
            for name, p in model.named_parameters():
                if scope is not None and name not in scope:
                    continue
                m = p != 0
                if not bool(m.all()):
                    self._grad_masks.append((p, m))

    def after_backward(self, model: nn.Module, ctx: RoundContext) -> None:
        """Client side, every step: zero the gradients of masked entries (in place on `.grad`)."""
        for p, m in self._grad_masks:
            if p.grad is not None:
                p.grad.mul_(m)

    def postprocess_upload(self, state: State, ctx: RoundContext) -> State:
        """Client side: global magnitude pruning to s (a new state)."""
        return global_magnitude_prune(state, ctx.prunable, self.params.sparsity)

    # -- server side -------------------------------------------------------------------------
    def aggregate(self, uploads: list[State], weights: list[float], ctx: RoundContext) -> State:
        """Server side: FedAvg; before the mask is fixed, also record d_l for `postprocess_global`."""
        if self.mask is None:
            total = float(sum(weights))
            pairs = list(zip(uploads, weights, strict=True))
            self._pending_density = {
                k: sum(w * int(torch.count_nonzero(u[k])) / u[k].numel() for u, w in pairs) / total
                for k in ctx.prunable
            }
        return super().aggregate(uploads, weights, ctx)

    def postprocess_global(self, state: State, ctx: RoundContext) -> State:
        """Server side: in round 1, prune each tensor to its d_l and fix the mask; later, unchanged."""
        if self.mask is not None or self._pending_density is None:
            return state
        pruned = layerwise_magnitude_prune(state, self._pending_density)
        self.density, self._pending_density = self._pending_density, None
        self.mask = support(pruned, ctx.prunable)
        return pruned

    # -- cross-round state -------------------------------------------------------------------
    def state_dict(self) -> dict:
        if self.mask is None:
            return {}
        return {"mask": {k: m.cpu() for k, m in self.mask.items()}, "density": dict(self.density)}

    def load_state_dict(self, state: dict) -> None:
        self.mask = dict(state["mask"]) if "mask" in state else None
        self.density = dict(state["density"]) if "density" in state else None
        self._pending_density = None
