"""Accuracy vs cumulative communication: the paper's accuracy-vs-communication figure (SPEC section 6, item 4).

Caption: Test accuracy (%) of the global model at each evaluated round against the cumulative
communication of the run up to that round, in bytes down + up (`cum_bytes_down + cum_bytes_up`:
the global model sent to each sampled client plus every upload, float32 values with the cheaper
of a dense or sparse encoding per tensor), log x axis. One panel per dataset and LDA α, one line
per method at the target sparsity stated in the panel title (95 % or the nearest one run), dense
FedAvg dashed. Lines are means over seeds with ± std bands (ddof = 1); bytes are averaged over
seeds too. Only runs that finished are drawn.

Reads `rounds.csv`; writes `accuracy_vs_communication.pdf` and `.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from sparsyfed.analysis import names
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.figures import style
from sparsyfed.analysis.figures._common import legend_below, mark_empty, no_data, ok_runs, panel_title, seeds_title
from sparsyfed.analysis.stats import pick_sparsity, round_stats

NAME = "accuracy_vs_communication"
PREFERRED_SPARSITY = 0.95


def _si_bytes(value: float, _pos=None) -> str:
    """20000 -> '20 kB', 3e9 -> '3 GB' (decimal units)."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= scale:
            return f"{value / scale:g} {unit}"
    return f"{value:g} B"


def make(tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    rounds = ok_runs(read_table(tables_dir, "rounds")).copy()
    needed = {"test_acc", "cum_bytes_down", "cum_bytes_up"}
    if rounds.empty or not needed <= set(rounds.columns):
        return no_data(out_dir, NAME, "no finished runs with test_acc and cum_bytes_* in rounds.csv")
    rounds["cum_bytes"] = rounds["cum_bytes_down"].astype(float) + rounds["cum_bytes_up"].astype(float)
    rounds = rounds[np.isfinite(rounds["test_acc"].astype(float))]
    if rounds.empty:
        return no_data(out_dir, NAME, "no evaluated rounds in rounds.csv")
    datasets = names.order_datasets(rounds["dataset"])
    alphas = names.order_alphas(rounds["alpha"])
    ns = []
    with style.figure(len(datasets), len(alphas)) as (fig, axes):
        for i, d in enumerate(datasets):
            for j, a in enumerate(alphas):
                ax = axes[i, j]
                panel = rounds[(rounds["dataset"] == d) & (rounds["alpha"] == a)]
                s_star = pick_sparsity(panel.loc[panel["method"] != names.REFERENCE, "sparsity"], PREFERRED_SPARSITY)
                at_s = np.isclose(panel["sparsity"], s_star) if s_star else False
                keep = (panel["method"] == names.REFERENCE) | at_s
                panel = panel[keep]
                if panel.empty:
                    mark_empty(ax, f"{panel_title(d, a)}\nno finished runs")
                    continue
                acc = round_stats(panel, "test_acc", ["method"], scale=100.0)
                byt = round_stats(panel, "cum_bytes", ["method"]).rename(
                    columns={"mean": "bytes", "std": "bytes_std", "n": "bytes_n"})
                both = acc.merge(byt, on=["method", "round"])
                ns += list(both["n"])
                for method in names.order_methods(both["method"]):
                    line = both[both["method"] == method].sort_values("round")
                    line = line[line["bytes"] > 0]
                    if line.empty:
                        continue
                    kw = dict(style.DENSE_LINE) if method == names.REFERENCE else style.line_kw(method, len(line))
                    ax.plot(line["bytes"], line["mean"], label=names.method_name(method), **kw)
                    ax.fill_between(line["bytes"], line["mean"] - line["std"].fillna(0.0),
                                    line["mean"] + line["std"].fillna(0.0), color=style.color(method),
                                    alpha=style.BAND_ALPHA, lw=0)
                ax.set_xscale("log")
                lo, hi = ax.get_xlim()
                if hi / lo < 30:  # under ~1.5 decades: label 1, 2, 5 x 10^k so the axis is readable
                    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
                ax.xaxis.set_major_formatter(FuncFormatter(_si_bytes))
                ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels collide on short ranges
                extra = f"s = {names.sparsity_label(s_star)}" if s_star else "dense only"
                ax.set_title(panel_title(d, a, extra))
                ax.set_xlabel("cumulative communication, down + up")
                ax.set_ylabel("test accuracy (%)")
        legend_below(fig, axes)
        seeds_title(fig, ns)
        return style.save(fig, out_dir, NAME)
