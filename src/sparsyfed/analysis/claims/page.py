"""The Markdown claims page: the scale line, a summary table, then per claim its verdict, rule, test,
every judged comparison in words, the numbers shown beside it, the runs that failed and the provenance."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sparsyfed import record
from sparsyfed.analysis import names
from sparsyfed.analysis.claims.verdicts import (
    COMBINE_RULE,
    CONTRADICTED,
    INCONCLUSIVE,
    INTERVAL_RULE,
    SUPPORTED,
)

_PROVENANCE = [("prov_device_name", "device"), ("prov_device", "torch device"), ("prov_torch", "torch"),
               ("prov_python", "python"), ("prov_numpy", "numpy"), ("prov_package_version", "sparsyfed"),
               ("prov_git_commit", "git commit"), ("prov_platform", "platform"), ("prov_hostname", "host")]


def provenance_lines(runs: pd.DataFrame) -> list[str]:
    """Markdown list items: the hardware and versions the runs recorded, and their total wall time."""
    ran = runs[runs["status"] != "missing"] if len(runs) else runs
    lines = []
    for col, label in _PROVENANCE:
        if col in ran.columns:
            values = sorted({str(v) for v in ran[col].dropna()})
            if values:
                lines.append(f"- {label}: {', '.join(values)}")
    if "wall_s" in ran.columns and ran["wall_s"].notna().any():
        total = float(ran["wall_s"].sum())
        timed = int(ran["wall_s"].notna().sum())
        lines.append(f"- total wall time of the runs: {total / 3600:.2f} h over {timed} runs")
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
                     f"{names.method_name(r.method)} | "
                     f"{names.sparsity_label(r.sparsity)} | {r.seed if pd.notna(r.seed) else '?'} | {r.status} | "
                     f"{error} | `{r.run_dir}` |")
    return lines


def _claim_section(r) -> list[str]:
    scope = f" Scope: {r.scope}." if r.scope else ""
    out = ["", f"## Claim {r.number}: {r.claim}", "",
           f"**Verdict: {r.verdict}** — {r.reason}.{scope}", "",
           f"- Claim as tested: {r.rule}.",
           f"- Test: {r.test}.",
           f"- Authors: {r.authors}",
           f"- Setting: {r.setting}"]
    if r.checks:
        out += ["- Judged comparisons:"] + [f"  - {c.sentence()}" for c in r.checks]
    if r.shown:
        out += ["- Shown beside, not judged:"] + [f"  - {line}" for line in r.shown]
    if r.variants:
        out += ["- The verdict under each choice the rule makes (per-run means over the rounds named):"]
        out += [f"  - {v.sentence()}" for v in r.variants]
    out += [f"- Note: {n}" for n in r.notes]
    return out


def render_claims(results: Sequence, runs: pd.DataFrame, scale_line: str | None = None,
                  extra: Sequence[str] = ()) -> str:
    """The Markdown claims page for `results` (ClaimResult list) measured on `runs`; `scale_line`
    (`scale.scale_line`) opens it; `extra` (Markdown lines, e.g. a section shown beside the claims)
    follows the claims."""
    n_ok = int((runs["status"] == record.OK).sum()) if len(runs) else 0
    out = ["# Headline claims of SparsyFed, checked on our runs", ""]
    out += [scale_line, ""] if scale_line else []
    out += [
           f"Measured on {n_ok} finished runs of {len(runs)} collected. Accuracies in %. Authors' accuracies: "
           f"{names.AUTHORS_SOURCE}; other authors' figures from the paper text and reviews. The paper gives no "
           "tolerances: each claim states the rule we test it by.", "",
           "How a verdict is reached:", "",
           f"- Each judged comparison is a {INTERVAL_RULE}.",
           f"- **{SUPPORTED}**: the interval lies wholly on the claim's side of its threshold; **{CONTRADICTED}**: "
           f"wholly on the other side; **{INCONCLUSIVE}**: it touches or straddles the threshold, or fewer seeds "
           "than an interval needs finished (each comparison says which).",
           f"- A claim over several comparisons is {COMBINE_RULE}.",
           "- Methods are compared on differences or ratios paired by seed: one seed gives every method the same "
           "initialisation, client sampling and partition (dense, recorded at sparsity 0, pairs with a sparse "
           "method on dataset, α and seed).", "",
           "| # | Claim | Verdict | Basis |", "|---|---|---|---|"]
    out += [f"| {r.number} | {r.claim} | **{r.verdict}** | {r.reason} |" for r in results]
    for r in results:
        out += _claim_section(r)
    out += list(extra)
    out += ["", "## Runs that failed, diverged or are missing", ""]
    out += _bad_runs_lines(runs)
    out += ["", "## Hardware and versions (from the runs' provenance)", ""]
    out += provenance_lines(runs)
    return "\n".join(out) + "\n"
