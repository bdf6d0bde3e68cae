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
    windows.py    the round windows claims 4 and 5 are judged on; claims_context.py: why a verdict is what it is
    kept.py       every cell, ours and the authors', against the prunable weights kept
    capacity.py   the capacity ladder's claims per width and its trend (trend.py: the regression)
    agreement.py  this grid's comparisons against a reference grid's, with null grids for scale
    report.py     the report page; reference.py: pack a finished grid into reference/ and review it
    outputs.py    the outputs catalogue: every table and figure, its builder, inputs, caption and experiment
    commands.py   the analysis subcommands of the CLI
Display names live in `names.py`, plotting style in `style.py` + `sparsyfed.mplstyle`, the
authors' numbers in `paper_numbers.csv` (read through `paper.py`).
"""
