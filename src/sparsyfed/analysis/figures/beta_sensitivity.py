"""SparsyFed against its Powerprop exponent β (the beta sweep; the authors swept it on CIFAR-10).

Caption: Final test accuracy, final global sparsity (zeros among the prunable weights of the final
global model) and regrowth (`regrowth_local`: weights zero in the received model and non-zero after
local training, per client and round, mean over rounds 2–T) of SparsyFed against its Powerprop
exponent β, at one dataset, LDA α and target sparsity (one row of panels per such cell). Points:
mean over seeds with the 95 % Student-t interval of the mean (no bar for one seed); β = 1 is plain
weights (Powerprop off); the dotted line marks the paper's β = 1.25; the β axis is logarithmic.
Spectral exponents (one marker per variant: as the authors ran it, per layer with their one-step σ,
a diamond) are drawn at the β their clients trained with (layers.csv `beta`, mean over rounds and
layers; the horizontal bar spans its range over rounds and layers). Only runs that finished are
drawn.

Reads the beta sweep's `runs.csv`, `rounds.csv` and `layers.csv` (`sparsyfed collect --variants`);
writes `beta_sensitivity.pdf` and `.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import NullLocator

from sparsyfed import catalog
from sparsyfed.analysis import names
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.experiments.tables import (
    CELL,
    REFERENCE_BETA,
    STEADY_FROM_ROUND,
    beta_sensitivity_frame,
    exponent_name,
)
from sparsyfed.analysis.figures import style
from sparsyfed.analysis.figures._common import no_data, panel_title
from sparsyfed.analysis.stats import CI_LEVEL, n_range_note

NAME = "beta_sensitivity"
PROPOSED = names.PROPOSED
SPECTRAL = catalog.variant_of(names.PROPOSED, exponent="spectral")  # colour of the spectral exponents
# marker of each spectral variant, in catalog order (the as-ran one first); others get the last
SPECTRAL_MARKERS = dict(zip(catalog.ids(catalog.SPECTRAL_VARIANTS), ("D", "P", "s", "X"), strict=False))
PANELS = (("acc", "final test accuracy (%)"), ("sparsity", "final global sparsity (%)"),
          ("regrowth", f"regrowth (weights / client, rounds {STEADY_FROM_ROUND}–T)"))


def _errors(frame, value):
    mean = frame[f"{value}_mean"].to_numpy(float)
    lo, hi = frame[f"{value}_ci_lo"].to_numpy(float), frame[f"{value}_ci_hi"].to_numpy(float)
    return mean, np.vstack([np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)])


def _legend(fig, axes) -> None:
    """One legend under the panels: the sweep, the spectral exponents, then the reference lines."""
    seen: dict[str, object] = {}
    for ax in np.ravel(axes):
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    order = sorted(seen, key=lambda k: (not k.startswith("SparsyFed"), not k.startswith("spectral"), k))
    fig.legend([seen[k] for k in order], order, loc="outside lower center", ncol=min(4, len(order)))


def make(tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    tidy = beta_sensitivity_frame(*(read_table(tables_dir, t) for t in ("runs", "rounds", "layers")))
    tidy = tidy[tidy["acc_n"] > 0] if len(tidy) else tidy
    if tidy.empty:
        return no_data(out_dir, NAME, "no finished SparsyFed runs with known parameters in these tables")
    cells = list(tidy.groupby(CELL, sort=False))
    ns = list(tidy["acc_n"])
    with style.figure(len(cells), len(PANELS), panel_size=(3.6, 2.7), extra_height=0.9) as (fig, axes):
        for i, ((d, a, s), cell) in enumerate(cells):
            fixed = cell[cell["fixed"]].sort_values("beta")
            spectral = cell[~cell["fixed"]]
            for j, (value, label) in enumerate(PANELS):
                ax = axes[i, j]
                mean, err = _errors(fixed, value)
                ax.errorbar(fixed["beta"], mean, yerr=err, color=style.color(PROPOSED), marker=style.marker(PROPOSED),
                            ms=4, lw=1.2, capsize=2.5, label="SparsyFed, fixed β", clip_on=False)
                for _, r in spectral.iterrows():
                    m, e = _errors(spectral.loc[[r.name]], value)
                    xerr = [[r["beta"] - r["beta_min"]], [r["beta_max"] - r["beta"]]]
                    ax.errorbar([r["beta"]], m, yerr=e, xerr=xerr, color=style.color(SPECTRAL),
                                marker=SPECTRAL_MARKERS.get(r["exponent"], "X"), ms=5, lw=0, elinewidth=1.2,
                                capsize=2.5, clip_on=False,
                                label=f"{exponent_name(r['exponent'])} (β ≈ {r['beta']:.3f})")
                ax.axvline(REFERENCE_BETA, color="0.5", ls=":", lw=1.0, label=f"paper's β = {REFERENCE_BETA:g}")
                if value == "sparsity":
                    ax.axhline(100 * s, **style.TARGET_LINE, label="target sparsity")
                    ax.ticklabel_format(axis="y", useOffset=False)
                if value == "regrowth":
                    ax.set_yscale("symlog", linthresh=1.0)
                    ax.set_ylim(bottom=-0.3)
                ax.set_xscale("log", base=2)  # spreads the authors' betas near 1
                ticks = sorted(set(fixed["beta"]) | {1.0})
                ax.set_xticks(ticks, [f"{b:g}" for b in ticks])
                ax.xaxis.set_minor_locator(NullLocator())
                ax.tick_params(axis="x", labelrotation=45, labelsize=7)
                ax.set_xlabel("Powerprop exponent β (log scale)")
                ax.set_ylabel(label)
                ax.set_title(panel_title(d, a, f"s = {names.sparsity_label(s)}") if j == 0 else "")
        _legend(fig, axes)
        fig.suptitle(f"mean and {100 * CI_LEVEL:g} % t interval over {n_range_note(ns)}; β = 1: plain weights",
                     fontsize=8, color="0.25")
        return style.save(fig, out_dir, NAME)
