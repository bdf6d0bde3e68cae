"""Helpers of the tests that apply a README recipe to a copy of the project (test_add_*.py)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def blocks(heading: str, count: int, languages: str = "python|yaml|rst") -> list[str]:
    """The code blocks of the README section `## <heading>`, in order; asserts there are `count`."""
    text = (REPO / "README.md").read_text()
    section = text[text.index(f"## {heading}"):]
    section = section[: section.index("\n## ", 1)]
    found = re.findall(rf"```(?:{languages})\n(.*?)```", section, flags=re.S)
    assert len(found) == count, found
    return found


def copy_project(root: Path, items: tuple[str, ...] = ("workflow", "config")) -> dict[str, str]:
    """Copy src/ (and `items`, and the Snakefile when `items` has the workflow) into `root`; returns the
    environment that imports the copy's package first."""
    shutil.copytree(REPO / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for item in items:
        shutil.copytree(REPO / item, root / item)
    if "workflow" in items:
        shutil.copy(REPO / "Snakefile", root / "Snakefile")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")])}
