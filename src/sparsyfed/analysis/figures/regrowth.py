"""Weight regrowth per round, with the dead channels that bound it: the paper's regrowth figure
(SPEC section 6, item 6; claim 2).

Caption: Top row of each dataset: per-round weight regrowth `regrowth_local` — the number of prunable
weights that are zero in the global model a client receives and non-zero after its local training (before
pruning), averaged over the round's clients; this is the metric the authors logged. Symmetric-log y axis
(log above 1 weight, linear below) so that rounds with zero regrowth stay visible. Bottom row (when the runs
log dead channels): the share of the global model's prunable zeros that lie in dead channels
(`dead_zero_share`: all-zero output or input channels), where local training's gradient is cut and no
weight regrows; the more of a method's zeros sit there, the less it can regrow. One column per LDA α, at
the target sparsity stated in the title (95 % as in the paper, or the nearest one run); one line per
method (dense omitted: it has no zeros). Lines are means over seeds with ± std bands (ddof = 1); only runs
that finished are drawn. Tables from runs older than dead-channel logging have no bottom row; the title
says so.

The other two regrowth columns of rounds.csv (`regrowth_pruned`, `regrowth_global`) are not drawn;
change COLUMN to draw one of them.

Reads `rounds.csv`; writes `regrowth.pdf` and `.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sparsyfed.analysis import names
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.figures import style
from sparsyfed.analysis.figures._common import (
    legend_below,
    mark_empty,
    mean_std_line,
    no_data,
    ok_runs,
    panel_title,
    round_axis,
    seeds_title,
)
from sparsyfed.analysis.stats import pick_sparsity, round_stats

NAME = "regrowth"
COLUMN = "regrowth_local"  # the authors' logged metric (SPEC section 5)
DEAD = "dead_zero_share"  # share of the global model's prunable zeros in dead channels
PREFERRED_SPARSITY = 0.95
NO_DEAD = f"dead channels not logged by these runs (rounds.csv has no {DEAD})"


def _panel(rounds: pd.DataFrame, dataset: str, alpha: float, sparsity: float | None) -> pd.DataFrame:
    return rounds[(rounds["dataset"] == dataset) & (rounds["alpha"] == alpha)
                  & np.isclose(rounds["sparsity"], sparsity if sparsity else -1)]


def _draw(ax, panel: pd.DataFrame, column: str, scale: float, title: str, floor: float | None) -> list:
    """The per-method mean ± std lines of `column` * `scale` in `ax`; returns the n of each point."""
    stats = round_stats(panel, column, ["method"], scale=scale)
    if stats.empty:
        mark_empty(ax, f"{title}\nno finished runs")
        return []
    for method in names.order_methods(stats["method"]):
        mean_std_line(ax, stats[stats["method"] == method].sort_values("round"), method, floor, clip_on=False)
    ax.set_title(title)
    round_axis(ax)
    return list(stats["n"])


def make(tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    rounds = ok_runs(read_table(tables_dir, "rounds"))
    rounds = rounds[rounds["method"] != names.REFERENCE] if len(rounds) else rounds
    if rounds.empty or COLUMN not in rounds.columns:
        return no_data(out_dir, NAME, f"no finished sparse runs with {COLUMN} in rounds.csv")
    dead = DEAD in rounds.columns and rounds[DEAD].notna().any()
    datasets = names.order_datasets(rounds["dataset"])
    alphas = names.order_alphas(rounds["alpha"])
    per_dataset = 2 if dead else 1
    ns = []
    with style.figure(per_dataset * len(datasets), len(alphas)) as (fig, axes):
        for i, d in enumerate(datasets):
            s_star = pick_sparsity(rounds.loc[rounds["dataset"] == d, "sparsity"], PREFERRED_SPARSITY)
            for j, a in enumerate(alphas):
                panel = _panel(rounds, d, a, s_star)
                title = panel_title(d, a, f"s = {names.sparsity_label(s_star)}")
                ax = axes[per_dataset * i, j]
                ns += _draw(ax, panel, COLUMN, 1.0, title, floor=0.0)
                ax.set_yscale("symlog", linthresh=1.0)
                ax.set_ylim(bottom=-0.3)  # keep zero-regrowth lines off the axis spine
                ax.set_ylabel(f"{COLUMN} (weights)")
                if dead:
                    ax = axes[per_dataset * i + 1, j]
                    _draw(ax, panel, DEAD, 100.0, panel_title(d, a, "dead channels"), floor=0.0)
                    ax.set_ylim(0, 100)
                    ax.set_ylabel("zeros in dead channels (%)")
        legend_below(fig, axes)
        note = f"{COLUMN}: zero in received model, non-zero after local training"
        seeds_title(fig, ns, note if dead else f"{note}; {NO_DEAD}")
        return style.save(fig, out_dir, NAME)
