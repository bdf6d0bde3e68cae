"""The experiments beside the grid, from their tidy tables (`sparsyfed collect --variants`).

- `beta_sensitivity`: SparsyFed against its Powerprop exponent: per exponent (a fixed beta, or a
  spectral rule) the final test accuracy, the final global sparsity and the steady-state regrowth,
  each as mean ± std with the 95 % t interval over seeds and n, and the accuracy difference to the
  paper's beta (REFERENCE_BETA) paired by seed. A spectral run's beta is the one its clients
  trained with, recorded per round and layer in layers.csv (`beta`).
- `corrected`: for each of `catalog.BEHAVIOURS`, method and cell, the runs as the authors ran them
  and corrected: accuracy, global sparsity and regrowth of both, with the corrected − as-ran
  differences paired by seed (same seed: same initialisation, client sampling and partition).
- `capacity`: the claims per model width and the trend over widths (`capacity`).

Runs are told apart by runs.csv's `method_params` (every parameter a run used, as JSON) and joined
to their rounds and layers by `run_dir`. Regrowth is `regrowth_local` per round (weights zero in the
received model and non-zero after local training, mean over the round's clients), averaged per run
over rounds >= STEADY_FROM_ROUND (round 1 receives the dense initial model).

Each table is written as `<name>.csv` (tidy, one row per cell, unrounded), `.md` and `.tex`.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from sparsyfed import catalog, record
from sparsyfed.analysis import names
from sparsyfed.analysis.paper.tables import setting_parts
from sparsyfed.analysis.render import DAGGER, Block, Cell
from sparsyfed.analysis.stats import CI_LEVEL, Interval, fmt_mean_std, pair_by_seed, t_interval
from sparsyfed.errors import UserError

REFERENCE_BETA = 1.25  # the paper's beta (and SparsyFedParams' default): the sweep's Δ is against it
STEADY_FROM_ROUND = 2
FIXED = "fixed"
CELL = ["dataset", "alpha", "sparsity"]
# Per-run values (name -> (column of the per-run frame, scale)) every table summarises.
VALUES = {"acc": ("final_test_acc", 100.0), "sparsity": ("final_global_sparsity", 100.0),
          "regrowth": ("regrowth", 1.0)}
STAT_KEYS = ("mean", "std", "n", "ci_lo", "ci_hi")


# ---------------------------------------------------------------- per run

def _params(text) -> dict:
    if not isinstance(text, str) or not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _steady_regrowth(rounds: pd.DataFrame) -> pd.Series:
    """run_dir -> mean regrowth_local over rounds >= STEADY_FROM_ROUND."""
    if rounds.empty or "run_dir" not in rounds.columns:
        return pd.Series(dtype=float)
    frame = rounds[rounds["round"] >= STEADY_FROM_ROUND]
    return pd.to_numeric(frame["regrowth_local"], errors="coerce").groupby(frame["run_dir"]).mean()


def per_run(runs: pd.DataFrame, rounds: pd.DataFrame) -> pd.DataFrame:
    """Runs of the tables whose grid point and parameters are known, with `params` (dict) and `regrowth`.

    A table made without `--variants` has no `run_dir` in rounds.csv: UserError naming the fix.
    """
    if len(rounds) and "run_dir" not in rounds.columns:
        raise UserError("rounds.csv has no run_dir column: collect an experiment's runs with "
                        "`sparsyfed collect --variants`")
    out = runs.dropna(subset=["dataset", "alpha", "method", "sparsity", "seed"]).copy()
    out["params"] = [_params(t) for t in out["method_params"]]
    out = out[[bool(p) for p in out["params"]]]
    out["regrowth"] = out["run_dir"].map(_steady_regrowth(rounds)).astype(float)
    return out.reset_index(drop=True)


def _stats(frame: pd.DataFrame, value: str) -> dict:
    column, scale = VALUES[value]
    ok = frame[frame["status"] == record.OK]
    ci = t_interval(pd.to_numeric(ok[column], errors="coerce").astype(float) * scale)
    return {f"{value}_{k}": getattr(ci, {"ci_lo": "lo", "ci_hi": "hi"}.get(k, k)) for k in STAT_KEYS}


def _paired(a: pd.DataFrame, b: pd.DataFrame, on: list[str], value: str) -> Interval:
    """t interval of b − a over the seeds both finished (a, b: per-run frames of one cell each)."""
    column, scale = VALUES[value]
    a, b = (f[f["status"] == record.OK] for f in (a, b))
    pairs = pair_by_seed(a, b, on, column)
    return t_interval((pairs[f"{column}_b"].astype(float) - pairs[f"{column}_a"].astype(float)) * scale)


def _delta_columns(prefix: str, ci: Interval) -> dict:
    return {prefix: ci.mean, f"{prefix}_std": ci.std, f"{prefix}_n": ci.n, f"{prefix}_ci_lo": ci.lo,
            f"{prefix}_ci_hi": ci.hi}


def _bad(frame: pd.DataFrame) -> tuple[int, str]:
    counts = frame.loc[frame["status"] != record.OK, "status"].value_counts()
    return int(counts.sum()), ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))


# ---------------------------------------------------------------- text

def interval_text(mean: float, lo: float, hi: float, n: int, digits: int = 2, sign: bool = False) -> str:
    """'+3.50 [-1.20, 8.20]' (mean and t interval), '+3.50 (n=1)' or '—'."""
    if mean is None or not np.isfinite(mean):
        return "—"
    f = f"{{:{'+' if sign else ''}.{digits}f}}"
    if np.isfinite(lo):
        return f"{f.format(mean)} [{f.format(lo)}, {f.format(hi)}]"
    return f"{f.format(mean)} (n={int(n)})"


def _ms(row, value: str, digits: int = 2) -> str:
    return fmt_mean_std(row[f"{value}_mean"], row[f"{value}_std"], digits)


def _setting(frame: pd.DataFrame) -> str:
    ok = frame[frame["status"] == record.OK]
    if ok.empty:
        return "no run finished"
    seeds = sorted({int(s) for s in ok["seed"]})
    return "; ".join(setting_parts(ok)) + f"; seeds: {', '.join(map(str, seeds))}"


def _missing_note(runs: pd.DataFrame, used: pd.DataFrame) -> list[str]:
    left = len(runs) - len(used)
    if not left:
        return []
    return [f"{left} run folder(s) without a finished summary (method parameters unknown) are left out."]


# ---------------------------------------------------------------- beta sensitivity

def exponent_label(params: dict) -> str:
    """'1.25' for a fixed exponent, else the spectral variant's id ('spectral', `catalog.SPECTRAL_VARIANTS`);
    a spectral setting no variant names is spelt out from its parameters."""
    exponent = params.get("exponent", FIXED)
    if exponent == FIXED:
        return f"{float(params['beta']):g}"
    variant = catalog.spectral_variant_of(params)
    if variant is not None:
        return variant.id
    settings = [params.get(k) for k in ("spectral_scope", "spectral_sigma", "spectral_over")]
    return "_".join([str(exponent)] + [str(x) for x in settings if x is not None])


def exponent_name(label: str) -> str:
    """What tables and figures show for an exponent label: 'fixed', or the spectral variant's name."""
    if label in catalog.ids(catalog.SPECTRAL_VARIANTS):
        return catalog.spectral_variant(label).name
    return label.replace("_", " ")


def betas_used(layers: pd.DataFrame) -> pd.DataFrame:
    """Per run (run_dir): the betas its clients trained with (layers.csv `beta`): `beta_used` = mean over
    rounds of the round's mean over Powerprop layers, `beta_min`, `beta_max` over every round and layer."""
    columns = ["run_dir", "beta_used", "beta_min", "beta_max"]
    if layers.empty or "beta" not in layers.columns or "run_dir" not in layers.columns:
        return pd.DataFrame(columns=columns)
    frame = layers.assign(beta=pd.to_numeric(layers["beta"], errors="coerce")).dropna(subset=["beta"])
    if frame.empty:
        return pd.DataFrame(columns=columns)
    per_round = frame.groupby(["run_dir", "round"])["beta"].mean().groupby(level="run_dir").mean()
    out = frame.groupby("run_dir")["beta"].agg(beta_min="min", beta_max="max")
    return out.assign(beta_used=per_round).reset_index()[columns]


def beta_sensitivity_frame(runs: pd.DataFrame, rounds: pd.DataFrame, layers: pd.DataFrame) -> pd.DataFrame:
    """The tidy table: one row per cell (dataset, alpha, sparsity) and exponent of SparsyFed's runs."""
    frame = per_run(runs, rounds)
    frame = frame[frame["method"].isin(catalog.with_role(catalog.PROPOSED))]
    frame = frame.assign(exponent=[p.get("exponent", FIXED) for p in frame["params"]],
                         label=[exponent_label(p) for p in frame["params"]])
    frame = frame.merge(betas_used(layers), on="run_dir", how="left")
    rows = []
    for (d, a, s), cell in frame.groupby(CELL, sort=False):
        ref = cell[(cell["exponent"] == FIXED) & np.isclose([p["beta"] for p in cell["params"]], REFERENCE_BETA)]
        for label, group in cell.groupby("label", sort=False):
            fixed = group["exponent"].iloc[0] == FIXED
            ok = group[group["status"] == record.OK]
            n_bad, bad = _bad(group)
            row = {"dataset": d, "model": ", ".join(sorted(set(group["model"].astype(str)))), "alpha": a,
                   "sparsity": s, "exponent": label, "fixed": fixed,
                   "beta": float(label) if fixed else ok["beta_used"].mean(),
                   "beta_min": float(label) if fixed else ok["beta_min"].min(),
                   "beta_max": float(label) if fixed else ok["beta_max"].max()}
            for value in VALUES:
                row.update(_stats(group, value))
            row.update(_delta_columns("acc_delta_ref", _paired(ref, group, CELL, "acc")))
            row.update(n_runs=len(group), n_bad=n_bad, bad=bad,
                       seeds=" ".join(str(int(x)) for x in sorted(ok["seed"])))
            rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    variants = {v: i for i, v in enumerate(catalog.ids(catalog.SPECTRAL_VARIANTS))}  # spectral rows in catalog order
    out = out.assign(_d=out["dataset"].map({d: i for i, d in enumerate(names.order_datasets(out["dataset"]))}),
                     _a=-out["alpha"], _k=~out["fixed"],
                     _v=[-1 if f else variants.get(e, len(variants)) for f, e in zip(out["fixed"], out["exponent"],
                                                                                     strict=True)])
    keys = ["_d", "_a", "sparsity", "_k", "_v", "beta"]
    return out.sort_values(keys, kind="stable").drop(columns=keys[:2] + ["_k", "_v"]).reset_index(drop=True)


def _beta_text(r) -> str:
    if r["fixed"]:
        return f"{r['beta']:g}" + (" (plain weights)" if r["beta"] == 1.0 else "")
    if not np.isfinite(r["beta"]):
        return "?"
    return f"{r['beta']:.4f} (range {r['beta_min']:.4f}–{r['beta_max']:.4f})"


def beta_sensitivity(runs: pd.DataFrame, rounds: pd.DataFrame, layers: pd.DataFrame) -> tuple[pd.DataFrame,
                                                                                               list[Block]]:
    """The beta sweep's table as (tidy frame, rendered blocks)."""
    tidy = beta_sensitivity_frame(runs, rounds, layers)
    blocks = []
    header = ["Exponent", "β trained with", "Accuracy (%)", f"{100 * CI_LEVEL:g} % CI",
              f"Δ vs β = {REFERENCE_BETA:g} (pp)", "Global sparsity (%)", "Regrowth (weights)", "n"]
    for (d, a, s), cell in (tidy.groupby(CELL, sort=False) if len(tidy) else []):
        rows = []
        for _, r in cell.iterrows():
            name = "fixed" if r["fixed"] else exponent_name(r["exponent"])
            ci = interval_text(r["acc_mean"], r["acc_ci_lo"], r["acc_ci_hi"], r["acc_n"]).split(" ", 1)
            rows.append([name, _beta_text(r), Cell(_ms(r, "acc"), flag=DAGGER if r["n_bad"] else ""),
                         ci[1] if len(ci) > 1 and ci[1].startswith("[") else "—",
                         "(reference)" if r["fixed"] and r["beta"] == REFERENCE_BETA else
                         interval_text(r["acc_delta_ref"], r["acc_delta_ref_ci_lo"], r["acc_delta_ref_ci_hi"],
                                       r["acc_delta_ref_n"], sign=True),
                         _ms(r, "sparsity"), _ms(r, "regrowth", 1), str(int(r["acc_n"]))])
        used = per_run(runs, rounds)
        used = used[np.isclose(used["alpha"], a) & np.isclose(used["sparsity"], s) & (used["dataset"] == d)]
        notes = [
            f"SparsyFed on {names.dataset_name(d)}, LDA α = {names.alpha_label(a)}, target sparsity "
            f"{names.sparsity_label(s)}; {_setting(used)}.",
            "Accuracy: test accuracy of the final global model; global sparsity: zeros among the prunable weights "
            "of the final global model; regrowth: weights zero in the received model and non-zero after local "
            f"training, per client and round, mean over rounds {STEADY_FROM_ROUND}–T. Each: mean ± sample std "
            f"(ddof = 1) over the n seeds that finished; {100 * CI_LEVEL:g} % CI: Student-t interval of the mean "
            "accuracy. Δ: accuracy minus that of the same seed at the paper's "
            f"β = {REFERENCE_BETA:g} (paired by seed: same initialisation, client sampling and partition), mean "
            f"[{100 * CI_LEVEL:g} % t interval].",
            "β trained with: fixed exponents are the β every Powerprop layer computes with (β = 1: plain weights, "
            "Powerprop off); a spectral exponent sets β = 1 + mean|v| / σ(|v|) from the model each client "
            "receives (layers.csv `beta`): mean over rounds and runs of the round's mean over layers, with the "
            "range over every round and layer. As the authors ran it, each layer has its own β and σ is their "
            "one power-iteration step from a random start, which underestimates σ (β − 1 about 1.2–3.3 × the "
            "exact one on ResNet-18's largest layer); the variants use the exact σ or one β for all layers (the "
            "mean of the layers' β). 1x1 shortcut convs keep plain weights unless converted.",
        ]
        if cell["n_bad"].gt(0).any():
            notes.append(f"{DAGGER} runs that failed, diverged or are missing (not finished when packed): " + "; ".join(
                f"{r['exponent']}: {r['bad']}" for _, r in cell[cell["n_bad"] > 0].iterrows()) + ".")
        notes += _missing_note(runs[(runs["dataset"] == d)], used)
        blocks.append(Block(f"SparsyFed's sensitivity to β: {names.dataset_name(d)}, α = {names.alpha_label(a)}, "
                            f"s = {names.sparsity_label(s)}",
                            "Final accuracy, global sparsity and regrowth per Powerprop exponent.",
                            header, rows, notes, label="tab:beta-sensitivity", text_cols=2))
    if not blocks:
        blocks.append(Block("SparsyFed's sensitivity to β", "", header, [],
                            ["No finished SparsyFed runs with known parameters in these tables."]))
    return tidy, blocks


# ---------------------------------------------------------------- corrected behaviours

def corrected_frame(runs: pd.DataFrame, rounds: pd.DataFrame) -> pd.DataFrame:
    """The tidy table: one row per behaviour, method and cell with a corrected run (see the module docstring)."""
    frame = per_run(runs, rounds)
    rows = []
    for b in catalog.BEHAVIOURS:
        mine = frame[frame["method"].isin(b.methods)]
        mine = mine[[b.param in p for p in mine["params"]]]
        if mine.empty:
            continue
        mine = mine.assign(_value=[p[b.param] for p in mine["params"]],
                           _rest=[json.dumps({k: v for k, v in p.items() if k != b.param}, sort_keys=True)
                                  for p in mine["params"]])
        key = ["method"] + CELL + ["_rest"]
        corrected = mine[mine["_value"] == b.corrected]
        as_ran = mine[mine["_value"] == b.as_ran]
        for k, fixed_side in corrected.groupby(key, sort=False):
            other = as_ran
            for col, val in zip(key, k, strict=True):
                other = other[np.isclose(other[col], val)] if col in ("alpha", "sparsity") else other[other[col] == val]
            row = {"behaviour": b.id, "param": b.param, "as_ran_value": _value(b.as_ran),
                   "corrected_value": _value(b.corrected), "method": k[0], "dataset": k[1], "alpha": k[2],
                   "sparsity": k[3], "model": ", ".join(sorted(set(fixed_side["model"].astype(str))))}
            for side, group in (("as_ran", other), ("corrected", fixed_side)):
                for value in VALUES:
                    row.update({f"{side}_{c}": v for c, v in _stats(group, value).items()})
                n_bad, bad = _bad(group)
                row.update({f"{side}_n_runs": len(group), f"{side}_n_bad": n_bad, f"{side}_bad": bad})
            for value in VALUES:
                row.update(_delta_columns(f"{value}_delta", _paired(other, fixed_side, ["method"] + CELL, value)))
            ok = fixed_side[fixed_side["status"] == record.OK]
            row["seeds"] = " ".join(str(int(x)) for x in sorted(ok["seed"]))
            row["other_params"] = k[4]
            rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    order = {b.id: i for i, b in enumerate(catalog.BEHAVIOURS)}
    m_order = {m: i for i, m in enumerate(names.order_methods(out["method"]))}
    d_order = {d: i for i, d in enumerate(names.order_datasets(out["dataset"]))}
    out = out.assign(_b=out["behaviour"].map(order), _m=out["method"].map(m_order), _d=out["dataset"].map(d_order),
                     _a=-out["alpha"])
    return out.sort_values(["_b", "_m", "_d", "_a", "sparsity"]).drop(columns=["_b", "_m", "_d", "_a"]).reset_index(
        drop=True)


def _side_text(r, side: str, value: str, digits: int = 2) -> Cell:
    return Cell(fmt_mean_std(r[f"{side}_{value}_mean"], r[f"{side}_{value}_std"], digits),
                flag=DAGGER if r[f"{side}_n_bad"] else "")


def corrected(runs: pd.DataFrame, rounds: pd.DataFrame) -> tuple[pd.DataFrame, list[Block]]:
    """The corrected behaviours' table as (tidy frame, rendered blocks)."""
    tidy = corrected_frame(runs, rounds)
    header = ["Behaviour", "Method", "Dataset", "LDA α", "Sparsity", "Accuracy as ran (%)", "Accuracy corrected (%)",
              "Δ accuracy (pp)", "Global sparsity as ran → corrected (%)", "Regrowth as ran → corrected",
              "Δ regrowth", "n"]
    rows, previous = [], None
    for _, r in tidy.iterrows():
        b = catalog.behaviour(r["behaviour"])
        text = f"{b.name}: {b.param} {_value(b.as_ran)} → {_value(b.corrected)}" if b.id != previous else ""
        previous = b.id
        rows.append([
            text, names.method_name(r["method"]),
            names.dataset_name(r["dataset"]), names.alpha_label(r["alpha"]), names.sparsity_label(r["sparsity"]),
            _side_text(r, "as_ran", "acc"), _side_text(r, "corrected", "acc"),
            interval_text(r["acc_delta"], r["acc_delta_ci_lo"], r["acc_delta_ci_hi"], r["acc_delta_n"], sign=True),
            f"{_num(r['as_ran_sparsity_mean'])} → {_num(r['corrected_sparsity_mean'])}",
            f"{_num(r['as_ran_regrowth_mean'], 1)} → {_num(r['corrected_regrowth_mean'], 1)}",
            interval_text(r["regrowth_delta"], r["regrowth_delta_ci_lo"], r["regrowth_delta_ci_hi"],
                          r["regrowth_delta_n"], digits=1, sign=True),
            str(int(r["acc_delta_n"]))])
    used = per_run(runs, rounds)
    notes = [
        "Each row: one point where the project follows the authors' code over the paper, run both ways with every "
        "other setting equal. As ran: the authors' code (the project's default); corrected: what the paper "
        "describes. Accuracy: test accuracy of the final global model, mean ± sample std (ddof = 1) over the "
        "seeds that finished. Δ = corrected − as ran, paired by seed (same initialisation, client sampling and "
        f"partition): mean [{100 * CI_LEVEL:g} % t interval]; n = seeds with both runs finished; an interval "
        "across 0 means no difference was resolved.",
        "Global sparsity: zeros among the prunable weights of the final global model (mean over seeds). Regrowth: "
        "weights zero in the received model and non-zero after local training, per client and round, mean over "
        f"rounds {STEADY_FROM_ROUND}–T (mean over seeds; Δ paired as above).",
        f"Setting: {_setting(used)}." if len(used) else "No finished run with known parameters.",
        "The CSV file holds every statistic of both sides (std, n, t intervals) and the differences of global "
        "sparsity too.",
    ]
    bad = tidy[(tidy["as_ran_n_bad"] > 0) | (tidy["corrected_n_bad"] > 0)] if len(tidy) else tidy
    if len(bad):
        notes.append(f"{DAGGER} the side has runs that failed, diverged or are missing (not finished when "
                     "packed); statistics are over the runs that finished.")
    notes += _missing_note(runs, used)
    if tidy.empty:
        notes.insert(0, "No pair of as-ran and corrected runs in these tables.")
    block = Block("The corrected behaviours against the authors' code",
                  "Final accuracy, global sparsity and regrowth as the authors ran each method and corrected.",
                  header, rows, notes, label="tab:corrected", text_cols=5)
    return tidy, [block]


def _value(value) -> str:
    """A parameter value as a config writes it: true, false, session."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _num(value, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if value is not None and np.isfinite(value) else "—"
