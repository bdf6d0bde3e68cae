"""How far a grid agrees with a reference grid of the same cells trained longer (issue: calibrated default).

Two grids are compared cell by cell, where a cell is (dataset, α, target sparsity):

- **Rankings.** For every pair of methods run in a cell of both grids (dense, recorded at s = 0,
  joins every sparsity of its dataset and α), the paired t interval over seeds of the difference of
  their final test accuracies (pp). A pair is *conclusive* in the reference when its interval
  excludes 0; the grid *agrees* on it when its own mean difference has the same sign. A cell is
  conclusive when it has a conclusive pair, and agrees when it agrees on every one of them.
- **Claims.** The claim verdicts of both grids (`claims.evaluate_claims`), each judged on the runs
  of the cells both grids ran (a reference with more alphas or sparsities than the grid is cut to
  the grid's); a claim counts where the reference's verdict is conclusive (supported or
  contradicted) and agrees when the grid's verdict is the same.

`write_agreement` writes `agreement.md` (the numbers and every disagreement, in words) and
`agreement.csv` (one row per compared pair).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from sparsyfed.analysis import names
from sparsyfed.analysis.cells import cell_keys, diff, in_cell, paired_interval, setting_text, where
from sparsyfed.analysis.claims import evaluate_claims
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.stats import ok_values
from sparsyfed.analysis.verdicts import CONTRADICTED, SUPPORTED
from sparsyfed.io import write_csv, write_text

VALUE = "final_test_acc"
CELL_KEY = ["dataset", "alpha", "sparsity"]
RUN_CELL = ["dataset", "alpha", "method", "sparsity"]  # a method's runs in a cell (dense: sparsity 0)
SIDES = ("ref", "grid")
PAIR_COLUMNS = CELL_KEY + ["first", "second"] + [f"{side}_{k}" for side in SIDES for k in ("mean", "lo", "hi", "n")] + [
    "conclusive", "agrees", "grid_conclusive"]


def pair_intervals(runs: pd.DataFrame) -> pd.DataFrame:
    """Per cell and pair of methods (display order), the paired t interval of first − second (pp)."""
    ok = ok_values(runs, VALUE, 100.0)
    sparse = ok[ok["method"] != "dense"]
    rows = []
    for d, a, s in cell_keys(sparse, CELL_KEY):
        here = in_cell(ok, ["dataset", "alpha"], (d, a))
        members = {m: here[(here["method"] == m) & (np.isclose(here["sparsity"].astype(float), s)
                                                    | (here["method"] == "dense"))]
                   for m in names.order_methods(here["method"])}
        for first, second in combinations(members, 2):
            iv = paired_interval(members[first], members[second], ["dataset", "alpha"], VALUE, diff)
            if iv.n == 0:
                continue
            rows.append(dict(dataset=d, alpha=a, sparsity=s, first=first, second=second,
                             mean=iv.mean, lo=iv.lo, hi=iv.hi, n=iv.n))
    return pd.DataFrame(rows, columns=CELL_KEY + ["first", "second", "mean", "lo", "hi", "n"])


def _excludes_zero(lo: pd.Series, hi: pd.Series) -> pd.Series:
    return (lo > 0) | (hi < 0)


def compare_pairs(grid_runs: pd.DataFrame, ref_runs: pd.DataFrame) -> pd.DataFrame:
    """The pairs both grids ran, side by side (PAIR_COLUMNS)."""
    key = CELL_KEY + ["first", "second"]
    ref, grid = pair_intervals(ref_runs), pair_intervals(grid_runs)
    merged = ref.merge(grid, on=key, suffixes=("_ref", "_grid"))
    out = merged[key].copy()
    for side in SIDES:
        for k in ("mean", "lo", "hi", "n"):
            out[f"{side}_{k}"] = merged[f"{k}_{side}"]
    out["conclusive"] = _excludes_zero(out["ref_lo"], out["ref_hi"])
    out["agrees"] = np.sign(out["grid_mean"]) == np.sign(out["ref_mean"])
    out["grid_conclusive"] = _excludes_zero(out["grid_lo"], out["grid_hi"]) & out["agrees"]
    return out[PAIR_COLUMNS]


@dataclass(frozen=True)
class Agreement:
    pairs: pd.DataFrame  # compare_pairs
    claims: pd.DataFrame  # number, claim, ref verdict, grid verdict, counted, agrees

    @property
    def conclusive_pairs(self) -> pd.DataFrame:
        return self.pairs[self.pairs["conclusive"]]

    def cells(self) -> pd.DataFrame:
        """Per cell: conclusive pairs in the reference, how many the grid agrees on, and whether it agrees on all."""
        conclusive = self.conclusive_pairs
        rows = []
        for key in cell_keys(self.pairs, CELL_KEY):
            c = in_cell(conclusive, CELL_KEY, key)
            rows.append(dict(zip(CELL_KEY, key, strict=True), conclusive_pairs=len(c),
                             agreeing_pairs=int(c["agrees"].sum()), agrees=bool(len(c) and c["agrees"].all())))
        return pd.DataFrame(rows, columns=CELL_KEY + ["conclusive_pairs", "agreeing_pairs", "agrees"])

    def counts(self) -> dict[str, tuple[int, int]]:
        """(agreeing, counted) for claims, conclusive cells and conclusive pairs."""
        cells = self.cells()
        cells = cells[cells["conclusive_pairs"] > 0]
        pairs = self.conclusive_pairs
        claims = self.claims[self.claims["counted"]]
        return {"claims": (int(claims["agrees"].sum()), len(claims)),
                "cells": (int(cells["agrees"].sum()), len(cells)),
                "pairs": (int(pairs["agrees"].sum()), len(pairs))}


def claim_verdicts(grid_results, ref_results) -> pd.DataFrame:
    """Claim verdicts side by side; a claim counts where the reference's verdict is conclusive."""
    rows = []
    for ours, ref in zip(grid_results, ref_results, strict=True):
        counted = ref.verdict in (SUPPORTED, CONTRADICTED)
        rows.append(dict(number=ref.number, claim=ref.claim, ref_verdict=ref.verdict, grid_verdict=ours.verdict,
                         counted=counted, agrees=counted and ours.verdict == ref.verdict))
    return pd.DataFrame(rows, columns=["number", "claim", "ref_verdict", "grid_verdict", "counted", "agrees"])


def shared_cells(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> list[dict[str, pd.DataFrame]]:
    """Both grids' tidy tables cut to the (dataset, α, method, sparsity) cells both ran."""
    shared = a["runs"][RUN_CELL].drop_duplicates().merge(b["runs"][RUN_CELL].drop_duplicates(), on=RUN_CELL)
    return [{name: table.merge(shared, on=RUN_CELL) if len(table) else table for name, table in g.items()}
            for g in (a, b)]


def agreement(grid_tables: dict[str, pd.DataFrame], ref_tables: dict[str, pd.DataFrame]) -> Agreement:
    """Compare two grids given as {'runs', 'rounds', 'layers'} tidy tables, on the cells both ran."""
    grid_tables, ref_tables = shared_cells(grid_tables, ref_tables)
    verdicts = [evaluate_claims(t["runs"], t["rounds"], t["layers"]) for t in (grid_tables, ref_tables)]
    return Agreement(compare_pairs(grid_tables["runs"], ref_tables["runs"]), claim_verdicts(*verdicts))


# ---------------------------------------------------------------- the page

def _pair_text(r) -> str:
    return (f"{names.method_name(r.first)} − {names.method_name(r.second)}: reference {r.ref_mean:+.2f} pp "
            f"[{r.ref_lo:+.2f}, {r.ref_hi:+.2f}] (n = {r.ref_n}), this grid {r.grid_mean:+.2f} pp "
            f"[{r.grid_lo:+.2f}, {r.grid_hi:+.2f}] (n = {r.grid_n})")


def _fraction(agreeing: int, counted: int) -> str:
    return f"{agreeing} / {counted}" + (f" ({100 * agreeing / counted:.0f} %)" if counted else "")


def _left_out(ref_runs: pd.DataFrame, compared: list[tuple]) -> list[str]:
    """A line naming the reference's cells this grid did not run (none: no line)."""
    sparse, compared = ref_runs[ref_runs["method"] != "dense"], set(compared)
    missing = [k for k in cell_keys(sparse, CELL_KEY) if k not in compared]
    if not missing:
        return []
    return [f"- Not compared (the reference ran them, this grid did not): {'; '.join(where(*k) for k in missing)}."]


def render(result: Agreement, grid_runs: pd.DataFrame, ref_runs: pd.DataFrame) -> str:
    counts = result.counts()
    conclusive = result.conclusive_pairs
    opposed = ~conclusive["agrees"] & _excludes_zero(conclusive["grid_lo"], conclusive["grid_hi"])
    cells = [tuple(k) for k in result.pairs[CELL_KEY].drop_duplicates().itertuples(index=False)]
    out = ["# Agreement of this grid with the reference grid", "",
           f"- This grid: {setting_text(grid_runs, cells)}.",
           f"- Reference: {setting_text(ref_runs, cells)}.", *_left_out(ref_runs, cells), "",
           "| | agree / counted |", "|---|---|",
           f"| claim verdicts (where the reference is conclusive) | {_fraction(*counts['claims'])} |",
           f"| cells (every conclusive pair in the same order) | {_fraction(*counts['cells'])} |",
           f"| pairs of methods (conclusive in the reference) | {_fraction(*counts['pairs'])} |", "",
           "A pair of methods in a cell (dataset, α, sparsity) is conclusive in the reference when the 95 % paired t "
           "interval over seeds of their final-accuracy difference excludes 0; this grid agrees on it when its mean "
           "difference has the same sign. "
           f"{int(conclusive['grid_conclusive'].sum())} of the {counts['pairs'][1]} conclusive pairs are also "
           f"conclusive, in the same direction, in this grid; {int(opposed.sum())} are conclusive the other way "
           "(this grid's interval excludes 0 on the other side).", "",
           "## Claims", "", "| # | Reference | This grid | Counted | Agrees |", "|---|---|---|---|---|"]
    for r in result.claims.itertuples():
        out.append(f"| {r.number} | {r.ref_verdict} | {r.grid_verdict} | {'yes' if r.counted else 'no'} | "
                   f"{('yes' if r.agrees else '**no**') if r.counted else '—'} |")
    out += ["", "## Cells", "", "| Cell | Conclusive pairs | Agreeing |", "|---|---|---|"]
    for r in result.cells().itertuples():
        out.append(f"| {where(r.dataset, r.alpha, r.sparsity)} | {r.conclusive_pairs} | {r.agreeing_pairs} |")
    wrong = result.conclusive_pairs[~result.conclusive_pairs["agrees"]]
    out += ["", "## Conclusive pairs this grid orders the other way", ""]
    out += [f"- {where(r.dataset, r.alpha, r.sparsity)}: {_pair_text(r)}" for r in wrong.itertuples()] or ["None."]
    return "\n".join(out) + "\n"


def _tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    return {name: read_table(folder, name) for name in ("runs", "rounds", "layers")}


def write_agreement(tables_dir: str | Path, reference_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Compare the tidy tables in `tables_dir` with those in `reference_dir`; write agreement.{md,csv}."""
    grid, ref = _tables(tables_dir), _tables(reference_dir)
    result = agreement(grid, ref)
    out_dir = Path(out_dir)
    paths = [out_dir / "agreement.md", out_dir / "agreement.csv"]
    write_text(paths[0], render(result, grid["runs"], ref["runs"]))
    write_csv(paths[1], result.pairs)
    return paths
