"""The README's "Adding a dataset" recipe, applied to a copy of the package and the workflow exactly as written,
then the tiny grid on a small `.npz` of images made here: every run finishes and Table 1 names the dataset."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import readme_recipe
import yaml
from test_add_method import merge

REPO = readme_recipe.REPO
ID, NAME = "my_images", "My images"


def recipe() -> tuple[str, str, str]:
    """The three code blocks of the README's "Adding a dataset" section: module, catalogue line, schema."""
    return tuple(readme_recipe.blocks("Adding a dataset", 3, "python|yaml"))


def apply_recipe(root: Path) -> None:
    """Apply the README's blocks to the copy in `root` as a contributor would, changing nothing else."""
    module, entry, schema_part = recipe()
    (root / module.splitlines()[0].removeprefix("# ").strip()).write_text(module)
    catalogue = root / "src" / "sparsyfed" / "catalog.py"
    text = catalogue.read_text()
    start = text.index("DATASETS: tuple[DatasetEntry, ...] = (")
    end = text.index("\n)\n", start)
    catalogue.write_text(text[:end + 1] + entry + text[end + 1:])
    schema_file = root / "workflow" / "schemas" / "config.schema.yaml"
    schema = yaml.safe_load(schema_file.read_text())
    merge(schema, yaml.safe_load(schema_part))
    schema_file.write_text(yaml.safe_dump(schema, sort_keys=False))


def write_images(folder: Path, classes: int = 4, train: int = 400, test: int = 100) -> None:
    """28 x 28 grey images whose brightness says their class (learnable), as the recipe's file."""
    rng = np.random.default_rng(0)

    def split(n):
        y = np.arange(n) % classes
        x = rng.integers(0, 40, size=(n, 1, 28, 28)) + (y * 50)[:, None, None, None]
        return x.astype(np.uint8), y.astype(np.int64)

    folder.mkdir(parents=True)
    (train_x, train_y), (test_x, test_y) = split(train), split(test)
    np.savez(folder / "my_images.npz", train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y)


def test_the_recipes_schema_block_is_the_schemas_enum_plus_the_new_id():
    """The recipe's enum is the schema's as it is now plus the new id (test_workflow.py checks the schema's
    against the catalogue)."""
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    enum = schema["properties"]["datasets"]["items"]["properties"]["name"]["enum"]
    part = yaml.safe_load(recipe()[2])
    assert part["properties"]["datasets"]["items"]["properties"]["name"]["enum"] == enum + [ID]


def test_a_dataset_added_by_the_readme_recipe_runs_the_grid(tmp_path):
    root = tmp_path / "repo"
    env = readme_recipe.copy_project(root)
    apply_recipe(root)
    write_images(tmp_path / "data" / ID)
    config = yaml.safe_load((REPO / "tests" / "workflow" / "config_tiny.yaml").read_text())
    config["datasets"] = [{"name": ID, "model": "small_cnn", "rounds": 2}]
    config["data_root"] = str(tmp_path / "data")
    config["grid"].update(methods=["dense", "topk", "sparsyfed"], sparsities=[0.9])
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    work = tmp_path / "work"

    result = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(root / "Snakefile"),
                             "--directory", str(work), "--cores", "2", "--configfile", str(config_file)],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=900)

    assert result.returncode == 0, result.stdout[-4000:]
    runs = pd.read_csv(work / "results" / "tables" / "runs.csv")
    assert set(runs["dataset"]) == {ID} and len(runs) == 3 and (runs["status"] == "ok").all()
    assert NAME in (work / "paper_figures" / "table1.md").read_text()
