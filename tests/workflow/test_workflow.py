"""The Snakemake workflow: dry runs of every config, lint, schema errors, the SLURM profile, and
one end-to-end run of the tiny config that produces every table and figure.

Every Snakemake call runs in its own temporary working directory (`--directory`), so results
already in the repository never change what is planned, and nothing is written into the tree.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SNAKEFILE = REPO / "Snakefile"
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
CONFIGS = {
    "default": REPO / "config" / "config.yaml",
    "paper": REPO / "config" / "paper.yaml",
    "tiny": REPO / "tests" / "workflow" / "config_tiny.yaml",
}
TIDY_TABLES = ["rounds", "runs", "layers", "mask_iou", "partitions"]
LINTS_ACCEPTED = {
    # The rules run in the project's own environment (pyproject.toml / environment.yml, which
    # pin the versions); a per-rule conda env would have to install the package itself and
    # state every version a second time.
    "Specify a conda environment or container for each rule.",
}

pytestmark = pytest.mark.skipif(shutil.which("sparsyfed") is None,
                                reason="the sparsyfed command is not installed (pip install -e .)")


def snakemake(*args: str, workdir: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run Snakemake on the project's Snakefile in `workdir`; stdout and stderr together."""
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE), "--directory", str(workdir), *args]
    return subprocess.run(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run as {rule: count} (with 'total')."""
    start = output.index("Job stats:")
    counts = {}
    for line in output[start:].splitlines()[3:]:
        match = re.match(r"^(\S+)\s+(\d+)$", line.strip())
        if not match:
            break
        counts[match.group(1)] = int(match.group(2))
    return counts


def expected_counts(config: dict) -> dict[str, int]:
    """Jobs the grid of `config` implies: dense once per dataset x alpha x seed, sparse methods
    at every sparsity; one data check per dataset, one partition per dataset x alpha."""
    grid = config["grid"]
    datasets, alphas, seeds = len(config["datasets"]), len(grid["alphas"]), len(grid["seeds"])
    per_cell = sum(1 if m == "dense" else len(grid["sparsities"]) for m in grid["methods"])
    counts = {
        "data_check": datasets,
        "data_partition": datasets * alphas,
        "simulate_run": datasets * alphas * seeds * per_cell,
        "collect_tables": 1,
        "tables_claims": 1,
        "all": 1,
    }
    from sparsyfed.analysis.commands import TABLE_NAMES
    from sparsyfed.analysis.figures import FIGURES

    counts.update({f"tables_{name}": 1 for name in TABLE_NAMES})
    counts.update({f"figures_{name}": 1 for name in FIGURES})
    counts["total"] = sum(counts.values())
    return counts


def load(name: str) -> dict:
    return yaml.safe_load(CONFIGS[name].read_text())


# ---------------------------------------------------------------- dry runs


@pytest.fixture(scope="module")
def default_plan(tmp_path_factory) -> str:
    """The dry run of config/config.yaml, with shell commands."""
    result = snakemake("-n", "-p", "--configfile", str(CONFIGS["default"]), workdir=tmp_path_factory.mktemp("plan"))
    assert result.returncode == 0, result.stdout[-3000:]
    return result.stdout


@pytest.mark.parametrize("name", ["paper", "tiny"])
def test_dry_run_plans_the_grid(name, tmp_path):
    result = snakemake("-n", "--configfile", str(CONFIGS[name]), workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert job_counts(result.stdout) == expected_counts(load(name))


def test_default_dry_run_plans_the_grid(default_plan):
    assert job_counts(default_plan) == expected_counts(load("default"))
    assert job_counts(default_plan)["simulate_run"] == 96


def test_paper_grid_size():
    """The paper's grid: 3 datasets x (5 sparse methods x 5 sparsities + dense) x 3 alphas x 3 seeds."""
    config = load("paper")
    assert expected_counts(config)["simulate_run"] == 3 * (5 * 5 + 1) * 3 * 3 == 702
    assert expected_counts(config)["total"] == 728  # + data 3, partitions 9, collect, 4 tables, claims, 7 figures, all


def test_paths_name_the_grid_point(default_plan):
    out = default_plan
    for alpha in ("1000", "1", "0.1"):
        assert f"results/partitions/fashion_mnist/alpha{alpha}_n100_seed1337.npz" in out
    assert "results/runs/fashion_mnist/alpha0.1/sparsyfed/s0.95/seed9421/summary.json" in out
    assert "results/runs/fashion_mnist/alpha1000/dense/s0/seed5378/summary.json" in out
    assert "alpha1000.0" not in out and "alpha1.0" not in out and "/dense/s0.9" not in out
    # every run setting is on the command line, so the log shows it and params trigger reruns
    run = next(line for line in out.splitlines() if "sparsyfed run" in line and "/zerofl/s0.99/" in line)
    for setting in ("method=zerofl", "sparsity=0.99", "rounds=10", "samples_per_client=100",
                    "lr=0.5", "weight_decay=0.001", "device=cpu", "method_params.mask_ratio=0",
                    "--record-failure"):
        assert setting in run


def test_slurm_profile_plans_without_sbatch(tmp_path):
    """The profile parses and the paper grid plans through it (a dry run never calls sbatch);
    simulate jobs get the config's GPU, and an account/partition given on the command line reach
    every job."""
    result = snakemake("-n", "--profile", str(REPO / "profiles" / "slurm"), "--configfile", str(CONFIGS["paper"]),
                       "--default-resources", "slurm_account=abc", "slurm_partition=cpu", workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert job_counts(result.stdout)["simulate_run"] == 702
    run_resources = [line for line in result.stdout.splitlines()
                     if line.strip().startswith("resources:") and "gpu=" in line]
    assert run_resources and all("gpu=1" in line and "slurm_account=abc" in line for line in run_resources)


def test_smoke_target(tmp_path):
    config = load("default")
    result = snakemake("-n", "smoke", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    counts = job_counts(result.stdout)
    assert counts["simulate_smoke"] == len(config["datasets"]) * len(config["grid"]["methods"])
    assert "simulate_run" not in counts


# ---------------------------------------------------------------- lint, schema, configs


def test_lint_has_only_accepted_warnings(tmp_path):
    result = snakemake("--lint", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    assert "Lints for" in result.stdout or "Congratulations" in result.stdout, result.stdout[-3000:]
    titles = set(re.findall(r"^\s+\* (.+?):?$", result.stdout, flags=re.MULTILINE))
    assert titles <= LINTS_ACCEPTED, titles - LINTS_ACCEPTED


def schema_errors(config: dict) -> str:
    """Every schema error of `config` as 'path: message' lines (the schema alone, in-process)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(yaml.safe_load(SCHEMA.read_text()))
    return "\n".join(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(config))


def test_configs_are_valid():
    for name in CONFIGS:
        assert schema_errors(load(name)) == "", name


@pytest.mark.parametrize("edit, names", [
    (lambda c: c["run"].update(learning_rate=0.1), ["learning_rate"]),
    (lambda c: c.update(grids={}), ["grids"]),
    (lambda c: c["grid"].update(sparsities=[0.9, 1.5]), ["grid.sparsities.1", "1.5"]),
    (lambda c: c["grid"].update(sparsities=[0]), ["grid.sparsities.0"]),
    (lambda c: c["grid"].update(methods=["dense", "fedavg"]), ["grid.methods.1", "fedavg"]),
    (lambda c: c["grid"].update(alphas=[0]), ["grid.alphas.0"]),
    (lambda c: c["method_params"]["sparsyfed_noact"].update(activation_pruning=True), ["activation_pruning"]),
    (lambda c: c["method_params"]["sparsyfed"].update(beta=0.5), ["method_params.sparsyfed.beta"]),
    (lambda c: c["datasets"][0].update(model="resnet50"), ["datasets.0.model", "resnet50"]),
    (lambda c: c["resources"]["simulate"].update(gpus=1), ["gpus"]),
    (lambda c: c["run"].update(device="tpu"), ["run.device"]),
], ids=["unknown-key", "unknown-section", "sparsity-above-1", "sparsity-0", "unknown-method", "alpha-0",
        "fixed-param", "beta-range", "unknown-model", "unknown-resource", "bad-device"])
def test_schema_rejects_naming_the_key(edit, names):
    config = load("tiny")
    edit(config)
    errors = schema_errors(config)
    for name in names:
        assert name in errors, errors


@pytest.mark.parametrize("edit, names", [
    (lambda c: c["grid"].update(methods=["dense", "fedavg"]), ["fedavg", "['grid']['methods'][1]"]),
    (lambda c: c["run"].update(clients_per_round=500), ["run.clients_per_round", "partition.num_clients"]),
], ids=["schema", "cross-check"])
def test_bad_config_stops_snakemake_naming_the_key(edit, names, tmp_path):
    config = load("tiny")
    edit(config)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    result = snakemake("-n", "--configfile", str(bad), workdir=tmp_path)
    assert result.returncode != 0
    for name in names:
        assert name in result.stdout, result.stdout[-2000:]


@pytest.mark.parametrize("name", ["default", "paper", "tiny"])
def test_configs_write_every_section(name):
    """Snakemake merges a --configfile into config/config.yaml key by key, so a section missing
    from paper.yaml would silently take the laptop value: every config writes them all."""
    schema = yaml.safe_load(SCHEMA.read_text())
    props = schema["properties"]
    config = load(name)
    assert set(config) == set(props)
    for section in ("partition", "run", "method_params", "smoke", "resources"):
        assert set(config[section]) == set(props[section]["properties"]), section
    assert set(config["resources"]["simulate"]) == set(props["resources"]["properties"]["simulate"]["properties"])
    for step in ("data", "analysis"):
        assert set(config["resources"][step]) == set(schema["$defs"]["resources"]["properties"]), step


def test_schema_ids_match_the_package():
    """One id per method, dataset and model everywhere: the schema's enums are the registries."""
    from sparsyfed.data.registry import DATASETS
    from sparsyfed.methods import METHODS
    from sparsyfed.models import MODELS

    schema = yaml.safe_load(SCHEMA.read_text())
    dataset_item = schema["properties"]["datasets"]["items"]["properties"]
    assert set(schema["$defs"]["method_id"]["enum"]) == set(METHODS)
    assert set(schema["properties"]["method_params"]["properties"]) == set(METHODS)
    assert set(dataset_item["name"]["enum"]) == set(DATASETS)
    assert set(dataset_item["model"]["enum"]) == set(MODELS)


def test_every_report_output_has_a_caption():
    from sparsyfed.analysis.commands import TABLE_NAMES
    from sparsyfed.analysis.figures import FIGURES

    for name in (*FIGURES, *TABLE_NAMES, "claims", "workflow"):
        assert (REPO / "workflow" / "report" / f"{name}.rst").is_file(), name


# ---------------------------------------------------------------- end to end


def test_tiny_config_end_to_end(tmp_path):
    """The whole DAG of the tiny config on CPU: every table and figure; then editing one figure
    module reruns that figure only; then the HTML report builds.

    The package is copied and put first on PYTHONPATH, so that its figure module can be edited
    without touching the source tree (the jobs' `sparsyfed` command imports the copy too)."""
    import sparsyfed

    package = tmp_path / "pkg"
    shutil.copytree(Path(sparsyfed.__file__).parent, package / "sparsyfed",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(package), os.environ.get("PYTHONPATH", "")])}
    work = tmp_path / "work"
    work.mkdir()
    config = load("tiny")
    expected = expected_counts(config)

    # Execute
    result = snakemake("--cores", "2", "--configfile", str(CONFIGS["tiny"]), workdir=work, env=env)

    # Assert: every output, every run collected and finished
    assert result.returncode == 0, result.stdout[-4000:]
    from sparsyfed.analysis.commands import TABLE_NAMES
    from sparsyfed.analysis.figures import FIGURES

    wanted = [work / "results" / "tables" / f"{t}.csv" for t in TIDY_TABLES]
    wanted += [work / "paper_figures" / f"{t}.{ext}" for t in TABLE_NAMES for ext in ("csv", "md", "tex")]
    wanted += [work / "paper_figures" / f"{f}.{ext}" for f in FIGURES for ext in ("pdf", "png")]
    wanted += [work / "paper_figures" / "claims.md"]
    missing = [str(p.relative_to(work)) for p in wanted if not p.is_file() or p.stat().st_size == 0]
    assert not missing
    runs = pd.read_csv(work / "results" / "tables" / "runs.csv")
    assert len(runs) == expected["simulate_run"]
    assert (runs["status"] == "ok").all(), runs[["method", "sparsity", "status", "error"]]
    assert not list(work.glob("results/runs/**/checkpoint.pt"))  # finished runs leave no checkpoint
    assert (work / "logs" / "simulate_run").is_dir() and (work / "results" / "benchmarks" / "simulate_run").is_dir()

    # Editing one figure module reruns that figure only
    module = package / "sparsyfed" / "analysis" / "figures" / "regrowth.py"
    module.write_text(module.read_text() + "\n# restyled\n")
    plan = snakemake("-n", "--configfile", str(CONFIGS["tiny"]), workdir=work, env=env)
    assert plan.returncode == 0, plan.stdout[-3000:]
    assert job_counts(plan.stdout) == {"figures_regrowth": 1, "all": 1, "total": 2}

    # The report builds from the finished workflow
    report = snakemake("--configfile", str(CONFIGS["tiny"]), "--report", str(work / "report.html"),
                       workdir=work, env=env)
    assert report.returncode == 0, report.stdout[-3000:]
    assert (work / "report.html").stat().st_size > 0
