"""SparsyFed (SPEC 4.3): Powerprop layers, activation pruning, global magnitude pruning of every upload.

Client: every prunable layer stores v and computes with w = sign(v)|v|^beta; with beta > 1 a pruned
entry (v = 0) has zero gradient and zero weight decay, so it stays zero during local training with no
explicit mask. The input a layer saves for backward is pruned to the layer's current weight sparsity
s_l. After local training the upload is globally magnitude-pruned to s. Server: plain FedAvg, no
re-pruning (the global support is the union of the clients' supports and can only shrink with beta > 1).

Options and where they differ from the paper:

- ``conv_threshold="session"`` **[as the authors ran it]**: a conv layer's activation cut is found on
  the first training batch of each local session and reused; ``"batch"`` selects exactly every batch.
  Linear layers always select exactly on every batch.
- ``convert_shortcuts=False`` **[as the authors ran it]**: ResNet's 1x1 shortcut convs stay plain
  ``nn.Conv2d`` (no Powerprop, no activation pruning) because the authors' layer-replacement walk
  never reached convs inside an ``nn.Sequential``; they are still globally pruned, can regrow, and are
  ranked by |w| against the other layers' |v|. ``True`` converts them too (the corrected behaviour).
- ``activation_pruning=False`` is the paper's ablation (registry id ``sparsyfed_noact``).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from sparsyfed.errors import UserError
from sparsyfed.methods.base import Method, RoundContext, SparseParams, State
from sparsyfed.models.layers import LayerFactory
from sparsyfed.sparse.activation import MODES, ActivationPruner
from sparsyfed.sparse.powerprop import PowerpropConv2d, PowerpropLinear
from sparsyfed.sparse.pruning import global_magnitude_prune


@dataclass(frozen=True)
class SparsyFedParams(SparseParams):
    """SparsyFed's parameters; beta is the method's single hyperparameter (paper: 1.25)."""

    beta: float = 1.25
    activation_pruning: bool = True
    conv_threshold: str = "session"
    convert_shortcuts: bool = False

    def __post_init__(self):
        super().__post_init__()
        if isinstance(self.beta, bool) or not isinstance(self.beta, (int, float)) or not 1.0 <= self.beta <= 10.0:
            raise UserError(f"beta: must be a number in [1, 10] (1 = plain weights), got {self.beta!r}")
        if not isinstance(self.activation_pruning, bool):
            raise UserError(f"activation_pruning: must be true or false, got {self.activation_pruning!r}")
        if self.conv_threshold not in MODES:
            raise UserError(f"conv_threshold: must be one of {list(MODES)}, got {self.conv_threshold!r}")
        if not isinstance(self.convert_shortcuts, bool):
            raise UserError(f"convert_shortcuts: must be true or false, got {self.convert_shortcuts!r}")


@dataclass(frozen=True)
class SparsyFedLayers(LayerFactory):
    """Powerprop conv/linear layers with an optional activation pruner; plain shortcut convs unless converted."""

    params: SparsyFedParams = SparsyFedParams()

    def conv(self, in_ch, out_ch, kernel_size, stride=1, padding=0, bias=False, role="body"):
        p = self.params
        if role == "shortcut" and not p.convert_shortcuts:
            return super().conv(in_ch, out_ch, kernel_size, stride, padding, bias, role)
        pruner = ActivationPruner(p.conv_threshold) if p.activation_pruning else None
        return PowerpropConv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding, bias=bias,
                               beta=p.beta, pruner=pruner)

    def linear(self, in_features, out_features, bias=True, role="classifier"):
        pruner = ActivationPruner("batch") if self.params.activation_pruning else None
        return PowerpropLinear(in_features, out_features, bias=bias, beta=self.params.beta, pruner=pruner)


def pruners(model: nn.Module) -> dict[str, ActivationPruner]:
    """Module name -> the activation pruner of every layer that has one."""
    return {name: m.pruner for name, m in model.named_modules() if getattr(m, "pruner", None) is not None}


class SparsyFed(Method):
    name = "sparsyfed"
    Params = SparsyFedParams

    def layers(self) -> LayerFactory:
        return SparsyFedLayers(self.params)

    def prepare_client(self, model: nn.Module, ctx: RoundContext) -> None:
        """Client side: start a local session (forget the conv cuts of the previous client)."""
        for pruner in pruners(model).values():
            pruner.reset()

    def postprocess_upload(self, state: State, ctx: RoundContext) -> State:
        """Client side: global magnitude pruning of the stored v to exactly round(s * P) zeros (new state)."""
        return global_magnitude_prune(state, ctx.prunable, self.params.sparsity)

    def activation_density(self, model: nn.Module) -> dict[str, float]:
        return {name: pruner.density() for name, pruner in pruners(model).items()}
