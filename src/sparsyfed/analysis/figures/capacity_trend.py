"""The capacity ladder's trend: the accuracy gap and the regrowth ratio against the weights kept (`capacity`).

Caption: One row per LDA α of the ladder. Left: dense − SparsyFed final test accuracy (pp) at claim 1's
sparsity against the prunable weights SparsyFed keeps there (log scale); small dots are seeds, large
markers the mean ± 95 % t interval of each rung (circles: the width ladder; diamonds: the length rung,
trained longer, drawn a little right of the width it shares; squares: another model), the line the
least-squares fit over the width ladder's seeds with its 95 % band, dashed where it is carried beyond
the widest rung to ResNet-18's kept weights (vertical dotted line; not carried while a width-rung run
the line is fitted on is unfinished, as the title then says). Stars: the authors' dense −
SparsyFed at the same sparsity and α on ResNet-18 (their datasets). The grey dashed line is claim 1's
threshold (2 pp). Right: each baseline's regrowth
over SparsyFed's at claim 2's sparsity (log scale), the same way per baseline (colour), with claim 2's
threshold (100 ×) and the authors' reading (ZeroFL / SparsyFed on CIFAR-100, 95 %, read off their
log-scale plot) as a bar.

Reads the capacity experiment's tidy tables (runs.csv, rounds.csv with run_dir, layers.csv); writes
`capacity_trend.pdf` and `.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullFormatter

from sparsyfed.analysis import names
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.experiments import capacity
from sparsyfed.analysis.figures import style
from sparsyfed.analysis.figures._common import mark_empty, no_data
from sparsyfed.analysis.paper import kept, reported, shape
from sparsyfed.analysis.stats import n_range_note, t_interval
from sparsyfed.grid import LENGTH_RUNG, MODEL_RUNG, WIDTH_RUNG

NAME = "capacity_trend"
RUNG_MARKERS = {WIDTH_RUNG: "o", LENGTH_RUNG: "D", MODEL_RUNG: "s"}
# The length rung keeps as many weights as its width rung: drawn this factor to the right, so that both show.
LENGTH_SHIFT = 1.25
THRESHOLD = {"color": "0.45", "linestyle": "--", "linewidth": 0.9}
PAPER_LINE = {"color": "0.3", "linestyle": ":", "linewidth": 0.9}


def _color(baseline: str) -> str:
    """The baseline's colour for a ratio, SparsyFed's for the gap (no baseline)."""
    return style.color(baseline or names.PROPOSED)


def _authors_gap(alpha: float) -> list[tuple[str, float, float]]:
    """(dataset, kept weights, dense − SparsyFed in pp) of the authors at claim 1's sparsity and `alpha`."""
    theirs = shape.authors_relative(reported.paper_numbers())
    at = theirs[(theirs["method"] == names.PROPOSED) & np.isclose(theirs["alpha"], alpha)
                & np.isclose(theirs["sparsity"], capacity.GAP_QUANTITY.sparsity)]
    out = []
    for r in at.itertuples():
        dense = r.authors_acc_mean / (r.authors_rel / 100.0)
        out.append((r.authors_dataset, (1 - r.sparsity) * reported.AUTHORS_PRUNABLE[r.authors_dataset],
                    dense - r.authors_acc_mean))
    return out


def _panel(ax, pts, fit_lines, quantity: capacity.Quantity, alpha: float, carried: set) -> None:
    mine = pts[(pts["quantity"] == quantity.id) & np.isclose(pts["alpha"], alpha)]
    x0 = capacity.paper_x(quantity)
    for baseline, group in mine.groupby("baseline", sort=False):
        color = _color(baseline)
        ax.plot(10 ** group["x"], [quantity.display(y) for y in group["y"]], linestyle="none", marker=".",
                markersize=3, color=color, alpha=0.45)
        for (_rung, kind), g in group.groupby(["rung", "kind"], sort=False):
            ci = t_interval(g["y"])
            lo, hi = (ci.lo, ci.hi) if np.isfinite(ci.lo) else (ci.mean, ci.mean)
            y = quantity.display(ci.mean)
            shift = LENGTH_SHIFT if kind == LENGTH_RUNG else 1.0
            bar = [[y - quantity.display(lo)], [quantity.display(hi) - y]]
            ax.errorbar([shift * 10 ** g["x"].iloc[0]], [y], yerr=bar, color=color, marker=RUNG_MARKERS[kind],
                        markersize=6, capsize=2, markerfacecolor=color if kind == WIDTH_RUNG else "white",
                        linestyle="none")
        line = fit_lines.get((quantity.id, float(alpha), baseline))
        if line is None:
            continue
        spans = [(np.linspace(line.x_min, line.x_max, 30), "-")]
        if (quantity.id, float(alpha), baseline) in carried:
            spans.append((np.linspace(line.x_max, max(x0, line.x_max), 30), "--"))
        for xs, ls in spans:
            pred = np.array([line.predict(x) for x in xs])
            ax.plot(10 ** xs, [quantity.display(v) for v in pred[:, 0]], color=color, linestyle=ls, linewidth=1.2,
                    label=f"fit: {names.method_name(baseline)} / SparsyFed" if baseline and ls == "-" else None)
            if np.isfinite(pred[:, 1]).all():
                ax.fill_between(10 ** xs, [quantity.display(v) for v in pred[:, 1]],
                                [quantity.display(v) for v in pred[:, 2]], color=color, alpha=0.15, lw=0)
    ax.axvline(10 ** x0, **PAPER_LINE)
    ax.axhline(quantity.threshold, **THRESHOLD)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: kept.weights_text(x).replace(" ", "")))
    ax.set_xlabel(f"prunable weights kept at {names.sparsity_label(quantity.sparsity)} (log scale)")


def make(tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    runs, rounds, layers = (read_table(tables_dir, t) for t in ("runs", "rounds", "layers"))
    pts = capacity.points(runs, rounds, layers)
    if pts.empty:
        return no_data(out_dir, NAME, "no rung with SparsyFed beside dense or a baseline at the claims' sparsity")
    alphas = names.order_alphas(pts["alpha"])
    fit_lines = capacity.fits(pts)
    frame = capacity.with_rungs(runs, layers)
    carried = {key for key in fit_lines if not capacity.line_incomplete(frame, *key)[0]}
    why = capacity.incomplete(frame)[1]
    with style.figure(len(alphas), 2, panel_size=(4.2, 3.0), extra_height=0.9) as (fig, axes):
        for i, a in enumerate(alphas):
            gap, ratio = axes[i, 0], axes[i, 1]
            if (pts[(pts["quantity"] == capacity.GAP) & np.isclose(pts["alpha"], a)]).empty:
                mark_empty(gap, f"α = {names.alpha_label(a)}: no dense − SparsyFed pairs")
            else:
                _panel(gap, pts, fit_lines, capacity.GAP_QUANTITY, a, carried)
                for d, x, y in _authors_gap(a):
                    gap.plot([x], [y], marker="*", markersize=10, color=style.dataset_color(d), linestyle="none",
                             label=f"authors: {names.dataset_name(d)}, ResNet-18")
                gap.set_ylabel("dense − SparsyFed (pp)")
                gap.set_title(f"accuracy gap, α = {names.alpha_label(a)}")
            if (pts[(pts["quantity"] == capacity.RATIO) & np.isclose(pts["alpha"], a)]).empty:
                mark_empty(ratio, f"α = {names.alpha_label(a)}: no regrowth pairs")
                continue
            _panel(ratio, pts, fit_lines, capacity.RATIO_QUANTITY, a, carried)
            baseline = reported.REGROWTH_PLOT_BASELINE
            (blo, bhi), (plo, phi) = (reported.REGROWTH_LOG10[m] for m in (baseline, names.PROPOSED))
            lo, hi = 10 ** (blo - phi), 10 ** (bhi - plo)
            x = (1 - capacity.RATIO_QUANTITY.sparsity) * reported.AUTHORS_PRUNABLE["cifar100"]
            ratio.plot([x, x], [lo, hi], color=style.color(reported.REGROWTH_PLOT_BASELINE), linewidth=4, alpha=0.5,
                       solid_capstyle="butt",
                       label="authors: ZeroFL / SparsyFed, CIFAR-100 (read off a plot)")
            ratio.set_yscale("log")
            ratio.yaxis.set_major_formatter(FuncFormatter(lambda y, _p: f"{y:g}×"))
            ratio.yaxis.set_minor_formatter(NullFormatter())
            ratio.set_ylabel("regrowth, baseline / SparsyFed (×)")
            ratio.set_title(f"regrowth ratio, α = {names.alpha_label(a)}")
        handles = [Line2D([], [], color="0.3", marker=m, linestyle="none", markersize=6,
                          markerfacecolor="0.3" if kind == WIDTH_RUNG else "white",
                          label={WIDTH_RUNG: "width rung", LENGTH_RUNG: "length rung (longer training)",
                                 MODEL_RUNG: "model rung (another model, few rounds)"}[kind])
                   for kind, m in RUNG_MARKERS.items() if kind in set(pts["kind"])]
        handles += [Line2D([], [], color=style.color(names.PROPOSED), label="dense − SparsyFed, fit and 95 % band"),
                    Line2D([], [], label="claims' thresholds (2 pp, 100 ×)", **THRESHOLD),
                    Line2D([], [], label="ResNet-18's kept weights (CIFAR-10)", **PAPER_LINE)]
        seen = {h.get_label() for h in handles}
        for ax in axes.ravel():
            for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
                if label not in seen:
                    seen.add(label)
                    handles.append(h)
        fig.legend(handles=handles, loc="outside lower center", ncol=3)
        n = pts.groupby(["quantity", "rung", "alpha", "baseline"]).size()
        title = (f"per rung: mean and 95 % t interval over {n_range_note(n)} (ratios: geometric); "
                 "line: least squares over the width ladder's seeds")
        if len(carried) == len(fit_lines):
            title = f"{title}, dashed beyond the widest rung"
        elif carried:
            title = (f"{why}\na line is dashed beyond the widest rung only once every run it is fitted on "
                     f"finished\n{title}")
        else:
            title = f"{why}: no line is carried\n{title}"
        fig.suptitle(title, fontsize=8, color="0.25")
        return style.save(fig, out_dir, NAME)
