"""Every method, dataset and model id, declared once with what the rest of the package shows of it.

Torch-free: the CLI's help, the workflow and the analysis read it without importing a method.
Declaration order is display order (table rows, legend entries). The code behind an id is named
as ``"module:attribute"`` and imported only when it is used (`load`). `BEHAVIOURS` are the points
where the project follows the authors' code over the paper, each switched by one method parameter;
`SPECTRAL_VARIANTS` name the settings of SparsyFed's spectral exponent that the beta sweep runs.

A method's role decides where the analysis puts it: the ``reference`` (dense) is the line every
method is compared with, Table 1 holds the ``proposed`` method and the ``baseline``s, the claims
page compares the proposed method with the baselines, and an ``ablation`` appears in Table 2 only.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from sparsyfed.errors import UserError

REFERENCE, PROPOSED, BASELINE, ABLATION = "reference", "proposed", "baseline", "ablation"
ROLES = (REFERENCE, PROPOSED, BASELINE, ABLATION)


@dataclass(frozen=True)
class MethodEntry:
    """One method id: its class, display name and style, role, and the parameters a variant fixes."""

    id: str
    name: str  # display name in tables and figures
    cls: str  # "module:Class", a `methods.base.Method` subclass
    role: str = BASELINE
    color: str = "#333333"
    marker: str = "o"
    fixed: dict[str, Any] = field(default_factory=dict)  # e.g. sparsyfed_noact: activation_pruning=False
    fixed_mask: bool = False  # its mask is fixed by design (FLASH): its global sparsity is set, not reached


@dataclass(frozen=True)
class Behaviour:
    """A point where the project follows the authors' code over the paper: one method parameter whose
    default (`as_ran`) is what the authors' runs did and whose `corrected` value is what the paper
    describes. The `corrected` experiment runs both for each of `methods`."""

    id: str
    name: str  # what tables show
    param: str  # the method parameter (method_params key) that switches it
    as_ran: Any  # the parameter's default: the authors' code
    corrected: Any
    methods: tuple[str, ...]
    effect: str = ""  # what the as-ran behaviour does to the numbers, where pages explain one by it


@dataclass(frozen=True)
class SpectralVariant:
    """A named setting of SparsyFed's spectral exponent: the method parameters it sets (mean over all
    entries of |v| in every variant, as the authors ran it)."""

    id: str
    name: str  # what tables and figures show
    scope: str  # spectral_scope
    sigma: str  # spectral_sigma

    def params(self) -> dict[str, str]:
        return {"exponent": "spectral", "spectral_scope": self.scope, "spectral_sigma": self.sigma,
                "spectral_over": "all"}


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset id: its display name and the `data.base.DatasetSpec` that finds, fetches and reads it."""

    id: str
    name: str
    spec: str  # "module:SPEC"


@dataclass(frozen=True)
class ModelEntry:
    """One model id and its builder `(in_channels, num_classes, layers) -> nn.Module`."""

    id: str
    builder: str  # "module:function"


SPARSYFED_CLASS = "sparsyfed.methods.sparsyfed:SparsyFed"  # SparsyFed and its variants

METHODS: tuple[MethodEntry, ...] = (
    MethodEntry("dense", "Dense", "sparsyfed.methods.dense:Dense", REFERENCE, "#555555", ""),
    # Okabe-Ito colours (colour-blind safe)
    MethodEntry("topk", "Top-K", "sparsyfed.methods.topk:TopK", BASELINE, "#E69F00", "s"),
    MethodEntry("zerofl", "ZeroFL", "sparsyfed.methods.zerofl:ZeroFL", BASELINE, "#56B4E9", "^"),
    MethodEntry("flash", "FLASH", "sparsyfed.methods.flash:Flash", BASELINE, "#009E73", "D", fixed_mask=True),
    MethodEntry("sparsyfed_noact", "SparsyFed (no act. pruning)", SPARSYFED_CLASS, ABLATION, "#CC79A7", "v",
                fixed={"activation_pruning": False}),
    MethodEntry("sparsyfed_spectral", "SparsyFed (spectral β)", SPARSYFED_CLASS, ABLATION, "#882255", "X",
                fixed={"exponent": "spectral"}),
    MethodEntry("sparsyfed", "SparsyFed", SPARSYFED_CLASS, PROPOSED, "#D55E00", "o"),
)

# Declaration order is display order. Each method's module documents the behaviour at its parameter.
BEHAVIOURS: tuple[Behaviour, ...] = (
    Behaviour("shortcuts", "1x1 shortcut convs", "convert_shortcuts", False, True, ("sparsyfed", "zerofl")),
    Behaviour("conv_threshold", "conv cut per batch", "conv_threshold", "session", "batch", ("sparsyfed", "zerofl"),
              effect="conv layers fix their magnitude cut at a local session's first forward; once a received layer "
                     "has at most 1 - s of its weights non-zero (every round after the first), ZeroFL's top-(1 - s) "
                     "weight cut is 0, nothing is zeroed during the session, and every weight that grows in it is "
                     "trained with, so its conv layers train denser than 1 - s (its linear layer, cut at every "
                     "forward, and the corrected per-batch cut stay at 1 - s; tests/fl/test_engine.py)"),
    Behaviour("flash_mask", "FLASH mask scope", "mask_scope", "all", "prunable", ("flash",)),
)

# SparsyFed's spectral exponent (`sparse.spectral`) as the beta sweep names it; the first is as the
# authors ran it, each other one changes one or two of its parameters.
SPECTRAL_VARIANTS: tuple[SpectralVariant, ...] = (
    SpectralVariant("spectral", "spectral β, as ran (per layer, 1-step σ)", "layer", "power_iteration"),
    SpectralVariant("spectral_exact", "spectral β, exact σ", "layer", "exact"),
    SpectralVariant("spectral_average", "spectral β, layer average (variant)", "average", "power_iteration"),
    SpectralVariant("spectral_average_exact", "spectral β, layer average, exact σ (variant)", "average", "exact"),
)

# How runs recorded their method parameters before a parameter was added or a value renamed, per method class:
# `recorded_params` reads such a record in today's terms. SparsyFed's spectral variants were exponent names
# before spectral_scope and spectral_sigma existed (both computed sigma exactly); a fixed exponent, the
# default, reads neither parameter, so today's defaults are what such a run ran with.
RENAMED_PARAMS: dict[str, dict[tuple[str, Any], dict[str, Any]]] = {SPARSYFED_CLASS: {
    ("exponent", "spectral_mean"): {"exponent": "spectral", "spectral_scope": "average", "spectral_sigma": "exact"},
    ("exponent", "spectral_layer"): {"exponent": "spectral", "spectral_scope": "layer", "spectral_sigma": "exact"},
}}
PARAMS_ADDED: dict[str, dict[str, Any]] = {SPARSYFED_CLASS: {"spectral_scope": "layer",
                                                             "spectral_sigma": "power_iteration"}}

DATASETS: tuple[DatasetEntry, ...] = (
    DatasetEntry("cifar10", "CIFAR-10", "sparsyfed.data.cifar:CIFAR10_SPEC"),
    DatasetEntry("cifar100", "CIFAR-100", "sparsyfed.data.cifar:CIFAR100_SPEC"),
    DatasetEntry("speech_commands", "Speech Commands", "sparsyfed.data.speech:SPEC"),
    DatasetEntry("fashion_mnist", "Fashion-MNIST", "sparsyfed.data.idx:FASHION_MNIST"),
    DatasetEntry("mnist", "MNIST", "sparsyfed.data.idx:MNIST"),
    DatasetEntry("fsdd", "FSDD (MFCC)", "sparsyfed.data.fsdd:SPEC"),
)

MODELS: tuple[ModelEntry, ...] = (
    ModelEntry("resnet_small", "sparsyfed.models.resnet:resnet_small"),
    ModelEntry("small_cnn", "sparsyfed.models.small:small_cnn"),
    ModelEntry("resnet18_cifar", "sparsyfed.models.resnet:resnet18_cifar"),
    ModelEntry("resnet18_speech", "sparsyfed.models.resnet:resnet18_speech"),
    ModelEntry("mfcc_cnn", "sparsyfed.models.mfcc:mfcc_cnn"),
)


def ids(entries) -> tuple[str, ...]:
    """The ids of `entries` (e.g. `METHODS`) in declaration order."""
    return tuple(e.id for e in entries)


def _find(entries, kind: str, id: str):
    for entry in entries:
        if entry.id == id:
            return entry
    raise UserError(f"{kind}: unknown {kind} {id!r}; choose one of {list(ids(entries))}")


def method(id: str) -> MethodEntry:
    """The entry of method `id`; UserError naming the choices if there is none."""
    return _find(METHODS, "method", id)


def behaviour(id: str) -> Behaviour:
    return _find(BEHAVIOURS, "behaviour", id)


def spectral_variant(id: str) -> SpectralVariant:
    return _find(SPECTRAL_VARIANTS, "spectral exponent", id)


def spectral_variant_of(params: dict) -> SpectralVariant | None:
    """The variant whose parameters a run's method parameters (all of them, as runs.csv has) hold, or None."""
    for variant in SPECTRAL_VARIANTS:
        if all(params.get(k) == v for k, v in variant.params().items()):
            return variant
    return None


def dataset(id: str) -> DatasetEntry:
    return _find(DATASETS, "dataset", id)


def model(id: str) -> ModelEntry:
    return _find(MODELS, "model", id)


def with_role(*roles: str) -> tuple[str, ...]:
    """Method ids whose role is one of `roles`, in declaration order."""
    return tuple(m.id for m in METHODS if m.role in roles)


def variant_of(method_id: str, **fixed: Any) -> str:
    """The id of the entry that runs `method_id`'s class with exactly `fixed` set (e.g. the ablation)."""
    base = method(method_id)
    for entry in METHODS:
        if entry.cls == base.cls and entry.fixed == fixed:
            return entry.id
    raise UserError(f"method: no variant of {method_id!r} with {fixed} in catalog.METHODS")


def recorded_params(method_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """The method parameters a run recorded (summary.json), in today's terms: renamed values replaced
    (RENAMED_PARAMS) and the parameters added since at the value the run ran with (PARAMS_ADDED)."""
    entry = next((m for m in METHODS if m.id == method_id), None)
    out = dict(params)
    if entry is None or not out:
        return out
    for (key, old), new in RENAMED_PARAMS.get(entry.cls, {}).items():
        if out.get(key) == old:
            out.update(new)
    return PARAMS_ADDED.get(entry.cls, {}) | out


def load(target: str) -> Any:
    """Import ``"module:attribute"`` and return the attribute."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)
