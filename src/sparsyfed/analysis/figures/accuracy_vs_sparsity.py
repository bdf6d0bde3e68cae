"""Accuracy vs target sparsity: the paper's accuracy-vs-sparsity figure (SPEC section 6, item 3).

Caption: Final test accuracy (%) of the global model against the target sparsity, one panel per
dataset and LDA α, one line per method; points are the mean over seeds with ± std error bars
(ddof = 1). The dashed grey line and band are dense FedAvg (mean ± std). A red cross marks a cell
where a run failed, diverged or is missing; when no seed of a cell finished, the cross sits below
the data, labelled "<method>: no run finished". The x axis is spaced by -log10(1 - s), so 90, 99
and 99.9 % are equally spaced.

Reads `runs.csv`; writes `accuracy_vs_sparsity.pdf` and `.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.lines import Line2D

from sparsyfed.analysis import names
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.figures import style
from sparsyfed.analysis.figures._common import legend_below, mark_empty, no_data, panel_title, seeds_title
from sparsyfed.analysis.stats import CELL, seed_stats

NAME = "accuracy_vs_sparsity"


def _x(sparsity) -> np.ndarray:
    """Position of a target sparsity on the x axis: -log10(1 - s) (90 % -> 1, 99 % -> 2)."""
    return -np.log10(1.0 - np.asarray(sparsity, dtype=float))


def make(tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    runs = read_table(tables_dir, "runs")
    stats = seed_stats(runs, "final_test_acc", CELL, scale=100.0)
    stats = stats.dropna(subset=["dataset", "alpha", "method"])
    sparse = stats[stats["method"] != names.REFERENCE]
    if sparse.empty:
        return no_data(out_dir, NAME, "no sparse-method runs in runs.csv")
    datasets = names.order_datasets(sparse["dataset"])
    alphas = names.order_alphas(sparse["alpha"])
    any_failed = False
    with style.figure(len(datasets), len(alphas)) as (fig, axes):
        for i, d in enumerate(datasets):
            for j, a in enumerate(alphas):
                ax = axes[i, j]
                panel = stats[(stats["dataset"] == d) & (stats["alpha"] == a)]
                pts = panel[panel["method"] != names.REFERENCE]
                if pts.empty:
                    mark_empty(ax, f"{panel_title(d, a)}\nno runs")
                    continue
                dense = panel[(panel["method"] == names.REFERENCE) & (panel["n"] > 0)]
                if len(dense):
                    m, s = dense.iloc[0]["mean"], dense.iloc[0]["std"]
                    ax.axhline(m, label="Dense (FedAvg)", **style.DENSE_LINE)
                    if np.isfinite(s):
                        ax.axhspan(m - s, m + s, color=style.color(names.REFERENCE), alpha=style.BAND_ALPHA, lw=0)
                failed_all = []
                for method in names.order_methods(pts["method"]):
                    rows = pts[pts["method"] == method].sort_values("sparsity")
                    done = rows[rows["n"] > 0]
                    if len(done):
                        ax.errorbar(_x(done["sparsity"]), done["mean"], yerr=done["std"].fillna(0.0),
                                    color=style.color(method), marker=style.marker(method),
                                    label=names.method_name(method))
                    bad = done[done["n_bad"] > 0]
                    if len(bad):
                        ax.plot(_x(bad["sparsity"]), bad["mean"], **style.FAILED_MARKER)
                    failed_all += [(s, method) for s in rows.loc[rows["n"] == 0, "sparsity"]]
                    any_failed |= bool((rows["n_bad"] > 0).any())
                if failed_all:  # no seed finished: mark below the data, named by method
                    lo, hi = ax.get_ylim()
                    span = max(hi - lo, 1.0)
                    ax.set_ylim(lo - 0.3 * span, hi)
                    for k, (s, method) in enumerate(failed_all):
                        y = lo - (0.12 + 0.1 * (k % 2)) * span
                        ax.plot(_x([s]), [y], **style.FAILED_MARKER)
                        ax.annotate(f"{names.method_name(method)}: no run finished", (_x([s])[0], y), xytext=(6, 0),
                                    textcoords="offset points", va="center", fontsize=7, color=style.color(method))
                ticks = sorted(set(pts["sparsity"]))
                ax.set_xticks(_x(ticks), [f"{100 * s:.4g}" for s in ticks])
                lo, hi = _x(min(ticks)), _x(max(ticks))
                pad = max(0.15, 0.08 * (hi - lo))
                ax.set_xlim(lo - pad, hi + pad)
                ax.set_title(panel_title(d, a))
                ax.set_xlabel("target sparsity (%)")
                ax.set_ylabel("test accuracy (%)")
        extra = [Line2D([], [], label="run failed, diverged or missing", **style.FAILED_MARKER)] if any_failed else []
        legend_below(fig, axes, extra)
        seeds_title(fig, sparse["n"])
        return style.save(fig, out_dir, NAME)
