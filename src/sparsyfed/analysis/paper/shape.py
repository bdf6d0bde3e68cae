"""The shape of our results against the authors', across datasets, per (α, sparsity) cell.

Accuracies match cell for cell only on the paper's datasets; the shape compares on any: within a
cell, (1) the ranking of the methods by mean final accuracy, ours against the authors' (Kendall
τ-b over the k methods both ran; who wins), and (2) each method's accuracy relative to dense.
Ours relative to dense is per seed, acc / dense acc of the same dataset, α and seed (paired),
then mean, std, n and t interval; the authors' is their mean over their one dense value, with
their std scaled the same way. Every our dataset is compared with every authors' dataset.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sparsyfed import record
from sparsyfed.analysis import names
from sparsyfed.analysis.stats import ok_values, pair_by_seed, t_interval

METHODS = names.TABLE1_METHODS
TIE_DIGITS = 2  # means equal to this many decimals (of %) share a rank
COLUMNS = ["dataset", "authors_dataset", "alpha", "sparsity", "method",
           "ours_acc_mean", "ours_acc_std", "ours_n", "ours_rel_mean", "ours_rel_std", "ours_rel_n",
           "ours_rel_ci_lo", "ours_rel_ci_hi", "ours_rank",
           "authors_acc_mean", "authors_acc_std", "authors_rel", "authors_rel_std", "authors_rank",
           "k", "kendall_tau", "ours_ranking", "authors_ranking", "ours_winner", "authors_winner", "same_winner",
           "ours_lead", "ours_lead_n", "ours_lead_ci_lo", "ours_lead_ci_hi"]


def ours_relative(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, alpha, sparsity, method): mean accuracy (%) and accuracy relative to dense (%)."""
    acc = ok_values(runs, "final_test_acc", 100.0)
    dense = acc[acc["method"] == names.REFERENCE]
    rows = []
    for (d, a, s, m), g in acc[acc["method"].isin(METHODS)].groupby(["dataset", "alpha", "sparsity", "method"]):
        pairs = pair_by_seed(g, dense, ["dataset", "alpha"], "final_test_acc")
        acc_ci = t_interval(g["final_test_acc"])
        rel = t_interval(100.0 * pairs["final_test_acc_a"] / pairs["final_test_acc_b"].where(
            pairs["final_test_acc_b"] > 0))
        rows.append({"dataset": d, "alpha": a, "sparsity": s, "method": m, "ours_acc_mean": acc_ci.mean,
                     "ours_acc_std": acc_ci.std, "ours_n": acc_ci.n, "ours_rel_mean": rel.mean,
                     "ours_rel_std": rel.std, "ours_rel_n": rel.n, "ours_rel_ci_lo": rel.lo, "ours_rel_ci_hi": rel.hi})
    return pd.DataFrame(rows, columns=COLUMNS[:1] + COLUMNS[2:5] + COLUMNS[5:13])


def authors_relative(authors: pd.DataFrame) -> pd.DataFrame:
    """The authors' accuracy (%) and accuracy relative to their dense value (%) per cell and method."""
    dense = authors[authors["method"] == names.REFERENCE][["dataset", "alpha", "acc_mean"]].rename(
        columns={"acc_mean": "reference_acc"})
    out = authors[authors["method"].isin(METHODS)].merge(dense, on=["dataset", "alpha"])
    return pd.DataFrame({"authors_dataset": out["dataset"], "alpha": out["alpha"], "sparsity": out["sparsity"],
                         "method": out["method"], "authors_acc_mean": out["acc_mean"],
                         "authors_acc_std": out["acc_std"],
                         "authors_rel": 100.0 * out["acc_mean"] / out["reference_acc"],
                         "authors_rel_std": 100.0 * out["acc_std"] / out["reference_acc"]})


def ranks(means: pd.Series) -> pd.Series:
    """Competition ranks (1 = best) of `means`; means equal to TIE_DIGITS decimals share a rank."""
    return means.round(TIE_DIGITS).rank(ascending=False, method="min").astype(int)


def ranking_text(means: pd.Series, methods: pd.Series) -> str:
    """'SparsyFed > FLASH = Top-K > ZeroFL' from means and their method ids."""
    order = sorted(zip(means.round(TIE_DIGITS), methods, strict=True), key=lambda x: (-x[0], list(METHODS).index(x[1])))
    text = names.method_name(order[0][1])
    for (prev, _), (mean, m) in zip(order, order[1:], strict=False):
        text += (" = " if mean == prev else " > ") + names.method_name(m)
    return text


def kendall_tau(x: pd.Series, y: pd.Series) -> float:
    """Kendall τ-b of two equally long series; NaN when either has fewer than two distinct values."""
    if len(x) < 2 or x.round(TIE_DIGITS).nunique() < 2 or y.round(TIE_DIGITS).nunique() < 2:
        return math.nan
    from scipy.stats import kendalltau

    return float(kendalltau(x.round(TIE_DIGITS), y.round(TIE_DIGITS)).statistic)


def _winners(frame: pd.DataFrame, mean: str) -> list[str]:
    top = frame[mean].round(TIE_DIGITS).max()
    return [m for m in names.order_methods(frame.loc[frame[mean].round(TIE_DIGITS) == top, "method"])]


def _lead(runs_acc: pd.DataFrame, cell: pd.DataFrame):
    """Paired t interval of our winner minus our runner-up (by mean) over the seeds both finished."""
    order = cell.sort_values("ours_acc_mean", ascending=False)["method"].tolist()
    if len(order) < 2:
        return t_interval([])
    d, a, s = cell.iloc[0][["dataset", "alpha", "sparsity"]]
    at = runs_acc[(runs_acc["dataset"] == d) & (runs_acc["alpha"] == a) & np.isclose(runs_acc["sparsity"], s)]
    pairs = pair_by_seed(at[at["method"] == order[0]], at[at["method"] == order[1]],
                         ["dataset", "alpha", "sparsity"], "final_test_acc")
    return t_interval(pairs["final_test_acc_a"] - pairs["final_test_acc_b"])


def compare(runs: pd.DataFrame, authors: pd.DataFrame) -> pd.DataFrame:
    """One row per (our dataset, authors' dataset, α, sparsity, method) both ran (COLUMNS)."""
    ours, theirs = ours_relative(runs), authors_relative(authors)
    if ours.empty:
        return pd.DataFrame(columns=COLUMNS)
    both = ours.merge(theirs, on=["alpha", "sparsity", "method"])
    acc = ok_values(runs, "final_test_acc", 100.0)
    cells = []
    for _, cell in both.groupby(["dataset", "authors_dataset", "alpha", "sparsity"], sort=False):
        cell = cell.copy()
        cell["ours_rank"], cell["authors_rank"] = ranks(cell["ours_acc_mean"]), ranks(cell["authors_acc_mean"])
        lead = _lead(acc, cell)
        ours_win, their_win = _winners(cell, "ours_acc_mean"), _winners(cell, "authors_acc_mean")
        cell = cell.assign(
            k=len(cell), kendall_tau=kendall_tau(cell["ours_acc_mean"], cell["authors_acc_mean"]),
            ours_ranking=ranking_text(cell["ours_acc_mean"], cell["method"]),
            authors_ranking=ranking_text(cell["authors_acc_mean"], cell["method"]),
            ours_winner=" = ".join(ours_win), authors_winner=" = ".join(their_win),
            same_winner=bool(set(ours_win) & set(their_win)), ours_lead=lead.mean, ours_lead_n=lead.n,
            ours_lead_ci_lo=lead.lo, ours_lead_ci_hi=lead.hi)
        cells.append(cell)
    if not cells:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(cells, ignore_index=True)[COLUMNS]
    d_rank = {d: i for i, d in enumerate(names.order_datasets(out["dataset"]))}
    a_rank = {d: i for i, d in enumerate(names.order_datasets(out["authors_dataset"]))}
    m_rank = {m: i for i, m in enumerate(METHODS)}
    key = out.assign(_d=out["dataset"].map(d_rank), _ad=out["authors_dataset"].map(a_rank), _a=-out["alpha"],
                     _m=out["method"].map(m_rank))
    return key.sort_values(["_d", "_a", "sparsity", "_ad", "_m"]).drop(columns=["_d", "_ad", "_a", "_m"]).reset_index(
        drop=True)


def summary(tidy: pd.DataFrame) -> pd.DataFrame:
    """Per (our dataset, authors' dataset): cells, cells with the same winner, median/min/max Kendall τ."""
    cells = tidy.drop_duplicates(["dataset", "authors_dataset", "alpha", "sparsity"])
    rows = []
    for (d, ad), g in cells.groupby(["dataset", "authors_dataset"], sort=False):
        tau = g["kendall_tau"].dropna()
        rows.append({"dataset": d, "authors_dataset": ad, "cells": len(g), "same_winner": int(g["same_winner"].sum()),
                     "tau_median": tau.median() if len(tau) else math.nan,
                     "tau_min": tau.min() if len(tau) else math.nan, "tau_max": tau.max() if len(tau) else math.nan,
                     "tau_n": len(tau)})
    return pd.DataFrame(rows, columns=["dataset", "authors_dataset", "cells", "same_winner", "tau_median",
                                       "tau_min", "tau_max", "tau_n"])


def ours_setting(runs: pd.DataFrame, dataset: str) -> str:
    """'Fashion-MNIST, resnet_small, 10 rounds' from our finished runs of `dataset`."""
    ok = runs[(runs["status"] == record.OK) & (runs["dataset"] == dataset)]
    models = ", ".join(sorted({str(m) for m in ok["model"].dropna()})) or "?"
    rounds = ", ".join(sorted({f"{float(r):g}" for r in ok["rounds"].dropna()}, key=float)) or "?"
    return f"{names.dataset_name(dataset)}, {models}, {rounds} rounds"
