"""The CLI subcommands: registered on an argparse parser and run end to end on the synthetic grid."""

import argparse

import pandas as pd
import pytest

from sparsyfed.analysis.commands import register
from sparsyfed.analysis.outputs import FIGURES, TABLE_NAMES
from sparsyfed.errors import UserError


def _parse(argv):
    parser = argparse.ArgumentParser(prog="sparsyfed")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args([str(a) for a in argv])


def test_collect_table_figure_claims_end_to_end(grid, tmp_path, capsys):
    tables, out = tmp_path / "tables", tmp_path / "out"
    args = _parse(["collect", "--runs", grid["runs"], "--partitions", *grid["partitions"], "--out", tables])
    assert args.func(args) == 0
    assert sorted(p.name for p in tables.iterdir()) == ["layers.csv", "mask_iou.csv", "partitions.csv",
                                                         "rounds.csv", "runs.csv"]
    args = _parse(["table", "table1", "--tables", tables, "--out", out])
    args.func(args)
    args = _parse(["figure", "regrowth", "--tables", tables, "--out", out])
    args.func(args)
    args = _parse(["claims", "--tables", tables, "--out", out / "claims.md"])
    args.func(args)
    assert sorted(p.name for p in out.iterdir()) == ["claims.md", "regrowth.pdf", "regrowth.png", "table1.csv",
                                                      "table1.md", "table1.tex"]
    printed = capsys.readouterr().out.split()
    assert str(out / "claims.md") in printed


def test_all_tables(grid, tmp_path):
    args = _parse(["table", "all", "--tables", grid["tables"], "--out", tmp_path])
    args.func(args)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{name}.{ext}" for name in TABLE_NAMES for ext in ("csv", "md", "tex"))
    assert "paper_shape" in TABLE_NAMES


def test_figure_names_are_the_module_names():
    for name in FIGURES:
        assert _parse(["figure", name, "--tables", "t", "--out", "o"]).name == name
    with pytest.raises(SystemExit):
        _parse(["figure", "nope", "--tables", "t", "--out", "o"])


def test_bad_input_is_a_user_error(tmp_path):
    args = _parse(["claims", "--tables", tmp_path / "none", "--out", tmp_path / "c.md"])
    with pytest.raises(UserError, match="runs.csv not found"):
        args.func(args)
    args = _parse(["collect", "--runs", tmp_path / "x", "--out", tmp_path / "t", "--max-masks", "0"])
    with pytest.raises(UserError, match="--max-masks"):
        args.func(args)


def test_agreement_command_writes_the_page_and_the_pairs(grid, tmp_path, capsys):
    args = _parse(["agreement", "--tables", grid["tables"], "--reference", grid["tables"], "--out", tmp_path])
    assert args.func(args) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / "agreement.md"), str(tmp_path / "agreement.csv")]
    pairs = pd.read_csv(tmp_path / "agreement.csv")
    conclusive = pairs[pairs["ref_direction"] != 0]
    assert len(conclusive) > 0 and conclusive["same_direction"].all()  # a grid agrees with itself on every pair
    page = (tmp_path / "agreement.md").read_text()
    n = len(conclusive)
    assert f"conclusive the same way here** | {n} / {n} (100 %) |" in page


def test_report_needs_the_outputs_it_shows(grid, tmp_path):
    args = _parse(["report", "--tables", grid["tables"], "--figures", tmp_path, "--out", tmp_path / "report.md",
                   "--captions", "workflow/report"])
    with pytest.raises(UserError, match=r"--figures: .*table1\.md not found; make every table and figure before"):
        args.func(args)
