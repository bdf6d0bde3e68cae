"""Tidy results -> the paper's tables, figures, paper comparison and claim checks (SPEC sections 5-7).

Stages, one owner each:
    collect.py    run folders + partition files -> tidy tables (rounds, runs, layers, mask_iou, partitions)
    stats.py      mean, std and n over seeds; grid helpers shared by tables, figures and claims
    tables.py     Table 1, Table 2 and the paper comparison (CSV, Markdown, LaTeX)
    figures/      one module per figure, each with `make(tables_dir, out_dir)`
    claims.py     the Markdown claims page (SPEC section 7)
    commands.py   the `sparsyfed collect | table | figure | claims` subcommands
Display names live in `names.py`, plotting style in `style.py` + `sparsyfed.mplstyle`, the
authors' numbers in `paper_numbers.csv` (read through `paper.py`).
"""
