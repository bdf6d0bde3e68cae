"""Accuracy relative to dense against the prunable weights kept, ours and the authors' on one axis (`kept`;
beside SPEC section 6, item 9: the comparison with the authors' numbers, by scale).

Caption: One panel per method (rows) and LDA α (columns); x is the number of prunable weights a cell
keeps, (1 − s) × the model's prunable weights (log scale), y its final test accuracy as % of dense
FedAvg's. One line per dataset and model over the target sparsities: ours solid with filled markers
(per seed over dense of the same seed, mean ± std over seeds; each point labelled with its target
sparsity), the authors' ResNet-18 dashed with hollow markers (their mean ± std over their dense value;
from right to left 90, 95, 99, 99.5 and 99.9 %). The dotted line is dense (100 %). Where our points
sit left of the authors', our model keeps fewer weights than theirs at any sparsity they ran.

Reads `runs.csv` (and layers.csv for tables without `num_prunable`) and the shipped
`paper_numbers.csv`; writes `accuracy_vs_kept_weights.pdf` and `.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator

from sparsyfed.analysis import names
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.figures import style
from sparsyfed.analysis.figures._common import no_data
from sparsyfed.analysis.paper import kept
from sparsyfed.analysis.stats import n_range_note

NAME = "accuracy_vs_kept_weights"
LINES = {kept.OURS: {"linestyle": "-", "fillstyle": "full"},
         kept.AUTHORS: {"linestyle": "--", "fillstyle": "none"}}
MARKERS = {kept.OURS: "o", kept.AUTHORS: "s"}
DENSE = {"color": "0.35", "linestyle": ":", "linewidth": 1.0}


def _weights_tick(x: float, _pos=None) -> str:
    return kept.weights_text(x).replace(" ", "")


def make(tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    runs = read_table(tables_dir, "runs")
    layers = None if "num_prunable" in runs.columns and runs["num_prunable"].notna().all() \
        else read_table(tables_dir, "layers")
    frame = kept.kept_frame(runs, layers)
    frame = frame[np.isfinite(frame["kept"].astype(float)) & np.isfinite(frame["rel_mean"].astype(float))]
    if frame.empty:
        return no_data(out_dir, NAME, "no cells with kept weights and accuracy relative to dense")
    methods = names.order_methods(frame["method"])
    alphas = names.order_alphas(frame["alpha"])
    series = list(dict.fromkeys(frame.apply(kept.series_name, axis=1)))
    top = max(105.0, 5 * np.ceil(frame["rel_mean"].max() / 5 + 0.5))
    with style.figure(len(methods), len(alphas), panel_size=(3.4, 2.5), extra_height=1.0,
                      sharex=True, sharey=True) as (fig, axes):
        for i, method in enumerate(methods):
            for j, a in enumerate(alphas):
                ax = axes[i, j]
                panel = frame[(frame["method"] == method) & np.isclose(frame["alpha"], a)]
                ax.axhline(100.0, **DENSE)
                for name, line in panel.groupby(panel.apply(kept.series_name, axis=1), sort=False):
                    line = line.sort_values("kept")
                    source, color = line["source"].iloc[0], style.dataset_color(line["dataset"].iloc[0])
                    ax.errorbar(line["kept"], line["rel_mean"], yerr=line["rel_std"].astype(float).fillna(0.0),
                                color=color, marker=MARKERS[source], markersize=4.5, markerfacecolor=(
                                    color if source == kept.OURS else "white"), label=name,
                                linestyle=LINES[source]["linestyle"], linewidth=1.2, capsize=0, elinewidth=0.7)
                    if source == kept.OURS:  # our sparsities, which sit far from the authors'
                        for r in line.itertuples():
                            ax.annotate(names.sparsity_label(r.sparsity), (r.kept, r.rel_mean), xytext=(3, -9),
                                        textcoords="offset points", fontsize=6.5, color=color)
                ax.set_xscale("log")
                ax.xaxis.set_major_locator(LogLocator(base=10))
                ax.xaxis.set_major_formatter(FuncFormatter(_weights_tick))
                ax.set_ylim(0, top)
                ax.set_title(f"{names.method_name(method)}, α = {names.alpha_label(a)}")
                if i == len(methods) - 1:
                    ax.set_xlabel("prunable weights kept (log scale)")
                if j == 0:
                    ax.set_ylabel("accuracy / dense (%)")
        handles = []
        for name in series:
            row = frame[frame.apply(kept.series_name, axis=1) == name].iloc[0]
            color = style.dataset_color(row["dataset"])
            handles.append(Line2D([], [], color=color, marker=MARKERS[row["source"]], markersize=5,
                                  markerfacecolor=color if row["source"] == kept.OURS else "white",
                                  linestyle=LINES[row["source"]]["linestyle"], label=name))
        handles.append(Line2D([], [], label="dense (100 %)", **DENSE))
        fig.legend(handles=handles, loc="outside lower center", ncol=min(3, len(handles)))
        ours = frame[frame["source"] == kept.OURS]
        fig.suptitle(f"ours: mean ± std over {n_range_note(ours['rel_n'])} (paired with dense); authors: mean ± std, "
                     f"{names.AUTHORS_SOURCE}; kept = (1 − s) × prunable weights", fontsize=8, color="0.25")
        return style.save(fig, out_dir, NAME)
