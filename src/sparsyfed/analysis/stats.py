"""Mean, std and n over seeds, and small grid helpers shared by tables, figures and claims.

Every number the analysis shows is the mean over the seeds of a grid cell that finished with
status "ok", with the sample standard deviation (ddof = 1; undefined for one seed) and n. Runs
that failed, diverged or are missing are counted per cell (`n_bad`, `bad`) so that tables and
figures can mark the cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from sparsyfed import record

CELL = ["dataset", "alpha", "method", "sparsity"]
STATS_COLUMNS = ["mean", "std", "n", "n_runs", "n_bad", "bad"]


def _bad_summary(statuses: pd.Series) -> str:
    counts = statuses[statuses != record.OK].value_counts()
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))


def seed_stats(runs: pd.DataFrame, value: str = "final_test_acc", by: Sequence[str] = CELL,
               scale: float = 1.0) -> pd.DataFrame:
    """Per cell `by`: mean and std (ddof=1) of `value` * `scale` over ok runs, and run counts.

    Returns a frame with columns `by` + mean, std, n (ok runs with a finite value), n_runs (all
    runs of the cell), n_bad (runs not ok), bad (e.g. "failed: 1, missing: 1").
    """
    by = list(by)
    if runs.empty:
        return pd.DataFrame(columns=by + STATS_COLUMNS)
    rows = []
    for key, group in runs.groupby(by, dropna=False, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        ok = group[group["status"] == record.OK]
        values = pd.to_numeric(ok[value], errors="coerce").astype(float).dropna() * scale
        values = values[np.isfinite(values)]
        rows.append(dict(zip(by, key, strict=True), mean=values.mean() if len(values) else math.nan,
                         std=values.std(ddof=1) if len(values) > 1 else math.nan, n=len(values),
                         n_runs=len(group), n_bad=int((group["status"] != record.OK).sum()),
                         bad=_bad_summary(group["status"])))
    return pd.DataFrame(rows, columns=by + STATS_COLUMNS)


def round_stats(rounds: pd.DataFrame, value: str, by: Sequence[str], scale: float = 1.0,
                x: str = "round") -> pd.DataFrame:
    """Per (`by`, `x`): mean, std (ddof=1) and n over the seeds of ok runs with a finite `value`."""
    by = list(by)
    columns = by + [x, "mean", "std", "n"]
    if rounds.empty or value not in rounds.columns:
        return pd.DataFrame(columns=columns)
    frame = rounds[rounds["status"] == record.OK].copy()
    frame[value] = pd.to_numeric(frame[value], errors="coerce").astype(float) * scale
    frame = frame[np.isfinite(frame[value])]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    grouped = frame.groupby(by + [x], dropna=False)[value]
    out = grouped.agg(mean="mean", std=lambda v: v.std(ddof=1) if len(v) > 1 else math.nan, n="count")
    return out.reset_index()[columns]


def expected_seeds(runs: pd.DataFrame) -> int:
    """The number of seeds the grid asked for: distinct seeds over all runs (missing ones included)."""
    if runs.empty or "seed" not in runs.columns:
        return 0
    return int(pd.Series(runs["seed"]).dropna().nunique())


def fmt_mean_std(mean: float, std: float, digits: int = 2) -> str:
    """'84.31 ± 0.86'; the mean alone when std is undefined; '—' when there is no mean."""
    if mean is None or not np.isfinite(mean):
        return "—"
    if std is None or not np.isfinite(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def pick_sparsity(available: Iterable[float], preferred: float = 0.95) -> float | None:
    """The available target sparsity closest to `preferred` (ties: the higher one); None if none."""
    values = sorted({float(s) for s in available if s is not None and np.isfinite(s) and s > 0})
    if not values:
        return None
    return min(values, key=lambda s: (abs(s - preferred), -s))


def n_range_note(ns: Iterable[int]) -> str:
    """'n = 3 seeds' or 'n = 2-3 seeds' (for figure footnotes)."""
    ns = sorted({int(n) for n in ns if n and n > 0})
    if not ns:
        return "no finished seeds"
    span = f"{ns[0]}" if ns[0] == ns[-1] else f"{ns[0]}–{ns[-1]}"
    return f"n = {span} seed{'s' if ns[-1] > 1 else ''}"
