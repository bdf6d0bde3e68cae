"""The capacity experiment through the workflow (`snakemake capacity`): what every shipped config plans,
counted from the config by hand, and a tiny ladder run end to end, then shown in the report.

Every Snakemake call runs in its own temporary working directory (`--directory`), as in test_workflow.py.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate
from test_workflow import CONFIGS, SCHEMA, job_counts, load, planned_runs, snakemake

from sparsyfed import catalog


def expected_capacity_counts(config: dict) -> tuple[dict[str, int], int]:
    """Jobs of `snakemake capacity` (config/README.md): every method at the ladder's alphas x sparsities (dense
    once per alpha) and seeds per width, the methods at one cell with longer training, the model rung's methods
    at its cell; and how many of those runs are the grid's own (those with the grid's settings at its points)."""
    validate(config, str(SCHEMA))
    spec, grid = config["experiments"]["capacity"], config["grid"]
    methods, seeds = spec["methods"] or grid["methods"], spec["seeds"] or grid["seeds"]

    def per_cell(ms, sparsities):
        return sum(1 if catalog.method(m).role == catalog.REFERENCE else len(sparsities) for m in ms)

    runs = len(spec["widths"]) * len(spec["alphas"]) * len(seeds) * per_cell(methods, spec["sparsities"])
    alphas = set(spec["alphas"])
    if spec["length"] is not None:
        runs += len(seeds) * per_cell(methods, [spec["length"]["sparsity"]])
        alphas.add(spec["length"]["alpha"])
    if spec["regrowth"] is not None:
        runs += len(spec["regrowth"]["seeds"] or seeds) * per_cell(spec["regrowth"]["methods"],
                                                                    [spec["regrowth"]["sparsity"]])
        alphas.add(spec["regrowth"]["alpha"])
    dataset = config["datasets"][0]
    reused = 0
    if dataset["width"] in spec["widths"]:  # the ladder's rung at the grid's own width is the grid's runs
        sparse = [m for m in methods if m in grid["methods"] and catalog.method(m).role != catalog.REFERENCE]
        dense = [m for m in methods if m in grid["methods"] and catalog.method(m).role == catalog.REFERENCE]
        reused = len(alphas & set(spec["alphas"]) & set(grid["alphas"])) * len(set(seeds) & set(grid["seeds"])) * (
            len(dense) + len(sparse) * len(set(spec["sparsities"]) & set(grid["sparsities"])))
    counts = {"data_check": 1, "data_partition": len(alphas), "settings": runs, "simulate": runs,
              "collect_experiment": 1, "tables_capacity": 1, "figures_capacity_trend": 1, "capacity": 1}
    counts["total"] = sum(counts.values())
    return counts, reused


@pytest.mark.parametrize("name", ["default", "reference", "paper", "fsdd", "tiny"])
def test_capacity_plans_the_ladder(name, tmp_path):
    result = snakemake("-n", "capacity", "--configfile", str(CONFIGS[name]), workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    counts, reused = expected_capacity_counts(load(name))
    assert job_counts(result.stdout) == counts
    assert sum(run.startswith("runs/") for run in planned_runs(result.stdout)) == reused


def test_capacity_paths_name_the_rung(tmp_path):
    result = snakemake("-n", "capacity", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    out = result.stdout
    runs = "results/experiments/capacity/runs"
    assert f"{runs}/resnet_small-w4-r21/fashion_mnist/alpha0.1/sparsyfed/s0.95/seed5378/" in out
    assert f"{runs}/resnet_small-w1-r42/fashion_mnist/alpha0.1/dense/s0/seed2035/" in out  # the length rung
    assert f"{runs}/resnet18_cifar-w1-r3/fashion_mnist/alpha0.1/zerofl/s0.95/" in out
    assert f"{runs}/resnet_small-w1-r21/" not in out  # width 1 at the grid's 21 rounds: the grid's own runs


def test_tiny_ladder_end_to_end_and_in_the_report(tmp_path):
    """`snakemake capacity` on the tiny config: every output, the rungs told apart, the grid's run reused; then
    with experiments.capacity.report the report page shows the ladder."""
    work = tmp_path / "work"
    work.mkdir()
    result = snakemake("--cores", "2", "capacity", "--configfile", str(CONFIGS["tiny"]), workdir=work, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:]
    figures = work / "paper_figures"
    for path in [figures / f"capacity.{ext}" for ext in ("csv", "md", "tex")] + \
            [figures / f"capacity_trend.{ext}" for ext in ("pdf", "png")]:
        assert path.is_file() and path.stat().st_size > 0, path
    runs = pd.read_csv(work / "results" / "experiments" / "capacity" / "tables" / "runs.csv")
    assert len(runs) == 20 and (runs["status"] == "ok").all(), runs[["run_dir", "status", "error"]]
    small = runs[runs["model"] == "small_cnn"]
    assert small.groupby("width")["num_prunable"].unique().map(list).to_dict() == {1.0: [206_736], 2.0: [824_096]}
    assert sorted(runs.loc[runs["run_dir"].str.startswith("results/runs/"), "method"]) == ["dense"]  # the grid's
    table = pd.read_csv(figures / "capacity.csv")
    gap = table[(table["row"] == "fit") & (table["quantity"] == "gap")].iloc[0]
    assert (gap["points"], gap["widths"]) == (4, 2) and gap["predicted_lo"] < gap["predicted"] < gap["predicted_hi"]
    rungs = set(table.loc[table["row"] == "rung", "kind"])
    assert rungs == {"width", "length", "model"}
    assert "carried" in (figures / "capacity.md").read_text()

    config = load("tiny")
    config["experiments"]["capacity"]["report"] = True
    shown = tmp_path / "shown.yaml"
    shown.write_text(yaml.safe_dump(config))
    result = snakemake("--cores", "2", "--configfile", str(shown), workdir=work, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:]
    ran = planned_runs(result.stdout)  # the ladder is done; only the grid runs
    assert ran and all(r.startswith("runs/") for r in ran)
    report = (figures / "report.md").read_text()
    assert "## The capacity ladder" in report and "![Capacity trend](capacity_trend.png)" in report
    assert "### The claims along the ladder" in report and "[capacity.md](capacity.md)" in report


@pytest.mark.parametrize("edit, key", [
    (lambda c: c["datasets"][0].update(width=0), "width"),
    (lambda c: c["experiments"]["capacity"].update(widths=[1.0, -2.0]), "widths"),
    (lambda c: c["experiments"]["capacity"]["length"].update(rounds_factor=1), "rounds_factor"),
    (lambda c: c["experiments"]["capacity"]["regrowth"].update(model="vgg"), "model"),
    (lambda c: c["experiments"]["capacity"].update(depth=2), "depth"),
], ids=["width-0", "negative-width", "length-factor-1", "unknown-model", "unknown-key"])
def test_schema_rejects_a_bad_ladder_naming_the_key(edit, key):
    config = load("tiny")
    edit(config)
    with pytest.raises(WorkflowError, match=f"'{key}'"):
        validate(config, str(SCHEMA))
