"""How far a grid agrees with a reference grid of the same cells trained longer, on a score that easy
pairs cannot inflate and with two null grids beside it for scale.

Two grids are compared cell by cell, where a cell is (dataset, α, target sparsity):

- **Pairs of methods.** For every pair of methods run in a cell of both grids (dense, recorded at s = 0,
  joins every sparsity of its dataset and α), the paired t interval over seeds of the difference of
  their final test accuracies (pp). A pair is *conclusive* in a grid when its interval excludes 0, and
  its direction is the sign of the difference. The score counts the reference's conclusive pairs that are
  conclusive **in the same direction** in the grid (the grid's own uncertainty counts); *close* pairs (the
  reference's difference at most CLOSE_PP) are counted apart from *clear* ones, because most pairs differ
  by far more than any grid could get wrong (dense or Top-K against the rest).
- **Null grids.** The same score for two grids made from this grid's runs by the code below: *shuffled*
  (each cell's accuracies of one seed dealt to its methods at random, NULL_SHUFFLES times, seeded) and
  *fixed ordering* (every method at its mean over all of this grid's cells, plus this grid's seed-to-seed
  scatter in the cell: one ordering of the methods everywhere, no cell-specific information).
- **Claims, comparison by comparison.** Both grids' claims (`claims.evaluate_claims`, on the cells both
  ran); each judged comparison (claim, cell, estimate) counts where the reference's verdict on it is
  conclusive (supported or contradicted) and agrees when the grid's verdict on it is the same.

`write_agreement` writes `agreement.md` (the scores, the nulls and every disagreement, in words) and
`agreement.csv` (one row per compared pair).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from sparsyfed.analysis import names
from sparsyfed.analysis.claims.cells import cell_keys, in_cell, setting_text, where
from sparsyfed.analysis.claims.checks import evaluate_claims
from sparsyfed.analysis.claims.verdicts import CONTRADICTED, SUPPORTED
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.scale import scale_of
from sparsyfed.analysis.stats import ok_values, t_interval
from sparsyfed.io import write_csv, write_text

VALUE = "final_test_acc"
CELL_KEY = ["dataset", "alpha", "sparsity"]
PAIR_KEY = CELL_KEY + ["first", "second"]
RUN_CELL = ["dataset", "alpha", "method", "sparsity"]  # a method's runs in a cell (dense: sparsity 0)
SIDES = ("ref", "grid")
INTERVAL = ("mean", "lo", "hi", "n")
PAIR_COLUMNS = PAIR_KEY + [f"{side}_{k}" for side in SIDES for k in INTERVAL] + [
    "ref_direction", "grid_direction", "close", "same_direction", "opposite", "same_sign"]
CLOSE_PP = 5.0  # a pair whose reference difference is at most this many pp is close (hard to order)
NULL_SHUFFLES = 200
NULL_SEED = 0
DEFAULT_GRID = "default grid"  # config/config.yaml's `scale`
SELECTION_NOTE = ("This grid's setting (config/config.yaml) is the best of five settings tried against an earlier "
                  "score of this page (the share of the reference's conclusive pairs whose mean difference has the "
                  "same sign here; docs/notes.md lists the five): it was selected on agreement, so its numbers are "
                  "an upper end, not a typical value")


# ---------------------------------------------------------------- pairs of methods

def cell_matrices(runs: pd.DataFrame) -> dict[tuple, pd.DataFrame]:
    """Per cell (dataset, α, s) of sparse runs: final accuracy (%) as a method × seed frame (methods in
    display order, dense included; NaN where a run did not finish)."""
    ok = ok_values(runs, VALUE, 100.0)
    out = {}
    for d, a, s in cell_keys(ok[ok["method"] != names.REFERENCE], CELL_KEY):
        here = in_cell(ok, ["dataset", "alpha"], (d, a))
        here = here[np.isclose(here["sparsity"].astype(float), s) | (here["method"] == names.REFERENCE)]
        matrix = here.pivot_table(index="method", columns="seed", values=VALUE, aggfunc="mean")
        out[(d, a, s)] = matrix.reindex(names.order_methods(matrix.index))
    return out


def matrix_pairs(matrices: dict[tuple, pd.DataFrame]) -> pd.DataFrame:
    """Per cell and pair of methods (display order), the paired t interval of first − second (pp) over the
    seeds both finished."""
    rows = []
    for key, matrix in matrices.items():
        values = matrix.to_numpy(dtype=float)
        for i, j in combinations(range(len(matrix)), 2):
            iv = t_interval(values[i] - values[j])
            if iv.n:
                rows.append(dict(zip(CELL_KEY, key, strict=True), first=matrix.index[i], second=matrix.index[j],
                                 mean=iv.mean, lo=iv.lo, hi=iv.hi, n=iv.n))
    return pd.DataFrame(rows, columns=PAIR_KEY + list(INTERVAL))


def pair_intervals(runs: pd.DataFrame) -> pd.DataFrame:
    """Per cell and pair of methods (display order), the paired t interval of first − second (pp)."""
    return matrix_pairs(cell_matrices(runs))


def direction(lo: pd.Series, hi: pd.Series) -> pd.Series:
    """+1 when the interval lies above 0, −1 below, 0 when it touches or straddles 0 (or does not exist)."""
    return pd.Series(np.where(lo > 0, 1, np.where(hi < 0, -1, 0)), index=lo.index)


def join_pairs(ref: pd.DataFrame, grid: pd.DataFrame) -> pd.DataFrame:
    """Pairs both grids ran, side by side (PAIR_COLUMNS), from two `matrix_pairs` frames."""
    merged = ref.merge(grid, on=PAIR_KEY, suffixes=("_ref", "_grid"))
    out = merged[PAIR_KEY].copy()
    for side in SIDES:
        for k in INTERVAL:
            out[f"{side}_{k}"] = merged[f"{k}_{side}"]
    out["ref_direction"] = direction(out["ref_lo"], out["ref_hi"])
    out["grid_direction"] = direction(out["grid_lo"], out["grid_hi"])
    out["close"] = out["ref_mean"].abs() <= CLOSE_PP
    conclusive = out["ref_direction"] != 0
    out["same_direction"] = conclusive & (out["grid_direction"] == out["ref_direction"])
    out["opposite"] = conclusive & (out["grid_direction"] == -out["ref_direction"])
    out["same_sign"] = conclusive & (np.sign(out["grid_mean"]) == out["ref_direction"])
    return out[PAIR_COLUMNS]


def compare_pairs(grid_runs: pd.DataFrame, ref_runs: pd.DataFrame) -> pd.DataFrame:
    """The pairs both grids ran, side by side (PAIR_COLUMNS)."""
    return join_pairs(pair_intervals(ref_runs), pair_intervals(grid_runs))


@dataclass(frozen=True)
class Score:
    """Of the reference's conclusive pairs (`counted`, split into close and clear), how many a grid has
    conclusive in the same direction and how many with the same sign of its mean (the earlier score)."""

    same: int
    counted: int
    close_same: int
    close_counted: int
    same_sign: int

    @property
    def clear_same(self) -> int:
        return self.same - self.close_same

    @property
    def clear_counted(self) -> int:
        return self.counted - self.close_counted


def score(pairs: pd.DataFrame) -> Score:
    """The Score of `join_pairs` output."""
    conclusive = pairs[pairs["ref_direction"] != 0]
    close = conclusive[conclusive["close"]]
    return Score(int(conclusive["same_direction"].sum()), len(conclusive), int(close["same_direction"].sum()),
                 len(close), int(conclusive["same_sign"].sum()))


# ---------------------------------------------------------------- null grids

def shuffled(matrices: dict[tuple, pd.DataFrame], rng: np.random.Generator) -> dict[tuple, pd.DataFrame]:
    """Each cell's finished accuracies of one seed dealt to that seed's methods at random."""
    out = {}
    for key, matrix in matrices.items():
        values = matrix.to_numpy(dtype=float).copy()
        for col in range(values.shape[1]):
            rows = np.flatnonzero(np.isfinite(values[:, col]))
            values[rows, col] = values[rng.permutation(rows), col]
        out[key] = pd.DataFrame(values, index=matrix.index, columns=matrix.columns)
    return out


def fixed_ordering(matrices: dict[tuple, pd.DataFrame]) -> dict[tuple, pd.DataFrame]:
    """Every method at its mean over all cells (each cell weighing the same) plus the cell's seed-to-seed
    scatter around the method's mean in that cell: one ordering of the methods in every cell."""
    cell_means = pd.DataFrame({key: m.mean(axis=1) for key, m in matrices.items()})
    overall = cell_means.mean(axis=1)
    return {key: m.sub(m.mean(axis=1), axis=0).add(overall.reindex(m.index), axis=0) for key, m in matrices.items()}


@dataclass(frozen=True)
class NullScore:
    """A null grid's Score: `scores` holds one per draw (one for a grid without randomness)."""

    name: str
    how: str
    scores: tuple[Score, ...]

    def mean(self, field: str) -> float:
        return float(np.mean([getattr(s, field) for s in self.scores]))

    def range(self, field: str) -> tuple[float, float]:
        values = [getattr(s, field) for s in self.scores]
        return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def null_scores(grid_runs: pd.DataFrame, ref_pairs: pd.DataFrame, shuffles: int = NULL_SHUFFLES,
                seed: int = NULL_SEED) -> list[NullScore]:
    """The shuffled and the fixed-ordering null grid of `grid_runs`, each scored against `ref_pairs`."""
    matrices = cell_matrices(grid_runs)
    rng = np.random.default_rng(seed)
    draws = tuple(score(join_pairs(ref_pairs, matrix_pairs(shuffled(matrices, rng)))) for _ in range(shuffles))
    fixed = score(join_pairs(ref_pairs, matrix_pairs(fixed_ordering(matrices))))
    return [NullScore("shuffled", f"each cell's accuracies of a seed dealt to its methods at random; mean and 95 % "
                                  f"range of {shuffles} draws (seed {seed})", draws),
            NullScore("fixed ordering", "every method at its mean over all cells, with this grid's seed scatter: "
                                        "one method ordering in every cell", (fixed,))]


# ---------------------------------------------------------------- claims, comparison by comparison

COMPARISON_COLUMNS = ["number", "where", "what", "ref_verdict", "grid_verdict", "counted", "agrees"]


def claim_verdicts(grid_results, ref_results) -> pd.DataFrame:
    """Claim verdicts side by side, with how many of each claim's comparisons count and agree."""
    rows = []
    for ours, ref in zip(grid_results, ref_results, strict=True):
        rows.append(dict(number=ref.number, claim=ref.claim, ref_verdict=ref.verdict, grid_verdict=ours.verdict))
    return pd.DataFrame(rows, columns=["number", "claim", "ref_verdict", "grid_verdict"])


def claim_comparisons(grid_results, ref_results) -> pd.DataFrame:
    """Every judged comparison of the reference's claims beside the grid's verdict on the same one (matched
    by claim, cell and estimate); it counts where the reference's verdict is conclusive."""
    rows = []
    for ours, ref in zip(grid_results, ref_results, strict=True):
        theirs = {(c.where, c.what): c.verdict for c in ours.checks}
        for c in ref.checks:
            grid_verdict = theirs.get((c.where, c.what), "not judged")
            counted = c.verdict in (SUPPORTED, CONTRADICTED)
            rows.append(dict(number=ref.number, where=c.where, what=c.what, ref_verdict=c.verdict,
                             grid_verdict=grid_verdict, counted=counted, agrees=counted and grid_verdict == c.verdict))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


# ---------------------------------------------------------------- both

@dataclass(frozen=True)
class Agreement:
    pairs: pd.DataFrame  # join_pairs
    claims: pd.DataFrame  # claim_verdicts
    comparisons: pd.DataFrame  # claim_comparisons
    nulls: tuple[NullScore, ...]

    @property
    def conclusive_pairs(self) -> pd.DataFrame:
        return self.pairs[self.pairs["ref_direction"] != 0]

    def score(self) -> Score:
        return score(self.pairs)

    def cells(self) -> pd.DataFrame:
        """Per cell: the reference's conclusive pairs, how many the grid has conclusive the same way and the
        other way, and whether it has every one the same way."""
        rows = []
        for key in cell_keys(self.pairs, CELL_KEY):
            c = in_cell(self.conclusive_pairs, CELL_KEY, key)
            rows.append(dict(zip(CELL_KEY, key, strict=True), conclusive_pairs=len(c),
                             same_direction=int(c["same_direction"].sum()), opposite=int(c["opposite"].sum()),
                             agrees=bool(len(c) and c["same_direction"].all())))
        return pd.DataFrame(rows, columns=CELL_KEY + ["conclusive_pairs", "same_direction", "opposite", "agrees"])

    def counts(self) -> dict[str, tuple[int, int]]:
        """(agreeing, counted) for claim comparisons, conclusive cells and conclusive pairs (same direction)."""
        cells = self.cells()
        cells = cells[cells["conclusive_pairs"] > 0]
        comparisons = self.comparisons[self.comparisons["counted"]]
        s = self.score()
        return {"comparisons": (int(comparisons["agrees"].sum()), len(comparisons)),
                "cells": (int(cells["agrees"].sum()), len(cells)),
                "pairs": (s.same, s.counted)}


def shared_cells(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> list[dict[str, pd.DataFrame]]:
    """Both grids' tidy tables cut to the (dataset, α, method, sparsity) cells both ran."""
    shared = a["runs"][RUN_CELL].drop_duplicates().merge(b["runs"][RUN_CELL].drop_duplicates(), on=RUN_CELL)
    return [{name: table.merge(shared, on=RUN_CELL) if len(table) else table for name, table in g.items()}
            for g in (a, b)]


def agreement(grid_tables: dict[str, pd.DataFrame], ref_tables: dict[str, pd.DataFrame],
              shuffles: int = NULL_SHUFFLES) -> Agreement:
    """Compare two grids given as {'runs', 'rounds', 'layers'} tidy tables, on the cells both ran."""
    grid_tables, ref_tables = shared_cells(grid_tables, ref_tables)
    grid_results, ref_results = (evaluate_claims(t["runs"], t["rounds"], t["layers"])
                                 for t in (grid_tables, ref_tables))
    ref_pairs = pair_intervals(ref_tables["runs"])
    pairs = join_pairs(ref_pairs, pair_intervals(grid_tables["runs"]))
    return Agreement(pairs, claim_verdicts(grid_results, ref_results), claim_comparisons(grid_results, ref_results),
                     tuple(null_scores(grid_tables["runs"], ref_pairs, shuffles)))


# ---------------------------------------------------------------- the page

def _pair_text(r) -> str:
    return (f"{names.method_name(r.first)} − {names.method_name(r.second)}: reference {r.ref_mean:+.2f} pp "
            f"[{r.ref_lo:+.2f}, {r.ref_hi:+.2f}] (n = {r.ref_n}), this grid {r.grid_mean:+.2f} pp "
            f"[{r.grid_lo:+.2f}, {r.grid_hi:+.2f}] (n = {r.grid_n})")


def _fraction(agreeing: float, counted: int, digits: int = 0) -> str:
    return f"{agreeing:.{digits}f} / {counted}" + (f" ({100 * agreeing / counted:.0f} %)" if counted else "")


def _null_cell(null: NullScore, field: str, counted: int) -> str:
    text = _fraction(null.mean(field), counted, 1 if len(null.scores) > 1 else 0)
    if len(null.scores) > 1:
        lo, hi = null.range(field)
        text += f" [{lo:.0f}, {hi:.0f}]"
    return text


def _score_rows(result: Agreement) -> list[str]:
    s, nulls = result.score(), result.nulls
    head = "| Pairs conclusive in the reference | this grid | " + " | ".join(f"{n.name} null" for n in nulls) + " |"
    rows = [head, "|---|---|" + "---|" * len(nulls)]
    for label, field, counted in (
            ("**conclusive the same way here** (all)", "same", s.counted),
            (f"… close pairs (reference difference ≤ {CLOSE_PP:g} pp)", "close_same", s.close_counted),
            (f"… clear pairs (> {CLOSE_PP:g} pp)", "clear_same", s.clear_counted),
            ("same sign of the mean here (the earlier score)", "same_sign", s.counted)):
        rows.append(f"| {label} | {_fraction(getattr(s, field), counted)} | "
                    + " | ".join(_null_cell(n, field, counted) for n in nulls) + " |")
    return rows


def _left_out(ref_runs: pd.DataFrame, compared: list[tuple]) -> list[str]:
    """A line naming the reference's cells this grid did not run (none: no line)."""
    sparse, compared = ref_runs[ref_runs["method"] != names.REFERENCE], set(compared)
    missing = [k for k in cell_keys(sparse, CELL_KEY) if k not in compared]
    if not missing:
        return []
    return [f"- Not compared (the reference ran them, this grid did not): {'; '.join(where(*k) for k in missing)}."]


def _claim_lines(result: Agreement) -> list[str]:
    comparisons = result.comparisons
    out = ["## Claims, comparison by comparison", "",
           "Each judged comparison of a claim (cell and estimate) beside this grid's verdict on the same comparison; "
           "it counts where the reference's verdict is conclusive.", "",
           "| # | Reference verdict | This grid's verdict | Comparisons counted | Same verdict |",
           "|---|---|---|---|---|"]
    for r in result.claims.itertuples():
        mine = comparisons[(comparisons["number"] == r.number) & comparisons["counted"]]
        out.append(f"| {r.number} | {r.ref_verdict} | {r.grid_verdict} | {len(mine)} | "
                   f"{int(mine['agrees'].sum()) if len(mine) else '—'} |")
    differ = comparisons[comparisons["counted"] & ~comparisons["agrees"]]
    out += ["", "Comparisons the reference decides and this grid does not decide the same way:", ""]
    out += [f"- Claim {r.number}, {r.where}: {r.what}: reference **{r.ref_verdict}**, this grid {r.grid_verdict}"
            for r in differ.itertuples()] or ["None."]
    return out


def render(result: Agreement, grid_runs: pd.DataFrame, ref_runs: pd.DataFrame) -> str:
    counts, s = result.counts(), result.score()
    cells = [tuple(k) for k in result.pairs[CELL_KEY].drop_duplicates().itertuples(index=False)]
    selection = [f"- Selection: {SELECTION_NOTE}."] if scale_of(grid_runs) == DEFAULT_GRID else []
    out = ["# Agreement of this grid with the reference grid", "",
           f"- This grid: {setting_text(grid_runs, cells)}.",
           f"- Reference: {setting_text(ref_runs, cells)}.", *_left_out(ref_runs, cells), *selection, "",
           "| | agree / counted |", "|---|---|",
           f"| **pairs of methods conclusive in the reference, conclusive the same way here** | "
           f"{_fraction(*counts['pairs'])} |",
           f"| … of them close (reference difference ≤ {CLOSE_PP:g} pp) | {_fraction(s.close_same, s.close_counted)} |",
           f"| claim comparisons the reference decides, same verdict here | {_fraction(*counts['comparisons'])} |",
           f"| cells with every conclusive pair conclusive the same way here | {_fraction(*counts['cells'])} |", "",
           "A pair of methods in a cell (dataset, α, sparsity) is conclusive in a grid when the 95 % paired t interval "
           "over seeds of their final-accuracy difference excludes 0; it counts for this grid when both grids have it "
           f"conclusive in the same direction. {int(result.conclusive_pairs['opposite'].sum())} of the reference's "
           f"{s.counted} conclusive pairs are conclusive the other way here.", "",
           "## The score against two null grids", "",
           "The same score for two grids made from this grid's own runs, so the number has a scale: "
           + "; ".join(f"**{n.name}**: {n.how}" for n in result.nulls) + ". What this grid's training adds "
           "over the methods' general order shows only where it scores above the fixed-ordering null.", "",
           *_score_rows(result), "", *_claim_lines(result), "",
           "## Cells", "", "| Cell | Conclusive pairs | Same way here | Other way here |", "|---|---|---|---|"]
    for r in result.cells().itertuples():
        out.append(f"| {where(r.dataset, r.alpha, r.sparsity)} | {r.conclusive_pairs} | {r.same_direction} | "
                   f"{r.opposite} |")
    missed = result.conclusive_pairs[~result.conclusive_pairs["same_direction"]]
    out += ["", "## Conclusive pairs this grid does not have conclusive the same way", ""]
    out += [f"- {where(r.dataset, r.alpha, r.sparsity)}{' (close)' if r.close else ''}: {_pair_text(r)}"
            for r in missed.itertuples()] or ["None."]
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
