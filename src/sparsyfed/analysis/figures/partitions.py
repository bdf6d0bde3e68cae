"""Class proportions per client: the paper's partition picture (SPEC section 6, item 8).

Caption: Share of each class in every client's training shard under the LDA partition, one
panel per dataset (rows) and concentration α (columns): α = 1000 is about IID, α = 0.1 leaves most
clients with one or two classes. Stacked bars (one colour per class) for up to 20 classes; a
client x class heatmap of the proportions for more. The partition is deterministic (one seed,
shared by all methods and run seeds), so there is no spread to show.

Reads `partitions.csv`; writes `partitions.pdf` and `.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.patches import Patch

from sparsyfed.analysis import names
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.figures import style
from sparsyfed.analysis.figures._common import mark_empty, no_data, panel_title

NAME = "partitions"
MAX_STACKED = 20


def make(tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    parts = read_table(tables_dir, "partitions")
    if parts.empty:
        return no_data(out_dir, NAME, "no partition files were collected (partitions.csv is empty)")
    keys = [(d, a) for d in names.order_datasets(parts["dataset"])
            for a in names.order_alphas(parts.loc[parts["dataset"] == d, "alpha"])]
    alphas = names.order_alphas(parts["alpha"])
    datasets = names.order_datasets(parts["dataset"])
    classes = parts.groupby("dataset")["class"].max() + 1
    stacked = [int(c) for c in classes if c <= MAX_STACKED]
    max_classes = max(stacked, default=0)  # classes shown as stacked bars (and in the legend)
    cmap = colormaps["tab10" if max_classes <= 10 else "tab20"]
    image = None
    with style.figure(len(datasets), len(alphas), panel_size=(3.6, 2.4)) as (fig, axes):
        for i, d in enumerate(datasets):
            for j, a in enumerate(alphas):
                ax = axes[i, j]
                sub = parts[(parts["dataset"] == d) & (parts["alpha"] == a)]
                if (d, a) not in keys or sub.empty:
                    mark_empty(ax, f"{panel_title(d, a)}\nno partition")
                    continue
                # one partition per panel: the first (num_clients, seed) if several were collected
                first = sub.iloc[0]
                sub = sub[(sub["num_clients"] == first["num_clients"])
                          & (sub["partition_seed"] == first["partition_seed"])]
                counts = sub.pivot_table(index="client", columns="class", values="count", aggfunc="sum", fill_value=0)
                props = counts.div(counts.sum(axis=1).replace(0, 1), axis=0).to_numpy(dtype=float)
                n_clients, n_classes = props.shape
                if n_classes <= MAX_STACKED:
                    bottom = np.zeros(n_clients)
                    for c in range(n_classes):
                        ax.bar(np.arange(n_clients), props[:, c], bottom=bottom, width=1.0,
                               color=cmap(c % cmap.N), linewidth=0)
                        bottom += props[:, c]
                    ax.set_ylim(0, 1)
                    ax.set_ylabel("class proportion")
                else:
                    image = ax.imshow(props.T, origin="lower", aspect="auto", interpolation="nearest",
                                      vmin=0, vmax=1, cmap="magma_r")
                    ax.set_ylabel("class")
                ax.set_xlim(-0.5, n_clients - 0.5)
                ax.grid(False)
                ax.set_xlabel(f"client ({n_clients} clients, partition seed {int(first['partition_seed'])})")
                ax.set_title(panel_title(d, a))
        if max_classes:
            handles = [Patch(color=cmap(c % cmap.N), label=f"class {c}") for c in range(max_classes)]
            fig.legend(handles=handles, loc="outside lower center", ncol=min(5, max_classes))
        if image is not None:
            fig.colorbar(image, ax=axes, shrink=0.8, label="class proportion")
        return style.save(fig, out_dir, NAME)
