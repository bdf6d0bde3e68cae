"""The README's "Adding a metric column" recipe, applied to a copy of the package exactly as written: a run
records the column every round and `collect` carries it into the tidy rounds table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import readme_recipe

REPO = readme_recipe.REPO
COLUMN = "max_layer_density"


def recipe() -> tuple[str, str]:
    """The two code blocks of the README's "Adding a metric column" section: the name and the value."""
    return tuple(readme_recipe.blocks("Adding a metric column", 2, "python"))


def insert(path: Path, before: str, text: str) -> None:
    """Put `text` in front of the one line of `path` that starts (after its indent) with `before`."""
    lines = path.read_text().splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if line.lstrip().startswith(before)]
    assert len(at) == 1, (path, before, at)
    path.write_text("".join(lines[:at[0]] + [text] + lines[at[0]:]))


def apply_recipe(src: Path) -> None:
    name, value = recipe()
    record = src / "sparsyfed" / "record.py"
    text = record.read_text()
    start = text.index("ROUND_COLUMNS = (")
    end = text.index("\n)\n", start)
    record.write_text(text[:end + 1] + name + text[end + 1:])
    insert(src / "sparsyfed" / "metrics" / "rounds.py", '"layer_density": layer_density(', value)


def test_a_metric_added_by_the_readme_recipe_reaches_the_tidy_rounds_table(tmp_path, tiny_run):
    env = readme_recipe.copy_project(tmp_path, items=())
    apply_recipe(tmp_path / "src")

    def cli(*args):
        result = subprocess.run([sys.executable, "-m", "sparsyfed.cli", *args], env=env, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]

    cli("run", "--set", *tiny_run, "method=topk", "sparsity=0.9", "--quiet", "--out", str(tmp_path / "run"))
    cli("collect", "--runs", str(tmp_path / "run"), "--out", str(tmp_path / "tables"))
    rounds = pd.read_csv(tmp_path / "tables" / "rounds.csv")
    assert len(rounds) == 4 and rounds[COLUMN].between(0.1, 1.0).all(), rounds[[COLUMN]]
    assert (rounds[COLUMN] > 1 - rounds["global_sparsity"]).all()  # the densest layer is denser than the model
