"""Accuracy relative to dense against the prunable weights a model keeps: ours and the authors' on one axis.

A cell (dataset, model, width, α, method, target sparsity s) keeps (1 − s) × P prunable weights, P the
prunable weights of its model: for the authors' ResNet-18 `reported.AUTHORS_PRUNABLE`, for ours each run's
`num_prunable` (runs.csv; for tables collected before that column, the prunable layers' `numel` summed
over one round in layers.csv). Accuracy relative to dense is as in `shape`: ours per seed, the final
test accuracy over dense's of the same dataset, model, width, α and seed, then mean, std, n and t
interval over seeds; the authors' their mean over their one dense value (their std scaled alike, no n).
Methods are those both ran (`names.TABLE1_METHODS`). Each of our cells is also set beside the authors'
cell of the same method and α whose kept weights are nearest (in log scale).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sparsyfed.analysis import names
from sparsyfed.analysis.paper import reported, shape
from sparsyfed.analysis.render import Block
from sparsyfed.analysis.stats import CI_LEVEL, n_range_note, ok_values, pair_by_seed, t_interval

OURS, AUTHORS = "ours", "authors"
SERIES = ["dataset", "model", "width"]  # one line of ours per method: a dataset with its model at one width
DEFAULT_WIDTH = 1.0  # runs collected before `width` existed ran their model at width 1 (config.SETTINGS_ADDED)
METHODS = names.TABLE1_METHODS
COLUMNS = ["source", "dataset", "model", "width", "alpha", "method", "sparsity", "prunable", "kept",
           "rel_mean", "rel_std", "rel_n", "rel_ci_lo", "rel_ci_hi", "acc_mean", "acc_std", "acc_n",
           "nearest_dataset", "nearest_sparsity", "nearest_kept", "nearest_rel", "nearest_decades"]


def weights_text(n: float) -> str:
    """558218 -> '558 k', 3854 -> '3.85 k', 11164352 -> '11.2 M', 770 -> '770' (three significant digits)."""
    if n is None or not np.isfinite(n):
        return "?"
    for scale, unit in ((1e6, " M"), (1e3, " k")):
        if n >= scale:
            return f"{n / scale:.3g}{unit}"
    return f"{n:.3g}"


# ---------------------------------------------------------------- prunable weights of our runs

def layer_prunable(layers: pd.DataFrame) -> pd.Series:
    """(dataset, model) -> prunable weights: the layers' numel summed over one round of one run (layers.csv)."""
    if layers.empty or "numel" not in layers.columns:
        return pd.Series(dtype=float)
    first = layers[layers["round"] == layers["round"].min()]
    per_run = first.groupby([c for c in ("dataset", "model", "alpha", "method", "sparsity", "seed", "run_dir")
                             if c in first.columns], dropna=False)["numel"].sum()
    return per_run.groupby(level=["dataset", "model"]).max().astype(float)


def with_prunable(runs: pd.DataFrame, layers: pd.DataFrame | None = None) -> pd.DataFrame:
    """`runs` with `width` (DEFAULT_WIDTH where unknown) and `prunable`: the run's runs.csv `num_prunable`, else
    that of another run of the same dataset, model and width (a run not finished records none); for a dataset
    and model no run of which records it (tables collected before `num_prunable`, every run at width 1),
    layers.csv; else NaN."""
    out = runs.copy()
    out["width"] = pd.to_numeric(out["width"], errors="coerce").fillna(DEFAULT_WIDTH) if "width" in out \
        else DEFAULT_WIDTH
    own = pd.to_numeric(out["num_prunable"], errors="coerce") if "num_prunable" in out \
        else pd.Series(np.nan, index=out.index)
    own = own.fillna(own.groupby([out["dataset"], out["model"], out["width"]]).transform("max"))
    unrecorded = own.groupby([out["dataset"], out["model"]]).transform("count") == 0
    if unrecorded.any() and layers is not None:
        counts = layer_prunable(layers)
        from_layers = pd.Series([counts.get((d, m), np.nan) for d, m in zip(out["dataset"], out["model"],
                                                                           strict=True)], index=out.index)
        own = own.where(~unrecorded, from_layers)
    out["prunable"] = own.astype(float)
    return out


# ---------------------------------------------------------------- the cells

def ours(runs: pd.DataFrame, layers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Our cells (COLUMNS, source OURS): per SERIES, α, sparsity and method both we and the authors ran."""
    acc = ok_values(with_prunable(runs, layers), "final_test_acc", 100.0)
    dense = acc[acc["method"] == names.REFERENCE]
    rows = []
    for key, g in acc[acc["method"].isin(METHODS)].groupby(SERIES + ["alpha", "sparsity", "method"], sort=False):
        d, m, w, a, s, method = key
        pairs = pair_by_seed(g, dense, SERIES + ["alpha"], "final_test_acc")
        rel = t_interval(100.0 * pairs["final_test_acc_a"] / pairs["final_test_acc_b"].where(
            pairs["final_test_acc_b"] > 0))
        accuracy = t_interval(g["final_test_acc"])
        prunable = g["prunable"].max()
        rows.append({"source": OURS, "dataset": d, "model": m, "width": w, "alpha": a, "method": method,
                     "sparsity": s, "prunable": prunable, "kept": (1.0 - s) * prunable, "rel_mean": rel.mean,
                     "rel_std": rel.std, "rel_n": rel.n, "rel_ci_lo": rel.lo, "rel_ci_hi": rel.hi,
                     "acc_mean": accuracy.mean, "acc_std": accuracy.std, "acc_n": accuracy.n})
    return pd.DataFrame(rows, columns=COLUMNS)


def authors() -> pd.DataFrame:
    """The authors' cells (COLUMNS, source AUTHORS): ResNet-18, (1 − s) × its prunable weights kept."""
    theirs = shape.authors_relative(reported.paper_numbers())
    prunable = theirs["authors_dataset"].map(reported.AUTHORS_PRUNABLE).astype(float)
    return pd.DataFrame({
        "source": AUTHORS, "dataset": theirs["authors_dataset"],
        "model": [reported.AUTHORS_SETTING[d][0] for d in theirs["authors_dataset"]], "width": DEFAULT_WIDTH,
        "alpha": theirs["alpha"], "method": theirs["method"], "sparsity": theirs["sparsity"], "prunable": prunable,
        "kept": (1.0 - theirs["sparsity"]) * prunable, "rel_mean": theirs["authors_rel"],
        "rel_std": theirs["authors_rel_std"], "acc_mean": theirs["authors_acc_mean"],
        "acc_std": theirs["authors_acc_std"]}).reindex(columns=COLUMNS)


def _nearest(frame: pd.DataFrame) -> pd.DataFrame:
    """Our rows with the authors' cell of the same method and α nearest in log10 kept weights."""
    theirs = frame[frame["source"] == AUTHORS]
    out = frame.copy()
    for i, r in frame[frame["source"] == OURS].iterrows():
        pool = theirs[(theirs["method"] == r["method"]) & np.isclose(theirs["alpha"], r["alpha"])]
        if pool.empty or not (r["kept"] > 0):
            continue
        gap = np.log10(pool["kept"].to_numpy(float)) - np.log10(r["kept"])
        hit = pool.iloc[int(np.argmin(np.abs(gap)))]
        out.loc[i, ["nearest_dataset", "nearest_sparsity", "nearest_kept", "nearest_rel", "nearest_decades"]] = [
            hit["dataset"], hit["sparsity"], hit["kept"], hit["rel_mean"], float(gap[np.argmin(np.abs(gap))])]
    return out


def kept_frame(runs: pd.DataFrame, layers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every cell, ours and the authors', with its kept weights (COLUMNS), sorted by method, source, α, kept."""
    frame = pd.concat([ours(runs, layers), authors()], ignore_index=True)
    frame = frame.astype({c: object for c in ("nearest_dataset",)})
    frame = _nearest(frame)
    m_rank = {m: i for i, m in enumerate(METHODS)}
    d_rank = {d: i for i, d in enumerate(names.order_datasets(frame["dataset"]))}
    key = frame.assign(_m=frame["method"].map(m_rank), _s=(frame["source"] != OURS).astype(int),
                       _d=frame["dataset"].map(d_rank), _a=-frame["alpha"])
    return key.sort_values(["_m", "_s", "_d", "width", "_a", "kept"]).drop(
        columns=["_m", "_s", "_d", "_a"]).reset_index(drop=True)


# ---------------------------------------------------------------- the table

def series_name(row) -> str:
    """'Fashion-MNIST, resnet_small (ours)', 'Fashion-MNIST, resnet_small ×2 (ours)' (width 2),
    'CIFAR-10, ResNet-18 (authors)'."""
    width = "" if row["width"] == DEFAULT_WIDTH else f" ×{row['width']:g}"
    return f"{names.dataset_name(row['dataset'])}, {row['model']}{width} ({row['source']})"


def _rel(mean: float, std: float, n=None) -> str:
    if not np.isfinite(mean):
        return "—"
    text = f"{mean:.1f}" + (f" ± {std:.1f}" if np.isfinite(std) else "")
    return text + (f" (n={int(n)})" if n is not None and np.isfinite(n) else "")


def _nearest_text(tidy: pd.DataFrame, row) -> str:
    """'99.9 % (11.2 k): CIFAR-10 64.9, CIFAR-100 25.7, Speech Commands 23.6': the authors' cells of `row`'s method
    and α at the sparsity of its nearest authors' cell."""
    if not isinstance(row["nearest_dataset"], str):
        return "—"
    theirs = tidy[(tidy["source"] == AUTHORS) & (tidy["method"] == row["method"])
                  & np.isclose(tidy["alpha"], row["alpha"]) & np.isclose(tidy["sparsity"], row["nearest_sparsity"])]
    cells = ", ".join(f"{names.dataset_name(r['dataset'])} {_rel(r['rel_mean'], np.nan)}" for _, r in theirs.iterrows())
    return f"{names.sparsity_label(row['nearest_sparsity'])} ({weights_text(row['nearest_kept'])}): {cells}"


def kept_weights(runs: pd.DataFrame, layers: pd.DataFrame) -> tuple[pd.DataFrame, list[Block]]:
    """The kept-weights table as (tidy frame, rendered blocks)."""
    tidy = kept_frame(runs, layers)
    mine = tidy[tidy["source"] == OURS]
    rows1 = [[series_name(r), names.alpha_label(r["alpha"]), names.method_name(r["method"]),
              names.sparsity_label(r["sparsity"]), weights_text(r["kept"]),
              _rel(r["rel_mean"], r["rel_std"], r["rel_n"]), _nearest_text(tidy, r)]
             for _, r in mine.iterrows()]
    n_note = n_range_note(mine["rel_n"]) if len(mine) else "no finished seeds"
    notes1 = [
        "Kept weights: (1 − s) × the model's prunable weights (conv and linear weights), s the target sparsity. "
        "Accuracy / dense: final test accuracy as % of dense FedAvg's. Ours: per seed over dense of the same "
        f"dataset, model, width, α and seed, mean ± sample std (ddof = 1) over {n_note} (the CSV holds the "
        f"{100 * CI_LEVEL:g} % t interval). Authors' ({names.AUTHORS_SOURCE}): their mean over their one dense "
        "value, on ResNet-18 (" + ", ".join(f"{names.dataset_name(d)}: {p:,}"
                                              for d, p in reported.AUTHORS_PRUNABLE.items()) + " prunable weights).",
        "Authors at the nearest sparsity: the authors' cells of the same method and α at the target sparsity whose "
        "kept weights are closest to ours (log scale; the kept weights of their CIFAR-10 cell in brackets); "
        "datasets, models and horizons differ, so the pair compares scale, not numbers."]
    if mine.empty:
        notes1.insert(0, "No finished run of ours (with its dense run) of a method the authors ran.")
    block1 = Block("Our cells beside the authors' cells that keep about as many weights",
                   "Accuracy relative to dense per cell of ours, and the authors' cells at the sparsity nearest in "
                   "kept weights.",
                   ["Ours", "LDA α", "Method", "Sparsity", "Kept", "Acc. / dense (%)",
                    "Authors at the nearest sparsity: acc. / dense (%)"], rows1, notes1, label="tab:kept-nearest",
                   text_cols=4)
    sparsities = names.order_sparsities(tidy["sparsity"])
    rows2 = []
    for method in names.order_methods(tidy["method"]):
        of_method = tidy[tidy["method"] == method]
        for i, ((_, a), g) in enumerate(of_method.groupby([of_method.apply(series_name, axis=1), "alpha"],
                                                          sort=False)):
            row = [names.method_name(method) if i == 0 else "", series_name(g.iloc[0]), names.alpha_label(a)]
            for s in sparsities:
                hit = g[np.isclose(g["sparsity"], s)]
                row.append(f"{_rel(hit.iloc[0]['rel_mean'], np.nan)} ({weights_text(hit.iloc[0]['kept'])})"
                           if len(hit) else "—")
            rows2.append(row)
    block2 = Block("Every cell on the kept-weights axis",
                   "Accuracy relative to dense (%) and, in brackets, the prunable weights kept, per target sparsity.",
                   ["Method", "Series", "LDA α"] + [names.sparsity_label(s) for s in sparsities], rows2,
                   ["Means only (the first table and the CSV hold std, n and intervals). — = not run."],
                   label="tab:kept-all", text_cols=3)
    return tidy, [block1, block2]
