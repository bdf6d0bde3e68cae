"""The `review` and `verify` targets on a packed reference (the tiny grid of tests/conftest.py): review
rebuilds every output without torch and fails naming each file that differs, verify plans one job, and
without a reference folder they say where it belongs; the default grid's agreement page appears with the
reference's tables."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from test_workflow import CONFIGS, job_counts, snakemake

from sparsyfed.analysis.outputs import PAPER_FIGURE_FILES


def test_review_target_rebuilds_the_reference_without_torch(tiny_reference, tmp_path):
    # Prepare: the reference where the workflow expects it, and a `torch` that cannot be imported first on the path
    work = tmp_path / "work"
    shutil.copytree(tiny_reference["reference"], work / "reference")
    blocked = tmp_path / "blocked" / "torch"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text('raise ImportError("torch is blocked: review must not import it")\n')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocked.parent), os.environ.get("PYTHONPATH", "")])}
    assert subprocess.run([sys.executable, "-c", "import torch"], env=env, capture_output=True).returncode != 0

    # Execute
    result = snakemake("--cores", "2", "review", "--configfile", str(CONFIGS["default"]), workdir=work, env=env)

    # Assert: one job, every file rebuilt equal to the shipped one, the verdict printed and kept in the log
    assert result.returncode == 0, result.stdout[-4000:]
    assert job_counts(result.stdout) == {"review": 1, "total": 1}
    n = len(PAPER_FIGURE_FILES)
    verdict = f"review: {n} of {n} files rebuilt in results/review/paper_figures equal the shipped ones"
    assert verdict in result.stdout and verdict in (work / "logs" / "review.log").read_text()
    rebuilt = work / "results" / "review" / "paper_figures"
    assert sorted(p.name for p in rebuilt.iterdir()) == sorted(PAPER_FIGURE_FILES)
    for name in PAPER_FIGURE_FILES:  # independently of the comparison the command makes
        assert (rebuilt / name).read_bytes() == (work / "reference" / "paper_figures" / name).read_bytes(), name
    assert "| report.md | equal |" in (work / "results" / "review" / "review.md").read_text()
    assert not (work / "results" / "runs").exists()


def test_verify_target_plans_one_job(tiny_reference, tmp_path):
    shutil.copytree(tiny_reference["reference"], tmp_path / "reference")
    plan = snakemake("-n", "-p", "verify", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    assert plan.returncode == 0, plan.stdout[-3000:]
    assert job_counts(plan.stdout) == {"verify": 1, "total": 1}
    assert "sparsyfed verify --reference reference --threads" in plan.stdout


def test_review_without_a_reference_folder_says_where_it_belongs(tmp_path):
    plan = snakemake("-n", "review", "--configfile", str(CONFIGS["tiny"]), workdir=tmp_path)
    assert plan.returncode != 0
    assert "reference not found: run from the repository's root, where reference/ is shipped" in plan.stdout


def test_review_target_fails_naming_each_file_that_differs_and_keeps_the_rebuilt_ones(tiny_reference, tmp_path):
    shutil.copytree(tiny_reference["reference"], tmp_path / "reference")
    table = tmp_path / "reference" / "paper_figures" / "table1.md"
    table.write_text(table.read_text().replace("Top-K", "Top-k"))
    (tmp_path / "reference" / "paper_figures" / "old_figure.png").write_bytes(b"not made any more")
    result = snakemake("--cores", "2", "review", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    assert result.returncode != 0
    out = result.stdout
    assert re.search(r"^table1\.md: differs \(line 9: shipped '[^']*\| Top-k \|[^']*', rebuilt '[^']*\| Top-K \|",
                     out, flags=re.M), out[-3000:]
    assert "\nold_figure.png: not rebuilt\n" in out
    n = len(PAPER_FIGURE_FILES)
    assert f"review: {n - 1} of {n + 1} files rebuilt in results/review/paper_figures equal" in out
    assert "; 2 differ" in out
    rebuilt = tmp_path / "results" / "review" / "paper_figures"
    assert sorted(p.name for p in rebuilt.iterdir()) == sorted(PAPER_FIGURE_FILES)  # left to compare by hand


def test_the_default_grid_compares_itself_with_the_reference_once_it_exists(tiny_reference, tmp_path):
    """config/config.yaml names reference/tables: without the folder the grid plans as before and says why
    there is no agreement page; with it (gzipped tables included) the agreement job joins the plan."""
    plan = snakemake("-n", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    assert plan.returncode == 0, plan.stdout[-3000:]
    assert "reference_tables: reference/tables not found, so paper_figures/agreement.md is not made" in plan.stdout
    assert "agreement" not in job_counts(plan.stdout)
    shutil.copytree(tiny_reference["reference"], tmp_path / "reference")
    plan = snakemake("-n", "-p", "--configfile", str(CONFIGS["default"]), workdir=tmp_path)
    assert plan.returncode == 0, plan.stdout[-3000:]
    assert job_counts(plan.stdout)["agreement"] == 1
    assert "sparsyfed agreement --tables results/tables --reference reference/tables --out paper_figures" in plan.stdout
    assert "--agreement paper_figures/agreement.md" in plan.stdout  # the report links it
