"""One module per figure, named like its output; each exposes `make(tables_dir, out_dir)` which reads
the tidy tables written by `sparsyfed collect` and writes `<name>.pdf` and `<name>.png`. Which figures
exist, and from whose tables, is declared in `analysis/outputs.py`.
"""

from __future__ import annotations

from pathlib import Path

from sparsyfed import catalog
from sparsyfed.analysis import outputs


def make_figure(name: str, tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Run figure `name`'s builder (outputs.OUTPUTS); returns the paths written."""
    return catalog.load(outputs.output(outputs.FIGURE, name).builder)(tables_dir, out_dir)
