"""Mean, std, n and t intervals over seeds, seed pairing, and small grid helpers.

Every number the analysis shows is the mean over the seeds of a grid cell that finished with
status "ok", with the sample standard deviation (ddof = 1; undefined for one seed), n and a
two-sided CI_LEVEL Student-t interval (mean ± t(1 - (1 - level) / 2, n - 1) · std / √n; undefined
below MIN_N values). Runs that failed, diverged or are missing are counted per cell (`n_bad`,
`bad`) so that tables and figures can mark the cell. Methods are compared on differences paired
by seed (`pair_by_seed`): one seed gives every method the same initialisation, client sampling
and partition.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from sparsyfed import record

CELL = ["dataset", "alpha", "method", "sparsity"]
STATS_COLUMNS = ["mean", "std", "n", "ci_lo", "ci_hi", "n_runs", "n_bad", "bad"]
CI_LEVEL = 0.95
MIN_N = 2  # a t interval needs a sample std


@cache
def t_quantile(n: int, level: float = CI_LEVEL) -> float:
    """The two-sided Student-t quantile t(1 - (1 - level) / 2, n - 1); NaN below MIN_N values."""
    if n < MIN_N:
        return math.nan
    # imported here: scipy.stats takes ~1 s to import and most callers never need it
    from scipy.stats import t

    return float(t.ppf(1.0 - (1.0 - level) / 2.0, n - 1))


@dataclass(frozen=True)
class Interval:
    """Mean, sample std (ddof = 1), n and the two-sided t interval [lo, hi] of some values."""

    mean: float
    std: float
    n: int
    lo: float
    hi: float
    t: float  # the quantile used (NaN below MIN_N values)
    level: float = CI_LEVEL


def t_interval(values: Iterable[float], level: float = CI_LEVEL) -> Interval:
    """The t interval of the finite `values`: mean ± t(1 - (1 - level) / 2, n - 1) · std / √n."""
    v = np.asarray([x for x in values if x is not None], dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    mean = float(v.mean()) if n else math.nan
    if n < MIN_N:
        return Interval(mean, math.nan, n, math.nan, math.nan, math.nan, level)
    std = float(v.std(ddof=1))
    t = t_quantile(n, level)
    half = t * std / math.sqrt(n)
    return Interval(mean, std, n, mean - half, mean + half, t, level)


def pair_by_seed(a: pd.DataFrame, b: pd.DataFrame, on: Sequence[str], value: str) -> pd.DataFrame:
    """Rows of `a` and `b` with equal `on` + seed, side by side: `on` + seed, `value`_a, `value`_b.

    Only seeds with a finite `value` on both sides are kept (a failed run drops its pair).
    """
    cols = list(on) + ["seed"]
    left = a[cols + [value]].rename(columns={value: f"{value}_a"})
    right = b[cols + [value]].rename(columns={value: f"{value}_b"})
    out = left.merge(right, on=cols)
    keep = np.isfinite(out[f"{value}_a"].astype(float)) & np.isfinite(out[f"{value}_b"].astype(float))
    return out[keep].reset_index(drop=True)


def ok_values(frame: pd.DataFrame, value: str, scale: float = 1.0) -> pd.DataFrame:
    """The finished ("ok") rows of `frame` with a finite `value`, scaled by `scale`."""
    if frame.empty or value not in frame.columns:
        return frame.iloc[0:0].assign(**{value: pd.Series(dtype=float)})
    out = frame[frame["status"] == record.OK].copy() if "status" in frame.columns else frame.copy()
    out[value] = pd.to_numeric(out[value], errors="coerce").astype(float) * scale
    return out[np.isfinite(out[value])]


def _bad_summary(statuses: pd.Series) -> str:
    counts = statuses[statuses != record.OK].value_counts()
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))


def seed_stats(runs: pd.DataFrame, value: str = "final_test_acc", by: Sequence[str] = CELL,
               scale: float = 1.0) -> pd.DataFrame:
    """Per cell `by`: mean, std (ddof=1) and t interval of `value` * `scale` over ok runs, and run counts.

    Returns a frame with columns `by` + mean, std, n (ok runs with a finite value), ci_lo, ci_hi
    (CI_LEVEL t interval), n_runs (all runs of the cell), n_bad (runs not ok), bad (e.g.
    "failed: 1, missing: 1").
    """
    by = list(by)
    if runs.empty:
        return pd.DataFrame(columns=by + STATS_COLUMNS)
    rows = []
    for key, group in runs.groupby(by, dropna=False, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        ok = group[group["status"] == record.OK]
        values = pd.to_numeric(ok[value], errors="coerce").astype(float).dropna() * scale
        ci = t_interval(values)
        rows.append(dict(zip(by, key, strict=True), mean=ci.mean, std=ci.std, n=ci.n, ci_lo=ci.lo, ci_hi=ci.hi,
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
