"""The claims page: each headline claim of SPEC section 7 against our measurements, with a verdict.

For each claim the page gives the measured value from the tidy `runs.csv`, the authors' value,
the setting it was measured on and a verdict: "supported", "not supported" or "not testable on
this grid" (with the reason). It then lists the runs that failed, diverged or are missing and the
hardware and library versions from the runs' provenance.

Decision rules (stated on the page too; the paper gives no tolerances, so these are ours):
1. 95 % sparse with negligible loss: SparsyFed at s = 0.95 within NEGLIGIBLE_DROP_PP percentage
   points of dense, in every dataset x alpha where both finished.
2. Regrowth about 200 x smaller: mean per-round `regrowth_local` (the authors' logged metric) of
   Top-K and of ZeroFL at least REGROWTH_MIN_RATIO x SparsyFed's in every cell where both finished
   (cells at 95 % if there are any, else all sparsities).
3. At alpha = 0.1 SparsyFed beats every baseline: SparsyFed's mean accuracy above the best of
   Top-K, ZeroFL and FLASH in every dataset x sparsity cell at alpha = 0.1.
4. About 19.29 x less communication than dense: the authors' estimate per round
   (`cum_authors_comm_params / rounds_completed`) of dense over SparsyFed at s = 0.95 at least
   (1 - COMM_TOLERANCE) x 19.29, and over ZeroFL's, when ZeroFL ran, at least (1 - COMM_TOLERANCE)
   x 1.66. Real bytes down per round are reported beside it.
5. Global sparsity stays at the target, Top-K and ZeroFL fall well below it: at the target closest
   to 90 %, SparsyFed's final global sparsity at least target - SPARSITY_TOL_PP, and Top-K's and
   ZeroFL's below target - WELL_BELOW_PP, in every dataset x alpha.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sparsyfed import record
from sparsyfed.analysis import names, paper
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.stats import CELL, pick_sparsity, seed_stats
from sparsyfed.io import write_text

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
NOT_TESTABLE = "not testable on this grid"

NEGLIGIBLE_DROP_PP = 2.0
REGROWTH_MIN_RATIO = 100.0
COMM_TOLERANCE = 0.10
SPARSITY_TOL_PP = 1.0
WELL_BELOW_PP = 5.0
CLAIM1_SPARSITY = 0.95
CLAIM3_ALPHA = 0.1
CLAIM5_SPARSITY = 0.9
REGROWTH_COLUMN = "regrowth_local"


@dataclass
class ClaimResult:
    number: int
    claim: str
    authors: str
    measured: str
    setting: str
    verdict: str
    reason: str
    details: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- helpers

def _where(d, a, s=None) -> str:
    text = f"{names.dataset_name(d)} α={names.alpha_label(a)}"
    return text + (f" s={names.sparsity_label(s)}" if s is not None else "")


def _stats(runs: pd.DataFrame, value: str, scale: float = 1.0) -> pd.DataFrame:
    stats = seed_stats(runs, value, CELL, scale)
    return stats[stats["n"] > 0].dropna(subset=["mean"])


def _pick(stats: pd.DataFrame, method: str, sparsity: float | None = None) -> pd.DataFrame:
    out = stats[stats["method"] == method]
    if sparsity is not None:
        out = out[np.isclose(out["sparsity"], sparsity)]
    return out


def _setting(runs: pd.DataFrame, cells: pd.DataFrame, extra: str = "") -> str:
    """'CIFAR-10 (α = 1000, 0.1); model small_cnn; 20 rounds; n = 2-3 seeds' for the cells used."""
    if cells.empty:
        return "—"
    parts = []
    for d in names.order_datasets(cells["dataset"]):
        alphas = names.order_alphas(cells.loc[cells["dataset"] == d, "alpha"])
        parts.append(f"{names.dataset_name(d)} (α = {', '.join(names.alpha_label(a) for a in alphas)})")
    used = runs[runs["status"].eq(record.OK) & runs["dataset"].isin(cells["dataset"])
                & runs["alpha"].isin(cells["alpha"])]
    models = ", ".join(sorted({str(m) for m in used["model"].dropna()})) or "?"
    rounds = ", ".join(sorted({f"{float(r):g}" for r in used["rounds"].dropna()})) or "?"
    ns = sorted({int(n) for n in cells["n"]}) if "n" in cells else []
    n_text = (f"; n = {ns[0]}–{ns[-1]} seeds per cell" if ns and ns[0] != ns[-1]
              else f"; n = {ns[0]} seed{'s' if ns[0] != 1 else ''} per cell" if ns else "")
    return "; ".join(parts) + f"; model {models}; {rounds} rounds{n_text}" + (f"; {extra}" if extra else "")


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in display order: dataset, then alpha from IID to 0.1, then sparsity."""
    if frame.empty:
        return frame
    d_rank = {d: i for i, d in enumerate(names.order_datasets(frame["dataset"]))}
    keys = frame.assign(_d=frame["dataset"].map(d_rank), _a=-frame["alpha"].astype(float))
    cols = ["_d", "_a"] + (["sparsity"] if "sparsity" in frame.columns else [])
    return keys.sort_values(cols, kind="stable").drop(columns=["_d", "_a"]).reset_index(drop=True)


def _span(values: pd.Series, digits: int = 2) -> str:
    """'90.00' when all equal, else '80.00–85.00'."""
    lo, hi = float(values.min()), float(values.max())
    return f"{lo:.{digits}f}" if round(lo, digits) == round(hi, digits) else f"{lo:.{digits}f}–{hi:.{digits}f}"


def _fmt_ratio(r: float) -> str:
    if math.isinf(r):
        return "∞"
    return "—" if not np.isfinite(r) else f"{r:.3g}×"


# ---------------------------------------------------------------- the five claims

def claim1(runs: pd.DataFrame, authors: pd.DataFrame) -> ClaimResult:
    text = "95 % sparse models with negligible accuracy loss against dense, with one hyperparameter (β)."
    a_sf = authors[(authors["method"] == "sparsyfed") & np.isclose(authors["sparsity"].fillna(-1), CLAIM1_SPARSITY)]
    a_dense = authors[authors["method"] == "dense"]
    a = a_sf.merge(a_dense, on=["dataset", "alpha"], suffixes=("_sf", "_dense"))
    authors_text = "; ".join(f"{_where(r.dataset, r.alpha)}: {r.acc_mean_dense:.2f} → {r.acc_mean_sf:.2f} "
                             f"({r.acc_mean_sf - r.acc_mean_dense:+.2f} pp)" for r in a.itertuples())
    stats = _stats(runs, "final_test_acc", 100.0)
    sf, dense = _pick(stats, "sparsyfed", CLAIM1_SPARSITY), _pick(stats, "dense")
    pairs = _ordered(sf.merge(dense, on=["dataset", "alpha"], suffixes=("_sf", "_dense")))
    if sf.empty or pairs.empty:
        reason = ("no finished SparsyFed run at 95 % sparsity" if sf.empty
                  else "no finished dense run at the dataset and α of the SparsyFed runs at 95 %")
        return ClaimResult(1, text, authors_text, "—", "—", NOT_TESTABLE, reason)
    pairs["drop"] = pairs["mean_dense"] - pairs["mean_sf"]
    details = [f"{_where(r.dataset, r.alpha)}: dense {r.mean_dense:.2f}, SparsyFed {r.mean_sf:.2f} "
               f"(Δ {-r.drop:+.2f} pp)" for r in pairs.itertuples()]
    bad = pairs[pairs["drop"] > NEGLIGIBLE_DROP_PP]
    worst = pairs.loc[pairs["drop"].idxmax()]
    measured = f"largest loss against dense: {worst['drop']:.2f} pp ({_where(worst['dataset'], worst['alpha'])})"
    if bad.empty:
        verdict, reason = SUPPORTED, f"the loss is at most {NEGLIGIBLE_DROP_PP:g} pp in every setting"
    else:
        verdict = NOT_SUPPORTED
        reason = (f"loss above {NEGLIGIBLE_DROP_PP:g} pp in "
                  + ", ".join(_where(r.dataset, r.alpha) for r in bad.itertuples()))
    cells = pairs.rename(columns={"n_sf": "n"})
    return ClaimResult(1, text, authors_text, measured, _setting(runs, cells, "s = 95 %"), verdict, reason, details)


def claim2(runs: pd.DataFrame) -> ClaimResult:
    text = "Per-round weight regrowth about 200 × smaller than previous methods."
    lo, hi = paper.REGROWTH_LOG10["sparsyfed"]
    zlo, zhi = paper.REGROWTH_LOG10["zerofl"]
    authors_text = (f"about {paper.REGROWTH_RATIO:g} ×; CIFAR-100, 95 %: ZeroFL 10^{zlo:g}–10^{zhi:g} weights per "
                    f"round, SparsyFed 10^{lo:g}–10^{hi:g} (read off the authors' log-scale plot of {REGROWTH_COLUMN})")
    col = f"{REGROWTH_COLUMN}_mean"
    if col not in runs.columns:
        return ClaimResult(2, text, authors_text, "—", "—", NOT_TESTABLE, f"runs.csv has no {col} column")
    stats = _stats(runs, col)
    sf = _pick(stats, "sparsyfed")
    base = stats[stats["method"].isin(("topk", "zerofl"))]
    pairs = _ordered(sf.merge(base, on=["dataset", "alpha", "sparsity"], suffixes=("_sf", "_base")))
    if sf.empty or pairs.empty:
        reason = ("no finished SparsyFed run" if sf.empty
                  else "no finished Top-K or ZeroFL run at a setting SparsyFed ran")
        return ClaimResult(2, text, authors_text, "—", "—", NOT_TESTABLE, reason)
    at95 = pairs[np.isclose(pairs["sparsity"], 0.95)]
    if len(at95):
        pairs = at95
    with np.errstate(divide="ignore", invalid="ignore"):
        pairs["ratio"] = np.where(pairs["mean_sf"] > 0,
                                  pairs["mean_base"] / pairs["mean_sf"].where(pairs["mean_sf"] > 0, 1),
                                  np.where(pairs["mean_base"] > 0, np.inf, np.nan))
    details = [f"{_where(r.dataset, r.alpha, r.sparsity)}: {names.method_name(r.method_base)} {r.mean_base:.4g}, "
               f"SparsyFed {r.mean_sf:.4g} weights per round → {_fmt_ratio(r.ratio)}" for r in pairs.itertuples()]
    finite = pairs["ratio"].fillna(-1.0)
    worst = pairs.loc[finite.idxmin()]
    measured = (f"smallest ratio {_fmt_ratio(worst['ratio'])} ({names.method_name(worst['method_base'])} / SparsyFed, "
                f"{_where(worst['dataset'], worst['alpha'], worst['sparsity'])}); "
                f"mean {REGROWTH_COLUMN} over all rounds")
    bad = pairs[~(pairs["ratio"] >= REGROWTH_MIN_RATIO)]
    if bad.empty:
        verdict = SUPPORTED
        reason = f"every ratio is at least {REGROWTH_MIN_RATIO:g} × (the claim's order of magnitude)"
    else:
        verdict = NOT_SUPPORTED
        reason = f"ratio below {REGROWTH_MIN_RATIO:g} × in " + ", ".join(
            f"{_where(r.dataset, r.alpha, r.sparsity)} vs {names.method_name(r.method_base)}" for r in bad.itertuples())
    cells = pairs.rename(columns={"n_sf": "n"})
    return ClaimResult(2, text, authors_text, measured,
                       _setting(runs, cells, f"metric {REGROWTH_COLUMN} (zero in the received model, non-zero after "
                                             "local training; the authors' logged metric)"), verdict, reason, details)


def _wins(frame: pd.DataFrame, mean: str = "mean") -> pd.DataFrame:
    """Per (dataset, alpha, sparsity): SparsyFed's mean, the best baseline and whether SparsyFed wins."""
    rows = []
    for (d, a, s), group in frame.groupby(["dataset", "alpha", "sparsity"], sort=False):
        sf = group[group["method"] == "sparsyfed"]
        base = group[group["method"].isin(names.BASELINES)]
        if sf.empty or base.empty:
            continue
        best = base.loc[base[mean].idxmax()]
        rows.append({"dataset": d, "alpha": a, "sparsity": s, "sf": float(sf[mean].iloc[0]),
                     "best": best["method"], "best_mean": float(best[mean]), "win": bool(sf[mean].iloc[0] > best[mean]),
                     "n": int(sf["n"].iloc[0]) if "n" in sf else 0})
    return pd.DataFrame(rows, columns=["dataset", "alpha", "sparsity", "sf", "best", "best_mean", "win", "n"])


def claim3(runs: pd.DataFrame, authors: pd.DataFrame) -> ClaimResult:
    text = "Under strong heterogeneity (α = 0.1) SparsyFed beats every baseline (Top-K, ZeroFL, FLASH)."
    a = _wins(authors[np.isclose(authors["alpha"], CLAIM3_ALPHA)], "acc_mean")
    lost = a[~a["win"]]
    authors_text = f"SparsyFed best in {int(a['win'].sum())} of {len(a)} dataset × sparsity cells at α = 0.1"
    if len(lost):
        authors_text += " (behind " + ", ".join(f"{names.method_name(r.best)} on {names.dataset_name(r.dataset)} at "
                                                f"{names.sparsity_label(r.sparsity)}" for r in lost.itertuples()) + ")"
    stats = _stats(runs, "final_test_acc", 100.0)
    w = _ordered(_wins(stats[np.isclose(stats["alpha"], CLAIM3_ALPHA)]))
    if w.empty:
        at01 = stats[np.isclose(stats["alpha"], CLAIM3_ALPHA)]
        reason = ("α = 0.1 is not in the grid (or no run there finished)" if at01.empty
                  else "no dataset × sparsity cell at α = 0.1 has both SparsyFed and a baseline finished")
        return ClaimResult(3, text, authors_text, "—", "—", NOT_TESTABLE, reason)
    details = [f"{_where(r.dataset, r.alpha, r.sparsity)}: SparsyFed {r.sf:.2f} vs best baseline "
               f"{names.method_name(r.best)} {r.best_mean:.2f} ({r.sf - r.best_mean:+.2f} pp)" for r in w.itertuples()]
    measured = f"SparsyFed best in {int(w['win'].sum())} of {len(w)} cells at α = 0.1"
    lost = w[~w["win"]]
    if lost.empty:
        verdict, reason = SUPPORTED, "SparsyFed's mean accuracy is above every baseline's in every cell"
    else:
        verdict = NOT_SUPPORTED
        reason = "a baseline is at least as good in " + ", ".join(
            f"{_where(r.dataset, r.alpha, r.sparsity)} ({names.method_name(r.best)})" for r in lost.itertuples())
    baselines = ", ".join(names.method_name(m) for m in names.order_methods(
        stats.loc[stats["method"].isin(names.BASELINES) & np.isclose(stats["alpha"], CLAIM3_ALPHA), "method"]))
    return ClaimResult(3, text, authors_text, measured, _setting(runs, w, f"baselines run: {baselines}"),
                       verdict, reason, details)


def claim4(runs: pd.DataFrame) -> ClaimResult:
    text = ("About 19.29 × less communication than dense (downlink); also 1.66 × less than ZeroFL and about "
            "0.97 × of FLASH.")
    authors_text = (f"{paper.COMM_RATIO_VS_DENSE:g} × vs dense, {paper.COMM_RATIO_VS_ZEROFL:g} × vs ZeroFL, "
                    f"{paper.COMM_RATIO_VS_FLASH:g} × vs FLASH (the authors' parameter estimate "
                    "(global density + 1 − s) × P per round)")
    if runs.empty or "cum_authors_comm_params" not in runs.columns:
        return ClaimResult(4, text, authors_text, "—", "—", NOT_TESTABLE, "runs.csv has no communication columns")
    completed = runs["rounds_completed"].where(runs["rounds_completed"] > 0)
    per_round = runs.assign(authors_per_round=runs["cum_authors_comm_params"] / completed,
                            down_per_round=runs["cum_bytes_down"] / completed)
    est = _stats(per_round, "authors_per_round")
    down = _stats(per_round, "down_per_round")
    sf = _pick(est, "sparsyfed", CLAIM1_SPARSITY)
    dense = _pick(est, "dense")
    pairs = _ordered(sf.merge(dense, on=["dataset", "alpha"], suffixes=("_sf", "_dense")))
    if sf.empty or pairs.empty:
        reason = ("no finished SparsyFed run at 95 % sparsity (the claim's setting)" if sf.empty
                  else "no finished dense run at the dataset and α of the SparsyFed runs at 95 %")
        return ClaimResult(4, text, authors_text, "—", "—", NOT_TESTABLE, reason)
    details, failures, measured = [], [], []
    for r in pairs.itertuples():
        where = _where(r.dataset, r.alpha, CLAIM1_SPARSITY)
        line = [f"dense / SparsyFed {r.mean_dense / r.mean_sf:.3g}× (estimate)"]
        ratio = r.mean_dense / r.mean_sf
        measured.append(f"{ratio:.3g}× vs dense ({_where(r.dataset, r.alpha)})")
        if ratio < (1 - COMM_TOLERANCE) * paper.COMM_RATIO_VS_DENSE:
            failures.append(f"{where}: {ratio:.3g}× vs dense")
        d_sf = _pick(down, "sparsyfed", CLAIM1_SPARSITY)
        d_dense = _pick(down, "dense")
        d_sf = d_sf[(d_sf["dataset"] == r.dataset) & (d_sf["alpha"] == r.alpha)]
        d_dense = d_dense[(d_dense["dataset"] == r.dataset) & (d_dense["alpha"] == r.alpha)]
        if len(d_sf) and len(d_dense) and d_sf["mean"].iloc[0] > 0:
            line.append(f"{d_dense['mean'].iloc[0] / d_sf['mean'].iloc[0]:.3g}× in real bytes down")
        for other, target in (("zerofl", paper.COMM_RATIO_VS_ZEROFL), ("flash", paper.COMM_RATIO_VS_FLASH)):
            o = _pick(est, other, CLAIM1_SPARSITY)
            o = o[(o["dataset"] == r.dataset) & (o["alpha"] == r.alpha)]
            if len(o):
                ro = o["mean"].iloc[0] / r.mean_sf
                line.append(f"{names.method_name(other)} / SparsyFed {ro:.3g}× (estimate)")
                measured.append(f"{ro:.3g}× vs {names.method_name(other)}")
                if other == "zerofl" and ro < (1 - COMM_TOLERANCE) * target:
                    failures.append(f"{where}: {ro:.3g}× vs ZeroFL")
        details.append(f"{where}: " + "; ".join(line))
    if failures:
        verdict = NOT_SUPPORTED
        reason = (f"below {1 - COMM_TOLERANCE:.0%} of the reported ratio in " + ", ".join(failures))
    else:
        verdict = SUPPORTED
        reason = (f"the estimate ratio vs dense (and vs ZeroFL where it ran) is at least {1 - COMM_TOLERANCE:.0%} of "
                  "the reported one")
    cells = pairs.rename(columns={"n_sf": "n"})
    return ClaimResult(4, text, authors_text, "; ".join(measured),
                       _setting(runs, cells, "s = 95 %; per-round means of cum_authors_comm_params (the claim's "
                                             "measure) and cum_bytes_down"), verdict, reason, details)


def claim5(runs: pd.DataFrame) -> ClaimResult:
    text = ("The global model's sparsity stays at the target while Top-K and ZeroFL fall well below it "
            "(reported at a 90 % target).")
    authors_text = "; ".join(f"{names.method_name(m)} {v}" for m, v in paper.GLOBAL_SPARSITY_90.items())
    stats = _stats(runs, "final_global_sparsity", 100.0)
    sf_all = _pick(stats, "sparsyfed")
    if sf_all.empty:
        return ClaimResult(5, text, authors_text, "—", "—", NOT_TESTABLE, "no finished SparsyFed run")
    s_star = pick_sparsity(sf_all["sparsity"], CLAIM5_SPARSITY)
    target = 100 * s_star
    cells = stats[np.isclose(stats["sparsity"], s_star)]
    sf = _ordered(_pick(cells, "sparsyfed"))
    details, failures, measured = [], [], []
    for r in sf.itertuples():
        details.append(f"{_where(r.dataset, r.alpha, s_star)}: SparsyFed {r.mean:.2f} %")
        if r.mean < target - SPARSITY_TOL_PP:
            failures.append(f"SparsyFed at {r.mean:.2f} % in {_where(r.dataset, r.alpha)}")
    measured.append(f"SparsyFed {_span(sf['mean'])} %")
    base = _ordered(cells[cells["method"].isin(("topk", "zerofl")) & cells["dataset"].isin(sf["dataset"])
                 & cells["alpha"].isin(sf["alpha"])])
    for method in names.order_methods(base["method"]):
        b = base[base["method"] == method]
        measured.append(f"{names.method_name(method)} {_span(b['mean'])} %")
        for r in b.itertuples():
            details.append(f"{_where(r.dataset, r.alpha, s_star)}: {names.method_name(method)} {r.mean:.2f} %")
            if r.mean >= target - WELL_BELOW_PP:
                failures.append(f"{names.method_name(method)} at {r.mean:.2f} % in {_where(r.dataset, r.alpha)}")
    measured_text = f"final global sparsity at a {target:.4g} % target: " + ", ".join(measured)
    setting = _setting(runs, sf, f"target {names.sparsity_label(s_star)}")
    if base.empty:
        return ClaimResult(5, text, authors_text, measured_text, setting, NOT_TESTABLE,
                           "no finished Top-K or ZeroFL run at the same target to compare with", details)
    if failures:
        verdict, reason = NOT_SUPPORTED, "; ".join(failures)
    else:
        verdict = SUPPORTED
        reason = (f"SparsyFed within {SPARSITY_TOL_PP:g} pp of the target, Top-K and ZeroFL more than "
                  f"{WELL_BELOW_PP:g} pp below it, everywhere")
    return ClaimResult(5, text, authors_text, measured_text, setting, verdict, reason, details)


def evaluate_claims(runs: pd.DataFrame) -> list[ClaimResult]:
    """All five claims of SPEC section 7 on the tidy runs table."""
    authors = paper.paper_numbers()
    return [claim1(runs, authors), claim2(runs), claim3(runs, authors), claim4(runs), claim5(runs)]


# ---------------------------------------------------------------- the page

_PROVENANCE = [("prov_device_name", "device"), ("prov_device", "torch device"), ("prov_torch", "torch"),
               ("prov_python", "python"), ("prov_numpy", "numpy"), ("prov_package_version", "sparsyfed"),
               ("prov_git_commit", "git commit"), ("prov_platform", "platform"), ("prov_hostname", "host")]


def _provenance_lines(runs: pd.DataFrame) -> list[str]:
    ran = runs[runs["status"] != record.MISSING] if len(runs) else runs
    lines = []
    for col, label in _PROVENANCE:
        if col in ran.columns:
            values = sorted({str(v) for v in ran[col].dropna()})
            if values:
                lines.append(f"- {label}: {', '.join(values)}")
    if "wall_s" in ran.columns and ran["wall_s"].notna().any():
        total = float(ran["wall_s"].sum())
        n_timed = int(ran["wall_s"].notna().sum())
        lines.append(f"- total wall time of the runs: {total / 3600:.2f} h over {n_timed} runs")
    return lines or ["- no provenance recorded (no run wrote a summary.json)"]


def _bad_runs_lines(runs: pd.DataFrame) -> list[str]:
    bad = runs[runs["status"] != record.OK] if len(runs) else runs
    if bad.empty:
        return ["None: every collected run finished."]
    lines = ["| Dataset | LDA α | Method | Sparsity | Seed | Status | Error | Folder |",
             "|---|---|---|---|---|---|---|---|"]
    for r in bad.itertuples():
        error = str(r.error).replace("|", "\\|").splitlines()[0] if isinstance(r.error, str) else ""
        lines.append(f"| {names.dataset_name(r.dataset)} | {names.alpha_label(r.alpha)} | "
                     f"{names.method_name(r.method)} | {names.sparsity_label(r.sparsity)} | "
                     f"{r.seed if pd.notna(r.seed) else '?'} | {r.status} | {error} | `{r.run_dir}` |")
    return lines


def render_claims(results: Sequence[ClaimResult], runs: pd.DataFrame) -> str:
    """The Markdown claims page."""
    n_ok = int((runs["status"] == record.OK).sum()) if len(runs) else 0
    out = ["# Headline claims of SparsyFed, checked on our runs", "",
           f"Measured on {n_ok} finished runs of {len(runs)} collected. Accuracies in %, means over the seeds "
           f"that finished. Authors' accuracies: {names.AUTHORS_SOURCE}; other authors' figures from the paper "
           "text and reviews. The paper gives no tolerances; the decision rule of each verdict is stated with it.",
           "", "| # | Claim | Verdict |", "|---|---|---|"]
    out += [f"| {r.number} | {r.claim} | **{r.verdict}** |" for r in results]
    for r in results:
        out += ["", f"## Claim {r.number}: {r.claim}", "",
                f"- **Verdict: {r.verdict}** — {r.reason}.",
                f"- Measured: {r.measured}",
                f"- Authors: {r.authors}",
                f"- Setting: {r.setting}"]
        if r.details:
            out += ["- Per setting:"] + [f"  - {d}" for d in r.details]
    out += ["", "## Decision rules", "",
            f"1. SparsyFed at 95 % within {NEGLIGIBLE_DROP_PP:g} pp of dense in every dataset × α.",
            f"2. Top-K's and ZeroFL's mean per-round `{REGROWTH_COLUMN}` at least {REGROWTH_MIN_RATIO:g} × SparsyFed's "
            "(cells at 95 % if any). Regrowth column: `regrowth_local`, the number of prunable weights zero in the "
            "model a client receives and non-zero after local training, before pruning, averaged over the round's "
            "clients — the metric the authors logged (the regrowth figure plots the same column).",
            "3. At α = 0.1, SparsyFed's mean above the best of Top-K, ZeroFL, FLASH in every dataset × sparsity cell.",
            f"4. Per-round `cum_authors_comm_params` of dense / SparsyFed at 95 % at least {1 - COMM_TOLERANCE:.0%} of "
            f"{paper.COMM_RATIO_VS_DENSE:g} ×, and ZeroFL / SparsyFed at least {1 - COMM_TOLERANCE:.0%} of "
            f"{paper.COMM_RATIO_VS_ZEROFL:g} × where ZeroFL ran (FLASH reported, not judged).",
            f"5. At the target closest to 90 %: SparsyFed's final global sparsity ≥ target − {SPARSITY_TOL_PP:g} pp; "
            f"Top-K's and ZeroFL's < target − {WELL_BELOW_PP:g} pp.",
            "", "## Runs that failed, diverged or are missing", ""]
    out += _bad_runs_lines(runs)
    out += ["", "## Hardware and versions (from the runs' provenance)", ""]
    out += _provenance_lines(runs)
    return "\n".join(out) + "\n"


def write_claims(tables_dir: str | Path, out_file: str | Path) -> Path:
    """Evaluate the claims on `tables_dir/runs.csv` and write the Markdown page to `out_file`."""
    runs = read_table(tables_dir, "runs")
    write_text(out_file, render_claims(evaluate_claims(runs), runs))
    return Path(out_file)
