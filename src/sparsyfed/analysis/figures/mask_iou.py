"""Round x round IoU of the global masks: the paper's mask-consensus heatmaps (SPEC section 6, item 7).

Caption: Intersection over union |A ∩ B| / |A ∪ B| of the global model's prunable supports after
rounds a (x) and b (y), from the masks saved every `mask_every` rounds; one heatmap per method
(columns) and dataset x LDA α (rows), at the target sparsity in the title (95 % or the nearest
one run). Each cell is the mean over seeds (finished runs only); the colour scale is fixed to
[0, 1]. Dense is omitted (its support is everything).

Reads `mask_iou.csv`; writes `mask_iou.pdf` and `.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sparsyfed import record
from sparsyfed.analysis import names
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.figures import style
from sparsyfed.analysis.figures._common import mark_empty, no_data, ok_runs, panel_title
from sparsyfed.analysis.stats import n_range_note, pick_sparsity

NAME = "mask_iou"
PREFERRED_SPARSITY = 0.95
MAX_TICKS = 6


def _status(tables_dir) -> dict:
    runs = read_table(tables_dir, "runs")
    return {tuple(r): s for *r, s in runs[["dataset", "alpha", "method", "sparsity", "seed", "status"]]
            .itertuples(index=False)}


def make(tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    ious = read_table(tables_dir, "mask_iou")
    if len(ious):
        status = _status(tables_dir)
        keys = ious[["dataset", "alpha", "method", "sparsity", "seed"]].itertuples(index=False, name=None)
        ious = ious.assign(status=[status.get(k, record.OK) for k in keys])
        ious = ok_runs(ious)
        ious = ious[ious["method"] != names.REFERENCE]
    if ious.empty:
        return no_data(out_dir, NAME, "no saved masks of finished sparse runs (mask_iou.csv is empty)")
    rows = [(d, a) for d in names.order_datasets(ious["dataset"])
            for a in names.order_alphas(ious.loc[ious["dataset"] == d, "alpha"])]
    methods = names.order_methods(ious["method"])
    ns, image = [], None
    with style.figure(len(rows), len(methods), panel_size=(2.6, 2.5)) as (fig, axes):
        for i, (d, a) in enumerate(rows):
            sub = ious[(ious["dataset"] == d) & (ious["alpha"] == a)]
            s_star = pick_sparsity(sub["sparsity"], PREFERRED_SPARSITY)
            sub = sub[np.isclose(sub["sparsity"], s_star)]
            for j, method in enumerate(methods):
                ax = axes[i, j]
                cell = sub[sub["method"] == method]
                row_label = panel_title(d, a, names.sparsity_label(s_star))
                if cell.empty:
                    mark_empty(ax, f"{names.method_name(method)}\n{row_label}\nno masks")
                    continue
                ns.append(cell["seed"].nunique())
                mean = cell.groupby(["round_a", "round_b"])["iou"].mean().unstack("round_b")
                labels = list(mean.index)
                mean = mean.reindex(index=labels, columns=labels)
                image = ax.imshow(mean.to_numpy(dtype=float).T, origin="lower", vmin=0.0, vmax=1.0,
                                  interpolation="nearest", aspect="equal")
                step = max(1, int(np.ceil(len(labels) / MAX_TICKS)))
                ticks = list(range(0, len(labels), step))
                ax.set_xticks(ticks, [str(labels[t]) for t in ticks])
                ax.set_yticks(ticks, [str(labels[t]) for t in ticks])
                ax.grid(False)
                ax.set_title(names.method_name(method))
                ax.set_xlabel("round a")
                ax.set_ylabel(f"{row_label}\nround b" if j == 0 else "round b")
        if image is not None:
            fig.colorbar(image, ax=axes, shrink=0.8, label="IoU of global masks")
        fig.suptitle(f"mean over {n_range_note(ns)}", fontsize=8, color="0.25")
        return style.save(fig, out_dir, NAME)
