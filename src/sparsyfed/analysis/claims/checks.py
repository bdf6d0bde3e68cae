"""The five headline claims of SPEC section 7, each judged on our runs with a three-way verdict.

Each claim is reduced to comparisons (`verdicts.Check`): a per-seed quantity (a paired difference
or ratio between two methods of the same seed, or a method's distance to its target), its t
interval over seeds, and what the claim needs of it. Comparisons combine into the claim's verdict
by `verdicts.COMBINE_RULE`. The constants below decide every rule; the rule text on the page is
generated from them (`rule` of each ClaimResult). The paper states no tolerances: these are ours.
Per-round quantities are averaged per run: claim 2's over rounds STEADY_FROM_ROUND..T (in round 1
every method downloads the dense initial model), claims 4's and 5's over the steady-state window
`windows.JUDGED` (the last third of the rounds), with the verdict under every window of
`windows.WINDOWS` shown beside (`ClaimResult.variants`).

`evaluate_claims(runs, rounds, layers)` takes the tidy tables of `sparsyfed collect`;
`write_claims` renders them as the Markdown page (`page.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sparsyfed.analysis import names
from sparsyfed.analysis.claims import context as context
from sparsyfed.analysis.claims import layers as layer_stats
from sparsyfed.analysis.claims.cells import (
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
from sparsyfed.analysis.claims.page import render_claims
from sparsyfed.analysis.claims.verdicts import INCONCLUSIVE, Check, Need, Variant, combine, variant
from sparsyfed.analysis.claims.windows import (
    AFTER_ROUND_1,
    FIRST_STEADY_ROUND,
    JUDGED,
    WINDOWS,
    Window,
    last_rounds,
    run_minimum,
    window_means,
)
from sparsyfed.analysis.collect import GRID, read_table
from sparsyfed.analysis.paper import reported
from sparsyfed.analysis.scale import read_partitions, scale_line
from sparsyfed.analysis.stats import Interval, ok_values, t_interval
from sparsyfed.io import write_text

# Claim 1: negligible loss at 95 %.
CLAIM1_SPARSITY = 0.95
NEGLIGIBLE_DROP_PP = 2.0
# Claim 2: regrowth about 200 x smaller; judged at the sparsity of the authors' plot.
REGROWTH_SPARSITY = 0.95
REGROWTH_MIN_RATIO = 100.0
REGROWTH_BASELINES = reported.REGROWTH_BASELINES
REGROWTH_COLUMN = "regrowth_local"
# Claim 3: SparsyFed beats every baseline at strong heterogeneity.
CLAIM3_ALPHA = 0.1
# Claim 4: communication, authors' estimate, steady-state window (COMM_PARTS below: each ratio and its direction).
COMM_SPARSITY = 0.95
COMM_TOLERANCE = 0.10
COMM_COLUMN = "authors_comm_params"
# Claim 5: global sparsity, judged where the authors reported it.
CLAIM5_ALPHA = 0.1
CLAIM5_SPARSITY = 0.9
SPARSITY_TOL_PP = 1.0
WELL_BELOW_PP = 5.0
FALL_BELOW = reported.FALL_BELOW
# Claim 2's per-round regrowth: rounds from here to the last one.
STEADY_FROM_ROUND = FIRST_STEADY_ROUND


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
    variants: list[Variant] = field(default_factory=list)  # the verdict under other windows and readings
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
    a_sf = of_method(authors.dropna(subset=["sparsity"]), names.PROPOSED, CLAIM1_SPARSITY)
    a = a_sf.merge(of_method(authors, names.REFERENCE), on=["dataset", "alpha"], suffixes=("_sf", "_dense"))
    authors_text = "; ".join(f"{where(r.dataset, r.alpha)}: {r.acc_mean_dense:.2f} → {r.acc_mean_sf:.2f} "
                             f"({r.acc_mean_sf - r.acc_mean_dense:+.2f} pp)" for r in a.itertuples())
    args = (1, CLAIM1, RULE1, TEST1, authors_text)
    cells = cell_keys(of_method(runs, names.PROPOSED, CLAIM1_SPARSITY), ["dataset", "alpha"]) if len(runs) else []
    if not cells:
        return _untestable(*args, f"no SparsyFed run at {pct(CLAIM1_SPARSITY)}")
    acc = ok_values(runs, "final_test_acc", 100.0)
    sf, dense = of_method(acc, names.PROPOSED, CLAIM1_SPARSITY), of_method(acc, names.REFERENCE)
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
         f"reported {reported.REGROWTH_RATIO:g} ×), in every dataset × α; `{REGROWTH_COLUMN}` as logged, mean over "
         f"rounds {STEADY_FROM_ROUND}–T")
TEST2 = (f"paired t over seeds of d = baseline − {REGROWTH_MIN_RATIO:g} × SparsyFed (weights per round; d > 0 "
         f"⇔ the baseline regrows more than {REGROWTH_MIN_RATIO:g} × SparsyFed's, and it stays defined when "
         "SparsyFed regrows nothing)")


def _regrowth_origin(layers: pd.DataFrame) -> list[str]:
    """Lines saying which kinds of layer SparsyFed's regrowth comes from, per cell at the judged sparsity."""
    sf = of_method(layers, names.PROPOSED, REGROWTH_SPARSITY)
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
    by, methods = ["dataset", "alpha", "sparsity"], (names.PROPOSED,) + REGROWTH_BASELINES
    without = layer_stats.run_regrowth(layers, STEADY_FROM_ROUND, plain) if len(plain) else None
    shown = []
    for s in names.order_sparsities(logged.loc[logged["method"] != names.REFERENCE, "sparsity"]):
        for d, a in cell_keys(of_method(logged, names.PROPOSED, s), ["dataset", "alpha"]):
            means = {m: in_cell(of_method(logged, m), by, (d, a, s))[REGROWTH_COLUMN].mean() for m in methods}
            text = "as logged: " + ", ".join(f"{names.method_name(m)} {v:,.1f}" for m, v in means.items()
                                             if np.isfinite(v))
            text += "; ratio of means " + ", ".join(
                f"{names.method_name(m)} / SparsyFed {_fmt_ratio(_safe_ratio(means[m], means[names.PROPOSED]))}"
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
    lo, hi = reported.REGROWTH_LOG10[names.PROPOSED]
    zlo, zhi = reported.REGROWTH_LOG10[reported.REGROWTH_PLOT_BASELINE]
    authors_text = (f"about {reported.REGROWTH_RATIO:g} ×; CIFAR-100, 95 %: ZeroFL 10^{zlo:g}–10^{zhi:g} weights per "
                    f"round, SparsyFed 10^{lo:g}–10^{hi:g} (read off the authors' log-scale plot of "
                    f"{REGROWTH_COLUMN}; their SparsyFed kept the ResNet shortcut convs plain, as ours does by "
                    "default)")
    args = (2, CLAIM2, RULE2, TEST2, authors_text)
    if rounds.empty or REGROWTH_COLUMN not in rounds.columns:
        return _untestable(*args, f"rounds.csv has no {REGROWTH_COLUMN} column")
    cells = cell_keys(of_method(runs, names.PROPOSED, REGROWTH_SPARSITY), ["dataset", "alpha"])
    if not cells:
        return _untestable(*args, f"no SparsyFed run at {pct(REGROWTH_SPARSITY)} (the authors' plot)")
    logged = run_means(rounds, REGROWTH_COLUMN, STEADY_FROM_ROUND)
    by = ["dataset", "alpha", "sparsity"]
    checks = []
    for d, a in cells:
        sf = in_cell(of_method(logged, names.PROPOSED), by, (d, a, REGROWTH_SPARSITY))
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
    shown, notes = shown + _dead_channels(runs, rounds, layers), notes + _counting_notes(runs, rounds, layers)
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


def _dead_channels(runs: pd.DataFrame, rounds: pd.DataFrame, layers: pd.DataFrame) -> list[str]:
    ok_layers = layers.merge(ok_keys(runs), on=GRID) if len(layers) else layers
    return context.dead_channel_lines(rounds, ok_layers, REGROWTH_SPARSITY, (names.PROPOSED,) + REGROWTH_BASELINES,
                                      AFTER_ROUND_1)


def _counting_notes(runs: pd.DataFrame, rounds: pd.DataFrame, layers: pd.DataFrame) -> list[str]:
    """Why a baseline regrows what it does (when dead channels are logged) and what the counts count."""
    ok_layers = layers.merge(ok_keys(runs), on=GRID) if len(layers) else layers
    why = [f"Dead channels: {context.DEAD_MECHANISM}."] if context.has_dead_channels(rounds, ok_layers) else []
    return why + [context.parameter_scope_note(rounds, ok_layers)]


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
        sf = g.loc[g["method"] == names.PROPOSED, "acc_mean"]
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
    cells = cell_keys(of_method(runs, names.PROPOSED, alpha=CLAIM3_ALPHA), ["dataset", "sparsity"]) if len(runs) else []
    if not cells:
        return _untestable(*args, f"no SparsyFed run at α = {CLAIM3_ALPHA:g}")
    acc = of_method(ok_values(runs, "final_test_acc", 100.0), names.PROPOSED, alpha=CLAIM3_ALPHA)
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


@dataclass(frozen=True)
class CommPart:
    """One part of claim 4: the ratio of SparsyFed's and `other`'s mean per-round communication (runs of one
    seed paired), the paper's value of it, and its direction: SparsyFed / other when `proposed_first`, else
    other / SparsyFed. An `about` part needs the ratio within ± COMM_TOLERANCE of the paper's value; the
    others at least 1 − COMM_TOLERANCE of it."""

    other: str
    reported: float
    proposed_first: bool = False
    about: bool = False

    @property
    def need(self) -> Need:
        low = (1 - COMM_TOLERANCE) * self.reported
        return Need("within", low, (1 + COMM_TOLERANCE) * self.reported) if self.about else Need(">", low)

    def what(self) -> str:
        ours, theirs = names.method_name(names.PROPOSED), names.method_name(self.other)
        return f"{ours} / {theirs}" if self.proposed_first else f"{theirs} / {ours}"

    def rule(self) -> str:
        n = self.need
        if self.about:
            return (f"{self.what()} within ± {100 * COMM_TOLERANCE:g} % of {self.reported:g} × "
                    f"([{n.value:.4g}, {n.upper:.4g}] ×)")
        return f"{self.what()} at least {100 * (1 - COMM_TOLERANCE):g} % of {self.reported:g} × ({n.value:.4g} ×)"

    def interval(self, proposed: pd.DataFrame, other: pd.DataFrame, on: list[str]) -> Interval:
        first, second = (proposed, other) if self.proposed_first else (other, proposed)
        return paired_interval(first, second, on, COMM_COLUMN, ratio)


COMM_PARTS = (
    CommPart(names.REFERENCE, reported.COMM_RATIO_VS_DENSE),
    CommPart(reported.COMM_VS_ZEROFL, reported.COMM_RATIO_VS_ZEROFL),
    CommPart(reported.COMM_VS_FLASH, reported.COMM_RATIO_VS_FLASH, proposed_first=True, about=True),
)
# shown beside, not judged
FLASH_OTHER_READING = CommPart(reported.COMM_VS_FLASH, reported.COMM_RATIO_VS_FLASH, about=True)
FLASH_READING = (f"the source reads “{reported.COMM_SENTENCE}” (SPEC section 7, item 4; the project's transcription "
                 "of the paper's other figures, PAPER_NUMBERS.md: “SparsyFed needs 19.29 x less communication than "
                 "dense …, 1.66 x less than ZeroFL, and about 0.97 x of FLASH”). “N × less than M” is M / SparsyFed "
                 "(dense / SparsyFed = 19.29, ZeroFL / SparsyFed = 1.66); “0.97 × of FLASH” names SparsyFed's "
                 "communication as a multiple of FLASH's, SparsyFed / FLASH = 0.97 (SparsyFed needs about 3 % less, "
                 "“as cheap”), and is judged so. The other reading, FLASH / SparsyFed = 0.97 (“× less than” carried "
                 "over), is shown beside with the verdict it gives")
RULE4 = (f"at s = {pct(COMM_SPARSITY)}, on the authors' estimate `{COMM_COLUMN}` = (global density + 1 − s) × P "
         f"averaged over the {JUDGED.name} of each run's rounds (round 1 downloads the dense initial model for "
         "every method, and the global model's density settles over the rounds after it): "
         + ", ".join(part.rule() for part in COMM_PARTS)
         + ", in every dataset × α (a method not run is not judged)")
TEST4 = ("per seed, the ratio of the two methods' mean per-round estimate (runs of one seed paired); t interval "
         "over the seeds' ratios")


def _comm_cells(runs: pd.DataFrame) -> list[tuple]:
    return cell_keys(of_method(runs, names.PROPOSED, COMM_SPARSITY), ["dataset", "alpha"]) if len(runs) else []


def _part_sparsity(part: CommPart) -> float | None:
    return None if part.other == names.REFERENCE else COMM_SPARSITY


def _comm_checks(runs: pd.DataFrame, rounds: pd.DataFrame, window: Window,
                 parts: tuple[CommPart, ...] = COMM_PARTS) -> list[Check]:
    """Claim 4's comparisons on the per-run means of `COMM_COLUMN` over `window`."""
    means, on, checks = window_means(rounds, COMM_COLUMN, window), ["dataset", "alpha"], []
    for d, a in _comm_cells(runs):
        sf = in_cell(of_method(means, names.PROPOSED, COMM_SPARSITY), on, (d, a))
        for part in parts:
            if in_cell(of_method(runs, part.other, _part_sparsity(part)), on, (d, a)).empty:
                continue
            other = in_cell(of_method(means, part.other, _part_sparsity(part)), on, (d, a))
            checks.append(Check(where(d, a, COMM_SPARSITY), part.what(), "t on paired ratios",
                                part.interval(sf, other, on), part.need, ".4g", "×"))
    return checks


def _comm_beside(runs: pd.DataFrame, rounds: pd.DataFrame, lasts: list[int]) -> list[str]:
    """Per cell: dense / SparsyFed over the whole run, and on the real bytes sent down in the judged window."""
    whole = run_means(rounds, COMM_COLUMN, 1)
    down = window_means(rounds, "bytes_down", JUDGED) if "bytes_down" in rounds.columns else whole.iloc[0:0]
    on, shown = ["dataset", "alpha"], []
    for d, a in _comm_cells(runs):
        beside = []
        for label, frame in ((f"whole run, rounds 1–T, {COMM_COLUMN}", whole),
                             (f"real bytes_down, {JUDGED.label(lasts)}", down)):
            ci = paired_interval(in_cell(of_method(frame, names.REFERENCE), on, (d, a)),
                                 in_cell(of_method(frame, names.PROPOSED, COMM_SPARSITY), on, (d, a)), on,
                                 frame.columns[-1], ratio)
            if ci.n:
                beside.append(f"{label}: dense / SparsyFed {ci.mean:.3g}× (mean of n = {ci.n} per-seed ratios)")
        if beside:
            shown.append(f"{where(d, a, COMM_SPARSITY)} (not judged): " + "; ".join(beside))
    return shown


def _flash_other_reading(runs: pd.DataFrame, rounds: pd.DataFrame, lasts: list[int]) -> tuple[list[str], Variant]:
    """The FLASH part read as FLASH / SparsyFed: its comparisons (shown) and the claim's verdict under it."""
    parts = tuple(p for p in COMM_PARTS if p.other != FLASH_OTHER_READING.other) + (FLASH_OTHER_READING,)
    checks = _comm_checks(runs, rounds, JUDGED, parts)
    shown = [f"{c.where}, the FLASH part read as {c.what} (not judged): {c.estimate()}; that reading needs "
             f"{c.need.text(c.spec, c.unit)} → {c.verdict}" for c in checks if c.what == FLASH_OTHER_READING.what()]
    return shown, variant(f"FLASH part read as {FLASH_OTHER_READING.what()} = {reported.COMM_RATIO_VS_FLASH:g}, "
                          f"{JUDGED.label(lasts)}", checks)


def claim4(runs: pd.DataFrame, rounds: pd.DataFrame) -> ClaimResult:
    authors_text = (f"{reported.COMM_RATIO_VS_DENSE:g} × vs dense, {reported.COMM_RATIO_VS_ZEROFL:g} × vs ZeroFL, "
                    f"{reported.COMM_RATIO_VS_FLASH:g} × of FLASH (the authors' parameter estimate "
                    "(global density + 1 − s) × P per round)")
    args = (4, CLAIM4, RULE4, TEST4, authors_text)
    if rounds.empty or COMM_COLUMN not in rounds.columns:
        return _untestable(*args, f"rounds.csv has no {COMM_COLUMN} column")
    cells = _comm_cells(runs)
    if not cells:
        return _untestable(*args, f"no SparsyFed run at {pct(COMM_SPARSITY)} (the claim's setting)")
    lasts = last_rounds(rounds)
    checks = _comm_checks(runs, rounds, JUDGED)
    if not checks:
        return _untestable(*args, "no dense, ZeroFL or FLASH run beside SparsyFed at "
                                  f"{pct(COMM_SPARSITY)}")
    judged = names.order_methods({p.other for p in COMM_PARTS if any(c.what == p.what() for c in checks)})
    variants = [variant(w.label(lasts), _comm_checks(runs, rounds, w), w == JUDGED) for w in WINDOWS]
    shown = _comm_beside(runs, rounds, lasts)
    if reported.COMM_VS_FLASH in judged:
        other_shown, other_variant = _flash_other_reading(runs, rounds, lasts)
        shown, variants = shown + other_shown, variants + [other_variant]
    flash = next(p for p in COMM_PARTS if p.other == reported.COMM_VS_FLASH)
    scope = (f"judged on the {JUDGED.name} of the rounds ({JUDGED.span(lasts)}) against "
             + ", ".join(names.method_name(m) for m in judged)
             + (f"; the FLASH part as {flash.what()} with a ± {100 * COMM_TOLERANCE:g} % tolerance around "
                f"{reported.COMM_RATIO_VS_FLASH:g} ×" if reported.COMM_VS_FLASH in judged
                else "; FLASH did not run, so its part is not judged"))
    return _result(*args, setting_text(runs, cells, f"s = {pct(COMM_SPARSITY)}"), checks, scope=scope, shown=shown,
                   variants=variants, notes=[f"Direction of the FLASH part: {FLASH_READING}."])


# ---------------------------------------------------------------- claim 5

CLAIM5 = ("The global model's sparsity stays at the target while Top-K and ZeroFL fall well below it "
          "(reported at a 90 % target).")
RULE5 = (f"where the authors reported it (α = {CLAIM5_ALPHA:g}, target {pct(CLAIM5_SPARSITY)}), with the global "
         f"model's sparsity of each run averaged over the {JUDGED.name} of its rounds (its settled level): "
         f"SparsyFed less than {SPARSITY_TOL_PP:g} pp below the target, and each of "
         f"{', '.join(names.method_name(m) for m in FALL_BELOW)} more than {WELL_BELOW_PP:g} pp below it, in "
         "every dataset; other α are shown, not judged")
TEST5 = "one-sample t over seeds of the shortfall target − global sparsity (pp), one comparison per method"
FALL_BELOW_READING = (f"“falls below the target” is judged on the settled level (the mean over the {JUDGED.name} of "
                      "the rounds); the lowest level of each run over rounds "
                      f"{FIRST_STEADY_ROUND}–T (its deepest dip) is shown beside, with the verdict the same rule "
                      "gives on it. The authors' figures (ZeroFL below 47 %, Top-K below 83 %) do not say which "
                      "they read")


COUNTED_WEIGHTS = ("Global sparsity here counts the prunable weights; the authors counted all parameters (claim 2's "
                   "note gives both counts and how far the two sparsities differ).")


def _claim5_checks(runs: pd.DataFrame, level: pd.DataFrame, what: str = "global sparsity") -> tuple[list, list]:
    """(judged, other α): per method, the one-sample t of target − `level` (per-run global sparsity, %)."""
    level = level.assign(shortfall=100.0 * CLAIM5_SPARSITY - level["global_sparsity"])
    needs = {names.PROPOSED: Need("<", SPARSITY_TOL_PP)} | {m: Need(">", WELL_BELOW_PP) for m in FALL_BELOW}
    judged, other = [], []
    for a in names.order_alphas(of_method(runs, names.PROPOSED, CLAIM5_SPARSITY)["alpha"]) if len(runs) else []:
        for (d,) in cell_keys(of_method(runs, names.PROPOSED, CLAIM5_SPARSITY, a), ["dataset"]):
            for method, need in needs.items():
                if in_cell(of_method(runs, method, CLAIM5_SPARSITY, a), ["dataset"], (d,)).empty:
                    continue
                ci = t_interval(in_cell(of_method(level, method, CLAIM5_SPARSITY, a), ["dataset"], (d,))["shortfall"])
                check = Check(where(d, a, CLAIM5_SPARSITY), f"target − {names.method_name(method)}'s {what}",
                              "one-sample t", ci, need, ".2f", " pp")
                (judged if np.isclose(a, CLAIM5_ALPHA) else other).append(check)
    return judged, other


def _lowest_shown(checks: list[Check]) -> list[str]:
    return [f"{c.where}, lowest level over rounds {FIRST_STEADY_ROUND}–T (not judged): {c.estimate()}; the rule "
            f"needs {c.need.text(c.spec, c.unit)} → {c.verdict}" for c in checks]


def claim5(runs: pd.DataFrame, rounds: pd.DataFrame) -> ClaimResult:
    authors_text = "; ".join(f"{names.method_name(m)} {v}" for m, v in reported.GLOBAL_SPARSITY_90.items())
    args = (5, CLAIM5, RULE5, TEST5, authors_text)
    if rounds.empty or "global_sparsity" not in rounds.columns:
        return _untestable(*args, "rounds.csv has no global_sparsity column")
    lasts = last_rounds(rounds)
    checks, other_alpha = _claim5_checks(runs, window_means(rounds, "global_sparsity", JUDGED, scale=100.0))
    shown = [f"{c.where} (not judged): {c.estimate()}" for c in other_alpha]
    if all(names.method_name(names.PROPOSED) + "'s" in c.what for c in checks):  # no Top-K or ZeroFL beside it
        result = _untestable(*args, f"no {' or '.join(names.method_name(m) for m in FALL_BELOW)} run beside "
                                    f"SparsyFed at α = {CLAIM5_ALPHA:g}, target {pct(CLAIM5_SPARSITY)}")
        result.shown = [f"{c.where} (not judged): {c.estimate()}" for c in checks] + shown
        return result
    lowest, _ = _claim5_checks(runs, run_minimum(rounds, "global_sparsity", scale=100.0), "lowest global sparsity")
    variants = [variant(w.label(lasts), _claim5_checks(runs, window_means(rounds, "global_sparsity", w,
                                                                          scale=100.0))[0], w == JUDGED)
                for w in WINDOWS]
    variants.append(variant(f"lowest level of each run over rounds {FIRST_STEADY_ROUND}–T (“falls below” read as "
                            "the deepest dip)", lowest))
    judged = of_method(runs, names.PROPOSED, CLAIM5_SPARSITY, CLAIM5_ALPHA)
    cells = [(c[0], CLAIM5_ALPHA) for c in cell_keys(judged, ["dataset"])]
    return _result(*args, setting_text(runs, cells, f"target {pct(CLAIM5_SPARSITY)}"), checks,
                   scope=(f"judged at α = {CLAIM5_ALPHA:g}, target {pct(CLAIM5_SPARSITY)} only, on the settled level "
                          f"(the {JUDGED.name} of the rounds, {JUDGED.span(lasts)})"),
                   shown=shown + _lowest_shown(lowest), variants=variants,
                   notes=[f"Reading: {FALL_BELOW_READING}.", COUNTED_WEIGHTS])


# ---------------------------------------------------------------- all five

def evaluate_claims(runs: pd.DataFrame, rounds: pd.DataFrame | None = None,
                    layers: pd.DataFrame | None = None) -> list[ClaimResult]:
    """All five claims of SPEC section 7 on the tidy runs, rounds and layers tables."""
    rounds = pd.DataFrame() if rounds is None else rounds
    layers = pd.DataFrame() if layers is None else layers
    authors = reported.paper_numbers()
    return [claim1(runs, authors), claim2(runs, rounds, layers), claim3(runs, authors), claim4(runs, rounds),
            claim5(runs, rounds)]


def write_claims(tables_dir: str | Path, out_file: str | Path, provenance: dict | None = None) -> Path:
    """Evaluate the claims on the tidy tables in `tables_dir`; write the Markdown page to `out_file`.
    `provenance` (a packed reference's provenance.json) adds the grid's elapsed time to the scale line."""
    runs = read_table(tables_dir, "runs")
    results = evaluate_claims(runs, read_table(tables_dir, "rounds"), read_table(tables_dir, "layers"))
    line = scale_line(runs, read_partitions(tables_dir), provenance)
    extra = context.training_cost_section(runs, read_table(tables_dir, "rounds"), read_table(tables_dir, "layers"))
    write_text(out_file, render_claims(results, runs, line, extra))
    return Path(out_file)
