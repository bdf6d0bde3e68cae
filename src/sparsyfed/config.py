"""The configuration of one federated run: a frozen dataclass, loaded from YAML plus `key=value` overrides.

Unknown keys and wrong types are rejected with one line naming the key. Defaults are the paper's
federated setting (SPEC section 1) on the CPU default dataset and model.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sparsyfed.errors import UserError
from sparsyfed.numerics import check_mode


@dataclass(frozen=True)
class RunConfig:
    # data and partition (SPEC section 2)
    dataset: str = "fashion_mnist"
    data_root: str | None = None  # folder holding <dataset>/...; None: system locations, then download
    num_clients: int = 100  # N
    clients_per_round: int = 10  # K, sampled uniformly without replacement
    samples_per_client: int | None = None  # n; None = floor(N_train / N)
    alpha: float = 1000.0  # LDA concentration: 1000 about IID, 0.1 strongly heterogeneous
    partition_seed: int = 1337
    partition: str | None = None  # .npz from `sparsyfed partition`; None computes it in memory
    # model and training (SPEC sections 1 and 3)
    model: str = "resnet_small"
    width: float = 1.0  # multiplier of the model's channel counts (models.width); 1 = the model as documented
    rounds: int = 20  # T
    local_epochs: int = 1  # E
    batch_size: int = 16
    lr: float = 0.5  # lr0 at round 0
    lr_end: float = 0.01  # lr at round lr_horizon (exponential decay)
    lr_horizon: int | None = None  # rounds over which lr decays from lr to lr_end; None = rounds
    weight_decay: float = 1e-3
    # method (SPEC section 4)
    method: str = "dense"
    sparsity: float = 0.9  # target s (ignored by dense)
    method_params: dict = field(default_factory=dict)  # e.g. {beta: 1.25, activation_pruning: true}
    # evaluation and outputs (SPEC section 5)
    eval_every: int = 5  # rounds between centralised evaluations (the last round is always evaluated)
    eval_batch_size: int = 1000
    federated_eval: bool = False  # also evaluate on the sampled clients' local test shards
    mask_every: int = 5  # save the global mask every k rounds (round x round IoU heatmap)
    checkpoint_every: int = 5  # rounds between checkpoints (resume after a kill)
    seed: int = 5378  # run seed: initialisation, client sampling, local shuffling
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    threads: int = 0  # CPU cores of the run (clients train in parallel, fl/workers.py); 0 = all
    numerics: str = "portable"  # portable: CPU kernels on one x86-64 path (AVX2); native: the CPU's own

    def __post_init__(self):
        _check_types(self)
        positive = ["num_clients", "clients_per_round", "rounds", "local_epochs", "batch_size",
                    "eval_every", "eval_batch_size", "mask_every", "checkpoint_every"]
        for name in positive:
            if getattr(self, name) < 1:
                raise UserError(f"{name}: must be >= 1, got {getattr(self, name)}")
        if self.clients_per_round > self.num_clients:
            raise UserError(f"clients_per_round: {self.clients_per_round} exceeds num_clients {self.num_clients}")
        if not self.width > 0:
            raise UserError(f"width: must be > 0, got {self.width}")
        if not self.alpha > 0:
            raise UserError(f"alpha: must be > 0, got {self.alpha}")
        if self.samples_per_client is not None and self.samples_per_client < 1:
            raise UserError(f"samples_per_client: must be >= 1 or null, got {self.samples_per_client}")
        if self.lr_horizon is not None and self.lr_horizon < 1:
            raise UserError(f"lr_horizon: must be >= 1 or null, got {self.lr_horizon}")
        if not (self.lr > 0 and self.lr_end > 0):
            raise UserError(f"lr, lr_end: must be > 0, got {self.lr}, {self.lr_end}")
        if self.weight_decay < 0:
            raise UserError(f"weight_decay: must be >= 0, got {self.weight_decay}")
        if not 0 <= self.sparsity < 1:
            raise UserError(f"sparsity: must be in [0, 1), got {self.sparsity}")
        if self.threads < 0:
            raise UserError(f"threads: must be >= 0, got {self.threads}")
        check_mode(self.numerics)
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise UserError(f"device: must be auto, cpu, cuda or cuda:N, got {self.device!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def identity(self) -> dict[str, Any]:
        return run_identity(self.to_dict())


# Settings added after runs had been recorded without them, with the value those runs ran with, so
# that a recorded config (summary.json, checkpoint) is compared as what it ran: e.g. every run made
# before `numerics` existed computed natively.
SETTINGS_ADDED = {"numerics": "native", "width": 1.0}


def run_identity(config: dict[str, Any]) -> dict[str, Any]:
    """The settings of a config dict that decide a run's numbers: all but `threads`, which only
    changes its speed (fl/workers.py), so a run resumes or is found complete under another count.
    A setting the config predates counts with its SETTINGS_ADDED value."""
    return {k: v for k, v in (SETTINGS_ADDED | config).items() if k != "threads"}


def _type_name(hint) -> str:
    """'int', 'int or null', 'dict': how an error message names a field's type."""
    names = ["null" if t is type(None) else getattr(t, "__name__", str(t)) for t in _options(hint)]
    return " or ".join(names)


def _options(hint) -> tuple:
    """The alternatives of a type hint: `int | None` -> (int, NoneType); `dict[str, int]` -> (dict,)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return tuple(o for a in typing.get_args(hint) for o in _options(a))
    return (typing.get_origin(hint) or hint,)


def _coerce(value, option):
    """`value` as a value of the type `option`, or raise TypeError. Floats take ints and numeric strings
    (YAML 1.1 reads 1e-3 as a string); bools are not numbers."""
    if option is typing.Any or not isinstance(option, type):
        return value  # a hint that is not a class (Literal, TypeVar, ...): nothing to check here
    if option is float and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise TypeError from None
    if isinstance(value, bool) and option in (int, float):
        raise TypeError
    if option is float and isinstance(value, int):
        return float(value)
    if isinstance(value, option):
        return value
    raise TypeError


def _check_types(obj) -> None:
    """Check (and normalise in place) every field of the frozen dataclass `obj` against its type hint."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        for option in _options(hints[f.name]):
            try:
                object.__setattr__(obj, f.name, _coerce(value, option))
                break
            except TypeError:
                continue
        else:
            raise UserError(f"{f.name}: expected {_type_name(hints[f.name])}, got {value!r}")


FIELDS = {f.name for f in dataclasses.fields(RunConfig)}


def parse_override(text: str) -> tuple[list[str], Any]:
    """'method_params.beta=1.5' -> (['method_params', 'beta'], 1.5); values are parsed as YAML."""
    if "=" not in text:
        raise UserError(f"--set {text!r}: expected key=value")
    key, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw != "" else None
    except yaml.YAMLError:
        raise UserError(f"--set {key}: value {raw!r} is not valid YAML") from None
    return key.strip().split("."), value


def load_config(path: str | os.PathLike | None = None, overrides: list[str] = ()) -> RunConfig:
    """Defaults <- YAML file <- `key=value` overrides. Raises UserError naming any bad key or value."""
    values: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            loaded = yaml.safe_load(path.read_text()) or {}
        except FileNotFoundError:
            raise UserError(f"--config: file {path} not found") from None
        except yaml.YAMLError as exc:
            raise UserError(f"--config: {path} is not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(loaded, dict):
            raise UserError(f"--config: {path} must hold a mapping of settings")
        values.update(loaded)
    for text in overrides:
        keys, value = parse_override(text)
        target = values
        for k in keys[:-1]:
            target = target.setdefault(k, {})
            if not isinstance(target, dict):
                raise UserError(f"--set {text!r}: {k} is not a mapping")
        target[keys[-1]] = value
    unknown = sorted(set(values) - FIELDS)
    if unknown:
        raise UserError(f"config: unknown key(s) {unknown}; see `sparsyfed run --help` for the settings")
    return RunConfig(**values)
