"""The capacity ladder (`snakemake capacity`): the claims per model width, and the trend over widths.

The experiment's runs (tidy tables of `sparsyfed collect --variants`) form rungs, one per (model, width,
rounds): the width ladder is the (model, rounds) with the most widths; a rung of that model with other
rounds is the length rung, a rung of another model the model rung. Per rung, claims 1, 2, 3 and 5 are
judged by `claims` exactly as on the grid's claims page (the rung's runs alone). Two quantities are
followed along the ladder, per α, against log10 of the prunable weights kept, (1 − s) × P:

- `gap`: dense − SparsyFed final test accuracy at claim 1's sparsity (pp), per seed (paired);
- `ratio`: log10 of a baseline's steady-state regrowth over SparsyFed's (claim 2's `regrowth_local`,
  mean over rounds STEADY_FROM_ROUND..T) at claim 2's sparsity, per seed (paired), for each of claim 2's
  baselines; shown as ratios (10 to the mean and to the interval's ends: a geometric mean). A seed whose
  SparsyFed run regrows nothing (a model without plain layers) has no finite ratio and is left out.

Per rung: mean, std, n and t interval over seeds. Per quantity, α (and baseline): the least-squares line
over every seed of the width rungs (`trend.fit_line`) with its slope's interval, and its fitted mean with
the 95 % band at the kept weights of the paper's model at the same sparsity (ResNet-18 on CIFAR-10,
`reported.AUTHORS_PRUNABLE`), with how many decades beyond the widest rung that lies. The length and model
rungs are shown beside the line, not fitted.

A ladder packed in part (`reference-add --partial`) has runs of status `missing`: each rung counts its finished
runs, a rung with none is "not run", its claims unjudged, and while any width-rung run a line is fitted on (dense
or the baseline, and SparsyFed, at its α and sparsity) is unfinished, the line is fitted over the finished ones
but not carried to the paper's scale (no prediction, no judgement).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sparsyfed import record
from sparsyfed.analysis import names
from sparsyfed.analysis.claims import checks
from sparsyfed.analysis.claims.verdicts import VERDICTS
from sparsyfed.analysis.experiments.trend import Line, fit_line
from sparsyfed.analysis.paper import kept, reported
from sparsyfed.analysis.render import Block
from sparsyfed.analysis.stats import CI_LEVEL, ok_values, pair_by_seed, t_interval
from sparsyfed.grid import LENGTH_RUNG, MODEL_RUNG, WIDTH_RUNG

PAPER_DATASET = "cifar10"  # the paper's model whose kept weights the trend is carried to
JUDGED = (1, 2, 3, 5)  # the claims the ladder judges per rung (claim 4, communication, follows from sparsity)
GAP, RATIO = "gap", "ratio"
RUNG = ["model", "width", "rounds"]
COLUMNS = ["row", "rung", "kind", "model", "width", "rounds", "prunable", "runs", "runs_finished", "quantity",
           "alpha", "sparsity", "baseline",
           "kept", "mean", "std", "n", "ci_lo", "ci_hi", *(f"claim{c}" for c in JUDGED),
           "slope", "slope_lo", "slope_hi", "intercept", "points", "widths", "paper_kept", "predicted",
           "predicted_lo", "predicted_hi", "decades_beyond", "decades_spanned", "unfinished", "implication"]
NOT_RUN = "not run"  # a rung's claims before any of its runs finished


@dataclass(frozen=True)
class Quantity:
    """A quantity followed along the ladder: its sparsity, unit, claim threshold and what it compares."""

    id: str
    what: str  # e.g. 'dense − SparsyFed'
    sparsity: float
    threshold: float  # in display units (pp, or a ratio)
    log: bool  # fitted and averaged as log10 (a ratio)

    def display(self, value: float) -> float:
        return 10.0 ** value if self.log and np.isfinite(value) else value

    def text(self, value: float) -> str:
        if not np.isfinite(value):
            return "—"
        return f"{self.display(value):.3g}×" if self.log else f"{value:+.2f} pp"


GAP_QUANTITY = Quantity(GAP, "dense − SparsyFed", checks.CLAIM1_SPARSITY, checks.NEGLIGIBLE_DROP_PP, False)
RATIO_QUANTITY = Quantity(RATIO, "regrowth, baseline / SparsyFed", checks.REGROWTH_SPARSITY,
                          checks.REGROWTH_MIN_RATIO, True)
QUANTITIES = {q.id: q for q in (GAP_QUANTITY, RATIO_QUANTITY)}


def rung_name(model: str, width: float, rounds: int) -> str:
    """'resnet_small ×2, 30 rounds'."""
    return f"{model} ×{width:g}, {int(rounds)} rounds"


# ---------------------------------------------------------------- rungs

def with_rungs(runs: pd.DataFrame, layers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Runs with width, prunable (`kept.with_prunable`), `rung` (its name) and `kind` (WIDTH_RUNG, LENGTH_RUNG,
    MODEL_RUNG)."""
    out = kept.with_prunable(runs.dropna(subset=["model", "rounds"]), layers)
    if out.empty:
        return out.assign(rung=pd.Series(dtype=object), kind=pd.Series(dtype=object))
    widths = out.groupby(["model", "rounds"])["width"].agg(["nunique", "size"])
    ladder = widths.sort_values(["nunique", "size"], ascending=False).index[0]
    kind = np.where((out["model"] == ladder[0]) & (out["rounds"] == ladder[1]), WIDTH_RUNG,
                    np.where(out["model"] == ladder[0], LENGTH_RUNG, MODEL_RUNG))
    return out.assign(rung=[rung_name(m, w, r) for m, w, r in zip(out["model"], out["width"], out["rounds"],
                                                                  strict=True)], kind=kind)


def rung_order(frame: pd.DataFrame) -> list[str]:
    """Rung names: the width ladder by width, then the length rungs, then the model rungs."""
    order = {WIDTH_RUNG: 0, LENGTH_RUNG: 1, MODEL_RUNG: 2}
    keys = frame.drop_duplicates("rung").assign(_k=lambda f: f["kind"].map(order))
    return keys.sort_values(["_k", "model", "width", "rounds"])["rung"].tolist()


def finished(frame: pd.DataFrame) -> pd.DataFrame:
    """Per rung (index): `runs` planned and `runs_finished` (every status but `missing`: ok, failed, diverged)."""
    done = frame["status"] != record.MISSING
    return pd.DataFrame({"runs": frame.groupby("rung").size(), "runs_finished": done.groupby(frame["rung"]).sum()})


def incomplete(frame: pd.DataFrame, what: str = "runs") -> tuple[int, str]:
    """(unfinished runs of the width ladder, a clause naming them: 'the width ladder is incomplete: 9 of 54 runs
    not finished when packed (…)', '' when none); `what` names the runs counted."""
    ladder = frame[frame["kind"] == WIDTH_RUNG]
    counts = finished(ladder)
    unfinished = int(counts["runs"].sum() - counts["runs_finished"].sum())
    if not unfinished:
        return 0, ""
    open_rungs = [r for r in rung_order(ladder) if counts.loc[r, "runs_finished"] < counts.loc[r, "runs"]]
    return unfinished, (f"the width ladder is incomplete: {unfinished} of {int(counts['runs'].sum())} {what} not "
                        f"finished when packed ({'; '.join(open_rungs)})")


def line_incomplete(frame: pd.DataFrame, quantity: str, alpha: float, baseline: str) -> tuple[int, str]:
    """`incomplete` over the runs one line is fitted on: dense (the gap) or the baseline (a ratio), and SparsyFed at
    the quantity's sparsity, at `alpha`. A line is carried to the paper's scale only when this is (0, '')."""
    other = names.REFERENCE if quantity == GAP else baseline
    at_sparsity = np.isclose(frame["sparsity"], QUANTITIES[quantity].sparsity)
    proposed = (frame["method"] == names.PROPOSED) & at_sparsity
    compared = (frame["method"] == other) & (at_sparsity | (quantity == GAP))  # dense runs are at sparsity 0
    needed = np.isclose(frame["alpha"], alpha) & (proposed | compared)
    methods = f"{'dense' if quantity == GAP else names.method_name(other)} and {names.method_name(names.PROPOSED)} runs"
    return incomplete(frame[needed], methods)


def _of_runs(table: pd.DataFrame, run_dirs) -> pd.DataFrame:
    return table[table["run_dir"].isin(set(run_dirs))] if len(table) and "run_dir" in table.columns else table


def rung_claims(runs: pd.DataFrame, rounds: pd.DataFrame, layers: pd.DataFrame) -> dict[str, dict[int, object]]:
    """Rung name -> claim number -> `checks.ClaimResult`, each judged on that rung's runs alone."""
    frame = with_rungs(runs, layers)
    authors = reported.paper_numbers()
    out = {}
    for rung in rung_order(frame):
        mine = frame[frame["rung"] == rung]
        r, lay = _of_runs(rounds, mine["run_dir"]), _of_runs(layers, mine["run_dir"])
        out[rung] = {1: checks.claim1(mine, authors), 2: checks.claim2(mine, r, lay), 3: checks.claim3(mine, authors),
                     5: checks.claim5(mine, r)}
    return out


# ---------------------------------------------------------------- per-seed points

def _gap_points(runs: pd.DataFrame) -> pd.DataFrame:
    acc = ok_values(runs, "final_test_acc", 100.0)
    sf = acc[(acc["method"] == names.PROPOSED) & np.isclose(acc["sparsity"], GAP_QUANTITY.sparsity)]
    dense = acc[acc["method"] == names.REFERENCE]
    pairs = pair_by_seed(dense, sf, ["rung", "alpha"], "final_test_acc")
    return pairs.assign(baseline="", y=pairs["final_test_acc_a"] - pairs["final_test_acc_b"])


def _ratio_points(runs: pd.DataFrame, rounds: pd.DataFrame) -> pd.DataFrame:
    column = checks.REGROWTH_COLUMN
    if rounds.empty or column not in rounds.columns or "run_dir" not in rounds.columns:
        return pd.DataFrame(columns=["rung", "alpha", "seed", "baseline", "y"])
    steady = ok_values(rounds, column)
    steady = steady[steady["round"] >= checks.STEADY_FROM_ROUND]
    per_run = runs[runs["status"] == record.OK].assign(
        **{column: runs["run_dir"].map(steady.groupby("run_dir")[column].mean())})
    at = per_run[np.isclose(per_run["sparsity"], RATIO_QUANTITY.sparsity)]
    sf = at[at["method"] == names.PROPOSED]
    frames = []
    for base in checks.REGROWTH_BASELINES:
        pairs = pair_by_seed(at[at["method"] == base], sf, ["rung", "alpha"], column)
        a, b = pairs[f"{column}_a"], pairs[f"{column}_b"]
        frames.append(pairs.assign(baseline=base, y=np.log10(a.where(a > 0) / b.where(b > 0))))
    return pd.concat(frames, ignore_index=True)


def points(runs: pd.DataFrame, rounds: pd.DataFrame, layers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per quantity, rung, α, baseline and seed: `y` (pp, or log10 of a ratio) and `x` = log10 kept."""
    frame = with_rungs(runs, layers)
    if frame.empty:
        return pd.DataFrame(columns=["quantity", "rung", "kind", "alpha", "baseline", "seed", "y", "x", "kept"])
    frames = [_gap_points(frame).assign(quantity=GAP), _ratio_points(frame, rounds).assign(quantity=RATIO)]
    out = pd.concat([f[["quantity", "rung", "alpha", "baseline", "seed", "y"]] for f in frames], ignore_index=True)
    rung = frame.drop_duplicates("rung").set_index("rung")
    out["kind"] = out["rung"].map(rung["kind"])
    sparsity = out["quantity"].map({q.id: q.sparsity for q in QUANTITIES.values()})
    out["kept"] = (1.0 - sparsity) * out["rung"].map(rung["prunable"]).astype(float)
    out["x"] = np.log10(out["kept"].where(out["kept"] > 0))
    return out[np.isfinite(out["y"].astype(float))].reset_index(drop=True)


def paper_x(quantity: Quantity) -> float:
    """log10 of the weights the paper's model keeps at the quantity's sparsity."""
    return math.log10((1.0 - quantity.sparsity) * reported.AUTHORS_PRUNABLE[PAPER_DATASET])


def fits(pts: pd.DataFrame) -> dict[tuple[str, float, str], Line]:
    """(quantity, α, baseline) -> the least-squares line over the width rungs' per-seed points."""
    ladder = pts[pts["kind"] == WIDTH_RUNG]
    out = {}
    for (q, a, b), g in ladder.groupby(["quantity", "alpha", "baseline"], sort=False):
        line = fit_line(g["x"], g["y"])
        if line is not None:
            out[(q, float(a), b)] = line
    return out


# ---------------------------------------------------------------- what the trend implies

def _judgement(quantity: Quantity, lo: float, hi: float) -> str:
    """What the band at the paper's scale says about the claim's threshold."""
    lo, hi = quantity.display(lo), quantity.display(hi)
    limit = f"{quantity.threshold:g} {'×' if quantity.log else 'pp'}"
    inside = (hi < quantity.threshold) if not quantity.log else (lo > quantity.threshold)
    outside = (lo > quantity.threshold) if not quantity.log else (hi < quantity.threshold)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "with no band (fewer than 3 points)"
    if inside:
        return f"inside the claim's {limit}: on this line the small scale explains the shortfall"
    if outside:
        return f"still outside the claim's {limit}: on this line scale alone does not explain the shortfall"
    return f"a band across the claim's {limit}: the ladder cannot tell whether scale explains the shortfall"


def implication(quantity: Quantity, alpha: float, baseline: str, line: Line, widths: int, measured: str = "",
                incomplete: str = "") -> str:
    """One sentence: the trend, where it puts the paper's scale and how far that extrapolation reaches;
    `measured` names what a rung with another model measured there (e.g. 'resnet18_cifar ×1, 3 rounds: 78×');
    `incomplete` (`incomplete`'s clause) says why the line is not carried to the paper's scale."""
    x0 = paper_x(quantity)
    pred, lo, hi = line.predict(x0)
    what = quantity.what.replace("baseline", names.method_name(baseline)) if baseline else quantity.what
    unit = "log10 × per decade" if quantity.log else "pp per decade"
    span, beyond = line.x_max - line.x_min, line.beyond(x0)
    band = (f"[{quantity.text(lo)}, {quantity.text(hi)}]" if np.isfinite(lo) else "(no band)")
    slope = (f"{line.slope:+.3g} {unit} [{line.slope_lo:+.3g}, {line.slope_hi:+.3g}]" if np.isfinite(line.slope_lo)
             else f"{line.slope:+.3g} {unit}")
    head = (f"At α = {names.alpha_label(alpha)}, {what} at {names.sparsity_label(quantity.sparsity)} changes by "
            f"{slope} of kept weights (least squares over n = {line.n} runs at {widths} widths, "
            f"{kept.weights_text(10 ** line.x_min)}–{kept.weights_text(10 ** line.x_max)} kept)")
    if incomplete:
        return f"{head}; {incomplete}, so the line is not carried to the paper's scale and no conclusion is drawn."
    return (f"{head}; carried "
            f"{beyond:.2g} decades past the widest rung ({span:.2g} decades measured) to ResNet-18's "
            f"{kept.weights_text(10 ** x0)} kept weights it predicts {quantity.text(pred)} {band} "
            f"({100 * CI_LEVEL:g} % band of the line), {_judgement(quantity, lo, hi)}; that holds only if the "
            "line stays straight that far" + (f" (measured on another model: {measured})" if measured else "") + ".")


# ---------------------------------------------------------------- the table

def _rung_rows(frame: pd.DataFrame, pts: pd.DataFrame, verdicts: dict) -> list[dict]:
    rows = []
    counts = finished(frame)
    for rung in rung_order(frame):
        first = frame[frame["rung"] == rung].iloc[0]
        ran = int(counts.loc[rung, "runs_finished"])
        head = {"row": "rung", "rung": rung, "kind": first["kind"], "model": first["model"], "width": first["width"],
                "rounds": first["rounds"], "prunable": frame.loc[frame["rung"] == rung, "prunable"].max(),
                "runs": int(counts.loc[rung, "runs"]), "runs_finished": ran,
                **{f"claim{c}": verdicts[rung][c].verdict if ran else NOT_RUN for c in JUDGED}}
        mine = pts[pts["rung"] == rung]
        if mine.empty:
            rows.append(head)
        for (q, a, b), g in mine.groupby(["quantity", "alpha", "baseline"], sort=False):
            ci = t_interval(g["y"])
            rows.append(head | {"quantity": q, "alpha": a, "sparsity": QUANTITIES[q].sparsity, "baseline": b,
                                "kept": g["kept"].iloc[0], "mean": ci.mean, "std": ci.std, "n": ci.n,
                                "ci_lo": ci.lo, "ci_hi": ci.hi})
    return rows


def capacity_frame(runs: pd.DataFrame, rounds: pd.DataFrame, layers: pd.DataFrame) -> pd.DataFrame:
    """The tidy table: `row` 'rung' (per rung, quantity, α and baseline: mean, std, n, t interval over seeds, in
    pp or log10; the rung's claim verdicts) and `row` 'fit' (per quantity, α and baseline: the line and its
    prediction at the paper's kept weights)."""
    frame = with_rungs(runs, layers)
    pts = points(runs, rounds, layers)
    rows = _rung_rows(frame, pts, rung_claims(runs, rounds, layers)) if len(frame) else []
    ladder, others = pts[pts["kind"] == WIDTH_RUNG], pts[pts["kind"] == MODEL_RUNG]
    for (q, a, b), line in fits(pts).items():
        quantity, x0 = QUANTITIES[q], paper_x(QUANTITIES[q])
        unfinished, why = line_incomplete(frame, q, a, b)
        pred, lo, hi = line.predict(x0) if not unfinished else (np.nan, np.nan, np.nan)
        mine = ladder[(ladder["quantity"] == q) & np.isclose(ladder["alpha"], a) & (ladder["baseline"] == b)]
        widths = mine["rung"].nunique()
        other = others[(others["quantity"] == q) & np.isclose(others["alpha"], a) & (others["baseline"] == b)]
        measured = "; ".join(f"{rung}, {kept.weights_text(g['kept'].iloc[0])} kept: "
                             f"{_stat_text(quantity, _interval_row(g['y']))}" for rung, g in other.groupby("rung"))
        rows.append({"row": "fit", "kind": WIDTH_RUNG, "quantity": q, "alpha": a, "sparsity": quantity.sparsity,
                     "baseline": b, "slope": line.slope, "slope_lo": line.slope_lo, "slope_hi": line.slope_hi,
                     "intercept": line.intercept, "points": line.n, "widths": widths,
                     "paper_kept": 10 ** x0, "predicted": pred, "predicted_lo": lo, "predicted_hi": hi,
                     "decades_beyond": line.beyond(x0), "decades_spanned": line.x_max - line.x_min,
                     "unfinished": unfinished, "implication": implication(quantity, a, b, line, widths, measured,
                                                                          why)})
    return pd.DataFrame(rows, columns=COLUMNS)


def _interval_row(values) -> dict:
    ci = t_interval(values)
    return {"mean": ci.mean, "ci_lo": ci.lo, "ci_hi": ci.hi, "n": ci.n}


def _stat_text(quantity: Quantity, r) -> str:
    if not np.isfinite(r["mean"]):
        return "—"
    if np.isfinite(r["ci_lo"]):
        return f"{quantity.text(r['mean'])} [{quantity.text(r['ci_lo'])}, {quantity.text(r['ci_hi'])}]"
    return f"{quantity.text(r['mean'])} (n={int(r['n'])})"


def _what(r) -> str:
    quantity = QUANTITIES[r["quantity"]]
    what = quantity.what.replace("baseline", names.method_name(r["baseline"])) if r["baseline"] else quantity.what
    return f"{what}, α = {names.alpha_label(r['alpha'])}"


def capacity(runs: pd.DataFrame, rounds: pd.DataFrame, layers: pd.DataFrame) -> tuple[pd.DataFrame, list[Block]]:
    """The capacity ladder's table as (tidy frame, rendered blocks)."""
    tidy = capacity_frame(runs, rounds, layers)
    fit_rows = tidy[tidy["row"] == "fit"]
    rung_rows = tidy[tidy["row"] == "rung"]
    sentences = fit_rows["implication"].tolist()
    rows1 = [[_what(r), f"{int(r['points'])} ({int(r['widths'])} widths)",
              (f"{r['slope']:+.3g} [{r['slope_lo']:+.3g}, {r['slope_hi']:+.3g}]" if np.isfinite(r["slope_lo"])
               else f"{r['slope']:+.3g}"),
              kept.weights_text(r["paper_kept"]),
              _stat_text(QUANTITIES[r["quantity"]], {"mean": r["predicted"], "ci_lo": r["predicted_lo"],
                                                     "ci_hi": r["predicted_hi"], "n": r["points"]}),
              f"{r['decades_beyond']:.2g} ({r['decades_spanned']:.2g} measured)"] for _, r in fit_rows.iterrows()]
    notes1 = sentences or ["No trend: the ladder needs two widths with SparsyFed beside dense (or a baseline) "
                           f"at {names.sparsity_label(GAP_QUANTITY.sparsity)}."]
    why = incomplete(with_rungs(runs, layers))[1]
    if why and not sentences:
        notes1.append(f"{why[0].upper()}{why[1:]}.")
    notes1.append(
        "Slope: least squares of the per-seed values on log10 of the prunable weights kept, (1 − s) × P, over "
        f"every seed of the width rungs, with its {100 * CI_LEVEL:g} % t interval (n − 2 degrees of freedom; seeds "
        "of one width share client sampling and partition, so the interval is optimistic if they are correlated). "
        "The ratio is fitted as log10 (slope in log10 per decade; shown as a ratio). At ResNet-18: the fitted mean "
        f"at the weights ResNet-18 keeps on CIFAR-10 at the same sparsity, with the {100 * CI_LEVEL:g} % band of "
        "the line. Beyond: decades of kept weights between the widest rung and ResNet-18.")
    block1 = Block("The trend over widths, carried to the paper's scale",
                   "Per quantity and α: the line over the width ladder and where it puts ResNet-18.",
                   ["Quantity", "Runs (widths)", "Slope per decade [CI]", "ResNet-18 keeps", "Line there [band]",
                    "Decades beyond"], rows1, notes1, label="tab:capacity-trend", text_cols=2)

    verdicts = rung_rows.drop_duplicates("rung")
    rows2 = [[r["rung"], r["kind"], f"{r['prunable']:,.0f}" if np.isfinite(r["prunable"]) else "?",
              f"{int(r['runs_finished'])} of {int(r['runs'])}"]
             + [str(r[f"claim{c}"]) for c in JUDGED] for _, r in verdicts.iterrows()]
    notes2 = [f"Each claim judged on the rung's runs alone by the grid's rules and statistics (claims page: rule, "
              f"test and every comparison; verdicts {', '.join(VERDICTS)}). Width: the model's channel counts times "
              "the width; length: the same model trained longer; model: another model, a few rounds (its regrowth "
              "settles early, its accuracy does not). Runs: finished (ok, failed or diverged) of planned; a rung with "
              f"unfinished runs is judged on its finished ones, one with none is {NOT_RUN!r}; prunable weights are "
              "'?' until a run of that model and width has finished."]
    block2 = Block("The claims along the ladder", "Verdict of claims 1, 2, 3 and 5 per rung.",
                   ["Rung", "Kind", "Prunable weights", "Runs"] + [f"Claim {c}" for c in JUDGED], rows2,
                   notes2, label="tab:capacity-claims", text_cols=4)

    rows3 = [[r["rung"], _what(r), kept.weights_text(r["kept"]), _stat_text(QUANTITIES[r["quantity"]], r),
              str(int(r["n"]))] for _, r in rung_rows.dropna(subset=["quantity"]).iterrows()]
    notes3 = [f"Per rung: mean [{100 * CI_LEVEL:g} % t interval] over seeds of dense − SparsyFed final test accuracy "
              f"at {names.sparsity_label(GAP_QUANTITY.sparsity)} (pp, paired by seed), and of a baseline's regrowth "
              f"over SparsyFed's at {names.sparsity_label(RATIO_QUANTITY.sparsity)} (`{checks.REGROWTH_COLUMN}`, "
              f"mean over rounds {checks.STEADY_FROM_ROUND}–T, paired by seed; geometric mean and interval, "
              "computed on log10; a seed whose SparsyFed run regrows nothing has no finite ratio and is left out). "
              "Claim 1 needs the gap below "
              f"{GAP_QUANTITY.threshold:g} pp, claim 2 the ratio above {RATIO_QUANTITY.threshold:g} ×."]
    block3 = Block("The quantities per rung", "Accuracy gap and regrowth ratio per rung, α and baseline.",
                   ["Rung", "Quantity", "Kept", "Mean [CI]", "n"], rows3, notes3, label="tab:capacity-rungs",
                   text_cols=2)
    return tidy, [block1, block2, block3]
