"""Which scale a shown result comes from, in one line: the grid's scale, its setting and the compute it took.

The claims page and the report start with it, and a packed reference's README repeats it, e.g.

    Scale: **reference grid**: Fashion-MNIST with resnet_small; 100 clients × 600 samples, 10 per round;
    30 rounds; 3 seeds; 144 runs, all finished. Compute: 5.9 h of runs (sum of their wall times),
    2.6 h elapsed on 2 cores.

Everything comes from the tidy tables (the scale is `record.SCALE` of runs.csv, the samples per client
are partitions.csv's shard sizes), so a page rebuilt from shipped tables says the same; the elapsed
time and the cores come from a packed reference's provenance.json when there is one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sparsyfed import record
from sparsyfed.analysis import names
from sparsyfed.analysis.collect import read_table, table_files
from sparsyfed.errors import UserError

NO_SCALE = "scale not recorded"


def load_provenance(path: str | Path | None) -> dict | None:
    """A packed reference's provenance.json as a dict (None when `path` is None); UserError if unreadable."""
    if path is None:
        return None
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"--provenance: {path} not found; pass the provenance.json of a packed reference") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"--provenance: {path} is not readable JSON ({exc}); repack the reference") from None
    if not isinstance(data, dict):
        raise UserError(f"--provenance: {path} must hold a JSON object; repack the reference")
    return data


def read_partitions(tables_dir: str | Path) -> pd.DataFrame | None:
    """The tidy partitions table, or None when the folder has none (tables collected without partitions)."""
    return read_table(tables_dir, "partitions") if table_files(tables_dir, "partitions") else None


def duration(seconds: float) -> str:
    """45 s, 38 min, 5.9 h."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def scale_of(runs: pd.DataFrame) -> str:
    """The scale named in runs.csv ('default grid', ...); several are joined; NO_SCALE when none is."""
    if record.SCALE not in runs.columns:
        return NO_SCALE
    values = list(dict.fromkeys(str(v) for v in runs[record.SCALE].dropna()))
    return " + ".join(values) if values else NO_SCALE


def _alternatives(values) -> str:
    """'30' or '500 or 700' (numbers as %g)."""
    texts = sorted({f"{float(v):g}" for v in values if pd.notna(v)}, key=float)
    return " or ".join(texts) if texts else "?"


def _samples(partitions: pd.DataFrame | None) -> str | None:
    """Training samples per client from the partitions table (each client's shard size)."""
    if partitions is None or partitions.empty:
        return None
    per_client = partitions.groupby(["dataset", "alpha", "client"])["count"].sum()
    return _alternatives(per_client.unique())


def run_seconds(runs: pd.DataFrame) -> float:
    """The runs' total wall time (s): the compute the grid took, whatever ran in parallel."""
    return float(pd.to_numeric(runs["wall_s"], errors="coerce").sum()) if "wall_s" in runs.columns else 0.0


def setting_text(runs: pd.DataFrame, partitions: pd.DataFrame | None = None) -> str:
    """'Fashion-MNIST with resnet_small; 100 clients × 600 samples, 10 per round; 30 rounds; 3 seeds;
    144 runs, all finished'."""
    if runs.empty:
        return "no runs"
    ran = runs[runs["status"] != record.MISSING]
    datasets = []
    for d in names.order_datasets(runs["dataset"].dropna()):
        models = ", ".join(sorted({str(m) for m in ran.loc[ran["dataset"] == d, "model"].dropna()})) or "?"
        datasets.append(f"{names.dataset_name(d)} with {models}")
    clients = f"{_alternatives(ran['num_clients'])} clients" if "num_clients" in ran.columns else "? clients"
    samples = _samples(partitions)
    if samples is not None:
        clients += f" × {samples} samples"
    if "clients_per_round" in ran.columns:
        clients += f", {_alternatives(ran['clients_per_round'])} per round"
    rounds = _alternatives(ran["rounds"]) if "rounds" in ran.columns else "?"
    seeds = int(runs["seed"].nunique())
    ok = int((runs["status"] == record.OK).sum())
    finished = "all finished" if ok == len(runs) else f"{ok} finished"
    return (f"{', '.join(datasets)}; {clients}; {rounds} rounds; {seeds} seed{'s' if seeds != 1 else ''}; "
            f"{len(runs)} run{'s' if len(runs) != 1 else ''}, {finished}")


def compute_text(runs: pd.DataFrame, provenance: dict | None = None) -> str:
    """'5.9 h of runs (sum of their wall times), 2.6 h elapsed on 2 cores' (elapsed from provenance.json)."""
    text = f"{duration(run_seconds(runs))} of runs (sum of their wall times)"
    elapsed = (provenance or {}).get("elapsed_s")
    if elapsed is not None:
        cores = (provenance.get("machine") or {}).get("cores")
        text += f", {duration(float(elapsed))} elapsed" + (f" on {cores} cores" if cores else "")
    return text


def scale_line(runs: pd.DataFrame, partitions: pd.DataFrame | None = None, provenance: dict | None = None) -> str:
    """The one line naming the scale, the setting and the compute of the grid in `runs` (Markdown)."""
    return (f"Scale: **{scale_of(runs)}**: {setting_text(runs, partitions)}. "
            f"Compute: {compute_text(runs, provenance)}.")
