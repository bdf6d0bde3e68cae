"""The workflow's grid: a validated workflow config -> its runs, their folders and their settings.

Torch-free; `workflow/rules/common.smk` builds a `Grid` at parse time. Paths name each grid point
with its numbers as the config writes them (`fmt`: 0.95, 1000, 0.1), and every run gets one
settings file (`sparsyfed run --config`) holding all of its settings, so that the file changes
exactly when a setting of that run changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from pathlib import Path
from typing import Any

import yaml

from sparsyfed import catalog
from sparsyfed.config import RunConfig, run_identity
from sparsyfed.errors import UserError
from sparsyfed.io import write_text

RUN_LAYOUT = "{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed}"
RUN_DIR = f"results/runs/{RUN_LAYOUT}"
SMOKE_DIR = "results/smoke/{dataset}/{method}"
PARTITION = "results/partitions/{dataset}/alpha{alpha}_n{clients}_seed{pseed}.npz"
SETTINGS = "settings.yaml"  # in a run folder, beside what the run writes (sparsyfed.record)
# The reference method (dense) has no target sparsity: it runs once per dataset x alpha x seed, as s0.
REFERENCE_SPARSITY = "0"
# Settings that say where a run finds its inputs, not what they are: the same data found elsewhere, or
# the partition computed in memory rather than read from its file (same function, same arguments),
# give the same run, number for number.
PLACE_SETTINGS = ("data_root", "partition")

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
# What each number in a path looks like (Snakemake's wildcard constraints; `parse_run_dir`).
WILDCARD_PATTERNS = {"alpha": _NUMBER, "sparsity": _NUMBER, "seed": "[0-9]+", "clients": "[0-9]+", "pseed": "[0-9]+"}


def fmt(x: float) -> str:
    """A number as it appears in paths: 0.95 (never 0.9500000001), 1000 (not 1000.0).

    Twelve significant digits remove float noise (0.1 + 0.2 -> 0.3); no exponent, no trailing zeros.
    """
    text = format(Decimal(format(float(x), ".12g")).normalize(), "f")
    return "0" if text in ("-0", "") else text


def parse_run_dir(path: str | Path) -> dict[str, Any] | None:
    """The grid point named by a path that ends in RUN_LAYOUT, or None."""
    fields = {"dataset": "[^/]+", "method": "[^/]+", **WILDCARD_PATTERNS}
    pattern = re.sub(r"\{(\w+)\}", lambda m: f"(?P<{m[1]}>{fields[m[1]]})", RUN_LAYOUT)
    match = re.search(f"(?:^|/){pattern}/?$", Path(path).as_posix())
    if match is None:
        return None
    point = match.groupdict()
    return {**point, "alpha": float(point["alpha"]), "sparsity": float(point["sparsity"]), "seed": int(point["seed"])}


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

    def smoke_point(self, dataset: str, method: str) -> dict[str, str]:
        """A smoke run: the grid's first alpha, sparsity and seed."""
        return dict(dataset=dataset, alpha=self.alphas[0], method=method,
                    sparsity=self.sparsities_of(method)[0], seed=self.seeds[0])

    def settings(self, dataset: str, alpha: str, method: str, sparsity: str, seed: str,
                 rounds: int | None = None) -> dict[str, Any]:
        """Every setting of one run (a `sparsyfed run --config` file), but `threads`, which only sets its speed.

        Keys are sorted, so that reordering keys in a config changes no settings (Snakemake compares
        params as text: a new order would rerun every run).
        """
        c, part = self.config, self.config["partition"]
        settings = {
            "dataset": dataset,
            "data_root": c["data_root"],
            "model": self.datasets[dataset]["model"],
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

    def rerun_config(self, point: dict[str, str], *, threads: int = 0, data_root: str | None = None) -> RunConfig:
        """The run at `point` (wildcard values) as `sparsyfed.runner.run` takes it, to rerun it anywhere: its
        settings, but its partition computed in memory, its data looked for in `data_root` (default: the
        config's) and `threads` cores (0: all), none of which changes a number."""
        settings = self.settings(**point)
        settings.update(partition=None, threads=threads,
                        data_root=settings["data_root"] if data_root is None else str(data_root))
        return RunConfig(**settings)


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
