"""The analysis subcommands of the `sparsyfed` CLI: collect, table, figure, claims, report, agreement,
reference-pack, reference-add and review (none imports torch).

`register(subparsers)` adds them to the CLI's argparse subparsers; each sets `func` to its
handler, which takes the parsed arguments, writes its outputs atomically, prints the paths it
wrote (one per line) and raises `UserError` for bad input. Heavy imports (pandas, matplotlib)
happen inside the handlers so that `sparsyfed --help` stays fast.

    sparsyfed collect --runs DIR [DIR ...] [--partitions FILE [FILE ...]] [--scale TEXT] [--variants] --out DIR
    sparsyfed table {table1,table2,paper_comparison,paper_shape,all} --tables DIR --out DIR
    sparsyfed table {beta_sensitivity,corrected,capacity} --tables DIR --out DIR   (an experiment's tables)
    sparsyfed figure {accuracy_vs_sparsity,...,partitions,all} --tables DIR --out DIR
    sparsyfed figure {beta_sensitivity,capacity_trend} --tables DIR --out DIR   (an experiment's tables)
    sparsyfed claims --tables DIR [--provenance FILE] --out FILE
    sparsyfed report --tables DIR --figures DIR --captions DIR [--agreement FILE] [--capacity FILE] [--provenance FILE]
                     --out FILE
    sparsyfed agreement --tables DIR --reference DIR --out DIR
    sparsyfed reference-pack --results DIR --config FILE --elapsed-s SECONDS [--experiments NAME ...] --out DIR
                             [--captions DIR]
    sparsyfed reference-add --reference DIR --results DIR --experiments NAME [NAME ...] [--partial]
    sparsyfed review [--reference DIR] [--out DIR] [--captions DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sparsyfed.analysis.outputs import EXPERIMENT_FIGURES, EXPERIMENT_TABLE_NAMES, FIGURES, TABLE_NAMES
from sparsyfed.io import check_out


def _print(paths) -> None:
    for path in paths:
        print(path)


def cmd_collect(args: argparse.Namespace) -> int:
    from sparsyfed.analysis.collect import collect
    from sparsyfed.errors import UserError

    if args.max_masks < 1:
        raise UserError(f"--max-masks: must be >= 1, got {args.max_masks}")
    _print(collect(args.runs, args.partitions or [], args.out, max_masks=args.max_masks, scale=args.scale,
                   variants=args.variants).values())
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    from sparsyfed.analysis.paper.tables import write_table

    check_out(args.out, folder=True)

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
    from sparsyfed.analysis.claims.checks import write_claims
    from sparsyfed.analysis.scale import load_provenance

    check_out(args.out, folder=False)
    _print([write_claims(args.tables, args.out, load_provenance(args.provenance))])
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from sparsyfed.analysis.report import write_report
    from sparsyfed.analysis.scale import load_provenance

    check_out(args.out, folder=False)
    _print([write_report(args.tables, args.figures, args.out, _captions(args.captions),
                         load_provenance(args.provenance), args.agreement, args.capacity)])
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from sparsyfed.analysis.reference.agreement import write_agreement

    check_out(args.out, folder=True)
    _print(write_agreement(args.tables, args.reference, args.out))
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    from sparsyfed.analysis.reference.pack import pack

    experiments = f" --experiments {' '.join(args.experiments)}" if args.experiments else ""
    command = (f"sparsyfed reference-pack --results {args.results} --config {args.config} "
               f"--elapsed-s {args.elapsed_s:g}{experiments} --out {args.out}")
    _print([pack(args.results, args.config, args.elapsed_s, args.out, _captions(args.captions), command,
                 progress=lambda path: print(f"built {path.name}", flush=True),
                 experiments=tuple(args.experiments))])
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from sparsyfed.analysis.reference.pack import add_experiments

    partial = None
    if args.partial:  # a missing run's full method parameters: the methods' own (imports torch)
        from sparsyfed.methods import full_params as partial
    command = (f"sparsyfed reference-add --reference {args.reference} --results {args.results} "
               f"--experiments {' '.join(args.experiments)}{' --partial' * args.partial}")
    _print([add_experiments(args.reference, args.results, tuple(args.experiments), command,
                            progress=lambda path: print(f"built {path.name}", flush=True),
                            partial=partial)])
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    import time

    from sparsyfed.analysis.reference.pack import review

    t0 = time.perf_counter()
    result = review(args.reference, args.out, _captions(args.captions))
    for check in result.checks:
        if check.status != "equal":
            print(f"{check.name}: {check.status}{f' ({check.note})' if check.note else ''}")
    print(f"review: {result.summary()} ({time.perf_counter() - t0:.1f} s; {args.out / 'review.md'})")
    return 1 if result.failures else 0


def _captions(folder: Path) -> Path:
    """The workflow's report captions (workflow/report/*.rst), which the report shows under each output."""
    from sparsyfed.errors import UserError

    if not folder.is_dir():
        raise UserError(f"--captions: {folder} not found; run from the repository's root or pass "
                        "--captions <repository>/workflow/report")
    return folder


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
    p.add_argument("--scale", metavar="TEXT",
                   help="the scale of the grid, stored in runs.csv and named on every page (e.g. 'default grid')")
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
    _provenance_option(p)
    p.add_argument("--out", required=True, metavar="FILE", type=Path, help="the Markdown file to write")
    p.set_defaults(func=cmd_claims)

    p = subparsers.add_parser(
        "report", help="the report page: scale, claim verdicts, every table and figure with its caption",
        description="Write one Markdown page showing the grid's results: its scale, setting and compute, the "
                    "claim verdicts, every paper table and figure (made first, into --figures) with its caption, "
                    "and the provenance.")
    _tables_option(p)
    p.add_argument("--figures", required=True, metavar="DIR", type=Path,
                   help="the folder holding the paper tables and figures (`sparsyfed table/figure/claims`)")
    _captions_option(p)
    p.add_argument("--agreement", metavar="FILE", type=Path, help="the agreement page to link (`sparsyfed agreement`)")
    p.add_argument("--capacity", metavar="FILE", type=Path,
                   help="the capacity ladder's page to show, capacity.md (`sparsyfed table capacity`), with "
                        "capacity_trend.png beside it")
    _provenance_option(p)
    p.add_argument("--out", required=True, metavar="FILE", type=Path, help="the Markdown file to write")
    p.set_defaults(func=cmd_report)

    p = subparsers.add_parser(
        "agreement", help="how far a grid's claim verdicts and method rankings agree with a reference grid's",
        description="Compare the tidy tables of a grid with those of a reference grid of the same cells; write "
                    "agreement.md and agreement.csv into --out.")
    _tables_option(p)
    p.add_argument("--reference", required=True, metavar="DIR", type=Path,
                   help="the reference grid's tidy tables (e.g. reference/tables)")
    p.add_argument("--out", required=True, metavar="DIR", type=Path, help="folder for agreement.md and agreement.csv")
    p.set_defaults(func=cmd_agreement)

    p = subparsers.add_parser(
        "reference-pack", help="pack a finished grid into a reference folder (tables, figures, provenance)",
        description="Collect the runs of the config's grid from the folder the workflow ran in, check that every "
                    "run finished with the config's settings, and write the reference folder: README.md, "
                    "config.yaml, provenance.json, tables/ (large tables gzipped) and paper_figures/ (built from "
                    "tables/ as `sparsyfed review` builds them). An existing reference folder is replaced.")
    p.add_argument("--results", required=True, metavar="DIR", type=Path,
                   help="the folder the workflow ran in (it holds results/runs and results/partitions)")
    p.add_argument("--config", required=True, metavar="FILE", type=Path, help="the workflow config the grid ran")
    p.add_argument("--elapsed-s", required=True, metavar="SECONDS", type=float,
                   help="the wall time the whole grid took, in seconds (recorded in provenance.json)")
    p.add_argument("--experiments", nargs="+", default=[], metavar="NAME",
                   help="experiments whose finished runs (in --results) are packed too, their tables in "
                        "experiments/NAME/tables and their outputs in paper_figures (e.g. beta_sweep corrected)")
    p.add_argument("--out", required=True, metavar="DIR", type=Path, help="the reference folder (e.g. reference)")
    _captions_option(p)
    p.set_defaults(func=cmd_pack)

    p = subparsers.add_parser(
        "reference-add", help="pack experiments into a packed reference folder, keeping its grid",
        description="Collect the finished runs of each experiment (those it shares with the grid included) from "
                    "the folder they ran in, check that each ran with the settings the reference's config.yaml "
                    "gives it, and put their tables and outputs into the reference folder beside its grid, whose "
                    "tables and outputs are kept: the grid's run folders are not needed. An experiment the "
                    "folder holds already is packed again.")
    p.add_argument("--reference", required=True, metavar="DIR", type=Path, help="the reference folder (e.g. reference)")
    p.add_argument("--results", required=True, metavar="DIR", type=Path,
                   help="the folder the experiments ran in (`snakemake NAME --configfile DIR/config.yaml`)")
    p.add_argument("--experiments", nargs="+", required=True, metavar="NAME",
                   help="the experiments to pack (e.g. beta_sweep capacity)")
    p.add_argument("--partial", action="store_true",
                   help="pack the runs finished so far and record the others as missing (the pages count them); a "
                        "later reference-add packs them, keeping those packed now")
    p.set_defaults(func=cmd_add)

    p = subparsers.add_parser(
        "review", help="rebuild every output of a shipped reference from its tables and compare with the shipped",
        description="Rebuild every paper table, figure, the claims page and the report from the reference's tidy "
                    "tables into --out/paper_figures, compare each file byte for byte with the shipped one, and "
                    "write --out/review.md. Exits 1 if a file differs (figures of another matplotlib version "
                    "than the reference's are reported, not counted). Runs nothing and imports no torch.")
    p.add_argument("--reference", default=Path("reference"), metavar="DIR", type=Path,
                   help="the reference folder (default: reference)")
    p.add_argument("--out", default=Path("results/review"), metavar="DIR", type=Path,
                   help="folder for the rebuilt files and review.md (default: results/review)")
    _captions_option(p)
    p.set_defaults(func=cmd_review)


def _provenance_option(p) -> None:
    p.add_argument("--provenance", metavar="FILE", type=Path,
                   help="a packed reference's provenance.json (adds the grid's elapsed time to the scale line)")


def _captions_option(p) -> None:
    p.add_argument("--captions", default=Path("workflow/report"), metavar="DIR", type=Path,
                   help="the workflow's report captions (default: workflow/report)")
