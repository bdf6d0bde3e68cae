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

from sparsyfed import catalog, record
from sparsyfed.analysis.outputs import EXPERIMENT_TABLE_NAMES, FIGURES, TABLE_NAMES
from sparsyfed.grid import Grid
from sparsyfed.sparse import spectral

REPO = Path(__file__).resolve().parents[2]
SNAKEFILE = REPO / "Snakefile"
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
CONFIGS = {
    "default": REPO / "config" / "config.yaml",
    "paper": REPO / "config" / "paper.yaml",
    "reference": REPO / "config" / "reference.yaml",
    "tiny": REPO / "tests" / "workflow" / "config_tiny.yaml",
    "fsdd": REPO / "config" / "fsdd.yaml",
}


@pytest.fixture(scope="module", autouse=True)
def sparsyfed_command():
    """The rules call the `sparsyfed` command: without it these tests cannot run, so they fail."""
    assert shutil.which("sparsyfed"), "the sparsyfed command is not on PATH: pip install -e ."


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


def planned_runs(output: str) -> list[str]:
    """The run folders (below results/) of the simulate jobs a Snakemake output shows."""
    return re.findall(r"rule simulate:\n(?:    .*\n)*?    wildcards: run=(\S+)", output)


def expected_counts(config: dict) -> dict[str, int]:
    """Jobs the grid of `config` implies: dense once per dataset x alpha x seed, sparse methods
    at every sparsity; one data check per dataset, one partition per dataset x alpha."""
    grid = config["grid"]
    datasets, alphas, seeds = len(config["datasets"]), len(grid["alphas"]), len(grid["seeds"])
    per_cell = sum(1 if catalog.method(m).role == catalog.REFERENCE else len(grid["sparsities"])
                   for m in grid["methods"])
    counts = {
        "data_check": datasets,
        "data_partition": datasets * alphas,
        "settings": datasets * alphas * seeds * per_cell,
        "simulate": datasets * alphas * seeds * per_cell,
        "collect_tables": 1,
        "tables_claims": 1,
        "report_page": 1,
        "all": 1,
    }
    counts.update({f"tables_{name}": 1 for name in TABLE_NAMES})
    counts.update({f"figures_{name}": 1 for name in FIGURES})
    counts["total"] = sum(counts.values())
    return counts


def expected_experiment_counts(config: dict, target: str) -> dict[str, int]:
    """Jobs of an experiment's target, counted from the config (see config/README.md): the beta sweep
    runs every exponent at every seed; the corrected experiment runs each behaviour's methods corrected
    in its cells, and as ran, where the grid's runs of the same settings are reused."""
    spec, grid = config["experiments"][target], config["grid"]
    seeds = spec["seeds"] or grid["seeds"]
    if target == "beta_sweep":
        runs = (len(spec["betas"]) + len(spec["exponents"])) * len(seeds)
        counts = {"data_check": 1, "data_partition": 1, "settings": runs, "simulate": runs,
                  "collect_experiment": 1, "tables_beta_sensitivity": 1, "figures_beta_sensitivity": 1,
                  "beta_sweep": 1}
    else:
        datasets = spec["datasets"] or [d["name"] for d in config["datasets"]]
        alphas, sparsities = spec["alphas"] or grid["alphas"], spec["sparsities"] or grid["sparsities"]
        behaviours = [catalog.behaviour(b) for b in spec["behaviours"]]
        # (the grid's runs are as the authors ran them: a behaviour's parameter is absent or its as-ran value)
        assert all(config["method_params"].get(m, {}).get(b.param, b.as_ran) == b.as_ran
                   for b in behaviours for m in b.methods)
        per_method = len(datasets) * len(alphas) * len(sparsities) * len(seeds)
        in_grid = len(datasets) * len(set(alphas) & set(grid["alphas"])) * len(
            set(sparsities) & set(grid["sparsities"])) * len(set(seeds) & set(grid["seeds"]))
        methods = {m for b in behaviours for m in b.methods}
        reused = sum(in_grid for m in methods if m in grid["methods"])
        new = sum(len(b.methods) for b in behaviours) * per_method + len(methods) * per_method - reused
        counts = {"data_check": len(datasets), "data_partition": len(datasets) * len(alphas),
                  "settings": new + reused, "simulate": new + reused, "collect_experiment": 1,
                  "tables_corrected": 1, "corrected": 1}
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


@pytest.mark.parametrize("name", ["paper", "tiny", "fsdd"])
def test_dry_run_plans_the_grid(name, tmp_path):
    result = snakemake("-n", "--configfile", str(CONFIGS[name]), workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert job_counts(result.stdout) == expected_counts(load(name))


def test_default_dry_run_plans_the_grid(default_plan):
    assert job_counts(default_plan) == expected_counts(load("default"))
    assert job_counts(default_plan)["simulate"] == (5 * 2 + 1) * 3 * 3 == 99


def test_fsdd_grid_size():
    """FSDD: 5 sparse methods x 2 sparsities + dense, x 3 alphas x 2 seeds; 30 clients x 80 recordings."""
    config = load("fsdd")
    assert expected_counts(config)["simulate"] == (5 * 2 + 1) * 3 * 2 == 66
    assert config["partition"] == {"num_clients": 30, "samples_per_client": 80, "seed": 1337}


@pytest.mark.parametrize("name", ["default", "paper"])  # the tiny config's run end to end below
@pytest.mark.parametrize("target", ["beta_sweep", "corrected"])
def test_dry_run_plans_an_experiment(name, target, tmp_path):
    result = snakemake("-n", target, "--configfile", str(CONFIGS[name]), workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert job_counts(result.stdout) == expected_experiment_counts(load(name), target)


def test_an_experiments_own_runs_target_plans_only_those(tmp_path):
    """`corrected_runs`: the corrected experiment's runs that are not the grid's, and nothing else."""
    result = snakemake("-n", "-p", "corrected_runs", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    own = sorted(d.removeprefix("results/") for d, run in Grid(load("default")).experiment_runs("corrected").items()
                 if not run.in_grid)
    assert len(own) == 45 and sorted(planned_runs(result.stdout)) == own
    assert "collect" not in " ".join(job_counts(result.stdout))


def test_experiment_sizes_of_the_shipped_configs():
    """The sizes the configs' comments state: the default scale's sweep and ablation, the paper's."""
    default, paper = load("default"), load("paper")
    assert expected_experiment_counts(default, "beta_sweep")["simulate"] == 10 * 5
    # 5 corrected runs (SparsyFed and ZeroFL twice, FLASH once) + 3 as ran, at 3 alphas x 3 seeds;
    # the seeds are the grid's, so every as-ran run is the grid's own (test_experiment_paths_name_what_they_vary)
    assert expected_experiment_counts(default, "corrected")["simulate"] == 45 + 27
    assert expected_experiment_counts(paper, "beta_sweep")["simulate"] == 10 * 3
    assert paper["experiments"]["beta_sweep"] | {"seeds": None} == {
        "dataset": "cifar10", "betas": [1.0, 1.125, 1.25, 1.375, 2.0, 2.25, 2.75, 3.0, 4.0],
        "exponents": ["spectral"], "alpha": 1.0, "sparsity": 0.95, "seeds": None}
    assert expected_experiment_counts(paper, "corrected")["simulate"] == 135 + 81


def test_experiment_paths_name_what_they_vary(tmp_path):
    result = snakemake("-n", "beta_sweep", "corrected", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    out = result.stdout
    assert "results/experiments/beta_sweep/runs/beta1/fashion_mnist/alpha1/sparsyfed/s0.95/seed5378/" in out
    assert "results/experiments/beta_sweep/runs/betaspectral/fashion_mnist/alpha1/sparsyfed/s0.95/seed8263" in out
    assert "results/experiments/corrected/runs/flash_mask-corrected/fashion_mnist/alpha0.1/flash/s0.95/seed2035" in out
    # as ran: the grid's own run (every seed of the experiment is the grid's)
    assert "results/experiments/corrected/runs/grid/" not in out
    runs = planned_runs(out)
    assert sum(r.startswith("runs/") for r in runs) == 27 and sum(r.startswith("experiments/") for r in runs) == 45 + 50
    assert "results/runs/fashion_mnist/alpha1000/zerofl/s0.95/seed2035/summary.json" in out
    assert "results/runs/fashion_mnist/alpha0.1/sparsyfed/s0.95/seed9421/summary.json" in out  # the grid's own
    assert "paper_figures/table1" not in out  # the experiments are not the grid's tables


def test_paper_grid_size():
    """The paper's grid: 3 datasets x (5 sparse methods x 5 sparsities + dense) x 3 alphas x 3 seeds."""
    config = load("paper")
    assert expected_counts(config)["simulate"] == 3 * (5 * 5 + 1) * 3 * 3 == 702
    # + data 3, partitions 9, collect, 5 tables, claims, 8 figures, report, all; one settings file per run
    assert expected_counts(config)["total"] == 731 + 702


def test_paths_name_the_grid_point(default_plan):
    out = default_plan
    for alpha in ("1000", "1", "0.1"):
        assert f"results/partitions/fashion_mnist/alpha{alpha}_n100_seed1337.npz" in out
    assert "results/runs/fashion_mnist/alpha0.1/sparsyfed/s0.95/seed9421/summary.json" in out
    assert "results/runs/fashion_mnist/alpha1000/dense/s0/seed5378/summary.json" in out
    assert "alpha1000.0" not in out and "alpha1.0" not in out and "/dense/s0.9" not in out
    # a run reads every setting from its settings file (tests/test_grid.py checks the content)
    run = next(line for line in out.splitlines() if "sparsyfed run" in line and "/zerofl/s0.95/" in line)
    assert re.search(r"--config (results/runs/fashion_mnist/alpha[0-9.]+/zerofl/s0\.95/seed[0-9]+)/settings\.yaml "
                     r"--set threads=1 --out \1 --record-failure", run), run


def test_slurm_profile_plans_without_sbatch(tmp_path):
    """The profile parses and the paper grid plans through it (a dry run never calls sbatch);
    simulate jobs get the config's GPU, and an account/partition given on the command line reach
    every job."""
    result = snakemake("-n", "--profile", str(REPO / "profiles" / "slurm"), "--configfile", str(CONFIGS["paper"]),
                       "--default-resources", "slurm_account=abc", "slurm_partition=cpu", workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert job_counts(result.stdout)["simulate"] == 702
    run_resources = [line for line in result.stdout.splitlines()
                     if line.strip().startswith("resources:") and "gpu=" in line]
    assert run_resources and all("gpu=1" in line and "slurm_account=abc" in line for line in run_resources)


def test_smoke_target(tmp_path):
    config = load("default")
    result = snakemake("-n", "smoke", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    counts = job_counts(result.stdout)
    runs = len(config["datasets"]) * len(config["grid"]["methods"])
    assert counts["simulate"] == counts["settings"] == runs and counts["smoke"] == 1
    assert sorted(planned_runs(result.stdout)) == sorted(f"smoke/{d['name']}/{m}" for d in config["datasets"]
                                                         for m in config["grid"]["methods"])


def test_smoke_target_names_each_failed_run(tmp_path):
    """Smoke runs record a crash as every run does; the target then fails, naming each failed run."""
    config = load("tiny")
    config["grid"]["methods"] = ["dense", "topk"]
    path = tmp_path / "smoke.yaml"
    path.write_text(yaml.safe_dump(config))
    hooks = REPO / "tests" / "hooks"  # the injected faults (tests/hooks/injected_faults.py)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")])),
           "SPARSYFED_HOOKS": "injected_faults", "SPARSYFED_TEST_CRASH": "method=topk,round=1"}
    work = tmp_path / "work"
    result = snakemake("--cores", "2", "smoke", "--configfile", str(path), workdir=work, env=env)
    assert result.returncode != 0
    assert "results/smoke/fashion_mnist/topk: failed: InjectedCrash" in result.stdout, result.stdout[-3000:]
    assert "results/smoke/fashion_mnist/dense" not in (work / "logs" / "smoke.log").read_text()
    assert "smoke: 1 of 2 runs failed" in result.stdout and "--forcerun simulate" in result.stdout


# ---------------------------------------------------------------- lint, schema, configs


def test_lint_finds_nothing(tmp_path):
    result = snakemake("--lint", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    assert result.returncode == 0 and "Congratulations" in result.stdout, result.stdout[-3000:]
    assert "Lints for" not in result.stdout, result.stdout[-3000:]


def test_the_conda_environment_installs_this_package():
    """Every rule names workflow/envs/sparsyfed.yaml (the lint test checks each rule has one); it
    installs the package from the workflow's folder, and through it pyproject.toml's dependencies."""
    spec = yaml.safe_load((REPO / "workflow" / "envs" / "sparsyfed.yaml").read_text())
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    assert "-e ${SPARSYFED_ROOT}" in pip and "pip" in spec["dependencies"]
    common = (REPO / "workflow" / "rules" / "common.smk").read_text()
    assert "os.environ.update(SPARSYFED_ROOT=workflow.basedir)" in common


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
    (lambda c: c["experiments"]["beta_sweep"].update(betas=[0.5, 1.25]), ["experiments.beta_sweep.betas.0"]),
    (lambda c: c["experiments"]["beta_sweep"].update(exponents=["spectral_mean"]), ["beta_sweep.exponents.0"]),
    (lambda c: c["experiments"]["corrected"].update(behaviours=["shortcut"]), ["corrected.behaviours.0"]),
    (lambda c: c["experiments"]["corrected"].update(sparsities=[1.0]), ["corrected.sparsities.0"]),
    (lambda c: c["experiments"].update(gamma_sweep={}), ["gamma_sweep"]),
], ids=["unknown-key", "unknown-section", "sparsity-above-1", "sparsity-0", "unknown-method", "alpha-0",
        "fixed-param", "beta-range", "unknown-model", "unknown-resource", "bad-device", "sweep-beta-below-1",
        "unknown-exponent", "unknown-behaviour", "corrected-sparsity-1", "unknown-experiment"])
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


@pytest.mark.parametrize("name", ["default", "paper", "reference", "tiny", "fsdd"])
def test_configs_write_every_section(name):
    """Snakemake merges a --configfile into config/config.yaml key by key, so a section missing
    from paper.yaml would silently take the laptop value: every config writes them all."""
    schema = yaml.safe_load(SCHEMA.read_text())
    props = schema["properties"]
    config = load(name)
    assert set(config) == set(props)
    for section in ("partition", "run", "smoke", "resources"):
        assert set(config[section]) == set(props[section]["properties"]), section
    # a method without parameters in the config runs with its defaults; the configs list the same ones
    assert set(config["method_params"]) == set(load("default")["method_params"])
    assert set(config["method_params"]) <= set(props["method_params"]["properties"])
    assert set(config["resources"]["simulate"]) == set(props["resources"]["properties"]["simulate"]["properties"])
    for step in ("data", "analysis"):
        assert set(config["resources"][step]) == set(schema["$defs"]["resources"]["properties"]), step
    for experiment in ("beta_sweep", "corrected", "capacity"):
        assert set(config["experiments"][experiment]) == \
            set(props["experiments"]["properties"][experiment]["properties"]), experiment


def test_schema_defaults_of_the_experiments():
    """A config without an `experiments` section gets the authors' sweep and every behaviour, at the
    grid's seeds (the schema holds the defaults; Snakemake fills them in)."""
    from snakemake.utils import validate

    config = load("tiny")
    del config["experiments"]
    validate(config, str(SCHEMA))
    assert config["experiments"] == {
        "beta_sweep": {"dataset": None, "betas": [1.0, 1.125, 1.25, 1.375, 2.0, 2.25, 2.75, 3.0, 4.0],
                       "exponents": ["spectral"], "alpha": 1.0, "sparsity": 0.95, "seeds": None},
        "corrected": {"behaviours": list(catalog.ids(catalog.BEHAVIOURS)), "datasets": None, "alphas": None,
                      "sparsities": [0.95], "seeds": None},
        "capacity": {"dataset": None, "widths": [1.0, 2.0, 4.0], "alphas": [0.1], "sparsities": [0.9, 0.95],
                     "methods": None, "seeds": None,
                     "length": {"width": 1.0, "rounds_factor": 2, "alpha": 0.1, "sparsity": 0.95},
                     "regrowth": {"model": "resnet18_cifar", "width": 1.0, "rounds": 3, "alpha": 0.1, "sparsity": 0.95,
                                  "methods": ["sparsyfed", "topk", "zerofl"], "seeds": None},
                     "report": False}}


def test_schema_ids_match_the_catalogue():
    """One id per method, dataset and model: the schema's enums are the catalogue's ids."""
    schema = yaml.safe_load(SCHEMA.read_text())
    dataset_item = schema["properties"]["datasets"]["items"]["properties"]
    methods = set(catalog.ids(catalog.METHODS))
    assert set(schema["$defs"]["method_id"]["enum"]) == methods
    assert set(schema["properties"]["method_params"]["properties"]) == methods
    assert set(dataset_item["name"]["enum"]) == set(catalog.ids(catalog.DATASETS))
    assert set(dataset_item["model"]["enum"]) == set(catalog.ids(catalog.MODELS))
    assert schema["$defs"]["behaviour_id"]["enum"] == list(catalog.ids(catalog.BEHAVIOURS))
    assert schema["$defs"]["spectral_variant"]["enum"] == list(catalog.ids(catalog.SPECTRAL_VARIANTS))
    assert schema["$defs"]["spectral_scope"]["enum"] == list(spectral.SCOPES)
    assert schema["$defs"]["spectral_sigma"]["enum"] == list(spectral.SIGMAS)


def test_every_report_output_has_a_caption():
    for name in (*FIGURES, *TABLE_NAMES, *EXPERIMENT_TABLE_NAMES, "beta_sensitivity_figure", "claims", "workflow"):
        assert (REPO / "workflow" / "report" / f"{name}.rst").is_file(), name


# ---------------------------------------------------------------- end to end


def test_tiny_config_end_to_end(tmp_path):
    """The whole DAG of the tiny config on CPU: every table and figure and the report page; then naming
    reference tables adds the agreement page; editing one figure module reruns that figure (and the
    page showing it) only; then the HTML report builds.

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
    wanted = [work / "results" / "tables" / f"{t}.csv" for t in record.TIDY_TABLES]
    wanted += [work / "paper_figures" / f"{t}.{ext}" for t in TABLE_NAMES for ext in ("csv", "md", "tex")]
    wanted += [work / "paper_figures" / f"{f}.{ext}" for f in FIGURES for ext in ("pdf", "png")]
    wanted += [work / "paper_figures" / "claims.md", work / "paper_figures" / "report.md"]
    missing = [str(p.relative_to(work)) for p in wanted if not p.is_file() or p.stat().st_size == 0]
    assert not missing
    runs = pd.read_csv(work / "results" / "tables" / "runs.csv")
    assert len(runs) == expected["simulate"]
    assert (runs["status"] == "ok").all(), runs[["method", "sparsity", "status", "error"]]
    assert set(runs[record.SCALE]) == {config["scale"]}  # the collect rule passes the config's scale
    for page in ("claims.md", "report.md"):
        assert f"\n\nScale: **{config['scale']}**: Fashion-MNIST with small_cnn; 10 clients × 20 samples" \
            in (work / "paper_figures" / page).read_text(), page
    assert not list(work.glob("results/runs/**/checkpoint.pt"))  # finished runs leave no checkpoint
    assert (work / "logs" / "simulate" / "runs").is_dir()
    assert (work / "results" / "benchmarks" / "simulate" / "runs").is_dir()

    # Nothing to do when nothing changed
    plan = snakemake("-n", "--configfile", str(CONFIGS["tiny"]), workdir=work, env=env)
    assert plan.returncode == 0 and "Nothing to be done" in plan.stdout, plan.stdout[-3000:]

    # Naming a reference grid's tables (here the grid's own) adds the agreement page, and the report links it;
    # the plans below keep naming them
    tiny = ["--configfile", str(CONFIGS["tiny"]), "--config", "reference_tables=results/tables"]
    result = snakemake("--cores", "2", *tiny, workdir=work, env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    assert job_counts(result.stdout) == {"agreement": 1, "report_page": 1, "all": 1, "total": 3}
    assert "[agreement.md](agreement.md)" in (work / "paper_figures" / "report.md").read_text()
    agreement = (work / "paper_figures" / "agreement.md").read_text()
    assert "| cells with every conclusive pair conclusive the same way here |" in agreement

    # Editing one figure module reruns that figure (and the report page showing it) only
    module = package / "sparsyfed" / "analysis" / "figures" / "regrowth.py"
    module.write_text(module.read_text() + "\n# restyled\n")
    plan = snakemake("-n", *tiny, workdir=work, env=env)
    assert plan.returncode == 0, plan.stdout[-3000:]
    assert job_counts(plan.stdout) == {"figures_regrowth": 1, "report_page": 1, "all": 1, "total": 3}

    # Editing the shared statistics reruns every table, figure and the claims, but no run and not collect
    stats = package / "sparsyfed" / "analysis" / "stats.py"
    stats.write_text(stats.read_text() + "\n# edited\n")
    plan = snakemake("-n", *tiny, workdir=work, env=env)
    counts = job_counts(plan.stdout)
    assert {k for k in counts if k.startswith("figures_")} == {f"figures_{f}" for f in FIGURES}
    assert counts["tables_claims"] == 1 and "collect_tables" not in counts and "simulate" not in counts

    # Changing one method's setting reruns exactly that method's runs (their settings files change)
    changed = load("tiny")
    changed["method_params"]["zerofl"]["mask_ratio"] = 0.05
    changed["reference_tables"] = "results/tables"
    config = tmp_path / "changed.yaml"
    config.write_text(yaml.safe_dump(changed))
    plan = snakemake("-n", "-p", "--configfile", str(config), workdir=work, env=env)
    counts = job_counts(plan.stdout)
    assert counts["settings"] == counts["simulate"] == len(changed["grid"]["sparsities"])
    reruns = [line for line in plan.stdout.splitlines() if "sparsyfed run --config" in line]
    assert reruns and all("/zerofl/" in line for line in reruns)

    # The report builds from the finished workflow
    report = snakemake("--configfile", str(CONFIGS["tiny"]), "--report", str(work / "report.html"),
                       workdir=work, env=env)
    assert report.returncode == 0, report.stdout[-3000:]
    assert (work / "report.html").stat().st_size > 0

    # The experiments: the corrected one reuses the grid's runs as its as-ran runs
    plan = snakemake("-n", "corrected", "--configfile", str(CONFIGS["tiny"]), workdir=work, env=env)
    counts = job_counts(plan.stdout)
    assert planned_runs(plan.stdout) == ["experiments/corrected/runs/flash_mask-corrected/fashion_mnist/alpha0.1/"
                                         "flash/s0.9/seed5378"], plan.stdout[-3000:]
    result = snakemake("--cores", "2", "beta_sweep", "corrected", "--configfile", str(CONFIGS["tiny"]),
                       workdir=work, env=env)
    assert result.returncode == 0, result.stdout[-4000:]
    figures = work / "paper_figures"
    for path in [figures / f"beta_sensitivity.{ext}" for ext in ("csv", "md", "tex", "pdf", "png")] + \
            [figures / f"corrected.{ext}" for ext in ("csv", "md", "tex")]:
        assert path.is_file() and path.stat().st_size > 0, path
    sweep = pd.read_csv(figures / "beta_sensitivity.csv")
    assert list(sweep["exponent"]) == ["1", "spectral"] and (sweep["acc_n"] == 1).all()
    assert 1.0 < sweep["beta"].iloc[1] < 1.25  # the spectral betas the runs recorded
    table = pd.read_csv(figures / "corrected.csv")
    assert list(zip(table["behaviour"], table["method"], strict=True)) == [("flash_mask", "flash")]
    assert table["acc_delta_n"].tolist() == [1]
    runs = pd.read_csv(work / "results" / "experiments" / "corrected" / "tables" / "runs.csv")
    assert sorted(runs["run_dir"].str.split("/").str[1]) == ["experiments", "runs"]  # the grid's run, as ran


def test_review_reads_the_tables_of_the_experiments_packed_in_the_reference(tmp_path):
    """An experiment packed beside the grid (reference/experiments/<name>/tables) is an input of `review`."""
    shutil.copytree(REPO / "reference", tmp_path / "reference")
    tables = tmp_path / "reference" / "experiments" / "corrected" / "tables"
    if not tables.is_dir():  # a reference packed without it: a stand-in (the grid's tables) is enough to plan
        tables.mkdir(parents=True)
        for path in (REPO / "reference" / "tables").glob("*.csv"):
            shutil.copy(path, tables)
    result = snakemake("-n", "review", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "reference/experiments/corrected/tables/runs.csv" in result.stdout
