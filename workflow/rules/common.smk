# The workflow's only Python: validate the config, expand the grid, format numbers for paths,
# constrain wildcards, and the input functions of the rules. Stage files hold rules only.

import importlib.util
import json
import os
import re
from decimal import Decimal
from itertools import product
from pathlib import Path
from types import SimpleNamespace

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from sparsyfed.analysis.commands import TABLE_NAMES
from sparsyfed.analysis.figures import FIGURES

# ---------------------------------------------------------------- config

# Strict: an unknown key, a wrong type or an out-of-range value stops the workflow at parse time,
# naming the key. Fills in the schema's defaults (the schema is where defaults are stated).
validate(config, schema="../schemas/config.schema.yaml")


def fmt(x):
    """A number as it appears in paths and --set values: 0.95 (never 0.9500000001), 1000 (not 1000.0).

    Twelve significant digits remove float noise (0.1 + 0.2 -> 0.3); no exponent, no trailing zeros.
    """
    text = format(Decimal(format(float(x), ".12g")).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _check_config():
    names = [d["name"] for d in config["datasets"]]
    if len(set(names)) != len(names):
        raise WorkflowError(
            f"config datasets: each dataset may appear once, got {names}"
        )
    for key in ("sparsities", "alphas"):
        values = [fmt(v) for v in config["grid"][key]]
        if len(set(values)) != len(values):
            raise WorkflowError(
                f"config grid.{key}: values equal after formatting for paths: {values}"
            )
    if config["run"]["clients_per_round"] > config["partition"]["num_clients"]:
        raise WorkflowError(
            f"config run.clients_per_round ({config['run']['clients_per_round']}) exceeds "
            f"partition.num_clients ({config['partition']['num_clients']})"
        )


_check_config()

DATASETS = {d["name"]: d for d in config["datasets"]}
METHODS = config["grid"]["methods"]
SPARSITIES = [fmt(s) for s in config["grid"]["sparsities"]]
ALPHAS = [fmt(a) for a in config["grid"]["alphas"]]
SEEDS = [str(s) for s in config["grid"]["seeds"]]
NUM_CLIENTS = str(config["partition"]["num_clients"])
PARTITION_SEED = str(config["partition"]["seed"])
# Dense ignores the target sparsity: it runs once per dataset x alpha x seed, recorded as s0.
DENSE_SPARSITY = "0"

# The outputs of `sparsyfed collect` (tidy tables) and of `sparsyfed table`. The paper tables
# and the figures (one module each under src/sparsyfed/analysis/figures/, named like its
# output) are listed once, in the package: TABLE_NAMES and FIGURES.
TIDY_TABLES = ["rounds", "runs", "layers", "mask_iou", "partitions"]
PAPER_TABLES = list(TABLE_NAMES)
TABLE_FORMATS = ["csv", "md", "tex"]

RUN_DIR = "results/runs/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed}"
PARTITION = "results/partitions/{dataset}/alpha{alpha}_n{clients}_seed{pseed}.npz"


def _alternatives(values):
    return "|".join(re.escape(v) for v in values)


wildcard_constraints:
    dataset=_alternatives(DATASETS),
    method=_alternatives(METHODS),
    alpha=r"[0-9]+(\.[0-9]+)?",
    sparsity=r"[0-9]+(\.[0-9]+)?",
    seed=r"[0-9]+",
    clients=r"[0-9]+",
    pseed=r"[0-9]+",


# ---------------------------------------------------------------- the grid


def grid_points():
    """Every run of the grid as wildcard values; dense once per dataset x alpha x seed, at s0."""
    return [
        dict(dataset=dataset, alpha=alpha, method=method, sparsity=sparsity, seed=seed)
        for dataset, alpha, method, seed in product(DATASETS, ALPHAS, METHODS, SEEDS)
        for sparsity in ([DENSE_SPARSITY] if method == "dense" else SPARSITIES)
    ]


RUNS = grid_points()


def partition_path(dataset, alpha):
    return PARTITION.format(
        dataset=dataset, alpha=alpha, clients=NUM_CLIENTS, pseed=PARTITION_SEED
    )


def all_partitions():
    return [partition_path(d, a) for d in DATASETS for a in ALPHAS]


def all_run_summaries():
    return [f"{RUN_DIR.format(**p)}/summary.json" for p in RUNS]


# ---------------------------------------------------------------- settings of a run


def _value(v):
    """A config value as the `sparsyfed run --set` value that YAML parses back to it."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return fmt(v)
    text = str(v)
    if isinstance(v, str) and yaml.safe_load(text) != v:
        return json.dumps(v)  # e.g. a path that YAML would read as a number
    return text


def run_settings(wildcards, rounds=None):
    """Every setting of one run as `key=value` pairs: the config's run section plus the grid point.

    They go to `sparsyfed run --set` and are the rule's params, so changing any of them in the
    config reruns exactly the runs it affects.
    """
    dataset = DATASETS[wildcards.dataset]
    settings = {
        "dataset": wildcards.dataset,
        "data_root": config["data_root"],
        "model": dataset["model"],
        "rounds": dataset["rounds"] if rounds is None else rounds,
        "method": wildcards.method,
        "sparsity": float(wildcards.sparsity),
        "alpha": float(wildcards.alpha),
        "seed": int(wildcards.seed),
        "num_clients": config["partition"]["num_clients"],
        "samples_per_client": config["partition"]["samples_per_client"],
        "partition_seed": config["partition"]["seed"],
        **config["run"],
    }
    pairs = [f"{key}={_value(value)}" for key, value in settings.items()]
    for key, value in config["method_params"].get(wildcards.method, {}).items():
        pairs.append(f"method_params.{key}={_value(value)}")
    return pairs


def smoke_settings(wildcards):
    """Settings of a smoke run: `smoke.rounds` rounds at the grid's first alpha, sparsity, seed."""
    sparsity = DENSE_SPARSITY if wildcards.method == "dense" else SPARSITIES[0]
    point = SimpleNamespace(
        dataset=wildcards.dataset,
        alpha=ALPHAS[0],
        method=wildcards.method,
        sparsity=sparsity,
        seed=SEEDS[0],
    )
    return run_settings(point, rounds=config["smoke"]["rounds"])


# ---------------------------------------------------------------- input functions


def get_run_partition(wildcards):
    return partition_path(wildcards.dataset, wildcards.alpha)


def get_smoke_partition(wildcards):
    return partition_path(wildcards.dataset, ALPHAS[0])


def data_root_option(wildcards=None):
    root = config["data_root"]
    return [] if root is None else ["--data-root", root]


def samples_option(wildcards=None):
    n = config["partition"]["samples_per_client"]
    return [] if n is None else ["--samples-per-client", str(n)]


def analysis_module(relative):
    """Path of a module of the installed `sparsyfed` package, e.g. 'analysis/figures/regrowth.py'.

    Figure and table jobs list the code that draws them as an input, so that editing one
    plotting module reruns that figure only. Found through the import system, so it is the code
    that actually runs, from any working directory.
    """
    spec = importlib.util.find_spec("sparsyfed")
    if spec is None or not spec.submodule_search_locations:
        raise WorkflowError("the sparsyfed package is not installed: pip install -e .")
    path = Path(spec.submodule_search_locations[0]) / relative
    if not path.exists():
        raise WorkflowError(
            f"sparsyfed module {path} not found (is the installed package up to date?)"
        )
    return str(path)


# The code each analysis job runs besides its own module, listed as inputs so that editing it
# reruns exactly the jobs it affects (a figure module reruns its figure only; the shared
# statistics and display names rerun every table and figure; the runs are never rerun).
ANALYSIS_SHARED = ["analysis/stats.py", "analysis/names.py", "analysis/collect.py"]  # collect: read_table
FIGURE_SHARED = ANALYSIS_SHARED + [
    "analysis/style.py",
    "analysis/sparsyfed.mplstyle",
    "analysis/figures/_common.py",
]
TABLE_CODE = ANALYSIS_SHARED + [
    "analysis/tables.py",
    "analysis/shape.py",
    "analysis/render.py",
    "analysis/paper.py",
    "analysis/paper_numbers.csv",
]
CLAIMS_CODE = ANALYSIS_SHARED + [
    "analysis/claims.py",
    "analysis/claims_page.py",
    "analysis/cells.py",
    "analysis/verdicts.py",
    "analysis/layers.py",
    "analysis/paper.py",
    "analysis/paper_numbers.csv",
]
COLLECT_CODE = ["analysis/collect.py"]
# Figures that read more of the package than FIGURE_SHARED.
FIGURE_EXTRA = {
    "relative_accuracy_vs_authors": ["analysis/shape.py", "analysis/paper.py", "analysis/paper_numbers.csv"],
}


def package_files(relatives):
    return [analysis_module(p) for p in relatives]


def figure_code(name):
    """The module that draws figure `name`, plus the shared analysis and style code."""
    return package_files([f"analysis/figures/{name}.py"] + FIGURE_SHARED + FIGURE_EXTRA.get(name, []))


def tidy_tables():
    return expand("results/tables/{table}.csv", table=TIDY_TABLES)


def get_table_output():
    return (
        tidy_tables()
        + expand("paper_figures/{name}.{ext}", name=PAPER_TABLES, ext=TABLE_FORMATS)
        + ["paper_figures/claims.md"]
    )


def get_figure_output():
    return expand("paper_figures/{name}.{ext}", name=FIGURES, ext=["pdf", "png"])


def get_smoke_output():
    return expand(
        "results/smoke/{dataset}/{method}/summary.json",
        dataset=DATASETS,
        method=METHODS,
    )


def get_final_output():
    return get_table_output() + get_figure_output()
