"""The five headline claims of SPEC section 7, each judged on our runs with a three-way verdict.

Each claim is reduced to comparisons (`verdicts.Check`): a per-seed quantity (a paired difference
or ratio between two methods of the same seed, or a method's distance to its target), its t
interval over seeds, and what the claim needs of it. Comparisons combine into the claim's verdict
by `verdicts.COMBINE_RULE`. The constants below decide every rule; the rule text on the page is
generated from them (`rule` of each ClaimResult). The paper states no tolerances: these are ours.
Per-round quantities are averaged over the steady-state rounds STEADY_FROM_ROUND..T of each run:
in round 1 every method downloads the dense initial model.

`evaluate_claims(runs, rounds, layers)` takes the tidy tables of `sparsyfed collect`;
`write_claims` renders them as the Markdown page (`claims_page.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sparsyfed.analysis import layers as layer_stats
from sparsyfed.analysis import names, paper
from sparsyfed.analysis.cells import (
    cell_keys,
    diff,
    in_cell,
    of_method,
    ok_keys,
    paired_interval,
    pct,
    ratio,
    run_means,
    setting_text,
    where,
)
from sparsyfed.analysis.claims_page import render_claims
from sparsyfed.analysis.collect import GRID, read_table
from sparsyfed.analysis.scale import read_partitions, scale_line
from sparsyfed.analysis.stats import ok_values, t_interval
from sparsyfed.analysis.verdicts import INCONCLUSIVE, Check, Need, combine
from sparsyfed.io import write_text

# Claim 1: negligible loss at 95 %.
CLAIM1_SPARSITY = 0.95
NEGLIGIBLE_DROP_PP = 2.0
# Claim 2: regrowth about 200 x smaller; judged at the sparsity of the authors' plot.
REGROWTH_SPARSITY = 0.95
REGROWTH_MIN_RATIO = 100.0
REGROWTH_BASELINES = ("topk", "zerofl")
REGROWTH_COLUMN = "regrowth_local"
# Claim 3: SparsyFed beats every baseline at strong heterogeneity.
CLAIM3_ALPHA = 0.1
# Claim 4: communication, authors' estimate, steady-state rounds.
COMM_SPARSITY = 0.95
COMM_TOLERANCE = 0.10
COMM_COLUMN = "authors_comm_params"
# Claim 5: global sparsity, judged where the authors reported it.
CLAIM5_ALPHA = 0.1
CLAIM5_SPARSITY = 0.9
SPARSITY_TOL_PP = 1.0
WELL_BELOW_PP = 5.0
FALL_BELOW = ("topk", "zerofl")
# Every per-round quantity: rounds from here to the last one.
STEADY_FROM_ROUND = 2


@dataclass
class ClaimResult:
    number: int
    claim: str
    rule: str          # the claim as tested, generated from the constants
    test: str          # the statistic and test, in words
    authors: str
    setting: str
    verdict: str
    reason: str
    scope: str = ""    # what was judged, on the verdict line itself
    checks: list[Check] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # numbers shown beside, not judged
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- helpers

def _untestable(number, claim, rule, test, authors, why) -> ClaimResult:
    return ClaimResult(number, claim, rule, test, authors, "—", INCONCLUSIVE, f"not testable on this grid: {why}")


def _result(number, claim, rule, test, authors, setting, checks, **kw) -> ClaimResult:
    verdict, reason = combine(checks)
    return ClaimResult(number, claim, rule, test, authors, setting, verdict, reason, checks=checks, **kw)


def _fmt_ratio(r: float) -> str:
    """'∞', '—', '1,234×' or '12.3×'."""
    if np.isinf(r):
        return "∞"
    return "—" if not np.isfinite(r) else (f"{r:,.0f}×" if r >= 100 else f"{r:.3g}×")


# ---------------------------------------------------------------- claim 1

CLAIM1 = "95 % sparse models with negligible accuracy loss against dense, with one hyperparameter (β)."
RULE1 = (f"SparsyFed at s = {pct(CLAIM1_SPARSITY)} loses less than {NEGLIGIBLE_DROP_PP:g} pp of final test "
         "accuracy against dense, in every dataset × α")
TEST1 = ("paired t over seeds of d = dense − SparsyFed final test accuracy (pp); dense and SparsyFed runs of one "
         "seed share initialisation, client sampling and partition")


def claim1(runs: pd.DataFrame, authors: pd.DataFrame) -> ClaimResult:
    a_sf = of_method(authors.dropna(subset=["sparsity"]), "sparsyfed", CLAIM1_SPARSITY)
    a = a_sf.merge(of_method(authors, "dense"), on=["dataset", "alpha"], suffixes=("_sf", "_dense"))
    authors_text = "; ".join(f"{where(r.dataset, r.alpha)}: {r.acc_mean_dense:.2f} → {r.acc_mean_sf:.2f} "
                             f"({r.acc_mean_sf - r.acc_mean_dense:+.2f} pp)" for r in a.itertuples())
    args = (1, CLAIM1, RULE1, TEST1, authors_text)
    cells = cell_keys(of_method(runs, "sparsyfed", CLAIM1_SPARSITY), ["dataset", "alpha"]) if len(runs) else []
    if not cells:
        return _untestable(*args, f"no SparsyFed run at {pct(CLAIM1_SPARSITY)}")
    acc = ok_values(runs, "final_test_acc", 100.0)
    sf, dense = of_method(acc, "sparsyfed", CLAIM1_SPARSITY), of_method(acc, "dense")
    checks = [Check(where(d, a), "dense − SparsyFed", "paired t",
                    paired_interval(in_cell(dense, ["dataset", "alpha"], (d, a)),
                                    in_cell(sf, ["dataset", "alpha"], (d, a)), ["dataset", "alpha"],
                                    "final_test_acc", diff),
                    Need("<", NEGLIGIBLE_DROP_PP), ".2f", " pp") for d, a in cells]
    notes = ["“One hyperparameter (β)” describes the method and is not measured here."]
    return _result(*args, setting_text(runs, cells, f"s = {pct(CLAIM1_SPARSITY)}"), checks, notes=notes)


# ---------------------------------------------------------------- claim 2

CLAIM2 = "Per-round weight regrowth about 200 × smaller than previous methods."
RULE2 = (f"at s = {pct(REGROWTH_SPARSITY)}, each of "
         f"{', '.join(names.method_name(m) for m in REGROWTH_BASELINES)} regrows more than {REGROWTH_MIN_RATIO:g} × "
         f"as many weights per round as SparsyFed ({REGROWTH_MIN_RATIO:g} × is the order of magnitude of the "
         f"reported {paper.REGROWTH_RATIO:g} ×), in every dataset × α; `{REGROWTH_COLUMN}` as logged, mean over "
         f"rounds {STEADY_FROM_ROUND}–T")
TEST2 = (f"paired t over seeds of d = baseline − {REGROWTH_MIN_RATIO:g} × SparsyFed (weights per round; d > 0 "
         f"⇔ the baseline regrows more than {REGROWTH_MIN_RATIO:g} × SparsyFed's, and it stays defined when "
         "SparsyFed regrows nothing)")


def _regrowth_origin(layers: pd.DataFrame) -> list[str]:
    """Lines saying which kinds of layer SparsyFed's regrowth comes from, per cell at the judged sparsity."""
    sf = of_method(layers, "sparsyfed", REGROWTH_SPARSITY)
    if sf.empty:
        return []
    kinds = layer_stats.regrowth_by_kind(sf, STEADY_FROM_ROUND)
    lines = []
    for d, a in cell_keys(kinds, ["dataset", "alpha"]):
        cell = in_cell(kinds, ["dataset", "alpha"], (d, a))
        per_kind = cell.groupby(["layer_type", "role"], dropna=False).agg(
            regrowth=("regrowth_local", "mean"), layers=("layers", "max")).reset_index()
        total = per_kind["regrowth"].sum()
        parts = []
        for r in per_kind.sort_values("regrowth", ascending=False).itertuples():
            plain = " (plain)" if r.layer_type in layer_stats.PLAIN_TYPES else ""
            share = f", {100 * r.regrowth / total:.1f} %" if total > 0 else ""
            parts.append(f"{r.layers} × {r.layer_type}{plain}/{r.role}: {r.regrowth:,.1f}{share}")
        lines.append(f"Where SparsyFed's regrowth comes from, {where(d, a, REGROWTH_SPARSITY)} (mean over seeds, "
                     f"rounds {STEADY_FROM_ROUND}–T, weights per round; layer type/role from layers.csv): "
                     + "; ".join(parts))
    return lines


def _regrowth_shown(logged: pd.DataFrame, layers: pd.DataFrame, plain: pd.DataFrame) -> list[str]:
    """Per sparsity and cell: regrowth as logged, the ratio of means and, when layers.csv allows, regrowth
    without the layers SparsyFed keeps plain (the same layers dropped from every method)."""
    by, methods = ["dataset", "alpha", "sparsity"], ("sparsyfed",) + REGROWTH_BASELINES
    without = layer_stats.run_regrowth(layers, STEADY_FROM_ROUND, plain) if len(plain) else None
    shown = []
    for s in names.order_sparsities(logged.loc[logged["method"] != "dense", "sparsity"]):
        for d, a in cell_keys(of_method(logged, "sparsyfed", s), ["dataset", "alpha"]):
            means = {m: in_cell(of_method(logged, m), by, (d, a, s))[REGROWTH_COLUMN].mean() for m in methods}
            text = "as logged: " + ", ".join(f"{names.method_name(m)} {v:,.1f}" for m, v in means.items()
                                             if np.isfinite(v))
            text += "; ratio of means " + ", ".join(
                f"{names.method_name(m)} / SparsyFed {_fmt_ratio(_safe_ratio(means[m], means['sparsyfed']))}"
                for m in REGROWTH_BASELINES if np.isfinite(means[m]))
            if without is not None:
                w = {m: in_cell(of_method(without, m), by, (d, a, s))["regrowth_local"].mean() for m in methods}
                text += ("; without the layers SparsyFed keeps plain: "
                         + ", ".join(f"{names.method_name(m)} {v:,.1f}" for m, v in w.items() if np.isfinite(v)))
            judged = "" if np.isclose(s, REGROWTH_SPARSITY) else " (not judged)"
            shown.append(f"{where(d, a, s)}{judged}, weights per round, mean over seeds of rounds "
                         f"{STEADY_FROM_ROUND}–T: {text}")
    return shown


def _plain_note(plain: pd.DataFrame) -> str:
    kinds = plain[["role", "layer_type"]].drop_duplicates() if len(plain) else plain
    named = ", ".join(f"{r.layer_type}/{r.role}" for r in kinds.itertuples()) if len(plain) else "none"
    return (f"Layers SparsyFed's runs keep plain (from layers.csv): {len(plain)} ({named}); with β > 1 Powerprop "
            "layers cannot regrow (SPEC), so any SparsyFed regrowth should come from these. “Without the plain "
            "layers” drops the same layers from every method.")


NO_LAYER_REGROWTH = ("layers.csv has no per-layer regrowth (columns role, layer_type, regrowth_local): these tidy "
                     "tables come from runs older than per-layer logging, so regrowth without the plain layers and "
                     "where SparsyFed's regrowth comes from cannot be shown. Rerun the runs to get them.")


def claim2(runs: pd.DataFrame, rounds: pd.DataFrame, layers: pd.DataFrame) -> ClaimResult:
    lo, hi = paper.REGROWTH_LOG10["sparsyfed"]
    zlo, zhi = paper.REGROWTH_LOG10["zerofl"]
    authors_text = (f"about {paper.REGROWTH_RATIO:g} ×; CIFAR-100, 95 %: ZeroFL 10^{zlo:g}–10^{zhi:g} weights per "
                    f"round, SparsyFed 10^{lo:g}–10^{hi:g} (read off the authors' log-scale plot of "
                    f"{REGROWTH_COLUMN}; their SparsyFed kept the ResNet shortcut convs plain, as ours does by "
                    "default)")
    args = (2, CLAIM2, RULE2, TEST2, authors_text)
    if rounds.empty or REGROWTH_COLUMN not in rounds.columns:
        return _untestable(*args, f"rounds.csv has no {REGROWTH_COLUMN} column")
    cells = cell_keys(of_method(runs, "sparsyfed", REGROWTH_SPARSITY), ["dataset", "alpha"])
    if not cells:
        return _untestable(*args, f"no SparsyFed run at {pct(REGROWTH_SPARSITY)} (the authors' plot)")
    logged = run_means(rounds, REGROWTH_COLUMN, STEADY_FROM_ROUND)
    by = ["dataset", "alpha", "sparsity"]
    checks = []
    for d, a in cells:
        sf = in_cell(of_method(logged, "sparsyfed"), by, (d, a, REGROWTH_SPARSITY))
        for base in REGROWTH_BASELINES:
            if in_cell(of_method(runs, base, REGROWTH_SPARSITY, a), ["dataset"], (d,)).empty:
                continue
            b = in_cell(of_method(logged, base), by, (d, a, REGROWTH_SPARSITY))
            ci = paired_interval(b, sf, by, REGROWTH_COLUMN, lambda x, y: x - REGROWTH_MIN_RATIO * y)
            checks.append(Check(where(d, a, REGROWTH_SPARSITY), f"{names.method_name(base)} − "
                                f"{REGROWTH_MIN_RATIO:g} × SparsyFed", "paired t", ci, Need(">", 0.0), ",.1f",
                                " weights"))
    if layer_stats.has_layer_regrowth(layers):
        ok_layers = layers.merge(ok_keys(runs), on=GRID)
        plain = layer_stats.plain_layers(ok_layers)
        shown = _regrowth_origin(ok_layers) + _regrowth_shown(logged, ok_layers, plain)
        notes = [_plain_note(plain)]
    else:
        shown, notes = _regrowth_shown(logged, layers, pd.DataFrame()), [NO_LAYER_REGROWTH]
    if not checks:
        result = _untestable(*args, f"no {' or '.join(names.method_name(m) for m in REGROWTH_BASELINES)} run at "
                                    f"{pct(REGROWTH_SPARSITY)} beside SparsyFed")
        result.shown, result.notes = shown, notes
        return result
    setting = setting_text(runs, cells, f"s = {pct(REGROWTH_SPARSITY)}; `{REGROWTH_COLUMN}` = weights zero in the "
                                    "received global model and non-zero after local training, mean over the "
                                    "round's clients (the authors' logged metric)")
    return _result(*args, setting, checks, shown=shown, notes=notes,
                   scope=f"judged on `{REGROWTH_COLUMN}` as logged (plain shortcut convs included, as the authors "
                         "ran it); regrowth without them is shown, not judged")


def _safe_ratio(a: float, b: float) -> float:
    if not (np.isfinite(a) and np.isfinite(b)):
        return np.nan
    return a / b if b > 0 else (np.inf if a > 0 else np.nan)


# ---------------------------------------------------------------- claim 3

CLAIM3 = "Under strong heterogeneity (α = 0.1) SparsyFed beats every baseline (Top-K, ZeroFL, FLASH)."
RULE3 = (f"at α = {CLAIM3_ALPHA:g}, SparsyFed's final test accuracy is above that of each of "
         f"{', '.join(names.method_name(m) for m in names.BASELINES)} that ran, in every dataset × sparsity")
TEST3 = "paired t over seeds of d = SparsyFed − baseline final test accuracy (pp), one comparison per baseline"


def _authors_wins(authors: pd.DataFrame) -> str:
    at = authors[np.isclose(authors["alpha"], CLAIM3_ALPHA) & authors["sparsity"].notna()]
    wins, lost = 0, []
    cells = at[["dataset", "sparsity"]].drop_duplicates()
    for r in cells.itertuples():
        g = at[(at["dataset"] == r.dataset) & (at["sparsity"] == r.sparsity)]
        sf = g.loc[g["method"] == "sparsyfed", "acc_mean"]
        base = g[g["method"].isin(names.BASELINES)]
        if sf.empty or base.empty:
            continue
        best = base.loc[base["acc_mean"].idxmax()]
        if sf.iloc[0] > best["acc_mean"]:
            wins += 1
        else:
            lost.append(f"{names.method_name(best['method'])} on {names.dataset_name(r.dataset)} at {pct(r.sparsity)}")
    text = f"SparsyFed best in {wins} of {wins + len(lost)} dataset × sparsity cells at α = {CLAIM3_ALPHA:g}"
    return text + (f" (behind {', '.join(lost)})" if lost else "")


def claim3(runs: pd.DataFrame, authors: pd.DataFrame) -> ClaimResult:
    args = (3, CLAIM3, RULE3, TEST3, _authors_wins(authors))
    cells = cell_keys(of_method(runs, "sparsyfed", alpha=CLAIM3_ALPHA), ["dataset", "sparsity"]) if len(runs) else []
    if not cells:
        return _untestable(*args, f"no SparsyFed run at α = {CLAIM3_ALPHA:g}")
    acc = of_method(ok_values(runs, "final_test_acc", 100.0), "sparsyfed", alpha=CLAIM3_ALPHA)
    every = ok_values(runs, "final_test_acc", 100.0)
    checks = []
    for d, s in cells:
        sf = in_cell(acc, ["dataset", "sparsity"], (d, s))
        for base in names.BASELINES:
            if in_cell(of_method(runs, base, s, CLAIM3_ALPHA), ["dataset"], (d,)).empty:
                continue
            b = in_cell(of_method(every, base, s, CLAIM3_ALPHA), ["dataset"], (d,))
            checks.append(Check(where(d, CLAIM3_ALPHA, s), f"SparsyFed − {names.method_name(base)}", "paired t",
                                paired_interval(sf, b, ["dataset", "alpha", "sparsity"], "final_test_acc", diff),
                                Need(">", 0.0), ".2f", " pp"))
    if not checks:
        return _untestable(*args, f"no baseline ran beside SparsyFed at α = {CLAIM3_ALPHA:g}")
    return _result(*args, setting_text(runs, [(d, CLAIM3_ALPHA) for d, _ in cells]), checks)


# ---------------------------------------------------------------- claim 4

CLAIM4 = ("About 19.29 × less communication than dense (downlink); also 1.66 × less than ZeroFL and about "
          "0.97 × of FLASH.")
_COMM_NEEDS = {
    "dense": Need(">", (1 - COMM_TOLERANCE) * paper.COMM_RATIO_VS_DENSE),
    "zerofl": Need(">", (1 - COMM_TOLERANCE) * paper.COMM_RATIO_VS_ZEROFL),
    "flash": Need("within", (1 - COMM_TOLERANCE) * paper.COMM_RATIO_VS_FLASH,
                  (1 + COMM_TOLERANCE) * paper.COMM_RATIO_VS_FLASH),
}
RULE4 = (f"at s = {pct(COMM_SPARSITY)}, on the authors' estimate `{COMM_COLUMN}` = (global density + 1 − s) × P "
         f"averaged over the steady-state rounds {STEADY_FROM_ROUND}–T (round 1 downloads the dense initial model "
         f"for every method): dense / SparsyFed at least {100 * (1 - COMM_TOLERANCE):g} % of "
         f"{paper.COMM_RATIO_VS_DENSE:g} × "
         f"({_COMM_NEEDS['dense'].value:.4g} ×), ZeroFL / SparsyFed at least {100 * (1 - COMM_TOLERANCE):g} % of "
         f"{paper.COMM_RATIO_VS_ZEROFL:g} × ({_COMM_NEEDS['zerofl'].value:.4g} ×), FLASH / SparsyFed within "
         f"± {100 * COMM_TOLERANCE:g} % of {paper.COMM_RATIO_VS_FLASH:g} × ([{_COMM_NEEDS['flash'].value:.4g}, "
         f"{_COMM_NEEDS['flash'].upper:.4g}] ×), in every dataset × α (a method not run is not judged)")
TEST4 = ("per seed, the ratio of the two methods' mean per-round estimate (runs of one seed paired); t interval "
         "over the seeds' ratios")


def claim4(runs: pd.DataFrame, rounds: pd.DataFrame) -> ClaimResult:
    authors_text = (f"{paper.COMM_RATIO_VS_DENSE:g} × vs dense, {paper.COMM_RATIO_VS_ZEROFL:g} × vs ZeroFL, "
                    f"{paper.COMM_RATIO_VS_FLASH:g} × vs FLASH (the authors' parameter estimate "
                    "(global density + 1 − s) × P per round)")
    args = (4, CLAIM4, RULE4, TEST4, authors_text)
    if rounds.empty or COMM_COLUMN not in rounds.columns:
        return _untestable(*args, f"rounds.csv has no {COMM_COLUMN} column")
    cells = cell_keys(of_method(runs, "sparsyfed", COMM_SPARSITY), ["dataset", "alpha"])
    if not cells:
        return _untestable(*args, f"no SparsyFed run at {pct(COMM_SPARSITY)} (the claim's setting)")
    steady = run_means(rounds, COMM_COLUMN, STEADY_FROM_ROUND)
    whole = run_means(rounds, COMM_COLUMN, 1)
    down = run_means(rounds, "bytes_down", STEADY_FROM_ROUND) if "bytes_down" in rounds.columns else steady.iloc[0:0]
    on = ["dataset", "alpha"]
    checks, shown, judged = [], [], set()
    for d, a in cells:
        sf = in_cell(of_method(steady, "sparsyfed", COMM_SPARSITY), on, (d, a))
        for other, need in _COMM_NEEDS.items():
            if in_cell(of_method(runs, other, None if other == "dense" else COMM_SPARSITY), on, (d, a)).empty:
                continue
            judged.add(other)
            o = in_cell(of_method(steady, other, None if other == "dense" else COMM_SPARSITY), on, (d, a))
            checks.append(Check(where(d, a, COMM_SPARSITY), f"{names.method_name(other)} / SparsyFed",
                                "t on paired ratios", paired_interval(o, sf, on, COMM_COLUMN, ratio), need, ".4g", "×"))
        beside = []
        for label, frame in ((f"whole run, rounds 1–T, {COMM_COLUMN}", whole), (f"real bytes_down, rounds "
                                                                                  f"{STEADY_FROM_ROUND}–T", down)):
            ci = paired_interval(in_cell(of_method(frame, "dense"), on, (d, a)),
                                 in_cell(of_method(frame, "sparsyfed", COMM_SPARSITY), on, (d, a)), on,
                                 frame.columns[-1], ratio)
            if ci.n:
                beside.append(f"{label}: dense / SparsyFed {ci.mean:.3g}× (mean of n = {ci.n} per-seed ratios)")
        if beside:
            shown.append(f"{where(d, a, COMM_SPARSITY)} (not judged): " + "; ".join(beside))
    if not checks:
        return _untestable(*args, "no dense, ZeroFL or FLASH run beside SparsyFed at "
                                  f"{pct(COMM_SPARSITY)}")
    scope = (f"judged on steady-state rounds {STEADY_FROM_ROUND}–T against "
             + ", ".join(names.method_name(m) for m in names.order_methods(judged))
             + (f"; the FLASH part with a ± {100 * COMM_TOLERANCE:g} % tolerance around {paper.COMM_RATIO_VS_FLASH:g} ×"
                if "flash" in judged else "; FLASH did not run, so its part is not judged"))
    return _result(*args, setting_text(runs, cells, f"s = {pct(COMM_SPARSITY)}"), checks, scope=scope, shown=shown)


# ---------------------------------------------------------------- claim 5

CLAIM5 = ("The global model's sparsity stays at the target while Top-K and ZeroFL fall well below it "
          "(reported at a 90 % target).")
RULE5 = (f"where the authors reported it (α = {CLAIM5_ALPHA:g}, target {pct(CLAIM5_SPARSITY)}), with the global "
         f"model's sparsity averaged over rounds {STEADY_FROM_ROUND}–T: SparsyFed less than {SPARSITY_TOL_PP:g} pp "
         f"below the target, and each of {', '.join(names.method_name(m) for m in FALL_BELOW)} more than "
         f"{WELL_BELOW_PP:g} pp below it, in every dataset; other α are shown, not judged")
TEST5 = "one-sample t over seeds of the shortfall target − global sparsity (pp), one comparison per method"


def claim5(runs: pd.DataFrame, rounds: pd.DataFrame) -> ClaimResult:
    authors_text = "; ".join(f"{names.method_name(m)} {v}" for m, v in paper.GLOBAL_SPARSITY_90.items())
    args = (5, CLAIM5, RULE5, TEST5, authors_text)
    if rounds.empty or "global_sparsity" not in rounds.columns:
        return _untestable(*args, "rounds.csv has no global_sparsity column")
    level = run_means(rounds, "global_sparsity", STEADY_FROM_ROUND, scale=100.0)
    level = level.assign(shortfall=100.0 * CLAIM5_SPARSITY - level["global_sparsity"])
    needs = {"sparsyfed": Need("<", SPARSITY_TOL_PP)} | {m: Need(">", WELL_BELOW_PP) for m in FALL_BELOW}
    checks, shown, judged = [], [], set()
    for a in names.order_alphas(of_method(runs, "sparsyfed", CLAIM5_SPARSITY)["alpha"]) if len(runs) else []:
        for (d,) in cell_keys(of_method(runs, "sparsyfed", CLAIM5_SPARSITY, a), ["dataset"]):
            for method, need in needs.items():
                if in_cell(of_method(runs, method, CLAIM5_SPARSITY, a), ["dataset"], (d,)).empty:
                    continue
                ci = t_interval(in_cell(of_method(level, method, CLAIM5_SPARSITY, a), ["dataset"], (d,))["shortfall"])
                check = Check(where(d, a, CLAIM5_SPARSITY), f"target − {names.method_name(method)}'s global sparsity",
                              "one-sample t", ci, need, ".2f", " pp")
                if np.isclose(a, CLAIM5_ALPHA):
                    checks.append(check)
                    judged.add(method)
                else:
                    shown.append(f"{check.where} (not judged): {check.estimate()}")
    if not judged & set(FALL_BELOW):
        result = _untestable(*args, f"no {' or '.join(names.method_name(m) for m in FALL_BELOW)} run beside "
                                    f"SparsyFed at α = {CLAIM5_ALPHA:g}, target {pct(CLAIM5_SPARSITY)}")
        result.shown = [f"{c.where} (not judged): {c.estimate()}" for c in checks] + shown
        return result
    judged = of_method(runs, "sparsyfed", CLAIM5_SPARSITY, CLAIM5_ALPHA)
    cells = [(c[0], CLAIM5_ALPHA) for c in cell_keys(judged, ["dataset"])]
    return _result(*args, setting_text(runs, cells, f"target {pct(CLAIM5_SPARSITY)}"), checks,
                   scope=f"judged at α = {CLAIM5_ALPHA:g}, target {pct(CLAIM5_SPARSITY)} only", shown=shown)


# ---------------------------------------------------------------- all five

def evaluate_claims(runs: pd.DataFrame, rounds: pd.DataFrame | None = None,
                    layers: pd.DataFrame | None = None) -> list[ClaimResult]:
    """All five claims of SPEC section 7 on the tidy runs, rounds and layers tables."""
    rounds = pd.DataFrame() if rounds is None else rounds
    layers = pd.DataFrame() if layers is None else layers
    authors = paper.paper_numbers()
    return [claim1(runs, authors), claim2(runs, rounds, layers), claim3(runs, authors), claim4(runs, rounds),
            claim5(runs, rounds)]


def write_claims(tables_dir: str | Path, out_file: str | Path, provenance: dict | None = None) -> Path:
    """Evaluate the claims on the tidy tables in `tables_dir`; write the Markdown page to `out_file`.
    `provenance` (a packed reference's provenance.json) adds the grid's elapsed time to the scale line."""
    runs = read_table(tables_dir, "runs")
    results = evaluate_claims(runs, read_table(tables_dir, "rounds"), read_table(tables_dir, "layers"))
    line = scale_line(runs, read_partitions(tables_dir), provenance)
    write_text(out_file, render_claims(results, runs, line))
    return Path(out_file)
