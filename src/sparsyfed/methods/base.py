"""The method interface: one class with both halves of a federated method, hooks named by side and time.

The engine (`fl/`) calls, every round:

    setup       layers()                          -> LayerFactory for the model builder (once)
    client      prepare_client(model, ctx)        before local training (may set layer state)
    client      after_backward(model, ctx)        every SGD step, after backward, before the update
    client      postprocess_upload(state, ctx)    -> the state the client uploads
    server      aggregate(uploads, weights, ctx)  -> the new global state (default FedAvg)
    server      postprocess_global(state, ctx)    -> the global state sent next round

`state` is a dict name -> tensor (a model `state_dict`). Hooks that take a state return a new
dict and never mutate their arguments. State a method carries across rounds lives in attributes
saved by `state_dict()`/`load_state_dict()` in the run checkpoint.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from sparsyfed.errors import UserError
from sparsyfed.models.layers import PLAIN, LayerFactory
from sparsyfed.state import State, fedavg


@dataclass(frozen=True)
class RoundContext:
    """What a hook may know about the round. `client_id` is None on the server side."""

    round: int  # 1..num_rounds
    num_rounds: int
    lr: float
    seed: int
    prunable: tuple[str, ...]  # state keys of the prunable weights (Conv/Linear `.weight`)
    client_id: int | None = None


@dataclass(frozen=True)
class MethodParams:
    """Parameters shared by all methods. Subclasses add their own fields and checks."""

    def __post_init__(self):
        pass

    @classmethod
    def from_dict(cls, values: dict) -> MethodParams:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise UserError(f"method_params: unknown key(s) {unknown} for this method; allowed: {sorted(names)}")
        return cls(**values)


@dataclass(frozen=True)
class SparseParams(MethodParams):
    """Target sparsity s: the fraction of prunable weights that are zero in every upload."""

    sparsity: float = 0.9

    def __post_init__(self):
        super().__post_init__()
        if not (isinstance(self.sparsity, (int, float)) and 0.0 <= self.sparsity < 1.0):
            raise UserError(f"sparsity: must be a number in [0, 1), got {self.sparsity!r}")


class Method:
    """Dense FedAvg: every hook at its default. Sparse methods override a few hooks.

    Client hooks run on copies of the method, one per client trained at the same time
    (fl/workers.py): a copy may keep the current session's scratch state on `self`, and sees the
    server's cross-round state only through `state_dict()`/`load_state_dict()`, which the engine
    passes to every copy at the start of each round.
    """

    Params: ClassVar[type[MethodParams]] = MethodParams

    def __init__(self, params: MethodParams | None = None):
        self.params = params if params is not None else self.Params()

    @property
    def target_sparsity(self) -> float:
        """Target sparsity s of uploads (0 for dense)."""
        return float(getattr(self.params, "sparsity", 0.0))

    # -- setup -----------------------------------------------------------------------------
    def layers(self) -> LayerFactory:
        return PLAIN

    # -- client side -----------------------------------------------------------------------
    def prepare_client(self, model: nn.Module, ctx: RoundContext) -> None:
        """Client side, after the global state is loaded into `model`, before local training."""

    def after_backward(self, model: nn.Module, ctx: RoundContext) -> None:
        """Client side, every step between backward and the optimiser update (e.g. gradient masks)."""

    def postprocess_upload(self, state: State, ctx: RoundContext) -> State:
        """Client side: the trained state -> the state uploaded. Must not mutate `state`."""
        return state

    # -- server side -----------------------------------------------------------------------
    def aggregate(self, uploads: list[State], weights: list[float], ctx: RoundContext) -> State:
        """Server side: sample-weighted FedAvg over the whole state (parameters and buffers)."""
        return fedavg(uploads, weights)

    def postprocess_global(self, state: State, ctx: RoundContext) -> State:
        """Server side: the aggregated state -> the state sent to next round's clients."""
        return state

    # -- what the engine measures ----------------------------------------------------------
    def activation_density(self, model: nn.Module) -> dict[str, float]:
        """Per prunable-layer fraction of the saved input kept for the weight gradient in the last
        local session (module name -> density). Methods without activation pruning keep 1."""
        return {}

    def weight_density(self, model: nn.Module) -> dict[str, float]:
        """Per prunable-layer weight density (state key -> density) that the last local session's
        forwards computed with, for layers that zero weights inside training (their density after
        training says nothing about the work done). Layers not listed count with the density of
        the trained weights."""
        return {}

    def exponents(self, model: nn.Module) -> dict[str, float]:
        """Per prunable layer with a Powerprop exponent, the beta the current local session computes
        with (module name -> beta), read after `prepare_client`; layers not listed have none (plain
        weights). The engine records the round's first client's in layers.csv (`beta`)."""
        return {}

    # -- cross-round state (checkpointed) --------------------------------------------------
    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass
