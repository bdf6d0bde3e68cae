"""One module per figure, named like its output; each exposes `make(tables_dir, out_dir)` which reads
the tidy tables written by `sparsyfed collect` and writes `<name>.pdf` and `<name>.png`.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from sparsyfed.errors import UserError

FIGURES = (
    "accuracy_vs_sparsity",
    "accuracy_vs_communication",
    "global_sparsity",
    "regrowth",
    "mask_iou",
    "partitions",
    "relative_accuracy_vs_authors",
    "accuracy_vs_kept_weights",
)
# Figures of the experiments beside the grid (from an experiment's tidy tables, not the grid's).
EXPERIMENT_FIGURES = ("beta_sensitivity", "capacity_trend")


def make_figure(name: str, tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Run figure module `name`'s `make`; returns the paths written."""
    if name not in FIGURES + EXPERIMENT_FIGURES:
        raise UserError(f"figure: unknown figure {name!r}; choose one of {list(FIGURES + EXPERIMENT_FIGURES)}")
    module = importlib.import_module(f"sparsyfed.analysis.figures.{name}")
    return module.make(tables_dir, out_dir)
