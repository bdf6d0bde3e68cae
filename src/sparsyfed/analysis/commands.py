"""The analysis subcommands of the `sparsyfed` CLI: collect, table, figure, claims.

`register(subparsers)` adds them to the CLI's argparse subparsers; each sets `func` to its
handler, which takes the parsed arguments, writes its outputs atomically, prints the paths it
wrote (one per line) and raises `UserError` for bad input. Heavy imports (pandas, matplotlib)
happen inside the handlers so that `sparsyfed --help` stays fast.

    sparsyfed collect --runs DIR [DIR ...] [--partitions FILE [FILE ...]] --out DIR
    sparsyfed table {table1,table2,paper_comparison,paper_shape,all} --tables DIR --out DIR
    sparsyfed table {beta_sensitivity,corrected} --tables DIR --out DIR     (an experiment's tables)
    sparsyfed figure {accuracy_vs_sparsity,...,partitions,all} --tables DIR --out DIR
    sparsyfed figure beta_sensitivity --tables DIR --out DIR                (the beta sweep's tables)
    sparsyfed claims --tables DIR --out FILE
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sparsyfed.analysis.figures import EXPERIMENT_FIGURES, FIGURES
from sparsyfed.io import check_out

TABLE_NAMES = ("table1", "table2", "paper_comparison", "paper_shape")
# Tables of the experiments beside the grid (`analysis.experiments`), each from that experiment's tidy tables.
EXPERIMENT_TABLE_NAMES = ("beta_sensitivity", "corrected")


def _print(paths) -> None:
    for path in paths:
        print(path)


def cmd_collect(args: argparse.Namespace) -> int:
    from sparsyfed.analysis.collect import collect
    from sparsyfed.errors import UserError

    if args.max_masks < 1:
        raise UserError(f"--max-masks: must be >= 1, got {args.max_masks}")
    _print(collect(args.runs, args.partitions or [], args.out, max_masks=args.max_masks,
                   variants=args.variants).values())
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    check_out(args.out, folder=True)
    if args.name in EXPERIMENT_TABLE_NAMES:
        from sparsyfed.analysis.experiments import write_table as write_experiment_table

        _print(write_experiment_table(args.name, args.tables, args.out))
        return 0
    from sparsyfed.analysis.tables import write_table

    for name in TABLE_NAMES if args.name == "all" else (args.name,):
        _print(write_table(name, args.tables, args.out))
    return 0


def cmd_figure(args: argparse.Namespace) -> int:
    from sparsyfed.analysis.figures import make_figure

    check_out(args.out, folder=True)
    for name in FIGURES if args.name == "all" else (args.name,):
        _print(make_figure(name, args.tables, args.out))
    return 0


def cmd_claims(args: argparse.Namespace) -> int:
    from sparsyfed.analysis.claims import write_claims

    check_out(args.out, folder=False)
    _print([write_claims(args.tables, args.out)])
    return 0


def _tables_option(p) -> None:
    p.add_argument("--tables", required=True, metavar="DIR", type=Path, help="output folder of `sparsyfed collect`")


def register(subparsers) -> None:
    """Add the collect, table, figure and claims subcommands to `subparsers` (from add_subparsers)."""
    p = subparsers.add_parser(
        "collect", help="run folders + partition files -> tidy tables (rounds, runs, layers, mask_iou, partitions)",
        description="Read run folders (or folders holding them) and partition .npz files; write rounds.csv, "
                    "runs.csv, layers.csv, mask_iou.csv and partitions.csv into --out. Folders without "
                    "summary.json become runs with status 'missing'.")
    p.add_argument("--runs", nargs="+", required=True, metavar="DIR", type=Path,
                   help="run folders, or folders searched recursively for them")
    p.add_argument("--partitions", nargs="+", default=[], metavar="FILE", type=Path,
                   help="partition .npz files written by `sparsyfed partition`")
    p.add_argument("--out", required=True, metavar="DIR", type=Path, help="folder for the tidy tables")
    p.add_argument("--max-masks", type=int, default=64, metavar="K",
                   help="at most K saved masks per run enter the round x round IoU matrix (default 64)")
    p.add_argument("--variants", action="store_true",
                   help="runs of one grid point that differ in their method parameters are distinct runs "
                        "(experiments over a parameter); without it they are an error")
    p.set_defaults(func=cmd_collect)

    p = subparsers.add_parser(
        "table", help="Table 1, Table 2 or the paper comparison as CSV, Markdown and LaTeX",
        description="Build a table from the tidy tables of `sparsyfed collect`; writes NAME.csv, NAME.md, NAME.tex.")
    p.add_argument("name", choices=TABLE_NAMES + ("all",) + EXPERIMENT_TABLE_NAMES, metavar="NAME",
                   help=f"one of {', '.join(TABLE_NAMES)}, or all (the grid's tables); or an experiment's, "
                        f"{', '.join(EXPERIMENT_TABLE_NAMES)}, from its tables (`collect --variants`)")
    _tables_option(p)
    p.add_argument("--out", required=True, metavar="DIR", type=Path, help="folder for the table files")
    p.set_defaults(func=cmd_table)

    p = subparsers.add_parser(
        "figure", help="one of the paper's figures as PDF and PNG",
        description="Draw a figure from the tidy tables of `sparsyfed collect`; writes NAME.pdf and NAME.png.")
    p.add_argument("name", choices=FIGURES + ("all",) + EXPERIMENT_FIGURES, metavar="NAME",
                   help=f"one of {', '.join(FIGURES)}, or all (the grid's figures); or an experiment's, "
                        f"{', '.join(EXPERIMENT_FIGURES)}, from its tables (`collect --variants`)")
    _tables_option(p)
    p.add_argument("--out", required=True, metavar="DIR", type=Path, help="folder for the figure files")
    p.set_defaults(func=cmd_figure)

    p = subparsers.add_parser(
        "claims", help="the Markdown page checking the paper's headline claims",
        description="Check the five headline claims (SPEC section 7) against runs.csv; write a Markdown page.")
    _tables_option(p)
    p.add_argument("--out", required=True, metavar="FILE", type=Path, help="the Markdown file to write")
    p.set_defaults(func=cmd_claims)
