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
- ``exponent`` (beyond the main table): ``"fixed"`` (the paper: every layer uses ``beta``) or
  ``"spectral"``: the authors' later spectral exponent beta_l = 1 + mean(|v|) / sigma(|v|), computed
  from the stored v at the start of every local session and whenever a state is loaded
  (`sparse.spectral` says exactly when, what the authors' code did and the deviations). Its
  parameters: ``spectral_scope="layer"`` **[as the authors ran it]** (each layer its own beta_l) or
  ``"average"`` (a variant: every layer the mean of the beta_l); ``spectral_sigma="power_iteration"``
  **[as the authors ran it]** (their one-step estimate of sigma, biased low, from a random start
  seeded by the received state) or ``"exact"``; ``spectral_over="all"`` **[as the authors ran it]**
  or ``"nonzero"`` (the entries the mean runs over). With a spectral exponent the layers store the
  shared initial draw itself as v and ``beta`` is not used; a layer pruned to all zeros computes
  with beta 1, as in the authors' code (with activation pruning it gets no weight gradient and stays
  zero; without, it can regrow).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from sparsyfed import catalog
from sparsyfed.errors import UserError
from sparsyfed.methods.base import Method, RoundContext, SparseParams, State
from sparsyfed.models.layers import LayerFactory
from sparsyfed.sparse.activation import MODES, ActivationPruner
from sparsyfed.sparse.powerprop import PowerpropConv2d, PowerpropLinear
from sparsyfed.sparse.pruning import global_magnitude_prune
from sparsyfed.sparse.spectral import OVER, SCOPES, SIGMAS, SpectralExponent

EXPONENTS = ("fixed", "spectral")
# exponent values of earlier versions, and what they are now (catalog.RENAMED_PARAMS)
RENAMED_EXPONENTS = {old: ", ".join([new["exponent"]] + [f"{k}: {v}" for k, v in new.items() if k != "exponent"])
                     for (key, old), new in catalog.RENAMED_PARAMS[catalog.SPARSYFED_CLASS].items()
                     if key == "exponent"}


@dataclass(frozen=True)
class SparsyFedParams(SparseParams):
    """SparsyFed's parameters; beta is the method's single hyperparameter (paper: 1.25)."""

    beta: float = 1.25
    activation_pruning: bool = True
    conv_threshold: str = "session"
    convert_shortcuts: bool = False
    exponent: str = "fixed"
    spectral_scope: str = "layer"
    spectral_sigma: str = "power_iteration"
    spectral_over: str = "all"

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
        if self.exponent in RENAMED_EXPONENTS:
            raise UserError(f"exponent: {self.exponent!r} is now exponent: {RENAMED_EXPONENTS[self.exponent]}")
        for name, choices in (("exponent", EXPONENTS), ("spectral_scope", SCOPES), ("spectral_sigma", SIGMAS),
                              ("spectral_over", OVER)):
            if getattr(self, name) not in choices:
                raise UserError(f"{name}: must be one of {list(choices)}, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class SparsyFedLayers(LayerFactory):
    """Powerprop conv/linear layers with an optional activation pruner; plain shortcut convs unless converted.

    With a spectral exponent, one factory builds one model: its layers share the factory's
    `SpectralExponent` (`SparsyFed.layers()` returns a new factory on every call).
    """

    params: SparsyFedParams = SparsyFedParams()

    def __post_init__(self):
        p = self.params
        spectral = p.exponent == "spectral"
        rule = SpectralExponent(p.spectral_scope, p.spectral_sigma, p.spectral_over) if spectral else None
        object.__setattr__(self, "_exponent", rule)

    def _powerprop_args(self) -> dict:
        # Spectral layers store the shared initial draw itself (beta 1 at init): their beta is not
        # known before v is.
        if self._exponent is None:
            return {"beta": self.params.beta}
        return {"beta": 1.0, "exponent": self._exponent}

    def conv(self, in_ch, out_ch, kernel_size, stride=1, padding=0, bias=False, role="body"):
        p = self.params
        if role == "shortcut" and not p.convert_shortcuts:
            return super().conv(in_ch, out_ch, kernel_size, stride, padding, bias, role)
        pruner = ActivationPruner(p.conv_threshold) if p.activation_pruning else None
        return PowerpropConv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding, bias=bias,
                               pruner=pruner, **self._powerprop_args())

    def linear(self, in_features, out_features, bias=True, role="classifier"):
        pruner = ActivationPruner("batch") if self.params.activation_pruning else None
        return PowerpropLinear(in_features, out_features, bias=bias, pruner=pruner, **self._powerprop_args())


def pruners(model: nn.Module) -> dict[str, ActivationPruner]:
    """Module name -> the activation pruner of every layer that has one."""
    return {name: m.pruner for name, m in model.named_modules() if getattr(m, "pruner", None) is not None}


def spectral_exponents(model: nn.Module) -> list[SpectralExponent]:
    """The distinct `SpectralExponent`s of the model's Powerprop layers (one per model, or none)."""
    rules: dict[int, SpectralExponent] = {}
    for m in model.modules():
        rule = getattr(m, "exponent", None)
        if isinstance(rule, SpectralExponent):
            rules.setdefault(id(rule), rule)
    return list(rules.values())


class SparsyFed(Method):
    Params = SparsyFedParams

    def layers(self) -> LayerFactory:
        return SparsyFedLayers(self.params)

    def prepare_client(self, model: nn.Module, ctx: RoundContext) -> None:
        """Client side: start a local session (forget the conv cuts of the previous client; with a
        spectral exponent, set the betas from the received v)."""
        for pruner in pruners(model).values():
            pruner.reset()
        for rule in spectral_exponents(model):
            rule.update()

    def postprocess_upload(self, state: State, ctx: RoundContext) -> State:
        """Client side: global magnitude pruning of the stored v to exactly round(s * P) zeros (new state)."""
        return global_magnitude_prune(state, ctx.prunable, self.params.sparsity)

    def activation_density(self, model: nn.Module) -> dict[str, float]:
        return {name: pruner.density() for name, pruner in pruners(model).items()}

    def exponents(self, model: nn.Module) -> dict[str, float]:
        """Module name -> the beta each Powerprop layer computes with now (after `prepare_client`:
        the session's; the fixed beta unless the exponent is spectral)."""
        exps = {}
        for name, m in model.named_modules():
            if isinstance(m, (PowerpropConv2d, PowerpropLinear)):
                if m.exponent is not None:
                    m.exponent.ensure()
                exps[name] = m.beta
        return exps
