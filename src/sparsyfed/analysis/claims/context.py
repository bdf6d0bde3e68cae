"""Numbers the claims page shows beside the verdicts, to say why a number is what it is: dead channels
(beside claim 2's regrowth), what the project counts against what the authors count (prunable weights
against all parameters), and the local-training cost (FLOPs relative to dense) with the densities local
training computed with.

Every column read here may be missing from older tidy tables (runs logged before it existed); each
function then says so in its text instead of failing. Columns: layers.csv `dead_out`, `dead_in` (all-zero
output and input channels of the global model's layer after the round), `zeros_dead` (the layer's zeros
lying in a dead channel), `trained_density` (mean over the round's clients of the weight density local
training computed with); rounds.csv `dead_zero_share` (share of the global model's prunable zeros in dead
channels), `global_sparsity_all` (zeros over all parameters, BN and biases included).
"""

from __future__ import annotations

import pandas as pd

from sparsyfed import catalog
from sparsyfed.analysis import names
from sparsyfed.analysis.claims.cells import cell_keys, in_cell, of_method, ok_keys, pct, where
from sparsyfed.analysis.claims.windows import FIRST_STEADY_ROUND, JUDGED, Window, last_rounds, window_means
from sparsyfed.analysis.collect import GRID
from sparsyfed.analysis.stats import ok_values, t_interval

DEAD_LAYER_COLUMNS = ("dead_out", "dead_in", "zeros_dead")
DEAD_SHARE = "dead_zero_share"
TRAINED_DENSITY = "trained_density"
FLOPS = "flops_rel"
MODEL = ["dataset", "model"]


def _has(frame: pd.DataFrame, *columns: str) -> bool:
    return len(frame) > 0 and set(columns) <= set(frame.columns)


def _ci_text(values: pd.Series, spec: str, unit: str = "") -> str:
    """'61.2 % [58.0, 64.4]' (mean and 95 % t interval over seeds) or the mean alone for one seed."""
    ci = t_interval(values)
    if ci.n == 0:
        return "—"
    return f"{ci.mean:{spec}}{unit}" + (f" [{ci.lo:{spec}}, {ci.hi:{spec}}]" if ci.n > 1 else " (one seed)")


# ---------------------------------------------------------------- dead channels (claim 2)

DEAD_MECHANISM = ("global magnitude pruning empties whole channels of the global model; a zero in a dead output "
                  "channel (every weight of the channel zero) or a dead input channel (every weight reading it zero) "
                  "gets a zero gradient in local training wherever ReLU or the all-zero input cuts it, so a "
                  "baseline regrows only from the zeros outside dead channels: the more of its zeros sit in them, "
                  "the smaller its regrowth and its ratio to SparsyFed's on this model")
NO_DEAD = ("Dead channels: not in these tables (layers.csv has no {layers}, rounds.csv no {share}): the runs predate "
           "dead-channel logging, so the page cannot show how many zeros sit in dead channels; rerun them to see it")


def _per_run_layer_sums(layers: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Per run (GRID): dead output and input channels summed over the layers and the zeros outside dead
    channels (sum of numel × (1 − density) − zeros_dead), each a mean over the rounds of `window`."""
    frame = layers.copy()
    for col in DEAD_LAYER_COLUMNS + ("numel", "density"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["zeros_alive"] = frame["numel"] * (1.0 - frame["density"]) - frame["zeros_dead"]
    per_round = frame.groupby(GRID + ["round"], dropna=False)[["dead_out", "dead_in", "zeros_alive"]].sum()
    per_round = per_round.reset_index().assign(status="ok")
    out = window_means(per_round, "dead_out", window)
    for col in ("dead_in", "zeros_alive"):
        out = out.merge(window_means(per_round, col, window), on=GRID)
    return out


def has_dead_channels(rounds: pd.DataFrame, layers: pd.DataFrame) -> bool:
    """True when either table logs dead channels."""
    return _has(rounds, DEAD_SHARE) or _has(layers, *DEAD_LAYER_COLUMNS, "numel", "density")


def dead_channel_lines(rounds: pd.DataFrame, layers: pd.DataFrame, sparsity: float, methods: tuple[str, ...],
                       window: Window) -> list[str]:
    """Per cell at `sparsity`: where the zeros of `methods`' global models sit, for the page beside regrowth
    (`layers`: finished runs only)."""
    has_share, has_layers = _has(rounds, DEAD_SHARE), _has(layers, *DEAD_LAYER_COLUMNS, "numel", "density")
    if not (has_share or has_layers):
        return [NO_DEAD.format(layers=", ".join(DEAD_LAYER_COLUMNS), share=DEAD_SHARE)]
    share = window_means(rounds, DEAD_SHARE, window, scale=100.0) if has_share else None
    sums = _per_run_layer_sums(layers, window) if has_layers else None
    lines, by = [], ["dataset", "alpha", "sparsity"]
    frame = share if share is not None else sums
    for d, a in cell_keys(of_method(frame, names.PROPOSED, sparsity), ["dataset", "alpha"]):
        parts = []
        if share is not None:
            values = {m: in_cell(of_method(share, m), by, (d, a, sparsity))[DEAD_SHARE] for m in methods}
            parts.append(f"share of the global model's prunable zeros in dead channels (`{DEAD_SHARE}`): "
                         + ", ".join(f"{names.method_name(m)} {_ci_text(v, '.1f', ' %')}" for m, v in values.items()))
        if sums is not None:
            cell = {m: in_cell(of_method(sums, m), by, (d, a, sparsity)) for m in methods}
            parts.append("dead output / input channels summed over the prunable layers (`dead_out` / `dead_in`): "
                         + ", ".join(f"{names.method_name(m)} {c['dead_out'].mean():,.1f} / {c['dead_in'].mean():,.1f}"
                                     for m, c in cell.items() if len(c)))
            parts.append("zeros outside dead channels (what local training can regrow): "
                         + ", ".join(f"{names.method_name(m)} {c['zeros_alive'].mean():,.0f}" for m, c in cell.items()
                                     if len(c)))
        lines.append(f"Dead channels, {where(d, a, sparsity)} (per run the mean over {window.name}, then mean "
                     f"[95 % t interval] over seeds): " + "; ".join(parts))
    missing = [] if has_share else [f"rounds.csv has no `{DEAD_SHARE}`"]
    missing += [] if has_layers else [f"layers.csv has no {', '.join(DEAD_LAYER_COLUMNS)}"]
    return lines + ([f"Dead channels, partly logged: {'; '.join(missing)} (runs older than that column)"]
                    if missing else [])


# ---------------------------------------------------------------- prunable weights against all parameters

def _prunable_entries(layers: pd.DataFrame) -> pd.Series:
    """Per (dataset, model): prunable entries (the layers' numel summed over one round of one run)."""
    first = layers[layers["round"] == layers.groupby(GRID, dropna=False)["round"].transform("min")]
    per_run = first.groupby(GRID, dropna=False)["numel"].sum()
    return per_run.groupby(level=MODEL).median()


def _all_entries(rounds: pd.DataFrame) -> pd.Series:
    """Per (dataset, model): all parameter entries P, from authors_comm_params = (d + 1 − s) × P with d the
    previous round's density over all parameters (rounds 2–T)."""
    frame = ok_values(rounds, "authors_comm_params").sort_values(GRID + ["round"])
    prev = frame.groupby(GRID, dropna=False)["global_sparsity_all"].shift(1)
    p = frame["authors_comm_params"] / (1.0 - prev + 1.0 - frame["sparsity"].astype(float))
    return p[prev.notna()].groupby([frame["dataset"], frame["model"]]).median().round()


def _other_zeros(rounds: pd.DataFrame, prunable: float, every: float) -> pd.DataFrame:
    """Rounds 2–T of finished runs with `other_zeros` (zeros among the parameters that are not prunable:
    global_sparsity_all × all entries − global_sparsity × prunable entries) and `gap_pp` (the two sparsities'
    difference, percentage points)."""
    frame = ok_values(ok_values(rounds, "global_sparsity_all"), "global_sparsity")
    frame = frame[frame["round"] >= FIRST_STEADY_ROUND]
    zeros = frame["global_sparsity_all"] * every - frame["global_sparsity"] * prunable
    gap = 100 * (frame["global_sparsity"] - frame["global_sparsity_all"])
    return frame.assign(other_zeros=zeros.round(), gap_pp=gap)


def _scope_text(dataset: str, model: str, prunable: float, every: float, frame: pd.DataFrame) -> str:
    extra = every - prunable
    zeros = frame.groupby("method")["other_zeros"].max()
    gap = frame.loc[frame["method"] != names.REFERENCE, "gap_pp"]
    return (f"{names.dataset_name(dataset)} with {model}: {prunable:,.0f} prunable of {every:,.0f} parameter entries "
            f"({extra:,.0f} more, {100 * extra / every:.2f} %); after round 1 the other parameters hold at most "
            + ", ".join(f"{names.method_name(k)} {v:,.0f}" for k, v in _ordered(zeros).items())
            + f" zeros (max over runs and rounds {FIRST_STEADY_ROUND}–T of `global_sparsity_all` × all entries − "
            "`global_sparsity` × prunable entries), so counting all parameters would change a round's regrowth by "
            f"at most that many weights; over all parameters the global sparsity is {gap.min():.2f}–{gap.max():.2f} "
            f"pp lower (sparse runs, rounds {FIRST_STEADY_ROUND}–T)")


def parameter_scope_note(rounds: pd.DataFrame, layers: pd.DataFrame) -> str:
    """What the project counts (prunable weights) against what the authors count (all parameters), with the
    numbers from the tables: entries of each, zeros among the other parameters after round 1."""
    base = ("Counting: `regrowth_*` and `global_sparsity` count the prunable weights (conv and linear weights); the "
            "authors counted all parameters, BN and biases included (`global_sparsity_all` keeps their count)")
    if not (_has(rounds, "global_sparsity", "global_sparsity_all", "authors_comm_params") and _has(layers, "numel")):
        return base + "; these tables lack the columns to say how far the two differ."
    prunable, every = _prunable_entries(layers), _all_entries(rounds)
    parts = []
    for d, m in prunable.index.intersection(every.index):
        frame = _other_zeros(rounds[(rounds["dataset"] == d) & (rounds["model"] == m)], prunable[(d, m)],
                             every[(d, m)])
        if len(frame):
            parts.append(_scope_text(d, m, prunable[(d, m)], every[(d, m)], frame))
    return base + (": " + "; ".join(parts) if parts else "") + "."


def _ordered(per_method: pd.Series) -> pd.Series:
    return per_method.reindex(names.order_methods(per_method.index))


# ---------------------------------------------------------------- local-training cost

FLOPS_FORMULA = ("`flops_rel` = Σ_l F_l (2 d_w,l + d_a,l) / 3 Σ_l F_l over the prunable layers, with F_l the layer's "
                 "dense multiply-accumulates per sample, d_w,l the weight density local training computed with "
                 "and d_a,l the activation density kept for the weight gradient (1 without activation pruning); "
                 "a layer weighs by its MACs, not its weight count, so a layer that trains dense at full input "
                 "resolution costs far more than its share of the weights")
NO_TRAINED = ("layers.csv has no `trained_density` (the runs predate its logging): the page cannot split these "
              "numbers into the densities local training computed with (ZeroFL's differ from its global model's); "
              "rerun the runs to see them")


def _flops_table(rounds: pd.DataFrame, window: Window) -> list[str]:
    means = window_means(rounds, FLOPS, window)
    alphas = names.order_alphas(means["alpha"])
    out = ["| Method | Target sparsity | " + " | ".join(f"α = {names.alpha_label(a)}" for a in alphas) + " |",
           "|---|---|" + "---|" * len(alphas)]
    for m in names.order_methods(means["method"]):
        for s in names.order_sparsities(of_method(means, m)["sparsity"]):
            cells = [_ci_text(in_cell(of_method(means, m, s), ["alpha"], (a,))[FLOPS], ".3f") for a in alphas]
            out.append(f"| {names.method_name(m)} | {pct(s)} | " + " | ".join(cells) + " |")
    return out


def _trained_lines(rounds: pd.DataFrame, layers: pd.DataFrame, window: Window) -> list[str]:
    """Per sparse method and sparsity: the trained density by layer kind against the global model's density."""
    frame = ok_values(layers.assign(status="ok"), TRAINED_DENSITY)
    frame = frame[frame["method"] != names.REFERENCE]
    frame = frame.assign(numel=pd.to_numeric(frame["numel"], errors="coerce").astype(float))
    last = frame.groupby(GRID, dropna=False)["round"].transform("max")
    frame = frame[frame["round"] >= last.map(lambda t: window.first_round(int(t)))]
    density = window_means(rounds, "global_sparsity", window)
    lines = []
    for m in names.order_methods(frame["method"]):
        for s in names.order_sparsities(of_method(frame, m)["sparsity"]):
            here = of_method(frame, m, s)
            kinds = here.groupby(["role", "layer_type"], dropna=False).agg(
                d=(TRAINED_DENSITY, "mean"), layers=("layer", "nunique")).reset_index()
            weighted = (here[TRAINED_DENSITY] * here["numel"]).sum() / here["numel"].sum()
            global_density = 1.0 - of_method(density, m, s)["global_sparsity"].mean()
            runs = here[GRID].drop_duplicates()
            by_kind = ", ".join(f"{r.layers} × {r.layer_type}/{r.role} {r.d:.3f}" for r in
                                kinds.sort_values("d", ascending=False).itertuples())
            lines.append(f"{names.method_name(m)} at {pct(s)} (mean over {len(runs)} runs, every α and seed): trained "
                         f"density {weighted:.3f} weighted by entries ({by_kind}); the global model's density "
                         f"{global_density:.3f}")
    return lines


def training_cost_section(runs: pd.DataFrame, rounds: pd.DataFrame, layers: pd.DataFrame) -> list[str]:
    """The page's section on local-training FLOPs relative to dense and the densities behind them (finished
    runs only)."""
    out = ["", "## Local training cost, shown beside the claims (not a claim)", ""]
    if not _has(rounds, FLOPS):
        return out + ["rounds.csv has no `flops_rel`."]
    lasts = last_rounds(rounds)
    out += [f"FLOPs of local training relative to dense (`{FLOPS}`, per run the mean over the "
            f"{JUDGED.label(lasts)}; mean [95 % t interval] over seeds):", ""]
    out += _flops_table(rounds, JUDGED) + ["", f"- How it is counted: {FLOPS_FORMULA}."]
    if not _has(layers, TRAINED_DENSITY, "numel", "role", "layer_type"):
        return out + [f"- {NO_TRAINED}."]
    out += ["- The weight density local training computed with (`trained_density`, per layer the mean over the "
            f"round's clients; layer type/role from layers.csv; {JUDGED.label(lasts)}), against the global model's "
            "density (1 − `global_sparsity`):"]
    ok_layers = layers.merge(ok_keys(runs), on=GRID)
    present = set(rounds["method"])
    explained = [b for b in catalog.BEHAVIOURS if b.effect and present & set(b.methods)]
    why = [f"- Why, where a method trains denser than its global model: {b.name}, as the authors ran it "
           f"(`{b.param}: {b.as_ran}`): {b.effect}." for b in explained]
    return out + [f"  - {line}" for line in _trained_lines(rounds, ok_layers, JUDGED)] + why
