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

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sparsyfed.analysis import layers as layer_stats
from sparsyfed.analysis import names, paper
from sparsyfed.analysis.claims_page import render_claims
from sparsyfed.analysis.collect import GRID, read_table
from sparsyfed.analysis.stats import ok_values, pair_by_seed, t_interval
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

def _pct(s: float) -> str:
    return names.sparsity_label(s)


def _where(d, a=None, s=None) -> str:
    text = names.dataset_name(d)
    if a is not None:
        text += f" α = {names.alpha_label(a)}"
    return text + (f", s = {_pct(s)}" if s is not None else "")


def _is(frame: pd.DataFrame, method: str, sparsity: float | None = None, alpha: float | None = None) -> pd.DataFrame:
    out = frame[frame["method"] == method]
    if sparsity is not None:
        out = out[np.isclose(out["sparsity"].astype(float), sparsity)]
    if alpha is not None:
        out = out[np.isclose(out["alpha"].astype(float), alpha)]
    return out


def _keys(frame: pd.DataFrame, by: list[str]) -> list[tuple]:
    """Distinct `by` values in display order (dataset, then α from IID to 0.1, then sparsity)."""
    if frame.empty:
        return []
    keys = frame[by].drop_duplicates()
    d_rank = {d: i for i, d in enumerate(names.order_datasets(keys["dataset"]))}
    order = keys.assign(_d=keys["dataset"].map(d_rank))
    sort = ["_d"] + (["_a"] if "alpha" in by else []) + (["sparsity"] if "sparsity" in by else [])
    if "alpha" in by:
        order = order.assign(_a=-order["alpha"].astype(float))
    return [tuple(r) for r in order.sort_values(sort)[by].itertuples(index=False)]


def _cells(ok: pd.DataFrame, by: list[str], key: tuple) -> pd.DataFrame:
    mask = np.ones(len(ok), dtype=bool)
    for col, val in zip(by, key):
        mask &= np.isclose(ok[col].astype(float), val) if col in ("alpha", "sparsity") else (ok[col] == val).to_numpy()
    return ok[mask]


def _ok_keys(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.loc[runs["status"] == "ok", GRID] if len(runs) else pd.DataFrame(columns=GRID)


def run_means(rounds: pd.DataFrame, column: str, first_round: int = STEADY_FROM_ROUND,
              scale: float = 1.0) -> pd.DataFrame:
    """Per finished run (GRID): the mean of `column` * `scale` over its rounds >= `first_round`."""
    frame = ok_values(rounds, column, scale)
    frame = frame[frame["round"] >= first_round]
    if frame.empty:
        return pd.DataFrame(columns=GRID + [column])
    return frame.groupby(GRID, dropna=False)[column].mean().reset_index()


def _setting(runs: pd.DataFrame, cells: list[tuple], extra: str = "") -> str:
    """'Fashion-MNIST (α = 1000, 0.1); model resnet_small; 10 rounds' for the (dataset, alpha, ...) cells."""
    if not cells:
        return "—"
    parts = []
    for d in names.order_datasets(c[0] for c in cells):
        alphas = names.order_alphas(c[1] for c in cells if c[0] == d)
        parts.append(f"{names.dataset_name(d)} (α = {', '.join(names.alpha_label(a) for a in alphas)})")
    used = runs[runs["status"].eq("ok") & runs["dataset"].isin([c[0] for c in cells])]
    models = ", ".join(sorted({str(m) for m in used["model"].dropna()})) or "?"
    rounds = ", ".join(sorted({f"{float(r):g}" for r in used["rounds"].dropna()})) or "?"
    seeds = int(used["seed"].nunique()) if len(used) else 0
    text = "; ".join(parts) + f"; model {models}; {rounds} rounds; {seeds} seed{'s' if seeds != 1 else ''} in the grid"
    return text + (f"; {extra}" if extra else "")


def _untestable(number, claim, rule, test, authors, why) -> ClaimResult:
    return ClaimResult(number, claim, rule, test, authors, "—", INCONCLUSIVE, f"not testable on this grid: {why}")


def _result(number, claim, rule, test, authors, setting, checks, **kw) -> ClaimResult:
    verdict, reason = combine(checks)
    return ClaimResult(number, claim, rule, test, authors, setting, verdict, reason, checks=checks, **kw)


def _paired(first: pd.DataFrame, second: pd.DataFrame, on: list[str], value: str,
            op: Callable[[pd.Series, pd.Series], pd.Series]):
    """t interval of op(first, second) over the seeds both finished (per-seed pairs)."""
    pairs = pair_by_seed(first, second, on, value)
    return t_interval(op(pairs[f"{value}_a"], pairs[f"{value}_b"]))


def _diff(a, b):
    return a - b


def _ratio(a, b):
    return a / b.where(b > 0)


def _fmt_ratio(r: float) -> str:
    """'∞', '—', '1,234×' or '12.3×'."""
    if np.isinf(r):
        return "∞"
    return "—" if not np.isfinite(r) else (f"{r:,.0f}×" if r >= 100 else f"{r:.3g}×")


# ---------------------------------------------------------------- claim 1

CLAIM1 = "95 % sparse models with negligible accuracy loss against dense, with one hyperparameter (β)."
RULE1 = (f"SparsyFed at s = {_pct(CLAIM1_SPARSITY)} loses less than {NEGLIGIBLE_DROP_PP:g} pp of final test "
         "accuracy against dense, in every dataset × α")
TEST1 = ("paired t over seeds of d = dense − SparsyFed final test accuracy (pp); dense and SparsyFed runs of one "
         "seed share initialisation, client sampling and partition")


def claim1(runs: pd.DataFrame, authors: pd.DataFrame) -> ClaimResult:
    a_sf = _is(authors.dropna(subset=["sparsity"]), "sparsyfed", CLAIM1_SPARSITY)
    a = a_sf.merge(_is(authors, "dense"), on=["dataset", "alpha"], suffixes=("_sf", "_dense"))
    authors_text = "; ".join(f"{_where(r.dataset, r.alpha)}: {r.acc_mean_dense:.2f} → {r.acc_mean_sf:.2f} "
                             f"({r.acc_mean_sf - r.acc_mean_dense:+.2f} pp)" for r in a.itertuples())
    args = (1, CLAIM1, RULE1, TEST1, authors_text)
    cells = _keys(_is(runs, "sparsyfed", CLAIM1_SPARSITY), ["dataset", "alpha"]) if len(runs) else []
    if not cells:
        return _untestable(*args, f"no SparsyFed run at {_pct(CLAIM1_SPARSITY)}")
    acc = ok_values(runs, "final_test_acc", 100.0)
    sf, dense = _is(acc, "sparsyfed", CLAIM1_SPARSITY), _is(acc, "dense")
    checks = [Check(_where(d, a), "dense − SparsyFed", "paired t",
                    _paired(_cells(dense, ["dataset", "alpha"], (d, a)), _cells(sf, ["dataset", "alpha"], (d, a)),
                            ["dataset", "alpha"], "final_test_acc", _diff),
                    Need("<", NEGLIGIBLE_DROP_PP), ".2f", " pp") for d, a in cells]
    notes = ["“One hyperparameter (β)” describes the method and is not measured here."]
    return _result(*args, _setting(runs, cells, f"s = {_pct(CLAIM1_SPARSITY)}"), checks, notes=notes)


# ---------------------------------------------------------------- claim 2

CLAIM2 = "Per-round weight regrowth about 200 × smaller than previous methods."
RULE2 = (f"at s = {_pct(REGROWTH_SPARSITY)}, each of "
         f"{', '.join(names.method_name(m) for m in REGROWTH_BASELINES)} regrows more than {REGROWTH_MIN_RATIO:g} × "
         f"as many weights per round as SparsyFed ({REGROWTH_MIN_RATIO:g} × is the order of magnitude of the "
         f"reported {paper.REGROWTH_RATIO:g} ×), in every dataset × α; `{REGROWTH_COLUMN}` as logged, mean over "
         f"rounds {STEADY_FROM_ROUND}–T")
TEST2 = (f"paired t over seeds of d = baseline − {REGROWTH_MIN_RATIO:g} × SparsyFed (weights per round; d > 0 "
         f"⇔ the baseline regrows more than {REGROWTH_MIN_RATIO:g} × SparsyFed's, and it stays defined when "
         "SparsyFed regrows nothing)")


def _regrowth_origin(layers: pd.DataFrame) -> list[str]:
    """Lines saying which kinds of layer SparsyFed's regrowth comes from, per cell at the judged sparsity."""
    sf = _is(layers, "sparsyfed", REGROWTH_SPARSITY)
    if sf.empty:
        return []
    kinds = layer_stats.regrowth_by_kind(sf, STEADY_FROM_ROUND)
    lines = []
    for d, a in _keys(kinds, ["dataset", "alpha"]):
        cell = _cells(kinds, ["dataset", "alpha"], (d, a))
        per_kind = cell.groupby(["layer_type", "role"], dropna=False).agg(
            regrowth=("regrowth_local", "mean"), layers=("layers", "max")).reset_index()
        total = per_kind["regrowth"].sum()
        parts = []
        for r in per_kind.sort_values("regrowth", ascending=False).itertuples():
            plain = " (plain)" if r.layer_type in layer_stats.PLAIN_TYPES else ""
            share = f", {100 * r.regrowth / total:.1f} %" if total > 0 else ""
            parts.append(f"{r.layers} × {r.layer_type}{plain}/{r.role}: {r.regrowth:,.1f}{share}")
        lines.append(f"Where SparsyFed's regrowth comes from, {_where(d, a, REGROWTH_SPARSITY)} (mean over seeds, "
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
        for d, a in _keys(_is(logged, "sparsyfed", s), ["dataset", "alpha"]):
            means = {m: _cells(_is(logged, m), by, (d, a, s))[REGROWTH_COLUMN].mean() for m in methods}
            text = "as logged: " + ", ".join(f"{names.method_name(m)} {v:,.1f}" for m, v in means.items()
                                             if np.isfinite(v))
            text += "; ratio of means " + ", ".join(
                f"{names.method_name(m)} / SparsyFed {_fmt_ratio(_safe_ratio(means[m], means['sparsyfed']))}"
                for m in REGROWTH_BASELINES if np.isfinite(means[m]))
            if without is not None:
                w = {m: _cells(_is(without, m), by, (d, a, s))["regrowth_local"].mean() for m in methods}
                text += ("; without the layers SparsyFed keeps plain: "
                         + ", ".join(f"{names.method_name(m)} {v:,.1f}" for m, v in w.items() if np.isfinite(v)))
            judged = "" if np.isclose(s, REGROWTH_SPARSITY) else " (not judged)"
            shown.append(f"{_where(d, a, s)}{judged}, weights per round, mean over seeds of rounds "
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
                    f"{REGROWTH_COLUMN}; their SparsyFed kept the ResNet shortcut convs plain, as ours does by default)")
    args = (2, CLAIM2, RULE2, TEST2, authors_text)
    if rounds.empty or REGROWTH_COLUMN not in rounds.columns:
        return _untestable(*args, f"rounds.csv has no {REGROWTH_COLUMN} column")
    cells = _keys(_is(runs, "sparsyfed", REGROWTH_SPARSITY), ["dataset", "alpha"])
    if not cells:
        return _untestable(*args, f"no SparsyFed run at {_pct(REGROWTH_SPARSITY)} (the authors' plot)")
    logged = run_means(rounds, REGROWTH_COLUMN)
    by = ["dataset", "alpha", "sparsity"]
    checks = []
    for d, a in cells:
        sf = _cells(_is(logged, "sparsyfed"), by, (d, a, REGROWTH_SPARSITY))
        for base in REGROWTH_BASELINES:
            if _cells(_is(runs, base, REGROWTH_SPARSITY, a), ["dataset"], (d,)).empty:
                continue
            b = _cells(_is(logged, base), by, (d, a, REGROWTH_SPARSITY))
            ci = _paired(b, sf, by, REGROWTH_COLUMN, lambda x, y: x - REGROWTH_MIN_RATIO * y)
            checks.append(Check(_where(d, a, REGROWTH_SPARSITY), f"{names.method_name(base)} − "
                                f"{REGROWTH_MIN_RATIO:g} × SparsyFed", "paired t", ci, Need(">", 0.0), ",.1f",
                                " weights"))
    if layer_stats.has_layer_regrowth(layers):
        ok_layers = layers.merge(_ok_keys(runs), on=GRID)
        plain = layer_stats.plain_layers(ok_layers)
        shown = _regrowth_origin(ok_layers) + _regrowth_shown(logged, ok_layers, plain)
        notes = [_plain_note(plain)]
    else:
        shown, notes = _regrowth_shown(logged, layers, pd.DataFrame()), [NO_LAYER_REGROWTH]
    if not checks:
        result = _untestable(*args, f"no {' or '.join(names.method_name(m) for m in REGROWTH_BASELINES)} run at "
                                    f"{_pct(REGROWTH_SPARSITY)} beside SparsyFed")
        result.shown, result.notes = shown, notes
        return result
    setting = _setting(runs, cells, f"s = {_pct(REGROWTH_SPARSITY)}; `{REGROWTH_COLUMN}` = weights zero in the "
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
            lost.append(f"{names.method_name(best['method'])} on {names.dataset_name(r.dataset)} at {_pct(r.sparsity)}")
    text = f"SparsyFed best in {wins} of {wins + len(lost)} dataset × sparsity cells at α = {CLAIM3_ALPHA:g}"
    return text + (f" (behind {', '.join(lost)})" if lost else "")


def claim3(runs: pd.DataFrame, authors: pd.DataFrame) -> ClaimResult:
    args = (3, CLAIM3, RULE3, TEST3, _authors_wins(authors))
    cells = _keys(_is(runs, "sparsyfed", alpha=CLAIM3_ALPHA), ["dataset", "sparsity"]) if len(runs) else []
    if not cells:
        return _untestable(*args, f"no SparsyFed run at α = {CLAIM3_ALPHA:g}")
    acc = _is(ok_values(runs, "final_test_acc", 100.0), "sparsyfed", alpha=CLAIM3_ALPHA)
    every = ok_values(runs, "final_test_acc", 100.0)
    checks = []
    for d, s in cells:
        sf = _cells(acc, ["dataset", "sparsity"], (d, s))
        for base in names.BASELINES:
            if _cells(_is(runs, base, s, CLAIM3_ALPHA), ["dataset"], (d,)).empty:
                continue
            b = _cells(_is(every, base, s, CLAIM3_ALPHA), ["dataset"], (d,))
            checks.append(Check(_where(d, CLAIM3_ALPHA, s), f"SparsyFed − {names.method_name(base)}", "paired t",
                                _paired(sf, b, ["dataset", "alpha", "sparsity"], "final_test_acc", _diff),
                                Need(">", 0.0), ".2f", " pp"))
    if not checks:
        return _untestable(*args, f"no baseline ran beside SparsyFed at α = {CLAIM3_ALPHA:g}")
    return _result(*args, _setting(runs, [(d, CLAIM3_ALPHA) for d, _ in cells]), checks)


# ---------------------------------------------------------------- claim 4

CLAIM4 = ("About 19.29 × less communication than dense (downlink); also 1.66 × less than ZeroFL and about "
          "0.97 × of FLASH.")
_COMM_NEEDS = {
    "dense": Need(">", (1 - COMM_TOLERANCE) * paper.COMM_RATIO_VS_DENSE),
    "zerofl": Need(">", (1 - COMM_TOLERANCE) * paper.COMM_RATIO_VS_ZEROFL),
    "flash": Need("within", (1 - COMM_TOLERANCE) * paper.COMM_RATIO_VS_FLASH,
                  (1 + COMM_TOLERANCE) * paper.COMM_RATIO_VS_FLASH),
}
RULE4 = (f"at s = {_pct(COMM_SPARSITY)}, on the authors' estimate `{COMM_COLUMN}` = (global density + 1 − s) × P "
         f"averaged over the steady-state rounds {STEADY_FROM_ROUND}–T (round 1 downloads the dense initial model "
         f"for every method): dense / SparsyFed at least {100 * (1 - COMM_TOLERANCE):g} % of {paper.COMM_RATIO_VS_DENSE:g} × "
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
    cells = _keys(_is(runs, "sparsyfed", COMM_SPARSITY), ["dataset", "alpha"])
    if not cells:
        return _untestable(*args, f"no SparsyFed run at {_pct(COMM_SPARSITY)} (the claim's setting)")
    steady = run_means(rounds, COMM_COLUMN)
    whole = run_means(rounds, COMM_COLUMN, first_round=1)
    down = run_means(rounds, "bytes_down") if "bytes_down" in rounds.columns else steady.iloc[0:0]
    on = ["dataset", "alpha"]
    checks, shown, judged = [], [], set()
    for d, a in cells:
        sf = _cells(_is(steady, "sparsyfed", COMM_SPARSITY), on, (d, a))
        for other, need in _COMM_NEEDS.items():
            if _cells(_is(runs, other, None if other == "dense" else COMM_SPARSITY), on, (d, a)).empty:
                continue
            judged.add(other)
            o = _cells(_is(steady, other, None if other == "dense" else COMM_SPARSITY), on, (d, a))
            checks.append(Check(_where(d, a, COMM_SPARSITY), f"{names.method_name(other)} / SparsyFed",
                                "t over per-seed ratios", _paired(o, sf, on, COMM_COLUMN, _ratio), need, ".4g", "×"))
        beside = []
        for label, frame in ((f"whole run, rounds 1–T, {COMM_COLUMN}", whole), (f"real bytes_down, rounds "
                                                                                  f"{STEADY_FROM_ROUND}–T", down)):
            ci = _paired(_cells(_is(frame, "dense"), on, (d, a)), _cells(_is(frame, "sparsyfed", COMM_SPARSITY),
                                                                         on, (d, a)), on, frame.columns[-1], _ratio)
            if ci.n:
                beside.append(f"{label}: dense / SparsyFed {ci.mean:.3g}× (mean of n = {ci.n} per-seed ratios)")
        if beside:
            shown.append(f"{_where(d, a, COMM_SPARSITY)} (not judged): " + "; ".join(beside))
    if not checks:
        return _untestable(*args, "no dense, ZeroFL or FLASH run beside SparsyFed at "
                                  f"{_pct(COMM_SPARSITY)}")
    scope = (f"judged on steady-state rounds {STEADY_FROM_ROUND}–T against "
             + ", ".join(names.method_name(m) for m in names.order_methods(judged))
             + (f"; the FLASH part with a ± {100 * COMM_TOLERANCE:g} % tolerance around {paper.COMM_RATIO_VS_FLASH:g} ×"
                if "flash" in judged else "; FLASH did not run, so its part is not judged"))
    return _result(*args, _setting(runs, cells, f"s = {_pct(COMM_SPARSITY)}"), checks, scope=scope, shown=shown)


# ---------------------------------------------------------------- claim 5

CLAIM5 = ("The global model's sparsity stays at the target while Top-K and ZeroFL fall well below it "
          "(reported at a 90 % target).")
RULE5 = (f"where the authors reported it (α = {CLAIM5_ALPHA:g}, target {_pct(CLAIM5_SPARSITY)}), with the global "
         f"model's sparsity averaged over rounds {STEADY_FROM_ROUND}–T: SparsyFed less than {SPARSITY_TOL_PP:g} pp "
         f"below the target, and each of {', '.join(names.method_name(m) for m in FALL_BELOW)} more than "
         f"{WELL_BELOW_PP:g} pp below it, in every dataset; other α are shown, not judged")
TEST5 = "t over seeds of the shortfall target − global sparsity (pp), one comparison per method"


def claim5(runs: pd.DataFrame, rounds: pd.DataFrame) -> ClaimResult:
    authors_text = "; ".join(f"{names.method_name(m)} {v}" for m, v in paper.GLOBAL_SPARSITY_90.items())
    args = (5, CLAIM5, RULE5, TEST5, authors_text)
    if rounds.empty or "global_sparsity" not in rounds.columns:
        return _untestable(*args, "rounds.csv has no global_sparsity column")
    level = run_means(rounds, "global_sparsity", scale=100.0)
    level = level.assign(shortfall=100.0 * CLAIM5_SPARSITY - level["global_sparsity"])
    needs = {"sparsyfed": Need("<", SPARSITY_TOL_PP)} | {m: Need(">", WELL_BELOW_PP) for m in FALL_BELOW}
    checks, shown, judged = [], [], set()
    for a in names.order_alphas(_is(runs, "sparsyfed", CLAIM5_SPARSITY)["alpha"]) if len(runs) else []:
        for (d,) in _keys(_is(runs, "sparsyfed", CLAIM5_SPARSITY, a), ["dataset"]):
            for method, need in needs.items():
                if _cells(_is(runs, method, CLAIM5_SPARSITY, a), ["dataset"], (d,)).empty:
                    continue
                ci = t_interval(_cells(_is(level, method, CLAIM5_SPARSITY, a), ["dataset"], (d,))["shortfall"])
                check = Check(_where(d, a, CLAIM5_SPARSITY), f"target − {names.method_name(method)}'s global sparsity",
                              "t", ci, need, ".2f", " pp")
                if np.isclose(a, CLAIM5_ALPHA):
                    checks.append(check)
                    judged.add(method)
                else:
                    shown.append(f"{check.where} (not judged): {check.estimate()}")
    if not judged & set(FALL_BELOW):
        result = _untestable(*args, f"no {' or '.join(names.method_name(m) for m in FALL_BELOW)} run beside "
                                    f"SparsyFed at α = {CLAIM5_ALPHA:g}, target {_pct(CLAIM5_SPARSITY)}")
        result.shown = [f"{c.where} (not judged): {c.estimate()}" for c in checks] + shown
        return result
    cells = [(c[0], CLAIM5_ALPHA) for c in _keys(_is(runs, "sparsyfed", CLAIM5_SPARSITY, CLAIM5_ALPHA), ["dataset"])]
    return _result(*args, _setting(runs, cells, f"target {_pct(CLAIM5_SPARSITY)}"), checks,
                   scope=f"judged at α = {CLAIM5_ALPHA:g}, target {_pct(CLAIM5_SPARSITY)} only", shown=shown)


# ---------------------------------------------------------------- all five

def evaluate_claims(runs: pd.DataFrame, rounds: pd.DataFrame | None = None,
                    layers: pd.DataFrame | None = None) -> list[ClaimResult]:
    """All five claims of SPEC section 7 on the tidy runs, rounds and layers tables."""
    rounds = pd.DataFrame() if rounds is None else rounds
    layers = pd.DataFrame() if layers is None else layers
    authors = paper.paper_numbers()
    return [claim1(runs, authors), claim2(runs, rounds, layers), claim3(runs, authors), claim4(runs, rounds),
            claim5(runs, rounds)]


def write_claims(tables_dir: str | Path, out_file: str | Path) -> Path:
    """Evaluate the claims on the tidy tables in `tables_dir`; write the Markdown page to `out_file`."""
    runs = read_table(tables_dir, "runs")
    results = evaluate_claims(runs, read_table(tables_dir, "rounds"), read_table(tables_dir, "layers"))
    write_text(out_file, render_claims(results, runs))
    return Path(out_file)
