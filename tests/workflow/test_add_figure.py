"""The README's "Adding a figure" recipe, applied to a copy of the package and the workflow exactly as written:
the new figure is planned by `all`, drawn by review from the shipped reference's tables, and shown in the
rebuilt report with its caption."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import readme_recipe
from test_workflow import job_counts

REPO = readme_recipe.REPO
NAME = "final_accuracy_by_seed"


def recipe() -> tuple[str, str, str]:
    """The three code blocks of the README's "Adding a figure" section: module, catalogue line, caption."""
    return tuple(readme_recipe.blocks("Adding a figure", 3, "python|rst"))


def apply_recipe(root: Path) -> None:
    """Write the README's blocks into the copy in `root`, changing nothing else: the module where its first line
    says, the catalogue line after the grid's figures, the caption beside the others."""
    module, entry, caption = recipe()
    (root / module.splitlines()[0].removeprefix("# ").strip()).write_text(module)
    catalogue = root / "src" / "sparsyfed" / "analysis" / "outputs.py"
    text = catalogue.read_text()
    at = text.index("    # The experiments beside the grid")
    catalogue.write_text(text[:at] + entry + text[at:])
    (root / "workflow" / "report" / f"{NAME}.rst").write_text(caption)


def test_a_figure_added_by_the_readme_recipe_reaches_all_the_report_and_review(tmp_path):
    root = tmp_path / "repo"
    env = readme_recipe.copy_project(root)
    apply_recipe(root)

    # `all` plans the figure's job (and the report that shows it)
    plan = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--snakefile", str(root / "Snakefile"),
                           "--directory", str(tmp_path / "work"), "--configfile",
                           str(REPO / "tests" / "workflow" / "config_tiny.yaml")],
                          cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert plan.returncode == 0, plan.stdout[-3000:]
    assert job_counts(plan.stdout)[f"figures_{NAME}"] == 1
    assert f"paper_figures/{NAME}.png" in plan.stdout

    # review rebuilds it from the shipped reference's tables: drawn, in the report with its caption, and
    # reported as rebuilt but not shipped (the shipped reference predates it)
    out = tmp_path / "review"
    review = subprocess.run([sys.executable, "-m", "sparsyfed.cli", "review", "--reference", str(REPO / "reference"),
                             "--captions", str(root / "workflow" / "report"), "--out", str(out)],
                            cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert f"{NAME}.png: not shipped" in review.stdout, review.stdout[-3000:] + review.stderr[-3000:]
    figures = out / "paper_figures"
    assert (figures / f"{NAME}.png").stat().st_size > 0 and (figures / f"{NAME}.pdf").stat().st_size > 0
    report = (figures / "report.md").read_text()
    assert f"({NAME}.png)" in report
    assert "Final test accuracy of every finished run, one point per run" in report
