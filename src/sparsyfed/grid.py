"""The workflow's grid: a validated workflow config -> its runs, their folders and their settings.

Torch-free; `workflow/rules/common.smk` builds a `Grid` at parse time. Paths name each grid point
with its numbers as the config writes them (`fmt`: 0.95, 1000, 0.1), and every run gets one
settings file (`sparsyfed run --config`) holding all of its settings, so that the file changes
exactly when a setting of that run changes.

The config's `experiments` run beside the grid, each with its own target, run folders and tidy
tables (`ExperimentRun`):

- ``beta_sweep``: SparsyFed at one dataset, alpha and sparsity with each Powerprop exponent of a
  list (and the spectral exponents), every other setting the grid's; folders
  ``results/experiments/beta_sweep/runs/beta{beta}/<RUN_LAYOUT>``.
- ``corrected``: for each of `catalog.BEHAVIOURS`, its methods as the authors ran them and
  corrected (one method parameter apart), every other setting the grid's. A run whose settings are
  the grid's own at a point the grid runs *is* the grid's run (same folder, made by the grid's
  rules); the others are in ``results/experiments/corrected/runs/{behaviour}-{variant}/<RUN_LAYOUT>``
  (``grid/<RUN_LAYOUT>`` for the grid's settings at points the grid does not run).
- ``capacity``: every method at a few cells with the model at each width of a ladder (the
  dataset's model, its channel counts times the width), one rung of longer training at one cell
  and width, and one rung with another model (ResNet-18) for a few rounds; every other setting the
  grid's. A run with the grid's own settings at a point the grid runs is the grid's run; the others
  are in ``results/experiments/capacity/runs/{model}-w{width}-r{rounds}/<RUN_LAYOUT>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from itertools import product
from pathlib import Path
from typing import Any

import yaml

from sparsyfed import catalog
from sparsyfed.config import RunConfig, run_identity
from sparsyfed.errors import UserError
from sparsyfed.io import write_text

RESULTS = "results"
RUN_LAYOUT = "{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed}"
RUN_DIR = f"{RESULTS}/runs/{RUN_LAYOUT}"
SMOKE_DIR = f"{RESULTS}/smoke/{{dataset}}/{{method}}"
PARTITION = f"{RESULTS}/partitions/{{dataset}}/alpha{{alpha}}_n{{clients}}_seed{{pseed}}.npz"
SETTINGS = "settings.yaml"  # in a run folder, beside what the run writes (sparsyfed.record)
# The reference method (dense) has no target sparsity: it runs once per dataset x alpha x seed, as s0.
REFERENCE_SPARSITY = "0"
# Settings that say where a run finds its inputs, not what they are: the same data found elsewhere, or
# the partition computed in memory rather than read from its file (same function, same arguments),
# give the same run, number for number.
PLACE_SETTINGS = ("data_root", "partition")

# Experiments beside the grid (each a target of its own; see the module docstring).
BETA_SWEEP, CORRECTED, CAPACITY = "beta_sweep", "corrected", "capacity"
EXPERIMENTS = (BETA_SWEEP, CORRECTED, CAPACITY)
EXPERIMENT_RUNS = f"{RESULTS}/experiments/{{experiment}}/runs"  # + a run's path, `ExperimentRun.dir`
EXPERIMENT_TABLES = f"{RESULTS}/experiments/{{experiment}}/tables"  # its tidy tables (`sparsyfed collect --variants`)
# Every run's folder, whatever made it (the grid, the smoke target, an experiment): results/{run}, with
# `run` one of these (one simulate rule and one settings rule make them all; `Grid.settings_at`).
RUN_FOLDERS = (RUN_DIR, SMOKE_DIR, f"{EXPERIMENT_RUNS}/{{run}}")
BETA_SWEEP_METHOD = catalog.with_role(catalog.PROPOSED)[0]  # the method whose exponent the sweep varies
AS_RAN = "as_ran"  # the two variants of a corrected behaviour (catalog.Behaviour)
CORRECTED_VARIANT = "corrected"
GRID_SETTINGS = "grid"  # corrected: folder of runs with the grid's settings at points the grid does not run
# The capacity experiment's rungs (label `rung` of its runs): the width ladder, the longer training, the other model.
WIDTH_RUNG, LENGTH_RUNG, MODEL_RUNG = "width", "length", "model"
RUNG_DIR = "{model}-w{width}-r{rounds}"  # capacity: the folder of a rung's runs (numbers as `fmt` writes them)
# A dataset's model width when the config does not say (the model as its builder documents it). Settings files
# name a width only when it is not this, so that the key's arrival changed no run's settings.
DEFAULT_WIDTH = 1.0

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
# What each number in a path looks like (Snakemake's wildcard constraints; `parse_run_dir`).
WILDCARD_PATTERNS = {"alpha": _NUMBER, "sparsity": _NUMBER, "seed": "[0-9]+", "clients": "[0-9]+", "pseed": "[0-9]+"}


def fmt(x: float) -> str:
    """A number as it appears in paths: 0.95 (never 0.9500000001), 1000 (not 1000.0).

    Twelve significant digits remove float noise (0.1 + 0.2 -> 0.3); no exponent, no trailing zeros.
    """
    text = format(Decimal(format(float(x), ".12g")).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _template_regex(template: str, named: bool = True) -> str:
    """A regex matching the paths of a template (its fields: WILDCARD_PATTERNS, `run` any path, others one
    folder name), with named groups or none (for Snakemake's wildcard constraints)."""
    fields = {"run": ".+", **WILDCARD_PATTERNS}
    pieces = re.split(r"\{(\w+)\}", template)
    return "".join(re.escape(p) if i % 2 == 0 else
                   (f"(?P<{p}>{fields.get(p, '[^/]+')})" if named else f"(?:{fields.get(p, '[^/]+')})")
                   for i, p in enumerate(pieces))


# The `run` wildcard of the simulate and settings rules: a run's folder below RESULTS.
RUN_PATTERN = "|".join(_template_regex(t.removeprefix(f"{RESULTS}/"), named=False) for t in RUN_FOLDERS)
_RUN_FOLDER_REGEXES = tuple(re.compile(_template_regex(t)) for t in RUN_FOLDERS)


def parse_run_dir(path: str | Path) -> dict[str, Any] | None:
    """The grid point named by a path that ends in RUN_LAYOUT, or None."""
    match = re.search(f"(?:^|/){_template_regex(RUN_LAYOUT)}/?$", Path(path).as_posix())
    if match is None:
        return None
    point = match.groupdict()
    return {**point, "alpha": float(point["alpha"]), "sparsity": float(point["sparsity"]), "seed": int(point["seed"])}


@dataclass(frozen=True)
class ExperimentRun:
    """One run of an experiment: its folder, grid point and settings, and what it is in the experiment."""

    dir: str  # run folder (the grid's own folder when `in_grid`)
    point: dict[str, str]  # dataset, alpha, method, sparsity, seed (as in paths)
    settings: dict[str, Any]  # every setting, as `Grid.settings` writes them
    in_grid: bool = False  # the grid's run of this point: made by the grid's rules
    label: dict[str, str] = field(default_factory=dict)  # beta_sweep: beta; corrected: behaviour, variant


@dataclass(frozen=True)
class Grid:
    """The runs of a workflow config (already validated against workflow/schemas/config.schema.yaml)."""

    config: dict

    def __post_init__(self):
        names = [d["name"] for d in self.config["datasets"]]
        if len(set(names)) != len(names):
            raise UserError(f"config datasets: each dataset may appear once, got {names}")
        for key in ("sparsities", "alphas"):
            values = [fmt(v) for v in self.config["grid"][key]]
            if len(set(values)) != len(values):
                raise UserError(f"config grid.{key}: values equal after formatting for paths: {values}")
        run, partition = self.config["run"], self.config["partition"]
        if run["clients_per_round"] > partition["num_clients"]:
            raise UserError(f"config run.clients_per_round ({run['clients_per_round']}) exceeds "
                            f"partition.num_clients ({partition['num_clients']})")
        self._check_experiments()

    def _check_experiments(self) -> None:
        spec = self.config.get("experiments") or {}
        lists = []
        if (sweep := spec.get(BETA_SWEEP)) is not None:
            if sweep.get("dataset") is not None and sweep["dataset"] not in self.datasets:
                raise UserError(f"config experiments.{BETA_SWEEP}.dataset: {sweep['dataset']!r} is not one of "
                                f"the config's datasets {list(self.datasets)}")
            lists += [(f"{BETA_SWEEP}.betas", sweep.get("betas")), (f"{BETA_SWEEP}.seeds", sweep.get("seeds"))]
        if (corr := spec.get(CORRECTED)) is not None:
            unknown = [d for d in corr.get("datasets") or [] if d not in self.datasets]
            if unknown:
                raise UserError(f"config experiments.{CORRECTED}.datasets: {unknown} not among the config's "
                                f"datasets {list(self.datasets)}")
            lists += [(f"{CORRECTED}.{k}", corr.get(k)) for k in ("alphas", "sparsities", "seeds")]
        if (cap := spec.get(CAPACITY)) is not None:
            if cap.get("dataset") is not None and cap["dataset"] not in self.datasets:
                raise UserError(f"config experiments.{CAPACITY}.dataset: {cap['dataset']!r} is not one of the "
                                f"config's datasets {list(self.datasets)}")
            lists += [(f"{CAPACITY}.{k}", cap.get(k)) for k in ("widths", "alphas", "sparsities", "seeds")]
            if cap.get("regrowth") is not None:
                lists.append((f"{CAPACITY}.regrowth.seeds", cap["regrowth"].get("seeds")))
        for key, values in lists:
            text = [fmt(v) for v in values or []]
            if len(set(text)) != len(text):
                raise UserError(f"config experiments.{key}: values equal after formatting for paths: {text}")

    @property
    def datasets(self) -> dict[str, dict]:
        return {d["name"]: d for d in self.config["datasets"]}

    @property
    def methods(self) -> list[str]:
        return list(self.config["grid"]["methods"])

    @property
    def sparsities(self) -> list[str]:
        return [fmt(s) for s in self.config["grid"]["sparsities"]]

    @property
    def alphas(self) -> list[str]:
        return [fmt(a) for a in self.config["grid"]["alphas"]]

    @property
    def seeds(self) -> list[str]:
        return [str(s) for s in self.config["grid"]["seeds"]]

    def sparsities_of(self, method: str) -> list[str]:
        return [REFERENCE_SPARSITY] if catalog.method(method).role == catalog.REFERENCE else self.sparsities

    def points(self) -> list[dict[str, str]]:
        """Every run as wildcard values (dataset, alpha, method, sparsity, seed)."""
        return [dict(dataset=d, alpha=a, method=m, sparsity=s, seed=seed)
                for d, a, m, seed in product(self.datasets, self.alphas, self.methods, self.seeds)
                for s in self.sparsities_of(m)]

    def run_dirs(self) -> list[str]:
        return [RUN_DIR.format(**p) for p in self.points()]

    def partition(self, dataset: str, alpha: str) -> str:
        part = self.config["partition"]
        return PARTITION.format(dataset=dataset, alpha=alpha, clients=part["num_clients"], pseed=part["seed"])

    def partitions(self) -> list[str]:
        return [self.partition(d, a) for d in self.datasets for a in self.alphas]

    def has_point(self, point: dict[str, str]) -> bool:
        """True if the grid runs `point` (dataset, alpha, method, sparsity, seed as in paths)."""
        return (point["dataset"] in self.datasets and point["alpha"] in self.alphas
                and point["method"] in self.methods and point["seed"] in self.seeds
                and point["sparsity"] in self.sparsities_of(point["method"]))

    def smoke_point(self, dataset: str, method: str) -> dict[str, str]:
        """A smoke run: the grid's first alpha, sparsity and seed."""
        return dict(dataset=dataset, alpha=self.alphas[0], method=method,
                    sparsity=self.sparsities_of(method)[0], seed=self.seeds[0])

    def smoke_dirs(self) -> list[str]:
        return [SMOKE_DIR.format(dataset=d, method=m) for d in self.datasets for m in self.methods]

    def settings_at(self, folder: str) -> dict[str, Any]:
        """Every setting of the run whose folder is `folder` (one of RUN_FOLDERS: the grid's, a smoke run's
        or an experiment's); UserError when no run of this config has that folder."""
        grid, smoke, experiment = (regex.fullmatch(folder) for regex in _RUN_FOLDER_REGEXES)
        if grid and self.has_point(grid.groupdict()):
            return self.settings(**grid.groupdict())
        if smoke and smoke["dataset"] in self.datasets and smoke["method"] in self.methods:
            return self.settings(**self.smoke_point(smoke["dataset"], smoke["method"]),
                                 rounds=self.config["smoke"]["rounds"])
        if experiment and experiment["experiment"] in EXPERIMENTS:
            return self.experiment_settings(experiment["experiment"], experiment["run"])
        raise UserError(f"{folder}: no run of this config has this folder (the grid's runs are "
                        f"{RUN_DIR}, its smoke runs {SMOKE_DIR}, with values of the config)")

    def settings(self, dataset: str, alpha: str, method: str, sparsity: str, seed: str,
                 rounds: int | None = None, model: str | None = None, width: float | None = None) -> dict[str, Any]:
        """Every setting of one run (a `sparsyfed run --config` file), but `threads`, which only sets its speed;
        `rounds`, `model` and `width` default to the dataset's.

        Keys are sorted, so that reordering keys in a config changes no settings (Snakemake compares
        params as text: a new order would rerun every run). `width` is written only when it is not
        DEFAULT_WIDTH (the run's default), so runs set up before widths existed keep their settings.
        """
        c, part = self.config, self.config["partition"]
        width = self.width_of(dataset) if width is None else float(width)
        settings = {
            "dataset": dataset,
            "data_root": c["data_root"],
            "model": self.datasets[dataset]["model"] if model is None else model,
            **({} if width == DEFAULT_WIDTH else {"width": width}),
            "rounds": self.datasets[dataset]["rounds"] if rounds is None else rounds,
            "method": method,
            "sparsity": float(sparsity),
            "alpha": float(alpha),
            "seed": int(seed),
            "num_clients": part["num_clients"],
            "samples_per_client": part["samples_per_client"],
            "partition_seed": part["seed"],
            "partition": self.partition(dataset, alpha),
            **c["run"],
            "method_params": dict(sorted(c["method_params"].get(method, {}).items())),
        }
        return dict(sorted(settings.items()))

    def width_of(self, dataset: str) -> float:
        """The model width of `dataset`'s runs (DEFAULT_WIDTH when its entry names none)."""
        return float(self.datasets[dataset].get("width", DEFAULT_WIDTH))

    # ------------------------------------------------------------ experiments beside the grid

    def _experiment(self, name: str) -> dict:
        spec = (self.config.get("experiments") or {}).get(name)
        if spec is None:
            raise UserError(f"config experiments.{name}: missing (validating the config against "
                            "workflow/schemas/config.schema.yaml fills in its defaults)")
        return spec

    def _seeds_of(self, spec: dict) -> list[str]:
        return self.seeds if spec.get("seeds") is None else [str(s) for s in spec["seeds"]]

    def _with_params(self, point: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
        return self.settings(**point) | {"method_params": dict(sorted(params.items()))}

    @cached_property
    def beta_sweep_runs(self) -> list[ExperimentRun]:
        """SparsyFed at the sweep's dataset (default: the first), alpha and sparsity, for every beta
        (a fixed exponent) and every spectral exponent of the sweep (`catalog.SPECTRAL_VARIANTS`), and
        every seed (default: the grid's). Label `beta`: the beta as in paths, or the variant's id."""
        spec = self._experiment(BETA_SWEEP)
        method = BETA_SWEEP_METHOD
        point = dict(dataset=spec["dataset"] or next(iter(self.datasets)), alpha=fmt(spec["alpha"]),
                     method=method, sparsity=fmt(spec["sparsity"]))
        base = dict(self.config["method_params"].get(method, {}))
        variants = []
        for beta in spec["betas"]:
            params = base | {"beta": float(beta)}
            if params.get("exponent", "fixed") != "fixed":
                params["exponent"] = "fixed"
            variants.append((fmt(beta), params))
        variants += [(name, base | catalog.spectral_variant(name).params()) for name in spec["exponents"]]
        runs = []
        for label, params in variants:
            for seed in self._seeds_of(spec):
                at = point | {"seed": seed}
                folder = EXPERIMENT_RUNS.format(experiment=BETA_SWEEP) + f"/beta{label}/" + RUN_LAYOUT.format(**at)
                runs.append(ExperimentRun(folder, at, self._with_params(at, params), label={"beta": label}))
        return runs

    @cached_property
    def corrected_runs(self) -> list[ExperimentRun]:
        """For each behaviour of the `corrected` experiment (`catalog.BEHAVIOURS`), each of its methods,
        dataset (default: the grid's), alpha (default: the grid's), sparsity and seed (default: the
        grid's): the run as the authors ran it and the corrected run, the grid's method parameters
        with the behaviour's parameter set. Labels `behaviour` and `variant` (AS_RAN or CORRECTED_VARIANT).
        One folder may serve several behaviours (the grid's run is the as-ran run of two of them)."""
        spec = self._experiment(CORRECTED)
        datasets = spec["datasets"] or list(self.datasets)
        alphas = self.alphas if spec["alphas"] is None else [fmt(a) for a in spec["alphas"]]
        sparsities = self.sparsities if spec["sparsities"] is None else [fmt(s) for s in spec["sparsities"]]
        root = EXPERIMENT_RUNS.format(experiment=CORRECTED)
        runs = []
        for b in map(catalog.behaviour, spec["behaviours"]):
            for d, a, m, s, seed in product(datasets, alphas, b.methods, sparsities, self._seeds_of(spec)):
                point = dict(dataset=d, alpha=a, method=m, sparsity=s, seed=seed)
                base = dict(self.config["method_params"].get(m, {}))
                for variant, value in ((AS_RAN, b.as_ran), (CORRECTED_VARIANT, b.corrected)):
                    label = {"behaviour": b.id, "variant": variant}
                    if value == base.get(b.param, b.as_ran):  # the grid's own settings
                        in_grid = self.has_point(point)
                        folder = (RUN_DIR.format(**point) if in_grid
                                  else f"{root}/{GRID_SETTINGS}/{RUN_LAYOUT.format(**point)}")
                        runs.append(ExperimentRun(folder, point, self.settings(**point), in_grid, label))
                    else:
                        folder = f"{root}/{b.id}-{variant}/{RUN_LAYOUT.format(**point)}"
                        runs.append(ExperimentRun(folder, point, self._with_params(point, base | {b.param: value}),
                                                  False, label))
        return runs

    def _capacity_run(self, point: dict[str, str], rung: str, model: str, width: float,
                      rounds: int) -> ExperimentRun:
        """One capacity run: the grid's own run when its settings are the grid's at a point the grid runs."""
        settings = self.settings(**point, rounds=rounds, model=model, width=width)
        label = {"rung": rung, "model": model, "width": fmt(width), "rounds": str(rounds)}
        if self.has_point(point) and settings == self.settings(**point):
            return ExperimentRun(RUN_DIR.format(**point), point, settings, True, label)
        rung_dir = RUNG_DIR.format(model=model, width=fmt(width), rounds=rounds)
        folder = f"{EXPERIMENT_RUNS.format(experiment=CAPACITY)}/{rung_dir}/{RUN_LAYOUT.format(**point)}"
        return ExperimentRun(folder, point, settings, False, label)

    @cached_property
    def capacity_runs(self) -> list[ExperimentRun]:
        """The capacity ladder at its dataset (default: the first): every method of the experiment (default: the
        grid's) at its alphas x sparsities (dense once per alpha) and seeds (default: the grid's) with the
        dataset's model at each width; the `length` rung: the same methods at one cell and width with
        `rounds_factor` x the rounds; the `model` rung (config key `regrowth`): its methods with another
        model at one cell for a few rounds. Labels `rung` (WIDTH_RUNG, LENGTH_RUNG, MODEL_RUNG), `model`,
        `width`, `rounds` (as in paths)."""
        spec = self._experiment(CAPACITY)
        dataset = spec["dataset"] or next(iter(self.datasets))
        model, rounds = self.datasets[dataset]["model"], self.datasets[dataset]["rounds"]
        methods = self.methods if spec["methods"] is None else list(spec["methods"])
        seeds = self._seeds_of(spec)

        def points(alphas, sparsities, of_methods, of_seeds=seeds):
            for a, m, seed in product(alphas, of_methods, of_seeds):
                for s in ([REFERENCE_SPARSITY] if catalog.method(m).role == catalog.REFERENCE else sparsities):
                    yield dict(dataset=dataset, alpha=fmt(a), method=m, sparsity=s, seed=seed)

        sparsities = [fmt(s) for s in spec["sparsities"]]
        runs = [self._capacity_run(p, WIDTH_RUNG, model, w, rounds)
                for w in spec["widths"] for p in points(spec["alphas"], sparsities, methods)]
        if (length := spec.get("length")) is not None:
            runs += [self._capacity_run(p, LENGTH_RUNG, model, length["width"], rounds * length["rounds_factor"])
                     for p in points([length["alpha"]], [fmt(length["sparsity"])], methods)]
        if (other := spec.get("regrowth")) is not None:
            other_seeds = seeds if other.get("seeds") is None else [str(x) for x in other["seeds"]]
            runs += [self._capacity_run(p, MODEL_RUNG, other["model"], other["width"], other["rounds"])
                     for p in points([other["alpha"]], [fmt(other["sparsity"])], other["methods"], other_seeds)]
        return runs

    def experiment_runs(self, experiment: str) -> dict[str, ExperimentRun]:
        """Run folder -> run, each folder once (in first-seen order)."""
        if experiment not in EXPERIMENTS:
            raise UserError(f"experiment: unknown experiment {experiment!r}; choose one of {list(EXPERIMENTS)}")
        runs = {BETA_SWEEP: lambda: self.beta_sweep_runs, CORRECTED: lambda: self.corrected_runs,
                CAPACITY: lambda: self.capacity_runs}[experiment]()
        out: dict[str, ExperimentRun] = {}
        for r in runs:
            if r.dir in out and out[r.dir].settings != r.settings:
                raise RuntimeError(f"{r.dir}: two different runs in one folder")  # a bug in the layout
            out.setdefault(r.dir, r)
        return out

    def experiment_settings(self, experiment: str, run: str) -> dict[str, Any]:
        """The settings of the run at `run` (its path below the experiment's runs folder)."""
        folder = EXPERIMENT_RUNS.format(experiment=experiment) + "/" + run
        found = self.experiment_runs(experiment).get(folder)
        if found is None or found.in_grid:
            raise UserError(f"{folder}: not a run of experiment {experiment!r} in this config")
        return found.settings

    def experiment_partitions(self, experiment: str) -> list[str]:
        """The partition files of an experiment's runs."""
        runs = self.experiment_runs(experiment).values()
        return list(dict.fromkeys(self.partition(r.point["dataset"], r.point["alpha"]) for r in runs))


def rerun_config(settings: dict[str, Any], *, threads: int = 0, data_root: str | None = None) -> RunConfig:
    """A run's settings (`Grid.settings`, or an experiment run's) as `sparsyfed.runner.run` takes them, to rerun it
    anywhere: its partition computed in memory, its data looked for in `data_root` (default: the settings') and
    `threads` cores (0: all), none of which changes a number."""
    return RunConfig(**settings | {"partition": None, "threads": threads,
                                   "data_root": settings["data_root"] if data_root is None else str(data_root)})


def run_differences(expected: dict[str, Any], ran: dict[str, Any]) -> list[str]:
    """The settings in which two runs' configs (`RunConfig.to_dict()`, e.g. a summary.json's) differ, but
    for threads and PLACE_SETTINGS, as 'key: A in the config, B in the run' texts."""
    a, b = run_identity(expected), run_identity(ran)
    unset = object()
    return [f"{key}: {a.get(key, '(unset)')!r} in the config, {b.get(key, '(unset)')!r} in the run"
            for key in sorted(set(a) | set(b)) if key not in PLACE_SETTINGS and a.get(key, unset) != b.get(key, unset)]


def load_workflow_config(path: str | Path, option: str = "--config") -> dict:
    """A complete workflow config file (e.g. a reference's config.yaml) as a dict, checked to build its
    grid and every run's settings; UserError naming the file and what it lacks."""
    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{option}: {path} not found; pass the workflow config the grid ran") from None
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{option}: {path} is not readable YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(config, dict):
        raise UserError(f"{option}: {path} must hold a mapping (a workflow config, like config/config.yaml)")
    try:
        grid = Grid(config)
        for point in grid.points():
            grid.settings(**point)
    except (KeyError, TypeError) as exc:
        raise UserError(f"{option}: {path} lacks {exc} (or has it in the wrong shape); pass the complete workflow "
                        "config the grid ran (every config of this repository writes every key)") from None
    return config


def write_settings(path: str | Path, settings: dict[str, Any], log: str | Path | None = None) -> None:
    """Write one run's settings as the YAML file `sparsyfed run --config` reads (and a line to `log`)."""
    write_text(path, yaml.safe_dump(settings, sort_keys=False))
    if log is not None:
        write_text(log, f"{path}: {len(settings)} settings of {settings['method']} written\n")
