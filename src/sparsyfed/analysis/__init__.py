"""Run folders -> tidy tables -> the paper's tables, figures, claim checks and the report (SPEC sections 5-7).

Stages, in the order the workflow runs them, one owner each:
    collect.py    run folders + partition files -> tidy tables (rounds, runs, layers, mask_iou, partitions);
                  scale.py: the scale a grid's tables come from
    claims/       the five claims (SPEC section 7) as judged comparisons, their verdicts and the claims page
    paper/        Table 1, Table 2, the paper comparison, its shape and the kept weights; the authors' numbers
    figures/      one module per figure, each with `make(tables_dir, out_dir)`, and the plotting style
    experiments/  the experiments beside the grid: the beta sweep's and the corrected behaviours' tables, the
                  capacity ladder's claims per width and its trend
    report.py     the page that shows every output with its scale and caption
    reference/    pack a finished grid into reference/ and review it, verify its runs, agreement with it
Shared by the stages: outputs.py (the outputs catalogue: every table and figure, its builder, inputs, caption
and experiment), stats.py (mean, std, n and t intervals over seeds, seed pairing), render.py (CSV,
Markdown and LaTeX), names.py (display names and the methods' roles); commands.py holds the analysis
subcommands of the CLI.
"""
