"""Global model sparsity per round: the paper's consensus figure (SPEC section 6, item 5).

Caption: Sparsity (%) of the aggregated global model's prunable weights (`global_sparsity`) after
each round, one panel per dataset x target sparsity (rows) and LDA α (columns), one line per
method; the dashed black line is the target. FLASH is omitted (its mask is fixed by design) and
so is dense. Lines are means over seeds with ± std bands (ddof = 1); only runs that finished are
drawn. Top-K and ZeroFL aggregate differing client masks, so their global model is denser than
the target; SparsyFed's should stay at it.

Reads `rounds.csv`; writes `global_sparsity.pdf` and `.png`.
"""

from __future__ import annotations

from pathlib import Path

from sparsyfed import catalog
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
from sparsyfed.analysis.stats import round_stats

NAME = "global_sparsity"
# Dense, and the methods whose mask is fixed by design (FLASH): a global sparsity they do not reach by rounds
OMITTED = tuple(m.id for m in catalog.METHODS if m.role == catalog.REFERENCE or m.fixed_mask)


def make(tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    rounds = ok_runs(read_table(tables_dir, "rounds"))
    rounds = rounds[~rounds["method"].isin(OMITTED)] if len(rounds) else rounds
    if rounds.empty or "global_sparsity" not in rounds.columns:
        return no_data(out_dir, NAME, "no finished sparse runs (FLASH and dense are omitted) in rounds.csv")
    stats = round_stats(rounds, "global_sparsity", ["dataset", "alpha", "sparsity", "method"], scale=100.0)
    if stats.empty:
        return no_data(out_dir, NAME, "no global_sparsity values in rounds.csv")
    rows = [(d, s) for d in names.order_datasets(stats["dataset"])
            for s in names.order_sparsities(stats.loc[stats["dataset"] == d, "sparsity"])]
    alphas = names.order_alphas(stats["alpha"])
    with style.figure(len(rows), len(alphas)) as (fig, axes):
        for i, (d, s) in enumerate(rows):
            for j, a in enumerate(alphas):
                ax = axes[i, j]
                panel = stats[(stats["dataset"] == d) & (stats["sparsity"] == s) & (stats["alpha"] == a)]
                title = panel_title(d, a, f"target {names.sparsity_label(s)}")
                if panel.empty:
                    mark_empty(ax, f"{title}\nno finished runs")
                    continue
                # on top: visible where a method sits on it
                ax.axhline(100 * s, label="target sparsity", zorder=3, **style.TARGET_LINE)
                for method in names.order_methods(panel["method"]):
                    mean_std_line(ax, panel[panel["method"] == method].sort_values("round"), method)
                ax.set_title(title)
                round_axis(ax)
                ax.set_ylabel("global sparsity (%)")
        legend_below(fig, axes)
        seeds_title(fig, stats["n"], "FLASH omitted (fixed mask)")
        return style.save(fig, out_dir, NAME)
