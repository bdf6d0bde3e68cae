"""The layout of a reference folder (pack.py writes it, review, verify and the workflow read it); no pandas,
no matplotlib, so that the workflow can read it when it parses."""

from __future__ import annotations

from pathlib import Path

from sparsyfed.grid import EXPERIMENTS

CONFIG, PROVENANCE, README = "config.yaml", "provenance.json", "README.md"
TABLES, PAPER_FIGURES, EXPERIMENTS_DIR = "tables", "paper_figures", "experiments"


def experiment_tables(folder: str | Path, experiment: str) -> Path:
    """The tidy tables of `experiment` in a reference folder: experiments/{experiment}/tables."""
    return Path(folder) / EXPERIMENTS_DIR / experiment / TABLES


def packed_experiments(folder: str | Path) -> list[str]:
    """The experiments a reference folder holds the tables of, in EXPERIMENTS order."""
    return [e for e in EXPERIMENTS if experiment_tables(folder, e).is_dir()]
