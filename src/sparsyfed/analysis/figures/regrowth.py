"""Weight regrowth per round: the paper's regrowth figure (SPEC section 6, item 6; claim 2).

Caption: Per-round weight regrowth `regrowth_local` — the number of prunable weights that are zero
in the global model a client receives and non-zero after its local training (before pruning),
averaged over the round's clients; this is the metric the authors logged. One panel per dataset
(rows) and LDA α (columns), at the target sparsity stated in the title (95 % as in the paper, or the
nearest one run); one line per method (dense omitted: it has no zeros to regrow). Symmetric-log y
axis (log above 1 weight, linear below) so that rounds with zero regrowth stay visible. Lines are
means over seeds with ± std bands (ddof = 1); only runs that finished are drawn.

The other two regrowth columns of rounds.csv (`regrowth_pruned`, `regrowth_global`) are not drawn;
change COLUMN to draw one of them.

Reads `rounds.csv`; writes `regrowth.pdf` and `.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sparsyfed.analysis import names, style
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.figures._common import (
    legend_below,
    mark_empty,
    no_data,
    ok_runs,
    panel_title,
    round_axis,
    seeds_title,
)
from sparsyfed.analysis.stats import pick_sparsity, round_stats

NAME = "regrowth"
COLUMN = "regrowth_local"  # the authors' logged metric (SPEC section 5)
PREFERRED_SPARSITY = 0.95


def make(tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    rounds = ok_runs(read_table(tables_dir, "rounds"))
    rounds = rounds[rounds["method"] != names.REFERENCE] if len(rounds) else rounds
    if rounds.empty or COLUMN not in rounds.columns:
        return no_data(out_dir, NAME, f"no finished sparse runs with {COLUMN} in rounds.csv")
    datasets = names.order_datasets(rounds["dataset"])
    alphas = names.order_alphas(rounds["alpha"])
    ns = []
    with style.figure(len(datasets), len(alphas)) as (fig, axes):
        for i, d in enumerate(datasets):
            s_star = pick_sparsity(rounds.loc[rounds["dataset"] == d, "sparsity"], PREFERRED_SPARSITY)
            for j, a in enumerate(alphas):
                ax = axes[i, j]
                panel = rounds[(rounds["dataset"] == d) & (rounds["alpha"] == a)
                               & np.isclose(rounds["sparsity"], s_star if s_star else -1)]
                stats = round_stats(panel, COLUMN, ["method"])
                title = panel_title(d, a, f"s = {names.sparsity_label(s_star)}")
                if stats.empty:
                    mark_empty(ax, f"{title}\nno finished runs")
                    continue
                ns += list(stats["n"])
                for method in names.order_methods(stats["method"]):
                    line = stats[stats["method"] == method].sort_values("round")
                    ax.plot(line["round"], line["mean"], label=names.method_name(method), clip_on=False,
                            **style.line_kw(method, len(line)))
                    ax.fill_between(line["round"], (line["mean"] - line["std"].fillna(0.0)).clip(lower=0),
                                    line["mean"] + line["std"].fillna(0.0), color=style.color(method),
                                    alpha=style.BAND_ALPHA, lw=0)
                ax.set_yscale("symlog", linthresh=1.0)
                ax.set_ylim(bottom=-0.3)  # keep zero-regrowth lines off the axis spine
                ax.set_title(title)
                round_axis(ax)
                ax.set_ylabel(f"{COLUMN} (weights)")
        legend_below(fig, axes)
        seeds_title(fig, ns, f"{COLUMN}: zero in received model, non-zero after local training")
        return style.save(fig, out_dir, NAME)
