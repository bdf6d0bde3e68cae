"""The README's "Adding a method" recipe is the whole recipe: applied literally to a copy of the package
and the workflow, the new method runs in a grid and shows in Table 1, every figure and the claims page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import readme_recipe
import yaml

from sparsyfed import catalog
from sparsyfed.analysis.outputs import FIGURES

REPO = readme_recipe.REPO
NAME = "Layer-wise Top-K"  # the display name the README declares

# Draws every figure from the tables in argv[1] but those named in argv[3] and prints each text it draws.
FIGURE_TEXTS = """
import json, sys
from matplotlib.text import Text
from sparsyfed.analysis.figures import style
from sparsyfed.analysis.figures import make_figure
from sparsyfed.analysis.outputs import FIGURES

def texts(fig, out_dir, name):
    print(json.dumps([name, [t.get_text() for t in fig.findobj(Text)]]))
    return []

style.save = texts
for name in FIGURES:
    if name not in sys.argv[3].split(","):
        make_figure(name, sys.argv[1], sys.argv[2])
"""
# partitions: class proportions, no methods; the two beside the authors: only methods the authors ran
WITHOUT_METHODS = ("partitions", "relative_accuracy_vs_authors", "accuracy_vs_kept_weights")


def recipe() -> tuple[str, str, str]:
    """The three code blocks of the README's "Adding a method" section: module, catalogue line, schema."""
    return tuple(readme_recipe.blocks("Adding a method", 3, "python|yaml"))


def apply_recipe(root: Path) -> None:
    """Apply the README's blocks to the copy in `root` as a contributor would, changing nothing else."""
    module, entry, schema_part = recipe()
    path = module.splitlines()[0].removeprefix("# ").strip()
    (root / path).write_text(module)

    catalogue = root / "src" / "sparsyfed" / "catalog.py"
    text = catalogue.read_text()
    start = text.index("METHODS: tuple[MethodEntry, ...] = (")
    end = text.index("\n)\n", start)
    catalogue.write_text(text[:end + 1] + entry + text[end + 1:])

    schema_file = root / "workflow" / "schemas" / "config.schema.yaml"
    schema = yaml.safe_load(schema_file.read_text())
    merge(schema, yaml.safe_load(schema_part))
    schema_file.write_text(yaml.safe_dump(schema, sort_keys=False))


def merge(into: dict, part: dict) -> None:
    """Deep-merge the mapping `part` into `into` (values that are not mappings replace)."""
    for key, value in part.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


def test_a_method_added_by_the_readme_recipe_reaches_every_output(tmp_path):
    # Prepare: a copy of the package and the workflow, the recipe applied, a grid with the new method
    root = tmp_path / "repo"
    env = readme_recipe.copy_project(root, ("workflow", "config", "profiles"))
    apply_recipe(root)
    config = yaml.safe_load((REPO / "tests" / "workflow" / "config_tiny.yaml").read_text())
    config["grid"].update(methods=["dense", "sparsyfed", "layerwise_topk"], sparsities=[0.9])
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    work = tmp_path / "work"

    # Execute
    result = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(root / "Snakefile"),
                             "--directory", str(work), "--cores", "2", "--configfile", str(config_file)],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=900)

    # Assert
    assert result.returncode == 0, result.stdout[-4000:]
    figures = work / "paper_figures"
    assert NAME in (figures / "table1.md").read_text()
    assert NAME in (figures / "claims.md").read_text()
    drawn = subprocess.run([sys.executable, "-c", FIGURE_TEXTS, str(work / "results" / "tables"), str(tmp_path),
                            ",".join(WITHOUT_METHODS)],
                           env=env, capture_output=True, text=True, timeout=300)
    assert drawn.returncode == 0, drawn.stderr[-3000:]
    texts = dict(json.loads(line) for line in drawn.stdout.splitlines())
    assert set(texts) == set(FIGURES) - set(WITHOUT_METHODS), texts
    assert not [name for name, t in texts.items() if NAME not in t], texts
    assert all((figures / f"{name}.png").is_file() for name in texts)


@pytest.mark.parametrize("block", [0, 1, 2])
def test_the_recipe_blocks_are_what_the_package_expects(block):
    """Fast checks of the blocks alone: the module defines the class the catalogue line names, the
    catalogue line is one MethodEntry, the schema part names the same id and lists every id the schema
    and the catalogue have."""
    module, entry, schema_part = recipe()
    if block == 0:
        assert "class LayerwiseTopK(Method)" in module and module.startswith("# src/sparsyfed/methods/")
    elif block == 1:
        assert entry.strip().startswith('MethodEntry("layerwise_topk", "Layer-wise Top-K", '
                                        '"sparsyfed.methods.layerwise_topk:LayerwiseTopK"')
    else:
        part = yaml.safe_load(schema_part)
        schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
        # the enum as the schema has it now, plus the new id: the recipe has not drifted from the code
        assert part["$defs"]["method_id"]["enum"] == schema["$defs"]["method_id"]["enum"] + ["layerwise_topk"]
        assert sorted(schema["$defs"]["method_id"]["enum"]) == sorted(catalog.ids(catalog.METHODS))
        assert "layerwise_topk" in part["properties"]["method_params"]["properties"]
