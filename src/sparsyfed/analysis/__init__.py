"""Tidy results -> the paper's tables, figures, paper comparison and claim checks (SPEC sections 5-7).

Stages, one owner each:
    collect.py    run folders + partition files -> tidy tables (rounds, runs, layers, mask_iou, partitions)
    stats.py      mean, std, n and t intervals over seeds, seed pairing; grid helpers
    tables.py     Table 1, Table 2, the paper comparison and its shape (CSV, Markdown, LaTeX)
    shape.py      ranking of the methods and accuracy relative to dense, ours vs the authors'
    figures/      one module per figure, each with `make(tables_dir, out_dir)`
    claims.py     the five claims (SPEC section 7) as judged comparisons (cells.py selects the data,
                  claims_page.py writes the page)
    verdicts.py   supported / contradicted / inconclusive from t intervals, and how they combine
    layers.py     per-layer regrowth from layers.csv (claim 2)
    experiments.py  the experiments beside the grid: the beta sweep's and the corrected behaviours'
                  tables (figures/beta_sensitivity.py draws the sweep), from `collect --variants` tables
    commands.py   the `sparsyfed collect | table | figure | claims` subcommands
Display names live in `names.py`, plotting style in `style.py` + `sparsyfed.mplstyle`, the
authors' numbers in `paper_numbers.csv` (read through `paper.py`).
"""
