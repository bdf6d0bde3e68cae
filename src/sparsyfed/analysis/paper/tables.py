"""The paper's tables from the tidy `runs.csv`: Table 1, Table 2 and the paper comparison (SPEC section 6).

Each table is written as `<name>.csv` (tidy, one row per cell, every number unrounded),
`<name>.md` and `<name>.tex` (the paper's layout, rounded to two decimals). Accuracies are in
percent: mean ± sample std (ddof = 1) over the seeds that finished ("ok"), with n.

- `table1`: final test accuracy per dataset x alpha x method x sparsity, with the dense accuracy
  per dataset x alpha; the best method per sparsity column (within a dataset and alpha) in bold;
  cells with a failed, diverged or missing run marked with a dagger and listed in a footnote;
  cells with fewer finished seeds than the grid asked for show (n=k).
- `table2`: SparsyFed with vs without activation pruning (`sparsyfed` vs `sparsyfed_noact`)
  per sparsity x alpha, with the difference.
- `paper_comparison`: our numbers next to the authors' (`paper_numbers.csv`) for the cells that
  exist in both, then the authors' full table for the paper's datasets, labelled as theirs.
- `paper_shape`: the shape of our results against the authors' across datasets (`shape`).
- `kept_weights`: accuracy relative to dense against the prunable weights kept, ours and the
  authors' on one axis (`kept`; reads layers.csv too, for tables without runs.csv `num_prunable`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sparsyfed import catalog, record
from sparsyfed.analysis import names, outputs
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.paper import shape
from sparsyfed.analysis.paper.reported import authors_setting, paper_numbers
from sparsyfed.analysis.render import DAGGER, Block, Cell, latex, markdown
from sparsyfed.analysis.stats import (
    CELL,
    CI_LEVEL,
    expected_seeds,
    fmt_mean_std,
    n_range_note,
    ok_values,
    pair_by_seed,
    seed_stats,
    t_interval,
)
from sparsyfed.io import write_csv, write_text

ACC_NOTE = ("Test accuracy (%) of the final global model: mean ± sample std (ddof = 1) over the seeds that "
            "finished{n_part}; (n=k) marks a cell with fewer finished seeds. The CSV file also holds each "
            f"cell's {100 * CI_LEVEL:g} % t interval over seeds (ci_lo, ci_hi).")
MAX_LISTED = 25  # failed cells listed in a footnote before "... and k more"


# ---------------------------------------------------------------- shared pieces

def _acc_stats(runs: pd.DataFrame) -> pd.DataFrame:
    return seed_stats(runs, "final_test_acc", CELL, scale=100.0)


def _cell_text(row, n_expected: int) -> str:
    text = fmt_mean_std(row["mean"], row["std"])
    if 0 < row["n"] < n_expected:
        text += f" (n={int(row['n'])})"
    return text


def _flag(row) -> str:
    return DAGGER if row["n_bad"] > 0 else ""


def _n_part(n_expected: int) -> str:
    return f", n = {n_expected} seed{'s' if n_expected != 1 else ''} per cell unless noted" if n_expected else ""


def _num(value) -> str:
    """12.0 -> '12'; NaN or None -> '?'."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "?"
    return f"{value:g}" if np.isfinite(value) else "?"


def setting_parts(runs: pd.DataFrame) -> list[str]:
    """'model: resnet_small', 'rounds: 30', ... of the finished runs (empty when none finished)."""
    ok = runs[runs["status"] == record.OK]
    parts = []
    for col, label in (("model", "model"), ("rounds", "rounds"), ("num_clients", "clients"),
                       ("clients_per_round", "clients per round")):
        if col in ok.columns:
            vals = sorted({v if isinstance(v, str) else _num(v) for v in ok[col].dropna()})
            if vals:
                parts.append(f"{label}: {', '.join(vals)}")
    return parts


def _setting_note(runs: pd.DataFrame) -> str:
    if not (runs["status"] == record.OK).any():
        return "No run finished."
    return "Setting of the finished runs: " + "; ".join(setting_parts(runs)) + "."


def _bad_note(stats: pd.DataFrame) -> str:
    bad = stats[stats["n_bad"] > 0]
    if bad.empty:
        return ""
    items = [f"{names.dataset_name(r.dataset)} α={names.alpha_label(r.alpha)} {names.method_name(r.method)}"
             f"{'' if r.method == names.REFERENCE else ' ' + names.sparsity_label(r.sparsity)} ({r.bad})"
             for r in bad.itertuples()]
    more = f"; ... and {len(items) - MAX_LISTED} more (see runs.csv)" if len(items) > MAX_LISTED else ""
    return (f"{DAGGER} The cell has runs that failed, diverged or are missing; the mean is over the runs that "
            f"finished: " + "; ".join(items[:MAX_LISTED]) + more + ".")


def _best_flags(stats: pd.DataFrame, methods: tuple[str, ...]) -> pd.Series:
    """True where a method has the highest mean (to two decimals) of its dataset x alpha x sparsity column."""
    best = pd.Series(False, index=stats.index)
    cand = stats[stats["method"].isin(methods) & (stats["n"] > 0)]
    for _, group in cand.groupby(["dataset", "alpha", "sparsity"], dropna=False):
        top = group["mean"].round(2).max()
        best[group.index[group["mean"].round(2) == top]] = True
    return best


def _sorted_keys(frame: pd.DataFrame) -> list[tuple[str, float]]:
    keys = []
    for d in names.order_datasets(frame["dataset"].dropna()):
        for a in names.order_alphas(frame.loc[frame["dataset"] == d, "alpha"].dropna()):
            keys.append((d, a))
    return keys


# ---------------------------------------------------------------- Table 1

def table1(runs: pd.DataFrame) -> tuple[pd.DataFrame, list[Block]]:
    """Table 1 as (tidy frame, rendered blocks); see the module docstring."""
    stats = _acc_stats(runs)
    n_exp = expected_seeds(runs)
    stats = stats[stats["method"].isin((names.REFERENCE,) + names.TABLE1_METHODS)].reset_index(drop=True)
    stats["best"] = _best_flags(stats, names.TABLE1_METHODS)
    stats["n_expected"] = n_exp
    stats["cell"] = [_cell_text(r, n_exp) for _, r in stats.iterrows()]
    stats["flag"] = [_flag(r) for _, r in stats.iterrows()]
    tidy = stats.rename(columns={"mean": "acc_mean", "std": "acc_std", "ci_lo": "acc_ci_lo", "ci_hi": "acc_ci_hi"})[
        ["dataset", "alpha", "method", "sparsity", "acc_mean", "acc_std", "n", "acc_ci_lo", "acc_ci_hi", "n_expected",
         "n_runs", "n_bad", "bad", "best", "cell", "flag"]]
    tidy = _sort_tidy(tidy)

    sparse = stats[stats["method"] != names.REFERENCE]
    sparsities = names.order_sparsities(sparse["sparsity"])
    header = ["Dataset", "LDA α", "Dense", "Method"] + [names.sparsity_label(s) for s in sparsities]
    rows = []
    for d, a in _sorted_keys(stats):
        block = stats[(stats["dataset"] == d) & (stats["alpha"] == a)]
        dense = block[block["method"] == names.REFERENCE]
        dense_cell = Cell(dense.iloc[0]["cell"], flag=dense.iloc[0]["flag"]) if len(dense) else Cell("—")
        methods = [m for m in names.order_methods(block["method"]) if m != names.REFERENCE] or ["—"]
        for i, m in enumerate(methods):
            row: list[str | Cell] = [names.dataset_name(d) if i == 0 else "", names.alpha_label(a) if i == 0 else "",
                                     dense_cell if i == 0 else "", names.method_name(m)]
            for s in sparsities:
                hit = block[(block["method"] == m) & np.isclose(block["sparsity"], s)]
                row.append(Cell(hit.iloc[0]["cell"], bold=bool(hit.iloc[0]["best"]), flag=hit.iloc[0]["flag"])
                           if len(hit) else Cell("—"))
            rows.append(row)
    notes = [ACC_NOTE.format(n_part=_n_part(n_exp)),
             "Bold: the best method per sparsity column within each dataset and α (— = not run).",
             _setting_note(runs)]
    if (bad := _bad_note(stats)):
        notes.append(bad)
    block = Block("Table 1: final test accuracy vs target sparsity",
                  "Per dataset, LDA α, method and target sparsity; dense (FedAvg) accuracy per dataset and α.",
                  header, rows, notes, label="tab:accuracy")
    return tidy, [block]


def _sort_tidy(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    order_d = {d: i for i, d in enumerate(names.order_datasets(frame["dataset"].dropna()))}
    order_m = {m: i for i, m in enumerate(names.order_methods(frame["method"].dropna()))} if "method" in frame else {}
    key = frame.assign(_d=frame["dataset"].map(order_d), _a=-frame["alpha"],
                       _m=frame["method"].map(order_m) if "method" in frame else 0)
    cols = ["_d", "_a", "_m"] + (["sparsity"] if "sparsity" in frame else [])
    return key.sort_values(cols, na_position="last").drop(columns=["_d", "_a", "_m"]).reset_index(drop=True)


# ---------------------------------------------------------------- Table 2

def table2(runs: pd.DataFrame) -> tuple[pd.DataFrame, list[Block]]:
    """Table 2 (activation-pruning ablation) as (tidy frame, rendered blocks)."""
    variants = {"with": names.PROPOSED, "without": names.NO_ACTIVATION_PRUNING}
    stats = _acc_stats(runs[runs["method"].isin(variants.values())]) if not runs.empty else _acc_stats(runs)
    n_exp = expected_seeds(runs)
    stats["cell"] = [_cell_text(r, n_exp) for _, r in stats.iterrows()]
    stats["flag"] = [_flag(r) for _, r in stats.iterrows()]
    acc = ok_values(runs, "final_test_acc", 100.0)
    records = []
    for (d, a, s), group in stats.groupby(["dataset", "alpha", "sparsity"], dropna=False, sort=False):
        rec = {"dataset": d, "alpha": a, "sparsity": s}
        for side, method in variants.items():
            hit = group[group["method"] == method]
            h = hit.iloc[0] if len(hit) else None
            rec.update({f"{side}_{k}": h[k] if h is not None else np.nan for k in ("mean", "std", "ci_lo", "ci_hi")})
            rec.update({f"{side}_n": int(h["n"]) if h is not None else 0,
                        f"{side}_bad": h["bad"] if h is not None else "",
                        f"{side}_cell": h["cell"] if h is not None else "—",
                        f"{side}_flag": h["flag"] if h is not None else ""})
        cell = acc[(acc["dataset"] == d) & (acc["alpha"] == a) & np.isclose(acc["sparsity"], s)]
        pairs = pair_by_seed(cell[cell["method"] == variants["with"]], cell[cell["method"] == variants["without"]],
                             ["dataset", "alpha", "sparsity"], "final_test_acc")
        ci = t_interval(pairs["final_test_acc_a"] - pairs["final_test_acc_b"])
        rec.update(delta=ci.mean, delta_std=ci.std, delta_n=ci.n, delta_ci_lo=ci.lo, delta_ci_hi=ci.hi)
        records.append(rec)
    columns = ["dataset", "alpha", "sparsity"] + [f"{side}_{k}" for side in variants for k in (
        "mean", "std", "n", "ci_lo", "ci_hi", "bad", "cell", "flag")] + [
        "delta", "delta_std", "delta_n", "delta_ci_lo", "delta_ci_hi"]
    tidy = _sort_tidy(pd.DataFrame(records, columns=columns))

    sparsities = names.order_sparsities(tidy["sparsity"])
    header = ["Dataset", "LDA α", "Variant"] + [names.sparsity_label(s) for s in sparsities]
    rows = []
    for d, a in _sorted_keys(tidy):
        block = tidy[(tidy["dataset"] == d) & (tidy["alpha"] == a)]
        for i, (side, label) in enumerate((("with", "with activation pruning"),
                                           ("without", "without activation pruning"), ("delta", "Δ (pp)"))):
            row: list[str | Cell] = [names.dataset_name(d) if i == 0 else "", names.alpha_label(a) if i == 0 else "",
                                     label]
            for s in sparsities:
                hit = block[np.isclose(block["sparsity"], s)]
                if hit.empty:
                    row.append(Cell("—"))
                    continue
                h = hit.iloc[0]
                if side == "delta":
                    row.append(Cell(_delta_text(h)))
                else:
                    other = "without" if side == "with" else "with"
                    mine, theirs = h[f"{side}_mean"], h[f"{other}_mean"]
                    better = np.isfinite(mine) and (not np.isfinite(theirs) or round(mine, 2) >= round(theirs, 2))
                    row.append(Cell(h[f"{side}_cell"], bold=bool(better and np.isfinite(h[f"{other}_mean"])),
                                    flag=h[f"{side}_flag"]))
            rows.append(row)
    notes = [ACC_NOTE.format(n_part=_n_part(n_exp)),
             "Bold: the better variant per column. Δ = with − without, in percentage points, paired by seed: the "
             f"mean over the seeds where both finished, [its {100 * CI_LEVEL:g} % t interval] when n ≥ 2 (n=k when "
             "fewer seeds than the grid's).",
             _setting_note(runs[runs["method"].isin(variants.values())] if not runs.empty else runs)]
    if (bad := _bad_note(stats)):
        notes.append(bad)
    if tidy.empty:
        notes.insert(0, "No runs of SparsyFed or SparsyFed (no act. pruning) in these tables.")
    block = Block("Table 2: SparsyFed with and without activation pruning",
                  "Final test accuracy per dataset, LDA α and target sparsity.", header, rows, notes,
                  label="tab:ablation", text_cols=3)
    return tidy, [block]


def _delta_text(h) -> str:
    """'+3.50 [-1.20, 8.20]' (paired mean and t interval), '+3.50 (n=1)' or '—'."""
    if not np.isfinite(h["delta"]):
        return "—"
    if np.isfinite(h["delta_ci_lo"]):
        return f"{h['delta']:+.2f} [{h['delta_ci_lo']:+.2f}, {h['delta_ci_hi']:+.2f}]"
    return f"{h['delta']:+.2f} (n={int(h['delta_n'])})"


# ---------------------------------------------------------------- paper comparison

def paper_comparison(runs: pd.DataFrame) -> tuple[pd.DataFrame, list[Block]]:
    """Ours next to the authors' numbers, as (tidy frame, rendered blocks)."""
    paper = paper_numbers()
    paper = paper.assign(sparsity=paper["sparsity"].fillna(0.0))
    ours = _acc_stats(runs)
    ok = runs[runs["status"] == record.OK]
    setting = {}
    for key, group in ok.groupby(CELL, dropna=False):
        setting[key] = "; ".join(sorted({f"{r.model}, {_num(r.rounds)} rounds, {_num(r.num_clients)} clients"
                                          for r in group.itertuples()}))
    ours = ours.assign(setting=[setting.get(tuple(r[c] for c in CELL), "") for _, r in ours.iterrows()])
    ours = ours.rename(columns={"mean": "ours_mean", "std": "ours_std", "n": "ours_n", "n_bad": "ours_n_bad",
                                "bad": "ours_bad", "setting": "ours_setting", "ci_lo": "ours_ci_lo",
                                "ci_hi": "ours_ci_hi"})
    merged = paper.rename(columns={"acc_mean": "authors_mean", "acc_std": "authors_std",
                                   "n_note": "authors_note"}).merge(
        ours[CELL + ["ours_mean", "ours_std", "ours_n", "ours_ci_lo", "ours_ci_hi", "ours_n_bad", "ours_bad",
                     "ours_setting"]],
        on=CELL, how="left")
    merged["ours_n"] = merged["ours_n"].fillna(0).astype(int)
    merged["ours_n_bad"] = merged["ours_n_bad"].fillna(0).astype(int)
    merged["in_both"] = merged["ours_n"] > 0
    merged["delta"] = merged["ours_mean"] - merged["authors_mean"]
    tidy = merged[CELL + ["ours_mean", "ours_std", "ours_n", "ours_ci_lo", "ours_ci_hi", "ours_n_bad", "ours_bad",
                          "ours_setting",
                          "authors_mean", "authors_std", "authors_note", "source", "delta", "in_both"]]
    tidy = _sort_tidy(tidy)

    both = tidy[tidy["in_both"]]
    rows1 = []
    for r in both.itertuples():
        ours_text = fmt_mean_std(r.ours_mean, r.ours_std) + f" (n={r.ours_n})"
        rows1.append([names.dataset_name(r.dataset), names.alpha_label(r.alpha), names.method_name(r.method),
                      "—" if r.method == names.REFERENCE else names.sparsity_label(r.sparsity),
                      Cell(ours_text, flag=DAGGER if r.ours_n_bad else ""),
                      fmt_mean_std(r.authors_mean, r.authors_std), f"{r.delta:+.2f}", r.ours_setting])
    notes1 = ["Ours: test accuracy (%) of the final global model, mean ± sample std (ddof = 1) over the seeds "
              f"that finished, with n. Authors': {names.AUTHORS_SOURCE}, ResNet-18, 100 clients, 10 per round; "
              "a value without ± is a single run or the one dense value. Δ = ours − authors', in percentage points."]
    if both.empty:
        notes1.insert(0, "None of our runs is at a setting the authors report (their datasets: "
                         + ", ".join(names.dataset_name(d) for d in names.order_datasets(paper["dataset"]))
                         + "). `paper_shape` compares the shape of the results (ranking of the methods, accuracy "
                           "relative to dense) across datasets.")
    if both["ours_n_bad"].gt(0).any():
        notes1.append(f"{DAGGER} Some of our runs of this cell failed, diverged or are missing (see Table 1).")
    extra = ours[ours["ours_n"] > 0].merge(paper[CELL], on=CELL, how="left", indicator=True)
    n_extra = int((extra["_merge"] == "left_only").sum())
    if n_extra:
        notes1.append(f"{n_extra} cell(s) of ours have no authors' number (other datasets or settings); see Table 1.")
    block1 = Block("Paper comparison: cells we ran that the authors report",
                   "Final test accuracy (%), ours next to the authors'.",
                   ["Dataset", "LDA α", "Method", "Sparsity", "Ours", "Authors' (Sep 2024 notebooks)",
                    "Δ (pp)", "Our setting"], rows1, notes1, label="tab:paper-comparison", text_cols=8)

    sparsities = names.order_sparsities(paper.loc[paper["method"] != names.REFERENCE, "sparsity"])
    header2 = ["Dataset", "LDA α", "Dense", "Method"] + [names.sparsity_label(s) for s in sparsities]
    rows2 = []
    for d, a in _sorted_keys(tidy):
        block = tidy[(tidy["dataset"] == d) & (tidy["alpha"] == a)]
        dense = block[block["method"] == names.REFERENCE]

        def cell(h) -> Cell:
            return Cell(fmt_mean_std(h["authors_mean"], h["authors_std"]), flag="*" if h["in_both"] else "")

        dense_cell = cell(dense.iloc[0]) if len(dense) else Cell("—")
        for i, m in enumerate(m for m in names.order_methods(block["method"]) if m != names.REFERENCE):
            row: list[str | Cell] = [names.dataset_name(d) if i == 0 else "", names.alpha_label(a) if i == 0 else "",
                                     dense_cell if i == 0 else "", names.method_name(m)]
            for s in sparsities:
                hit = block[(block["method"] == m) & np.isclose(block["sparsity"], s)]
                row.append(cell(hit.iloc[0]) if len(hit) else Cell("—"))
            rows2.append(row)
    notes2 = [f"These are the authors' numbers ({names.AUTHORS_SOURCE}), not ours: the values behind their "
              "accuracy-vs-sparsity plots; the camera-ready Table 1 could not be read.",
              "* we have runs at this cell (compared in the table above).",
              "FLASH: a single run per cell. Speech Commands FLASH rows for α = 1000 and α = 1.0 are identical in "
              "the source, which looks like a copy-paste placeholder."]
    block2 = Block(f"Authors' reported accuracies ({names.AUTHORS_SOURCE})",
                   "Test accuracy (%), mean ± std over the authors' seeds; ResNet-18, 100 clients, 10 per round.",
                   header2, rows2, notes2, label="tab:authors")
    return tidy, [block1, block2]


# ---------------------------------------------------------------- paper shape

def _rel_text(mean: float, std: float, n: int | None = None) -> str:
    text = fmt_mean_std(mean, std, 1)
    return text + (f" (n={n})" if n is not None and text != "—" else "")


def _lead_text(r) -> str:
    if not np.isfinite(r.ours_lead):
        return "—"
    if np.isfinite(r.ours_lead_ci_lo):
        return f"{r.ours_lead:+.2f} [{r.ours_lead_ci_lo:+.2f}, {r.ours_lead_ci_hi:+.2f}]"
    return f"{r.ours_lead:+.2f} (n={int(r.ours_lead_n)})"


def paper_shape(runs: pd.DataFrame) -> tuple[pd.DataFrame, list[Block]]:
    """The shape of our results against the authors' across datasets (`shape.py`), as (tidy, blocks)."""
    authors = paper_numbers()
    tidy = shape.compare(runs, authors)
    theirs = names.order_datasets(tidy["authors_dataset"]) or names.order_datasets(authors["dataset"])
    cells = tidy.drop_duplicates(["dataset", "authors_dataset", "alpha", "sparsity"])
    rows1 = []
    for (d, a, s), g in cells.groupby(["dataset", "alpha", "sparsity"], sort=False):
        first = g.iloc[0]
        row = [names.dataset_name(d), names.alpha_label(a), names.sparsity_label(s), first["ours_ranking"],
               _lead_text(first)]
        for ad in theirs:
            hit = g[g["authors_dataset"] == ad]
            row.append(f"{hit.iloc[0]['authors_ranking']} (τ = {hit.iloc[0]['kendall_tau']:+.2f})"
                       if len(hit) and np.isfinite(hit.iloc[0]["kendall_tau"]) else
                       (hit.iloc[0]["authors_ranking"] + " (τ undefined)" if len(hit) else "—"))
        rows1.append(row)
    ours_sets = "; ".join(shape.ours_setting(runs, d) for d in names.order_datasets(tidy["dataset"])) or "none"
    n_note = shape.ours_relative(runs)["ours_n"]
    notes1 = [f"Ours: {ours_sets}. Authors': " + "; ".join(authors_setting(d) for d in theirs)
              + f" ({names.AUTHORS_SOURCE}). Different datasets, models and horizons: only the shape is compared.",
              "Ranking: methods by mean final test accuracy over seeds (means equal to "
              f"{shape.TIE_DIGITS} decimals tie, '='). τ: Kendall τ-b between our means and the authors' over the "
              "k methods both ran (k = 4: (concordant − discordant pairs) / 6; undefined when one side is all "
              "tied); descriptive, no test. Our lead: our winner − our runner-up in pp, paired by seed, "
              f"[{100 * CI_LEVEL:g} % t interval]; an interval across 0 means our winner is not separated from the "
              "runner-up.",
              f"Seeds per cell of ours: {n_range_note(n_note)}."]
    for r in shape.summary(tidy).itertuples():
        tau = (f"median τ {r.tau_median:+.2f} (range {r.tau_min:+.2f} to {r.tau_max:+.2f}, {r.tau_n} cells)"
               if r.tau_n else "τ undefined in every cell")
        notes1.append(f"Ours on {names.dataset_name(r.dataset)} vs the authors' "
                      f"{names.dataset_name(r.authors_dataset)}:"
                      f" same winner in {r.same_winner} of {r.cells} cells; {tau}.")
    if tidy.empty:
        notes1.insert(0, "No finished run of ours is at an (α, sparsity) the authors report with a method they ran.")
    header1 = ["Our dataset", "LDA α", "Sparsity", "Our ranking", "Our lead (pp)"] + [
        f"{names.dataset_name(ad)} (authors)" for ad in theirs]
    block1 = Block("Ranking of the methods, ours against the authors'",
                   "Per LDA α and target sparsity: the methods from best to worst by final test accuracy.",
                   header1, rows1, notes1, label="tab:shape-ranking", text_cols=len(header1))

    rows2 = []
    for (d, a, s, m), g in tidy.groupby(["dataset", "alpha", "sparsity", "method"], sort=False):
        first = g.iloc[0]
        row = [names.dataset_name(d), names.alpha_label(a), names.sparsity_label(s), names.method_name(m),
               _rel_text(first["ours_rel_mean"], first["ours_rel_std"], int(first["ours_rel_n"]))]
        for ad in theirs:
            hit = g[g["authors_dataset"] == ad]
            row.append(_rel_text(hit.iloc[0]["authors_rel"], hit.iloc[0]["authors_rel_std"]) if len(hit) else "—")
        rows2.append(row)
    notes2 = ["Accuracy relative to dense, in % of dense. Ours: per seed, the method's final test accuracy over "
              "dense's of the same dataset, α and seed; mean ± sample std over those seeds, with n (the CSV holds "
              f"the {100 * CI_LEVEL:g} % t interval). Authors': their mean over their single dense value, ± their "
              "std over the same dense value (no ± where they report one run)."]
    header2 = ["Our dataset", "LDA α", "Sparsity", "Method", "Ours"] + [
        f"{names.dataset_name(ad)} (authors)" for ad in theirs]
    block2 = Block("Accuracy relative to dense, ours against the authors'",
                   "Final test accuracy as % of dense FedAvg's, per LDA α, target sparsity and method.",
                   header2, rows2, notes2, label="tab:shape-relative")
    return tidy, [block1, block2]


# ---------------------------------------------------------------- writing

def write_table(name: str, tables_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Build table `name` (any table of `outputs.OUTPUTS`, the grid's or an experiment's) from the tidy tables in
    `tables_dir` it reads; write `<name>.csv`, `.md` and `.tex` into `out_dir`."""
    entry = outputs.output(outputs.TABLE, name)
    tidy, blocks = catalog.load(entry.builder)(*(read_table(tables_dir, t) for t in entry.inputs))
    return write_formats(name, tidy, blocks, entry.heading, out_dir)


def write_formats(name: str, tidy: pd.DataFrame, blocks: list[Block], heading: str, out_dir: str | Path) -> list[Path]:
    """A built table as `<name>.csv` (the tidy frame), `.md` and `.tex` (the blocks) in `out_dir`."""
    out_dir = Path(out_dir)
    paths = [out_dir / f"{name}.csv", out_dir / f"{name}.md", out_dir / f"{name}.tex"]
    write_csv(paths[0], tidy)
    write_text(paths[1], markdown(blocks, heading))
    write_text(paths[2], latex(blocks))
    return paths
