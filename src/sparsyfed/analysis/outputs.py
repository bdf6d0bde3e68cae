"""The outputs of the analysis: every paper table, figure and page of a paper_figures folder, by name and format.

The CLI (analysis/commands.py), the workflow's rules, the reference's pack and review and the report read
these names from here.
"""

from __future__ import annotations

from sparsyfed.analysis.figures import FIGURES

TABLE_NAMES = ("table1", "table2", "paper_comparison", "paper_shape", "kept_weights")
TABLE_FORMATS, FIGURE_FORMATS = ("csv", "md", "tex"), ("pdf", "png")
CLAIMS, REPORT = "claims.md", "report.md"
# Every file of a paper_figures folder, in the order `analysis.reference.build_paper_figures` builds them
# (the report last: it shows the others).
PAPER_FIGURE_FILES = (
    tuple(f"{name}.{ext}" for name in TABLE_NAMES for ext in TABLE_FORMATS) + (CLAIMS,)
    + tuple(f"{name}.{ext}" for name in FIGURES for ext in FIGURE_FORMATS) + (REPORT,)
)
# Tables of the experiments beside the grid (`analysis.experiments`), each from that experiment's tidy tables.
EXPERIMENT_TABLE_NAMES = ("beta_sensitivity", "corrected", "capacity")
