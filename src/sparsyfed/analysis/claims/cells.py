"""Cells of the tidy tables and per-run summaries, as the claims select them.

Cells are found by value (floats compared with np.isclose); per-round quantities are averaged per
finished run over rounds >= a first round; paired intervals come from `stats.pair_by_seed`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sparsyfed import record
from sparsyfed.analysis import names
from sparsyfed.analysis.collect import GRID
from sparsyfed.analysis.stats import Interval, ok_values, pair_by_seed, t_interval


def pct(s: float) -> str:
    """0.95 -> '95 %'."""
    return names.sparsity_label(s)


def where(d, a=None, s=None) -> str:
    """'Fashion-MNIST α = 0.1, s = 95 %' (α and s when given)."""
    text = names.dataset_name(d)
    if a is not None:
        text += f" α = {names.alpha_label(a)}"
    return text + (f", s = {pct(s)}" if s is not None else "")


def of_method(frame: pd.DataFrame, method: str, sparsity: float | None = None,
              alpha: float | None = None) -> pd.DataFrame:
    """Rows of `method` (at `sparsity` and `alpha` when given)."""
    out = frame[frame["method"] == method]
    if sparsity is not None:
        out = out[np.isclose(out["sparsity"].astype(float), sparsity)]
    if alpha is not None:
        out = out[np.isclose(out["alpha"].astype(float), alpha)]
    return out


def cell_keys(frame: pd.DataFrame, by: list[str]) -> list[tuple]:
    """Distinct `by` values in display order (dataset, then α from IID to 0.1, then sparsity)."""
    if frame.empty:
        return []
    keys = frame[by].drop_duplicates()
    d_rank = {d: i for i, d in enumerate(names.order_datasets(keys["dataset"]))}
    order = keys.assign(_d=keys["dataset"].map(d_rank))
    sort = ["_d"] + (["_a"] if "alpha" in by else []) + (["sparsity"] if "sparsity" in by else [])
    if "alpha" in by:
        order = order.assign(_a=-order["alpha"].astype(float))
    return [tuple(r) for r in order.sort_values(sort)[by].itertuples(index=False)]


def in_cell(ok: pd.DataFrame, by: list[str], key: tuple) -> pd.DataFrame:
    """Rows whose `by` columns equal `key`."""
    mask = np.ones(len(ok), dtype=bool)
    for col, val in zip(by, key, strict=True):
        mask &= np.isclose(ok[col].astype(float), val) if col in ("alpha", "sparsity") else (ok[col] == val).to_numpy()
    return ok[mask]


def ok_keys(runs: pd.DataFrame) -> pd.DataFrame:
    """GRID columns of the finished runs."""
    return runs.loc[runs["status"] == record.OK, GRID] if len(runs) else pd.DataFrame(columns=GRID)


def run_means(rounds: pd.DataFrame, column: str, first_round: int, scale: float = 1.0) -> pd.DataFrame:
    """Per finished run (GRID): the mean of `column` * `scale` over its rounds >= `first_round`."""
    frame = ok_values(rounds, column, scale)
    frame = frame[frame["round"] >= first_round]
    if frame.empty:
        return pd.DataFrame(columns=GRID + [column])
    return frame.groupby(GRID, dropna=False)[column].mean().reset_index()


def setting_text(runs: pd.DataFrame, cells: list[tuple], extra: str = "") -> str:
    """'Fashion-MNIST (α = 1000, 0.1); model resnet_small; 10 rounds' for the (dataset, alpha, ...) cells."""
    if not cells:
        return "—"
    parts = []
    for d in names.order_datasets(c[0] for c in cells):
        alphas = names.order_alphas(c[1] for c in cells if c[0] == d)
        parts.append(f"{names.dataset_name(d)} (α = {', '.join(names.alpha_label(a) for a in alphas)})")
    used = runs[runs["status"].eq(record.OK) & runs["dataset"].isin([c[0] for c in cells])]
    models = ", ".join(sorted({str(m) for m in used["model"].dropna()})) or "?"
    rounds = ", ".join(sorted({f"{float(r):g}" for r in used["rounds"].dropna()})) or "?"
    seeds = int(used["seed"].nunique()) if len(used) else 0
    text = "; ".join(parts) + f"; model {models}; {rounds} rounds; {seeds} seed{'s' if seeds != 1 else ''} in the grid"
    return text + (f"; {extra}" if extra else "")


def paired_interval(first: pd.DataFrame, second: pd.DataFrame, on: list[str], value: str,
                    op: Callable[[pd.Series, pd.Series], pd.Series]) -> Interval:
    """t interval of op(first, second) over the seeds both finished (per-seed pairs)."""
    pairs = pair_by_seed(first, second, on, value)
    return t_interval(op(pairs[f"{value}_a"], pairs[f"{value}_b"]))


def diff(a, b):
    """a − b (for paired_interval)."""
    return a - b


def ratio(a, b):
    """a / b, NaN where b is not positive (for paired_interval)."""
    return a / b.where(b > 0)
