"""Our accuracy relative to dense against the authors', across datasets (SPEC section 6, item 9: the
comparison with the authors' numbers, by shape).

Caption: Each point is one method at one (LDA α, target sparsity) cell that both we and the
authors ran: x is the authors' final test accuracy as % of their dense FedAvg (their dataset,
ResNet-18, 500-700 rounds; ± their std over the same dense value), y is ours (per seed, accuracy
over dense of the same seed, then mean ± std over seeds). One panel per authors' dataset
(columns) and our dataset (rows); colour and marker name the method, the fill the α. On the
dashed diagonal our shape matches theirs; below it a method loses more against dense in our
setting than in theirs. Each panel states in how many cells the winning method is the same and
the median Kendall τ between the two rankings (`paper_shape` table).

Reads `runs.csv` and the shipped `paper_numbers.csv`; writes `relative_accuracy_vs_authors.pdf` and `.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.lines import Line2D

from sparsyfed.analysis import names
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.figures import style
from sparsyfed.analysis.figures._common import no_data
from sparsyfed.analysis.paper import shape
from sparsyfed.analysis.paper.reported import authors_setting, paper_numbers
from sparsyfed.analysis.stats import n_range_note

NAME = "relative_accuracy_vs_authors"
FILLS = ("full", "left", "none")  # by α from most to least homogeneous
SIZES = (4.5, 6.5, 8.5)  # marker size by target sparsity, ascending
DIAGONAL = {"color": "0.35", "linestyle": "--", "linewidth": 0.9}
ERROR_KW = {"elinewidth": 0.7, "alpha": 0.45, "capsize": 0}


def _fills(alphas) -> dict[float, str]:
    """Fill style per α: full for the most homogeneous, hollow for the most heterogeneous."""
    ordered = names.order_alphas(alphas)
    if len(ordered) == 2:
        return dict(zip(ordered, (FILLS[0], FILLS[-1]), strict=True))
    return {a: FILLS[min(i, len(FILLS) - 1)] for i, a in enumerate(ordered)}


def _sizes(sparsities) -> dict[float, float]:
    ordered = names.order_sparsities(sparsities)
    return {s: SIZES[min(i, len(SIZES) - 1)] for i, s in enumerate(ordered)}


def make(tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    runs = read_table(tables_dir, "runs")
    tidy = shape.compare(runs, paper_numbers())
    tidy = tidy[np.isfinite(tidy["ours_rel_mean"].astype(float))] if len(tidy) else tidy
    if tidy.empty:
        return no_data(out_dir, NAME, "no finished run of ours (with its dense run) at an α and sparsity the "
                                      "authors report")
    ours_sets = names.order_datasets(tidy["dataset"])
    theirs = names.order_datasets(tidy["authors_dataset"])
    fills, sizes = _fills(tidy["alpha"]), _sizes(tidy["sparsity"])
    summary = shape.summary(tidy)
    values = np.concatenate([tidy["ours_rel_mean"].to_numpy(float), tidy["authors_rel"].to_numpy(float)])
    lo, hi = 10 * np.floor(np.nanmin(values) / 10 - 0.3), max(105.0, 5 * np.ceil(np.nanmax(values) / 5 + 0.5))
    with style.figure(len(ours_sets), len(theirs), panel_size=(3.3, 3.4), extra_height=0.9) as (fig, axes):
        for i, d in enumerate(ours_sets):
            for j, ad in enumerate(theirs):
                ax = axes[i, j]
                panel = tidy[(tidy["dataset"] == d) & (tidy["authors_dataset"] == ad)]
                ax.plot([lo, hi], [lo, hi], **DIAGONAL)
                for (m, _), line in panel.sort_values("sparsity").groupby(["method", "alpha"]):
                    ax.plot(line["authors_rel"], line["ours_rel_mean"], color=style.color(m), lw=0.6, alpha=0.5)
                for r in panel.itertuples():
                    c = style.color(r.method)
                    ax.errorbar(r.authors_rel, r.ours_rel_mean, xerr=np.nan_to_num(r.authors_rel_std),
                                yerr=np.nan_to_num(r.ours_rel_std), fmt="none", ecolor=c, **ERROR_KW)
                    ax.plot(r.authors_rel, r.ours_rel_mean, linestyle="none", marker=style.marker(r.method),
                            markersize=sizes[r.sparsity], color=c, markeredgecolor=c, fillstyle=fills[r.alpha],
                            markerfacecoloralt="white")
                s = summary[(summary["dataset"] == d) & (summary["authors_dataset"] == ad)].iloc[0]
                tau = f"median τ = {s.tau_median:+.2f}" if s.tau_n else "τ undefined"
                ax.text(0.03, 0.97, f"same winner in {s.same_winner} of {s.cells} cells\n{tau}",
                        transform=ax.transAxes, va="top", ha="left", fontsize=7.5, color="0.2")
                ax.set_xlim(lo, hi)
                ax.set_ylim(lo, hi)
                ax.set_aspect("equal")
                ax.set_xlabel(f"authors: {authors_setting(ad)}\naccuracy / dense (%)")
                ax.set_ylabel(f"ours: {shape.ours_setting(runs, d)}\naccuracy / dense (%)" if j == 0
                              else "accuracy / dense (%)")
                ax.set_title(f"{names.dataset_name(d)} (ours) vs {names.dataset_name(ad)} (authors)")
        methods = [Line2D([], [], linestyle="none", marker=style.marker(m), color=style.color(m), markersize=6,
                          label=names.method_name(m)) for m in names.order_methods(tidy["method"])]
        alphas = [Line2D([], [], linestyle="none", marker="o", color="0.3", markersize=6, fillstyle=f,
                         markerfacecoloralt="white", label=f"α = {names.alpha_label(a)}") for a, f in fills.items()]
        spars = [Line2D([], [], linestyle="none", marker="o", color="0.3", markersize=z, fillstyle="none",
                        label=f"s = {names.sparsity_label(s)}") for s, z in sizes.items()]
        diag = [Line2D([], [], label="same shape (y = x)", **DIAGONAL)]
        groups = [methods, alphas, spars, diag]
        rows = max(len(g) for g in groups)
        blank = Line2D([], [], linestyle="none", label=" ")
        handles = [h for g in groups for h in g + [blank] * (rows - len(g))]  # one column per group
        fig.legend(handles=handles, loc="outside lower center", ncol=len(groups))
        fig.suptitle(f"ours: mean ± std over {n_range_note(tidy['ours_rel_n'])} (paired with dense); "
                     f"authors: mean ± std, {names.AUTHORS_SOURCE}", fontsize=8, color="0.25")
        return style.save(fig, out_dir, NAME)
