"""Helpers shared by the figure modules: panel titles, empty panels, legends, the seeds note."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from sparsyfed import record
from sparsyfed.analysis import names
from sparsyfed.analysis.figures import style
from sparsyfed.analysis.stats import n_range_note


def panel_title(dataset: str, alpha: float | None = None, extra: str = "") -> str:
    parts = [names.dataset_name(dataset)]
    if alpha is not None:
        parts.append(f"α = {names.alpha_label(alpha)}")
    if extra:
        parts.append(extra)
    return ", ".join(parts)


def mark_empty(ax, message: str = "no finished runs") -> None:
    """Turn `ax` into a labelled empty panel (so a missing subset shows, not a blank)."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=8, color="0.4",
            wrap=True)


def legend_below(fig, axes, extra: list | None = None, ncol: int = 4) -> None:
    """One figure legend under the panels, from the unique labels of all axes (plus `extra` handles)."""
    seen: dict[str, object] = {}
    for ax in np.ravel(axes):
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if not label.startswith("_") and label not in seen:
                seen[label] = handle
    for handle in extra or []:
        seen.setdefault(handle.get_label(), handle)
    if seen:
        fig.legend(list(seen.values()), list(seen.keys()), loc="outside lower center",
                   ncol=min(ncol, len(seen)))


def seeds_title(fig, ns, extra: str = "") -> None:
    """A small title stating the statistic and n, as every figure of seeds must."""
    text = f"mean ± std (ddof = 1) over {n_range_note(ns)}"
    fig.suptitle(f"{text}; {extra}" if extra else text, fontsize=8, color="0.25")


def no_data(out_dir: str | Path, name: str, message: str) -> list[Path]:
    """Write a one-panel figure saying why there is nothing to draw (e.g. no runs of that kind)."""
    with style.figure(1, 1, extra_height=0.0) as (fig, axes):
        mark_empty(axes[0, 0], message)
        return style.save(fig, out_dir, name)


def round_axis(ax) -> None:
    """x axis of rounds: integer ticks only."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("round")


def ok_runs(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"] == record.OK] if "status" in frame.columns else frame


def mean_std_line(ax, line: pd.DataFrame, method: str, floor: float | None = None, **kw) -> None:
    """One method's per-round mean (`round_stats` rows, sorted by round) with its ± std band (ddof = 1; no
    band where one seed finished); `floor` clips the band's lower edge (e.g. 0 for counts)."""
    std = line["std"].fillna(0.0)
    low = line["mean"] - std
    ax.plot(line["round"], line["mean"], label=names.method_name(method), **style.line_kw(method, len(line)), **kw)
    ax.fill_between(line["round"], low if floor is None else low.clip(lower=floor), line["mean"] + std,
                    color=style.color(method), alpha=style.BAND_ALPHA, lw=0)
