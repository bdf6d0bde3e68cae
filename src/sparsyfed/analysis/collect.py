"""Run folders and partition files -> the tidy tables every table, figure and claim is made from.

`collect(run_dirs, partition_files, out_dir)` writes five CSV files (atomically) into `out_dir`:

    rounds.csv      one row per run and round: GRID + status + every column of the run's rounds.csv
    runs.csv        one row per run, also for failed, diverged and missing runs (RUN_COLUMNS), with
                    the scale of the grid (`record.SCALE`) when the caller names it
    layers.csv      GRID + record.LAYER_COLUMNS (per round and layer: density of the global model,
                    regrowth, the Powerprop exponent beta; columns a run predates are left empty)
    mask_iou.csv    GRID + round_a, round_b, iou: the round x round IoU of the saved global masks
    partitions.csv  dataset, alpha, num_clients, partition_seed, client, class, count

A run's grid point is read from `summary.json`'s config; a folder without summary.json (not
finished, or never started) gets a runs.csv row with status "missing" and the grid point named by
its path, if it follows the workflow's layout (`grid.RUN_LAYOUT`). The reference method (dense) is
recorded at sparsity 0 whatever its config says (it has no target sparsity). File and column names
of a run folder are `sparsyfed.record`'s. `read_table` reads a table back from NAME.csv or, as a
shipped reference stores its large tables, NAME.csv.gz.

Two runs of one grid point are an error (they would be averaged as if they were seeds), unless
`variants` is set: then runs that differ in their method parameters (runs.csv `method_params`, the
full parameters the run used, in today's terms: `catalog.recorded_params`), their model, its width or
their rounds are distinct runs, as in an experiment that varies a setting (the beta sweep, the
corrected behaviours, the capacity ladder), and rounds, layers and mask_iou get a `run_dir` column
after the GRID columns (runs.csv has it anyway), which tells the runs of one grid point apart.
runs.csv's `width` is the model's width (1 for runs made before widths existed,
`config.SETTINGS_ADDED`) and `num_prunable` its prunable weights (empty for a missing run).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sparsyfed import catalog, record
from sparsyfed.config import SETTINGS_ADDED
from sparsyfed.errors import UserError
from sparsyfed.grid import RUN_LAYOUT, parse_run_dir
from sparsyfed.io import check_out, write_csv
from sparsyfed.metrics.packed import iou_matrix

GRID = ["dataset", "model", "alpha", "method", "sparsity", "seed"]
ROUND_COLUMNS = list(record.ROUND_COLUMNS)  # a run may add more (e.g. fed_test_acc), kept after these
LAYER_COLUMNS = list(record.LAYER_COLUMNS)
LAYER_REQUIRED = [c for c in LAYER_COLUMNS if c not in record.LAYER_COLUMNS_ADDED]
REGROWTH = ["regrowth_local", "regrowth_pruned", "regrowth_global"]
RUN_COLUMNS = GRID + [
    "status", "error", "rounds", "rounds_completed", "num_clients", "clients_per_round", "width", "num_prunable",
    "method_params",
    "final_test_acc", "final_test_loss", "final_global_sparsity", "final_global_sparsity_all",
    "regrowth_local_mean", "regrowth_pruned_mean", "regrowth_global_mean",
    "cum_bytes_down", "cum_bytes_up", "cum_authors_comm_params", "flops_rel_mean", "wall_s", "run_dir", record.SCALE,
]
INT_COLUMNS = ["seed", "rounds", "rounds_completed", "num_clients", "clients_per_round", "num_prunable"]
IOU_COLUMNS = GRID + ["round_a", "round_b", "iou"]
PARTITION_COLUMNS = ["dataset", "alpha", "num_clients", "partition_seed", "client", "class", "count"]

# Runs-table columns of the numeric fingerprint a run recorded (provenance["fingerprint"], flattened).
FINGERPRINT = "prov_fingerprint_"
# The tidy tables with rows per run and round (or mask pair): a run read by `read_run` holds one frame of each.
PER_RUN = ("rounds", "layers", "mask_iou")
# Masks per run entering the round x round IoU matrix: evenly spaced, first and last kept.
MAX_MASKS = 64
# A tidy table is NAME.csv, or NAME.csv.gz (gzipped; pandas reads both), e.g. in a shipped reference.
TABLE_SUFFIXES = (".csv", ".csv.gz")


# ---------------------------------------------------------------- finding run folders

def _is_run_dir(path: Path) -> bool:
    return (path / record.SUMMARY).exists() or (path / record.ROUNDS).exists() or parse_run_dir(path) is not None


def find_run_dirs(roots: Iterable[str | Path]) -> list[Path]:
    """Run folders named by `roots`: each root is a run folder or a folder holding run folders.

    A root that does not exist is kept (it becomes a "missing" run) if its path follows the
    run layout; otherwise it is an error.
    """
    found: list[Path] = []
    for root in map(Path, roots):
        if not root.exists():
            if parse_run_dir(root) is not None:
                found.append(root)
                continue
            raise UserError(f"--runs: {root} does not exist; pass run folders or the folder that holds them")
        if not root.is_dir():
            raise UserError(f"--runs: {root} is not a folder; pass run folders or the folder that holds them")
        if _is_run_dir(root):
            found.append(root)
            continue
        runs = sorted(p for p in root.rglob("*") if p.is_dir() and _is_run_dir(p)
                      and not any(_is_run_dir(q) for q in p.parents if root in q.parents))
        if not runs:
            raise UserError(f"--runs: no run folders (with {record.SUMMARY}, {record.ROUNDS} or named like "
                            f".../{RUN_LAYOUT}) under {root}")
        found += runs
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------- one run

def _flat(provenance: dict) -> dict:
    """Provenance with nested entries (the numeric fingerprint) flattened: {"fingerprint_hash": ...}."""
    flat = {}
    for key, value in provenance.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return flat


def _grid_from_path(path: Path) -> dict:
    return {k: math.nan for k in GRID} | (parse_run_dir(path) or {})


def _read_json(path: Path) -> dict:
    try:
        summary = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not readable as JSON ({exc}); delete the run folder and rerun it") from None
    if not isinstance(summary, dict):
        raise UserError(f"{path}: expected a JSON object; delete the run folder and rerun it")
    return summary


def _read_csv(path: Path, required: Sequence[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a readable CSV file ({str(exc).splitlines()[0]}); rerun the run") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise UserError(f"{path}: lacks column(s) {missing}; it was not written by `sparsyfed run`, rerun the run")
    return frame


def _norm(value: float) -> float:
    """Round grid floats so that 0.95 from JSON and 0.95 from a path compare equal."""
    return round(float(value), 9)


def _grid_from_summary(summary: dict, path: Path) -> dict:
    config = summary.get("config")
    if not isinstance(config, dict):
        raise UserError(f"{path}: has no 'config' object; delete the run folder and rerun it")
    grid = {}
    for key in GRID:
        if key not in config:
            raise UserError(f"{path}: config lacks {key!r}; delete the run folder and rerun it")
        grid[key] = config[key]
    try:
        grid["alpha"], grid["sparsity"], grid["seed"] = float(grid["alpha"]), float(grid["sparsity"]), int(grid["seed"])
    except (TypeError, ValueError):
        raise UserError(f"{path}: config alpha, sparsity or seed is not a number; rerun the run") from None
    return grid


def _number(value) -> float:
    try:
        return math.nan if value is None else float(value)
    except (TypeError, ValueError):
        return math.nan


def _last_valid(frame: pd.DataFrame, column: str) -> float:
    if column not in frame.columns:
        return math.nan
    values = pd.to_numeric(frame[column], errors="coerce").dropna()
    return float(values.iloc[-1]) if len(values) else math.nan


def _mean(frame: pd.DataFrame, column: str) -> float:
    if column not in frame.columns:
        return math.nan
    values = pd.to_numeric(frame[column], errors="coerce").dropna()
    return float(values.mean()) if len(values) else math.nan


def _masks(run_dir: Path, max_masks: int) -> tuple[list[int], list[np.ndarray]]:
    files = sorted((r, p) for p in (run_dir / record.MASKS).iterdir() if (r := record.mask_round(p.name)) is not None) \
        if (run_dir / record.MASKS).is_dir() else []
    if not files:
        return [], []
    if len(files) > max_masks:
        keep = np.unique(np.round(np.linspace(0, len(files) - 1, max_masks)).astype(int))
        files = [files[i] for i in keep]
    rounds, packed = [], []
    for rnd, path in files:
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise UserError(f"{path}: not a readable .npy mask ({exc}); rerun the run") from None
        if arr.ndim != 1 or arr.dtype != np.uint8:
            raise UserError(f"{path}: expected a 1-D uint8 packed support, got {arr.dtype} of shape {arr.shape}")
        if packed and arr.shape != packed[0].shape:
            raise UserError(f"{path}: {arr.size} bytes but {files[0][1].name} has {packed[0].size}; "
                            "masks of one run must have one length, rerun the run")
        rounds.append(rnd)
        packed.append(arr)
    return rounds, packed


def read_run(run_dir: str | Path, max_masks: int = MAX_MASKS, root: str | Path | None = None) -> dict:
    """Read one run folder into {'run': row dict, 'rounds': frame, 'layers': frame, 'mask_iou': frame}.

    The frames are empty for a missing run; the row's `run_dir` is the folder's path relative to
    `root` when given. Raises UserError for a corrupt folder.
    """
    run_dir = Path(run_dir)
    shown = (run_dir.relative_to(root) if root is not None else run_dir).as_posix()
    empty = {name: pd.DataFrame() for name in PER_RUN}
    summary_path = run_dir / record.SUMMARY
    if not summary_path.exists():
        grid = _grid_from_path(run_dir)
        row = {k: math.nan for k in RUN_COLUMNS} | grid
        row.update(status=record.MISSING, error=f"no {record.SUMMARY} (run not finished or not started)",
                   run_dir=shown)
        return {"run": _normalise(row), **empty}

    summary = _read_json(summary_path)
    grid = _grid_from_summary(summary, summary_path)
    status = summary.get("status")
    if status not in record.RUN_STATUSES:
        raise UserError(f"{summary_path}: status {status!r} is not one of {list(record.RUN_STATUSES)}; rerun the run")
    config = summary["config"]

    rounds_path = run_dir / record.ROUNDS
    if rounds_path.exists():
        rounds = _read_csv(rounds_path, ["round"])
    elif status == record.OK:
        raise UserError(f"{rounds_path}: missing although summary.json says ok; rerun the run")
    else:
        rounds = pd.DataFrame(columns=ROUND_COLUMNS)
    layers_path = run_dir / record.LAYERS
    layers = _read_csv(layers_path, LAYER_REQUIRED) if layers_path.exists() else pd.DataFrame(columns=LAYER_COLUMNS)
    layers = layers.reindex(columns=LAYER_COLUMNS + [c for c in layers.columns if c not in LAYER_COLUMNS])

    final = summary.get("final") or {}
    provenance = summary.get("provenance") or {}

    def final_value(key: str) -> float:
        if key in final:
            return _number(final[key])
        return _last_valid(rounds, key) if status == record.OK else math.nan

    row = dict(grid)
    row.update(
        status=status,
        error=summary.get("error"),
        rounds=config.get("rounds"),
        rounds_completed=summary.get("rounds_completed", len(rounds)),
        num_clients=config.get("num_clients"),
        clients_per_round=config.get("clients_per_round"),
        width=_number(config.get("width", SETTINGS_ADDED["width"])),
        num_prunable=summary.get("num_prunable"),
        method_params=json.dumps(catalog.recorded_params(row["method"], summary.get(
            "method_params", config.get("method_params", {}))), sort_keys=True),
        final_test_acc=final_value("test_acc"),
        final_test_loss=final_value("test_loss"),
        final_global_sparsity=final_value("global_sparsity"),
        final_global_sparsity_all=final_value("global_sparsity_all"),
        cum_bytes_down=final_value("cum_bytes_down"),
        cum_bytes_up=final_value("cum_bytes_up"),
        cum_authors_comm_params=final_value("cum_authors_comm_params"),
        flops_rel_mean=_mean(rounds, "flops_rel"),
        wall_s=_number(provenance.get("wall_s", summary.get("wall_s"))),
        run_dir=shown,
    )
    for col in REGROWTH:
        row[f"{col}_mean"] = _mean(rounds, col)
    for key, value in _flat(provenance).items():
        if key != "wall_s" and (value is None or isinstance(value, (str, int, float, bool))):
            row[f"prov_{key}"] = value
    row = _normalise(row)

    head = {k: row[k] for k in GRID}
    rounds = rounds.copy()
    rounds.insert(0, "status", status)
    for i, key in enumerate(GRID):
        rounds.insert(i, key, head[key])
    layers = layers.copy()
    for i, key in enumerate(GRID):
        layers.insert(i, key, head[key])
    mask_rounds, packed = _masks(run_dir, max_masks)
    if packed:
        matrix = iou_matrix(packed)
        a, b = np.meshgrid(mask_rounds, mask_rounds, indexing="ij")
        ious = pd.DataFrame({"round_a": a.ravel(), "round_b": b.ravel(), "iou": matrix.ravel()})
        for i, key in enumerate(GRID):
            ious.insert(i, key, head[key])
    else:
        ious = pd.DataFrame(columns=IOU_COLUMNS)
    return {"run": row, "rounds": rounds, "layers": layers, "mask_iou": ious}


def unfinished_run(run_dir: str, settings: dict, params: dict) -> dict:
    """A run planned with `settings` (a run's settings.yaml) that has not finished, as `read_run` reads a missing
    folder, its runs.csv row named `run_dir`: status "missing", with what its settings say of it (model, width,
    rounds, clients) and its method's full parameters `params` (`methods.full_params`, as a finished run
    records them), so that the pages count it with its variant."""
    row = {k: math.nan for k in RUN_COLUMNS} | {k: settings[k] for k in GRID} | {
        "status": record.MISSING, "error": "not finished when packed", "rounds": settings["rounds"],
        "num_clients": settings["num_clients"], "clients_per_round": settings["clients_per_round"],
        "width": _number(settings.get("width", SETTINGS_ADDED["width"])), "run_dir": run_dir,
        "method_params": json.dumps(catalog.recorded_params(settings["method"], params), sort_keys=True)}
    return {"run": _normalise(row), **{name: pd.DataFrame() for name in PER_RUN}}


def _normalise(row: dict) -> dict:
    for key in ("alpha", "sparsity"):
        if not _isnan(row[key]):
            row[key] = _norm(row[key])
    if row["method"] in catalog.with_role(catalog.REFERENCE):
        row["sparsity"] = 0.0
    return row


def _isnan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


# ---------------------------------------------------------------- partitions

def read_partition(path: str | Path) -> pd.DataFrame:
    """One partition .npz -> PARTITION_COLUMNS rows (one per client and class)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in ("class_counts", "dataset", "alpha", "seed") if k not in z.files]
            if missing:
                raise UserError(f"--partitions: {path} lacks {missing}; recreate it with `sparsyfed partition`")
            counts = np.asarray(z["class_counts"])
            dataset, alpha, seed = str(z["dataset"]), float(z["alpha"]), int(z["seed"])
    except FileNotFoundError:
        raise UserError(f"--partitions: file {path} not found; create it with `sparsyfed partition`") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"--partitions: {path} is not a partition .npz ({exc}); "
                        "recreate it with `sparsyfed partition`") from None
    if counts.ndim != 2:
        raise UserError(f"--partitions: {path} class_counts has shape {counts.shape}, expected (clients, classes)")
    clients, classes = np.meshgrid(np.arange(counts.shape[0]), np.arange(counts.shape[1]), indexing="ij")
    return pd.DataFrame({"dataset": dataset, "alpha": _norm(alpha), "num_clients": counts.shape[0],
                         "partition_seed": seed, "client": clients.ravel(), "class": classes.ravel(),
                         "count": counts.ravel().astype(np.int64)}, columns=PARTITION_COLUMNS)


# ---------------------------------------------------------------- all together

def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True, sort=False)
    return out.reindex(columns=columns + [c for c in out.columns if c not in columns])


def _check_unique(runs: pd.DataFrame, variants: bool = False) -> None:
    key = ["dataset", "alpha", "method", "sparsity", "seed"]
    placed = runs.dropna(subset=key)  # folders whose grid point is unknown cannot clash
    if variants:
        key = key + ["model", "width", "rounds", "method_params"]
        placed = placed.assign(**{c: placed[c].astype(object).fillna("") for c in key[5:]})
    dup = placed[placed.duplicated(key, keep=False)]
    if len(dup):
        first = dup.sort_values("run_dir").groupby(key, dropna=False)["run_dir"].apply(list).iloc[0]
        what = "grid point (dataset, alpha, method, sparsity, seed)" + (
            " with the same model, width, rounds and method parameters" if variants else "")
        hint = ("" if variants else " (or pass --variants if they differ in their method parameters, model, width "
                "or rounds, as in an experiment over a setting)")
        raise UserError(f"--runs: {first[0]} and {first[1]} are the same {what}; collect different settings "
                        f"into different --out folders{hint}")


def collect(run_dirs: Iterable[str | Path], partition_files: Iterable[str | Path], out_dir: str | Path,
            max_masks: int = MAX_MASKS, scale: str | None = None, root: str | Path | None = None,
            variants: bool = False) -> dict[str, Path]:
    """Read runs and partitions and write the five tidy tables into `out_dir`.

    Parameters
    ----------
    run_dirs : run folders, or folders holding run folders (searched recursively).
    partition_files : partition .npz files (may be empty).
    out_dir : output folder (created).
    max_masks : at most this many saved masks per run enter the IoU matrix (evenly spaced).
    scale : the scale of the grid (`record.SCALE` of every row of runs.csv; empty when None).
    root : run folders are named in runs.csv relative to this folder (they must lie under it).
    variants : runs of one grid point with different method parameters are distinct runs (else an error).

    Returns table name -> path written.
    """
    check_out(out_dir, folder=True)
    parts = [read_run(d, max_masks, root) for d in find_run_dirs(run_dirs)]
    return write_tables(assemble(parts, [read_partition(f) for f in partition_files], scale, variants), out_dir)


def assemble(parts: list[dict], partitions: list[pd.DataFrame], scale: str | None = None,
             variants: bool = False) -> dict[str, pd.DataFrame]:
    """The five tidy tables (as `collect` writes them) of runs read by `read_run` (or `packed_run`), in order,
    and partition tables (`read_partition`)."""
    if variants:
        parts = [{**part, **{name: _with_run_dir(part[name], part["run"]["run_dir"]) for name in PER_RUN}}
                 for part in parts]
    key = ["run_dir"] if variants else []
    runs = pd.DataFrame([p["run"] for p in parts])
    runs = _concat([runs], RUN_COLUMNS)
    runs[record.SCALE] = scale
    if len(runs):
        _check_unique(runs, variants)
        runs = runs.sort_values(["dataset", "alpha", "method", "sparsity", "seed", "model", "width", "rounds",
                                 "method_params"],
                                na_position="last",
                                key=lambda s: s.astype(str) if s.dtype == object else s).reset_index(drop=True)
    tables = {
        "rounds": _concat([p["rounds"] for p in parts], GRID + key + ["status"] + ROUND_COLUMNS),
        "runs": runs,
        "layers": _concat([p["layers"] for p in parts], GRID + key + LAYER_COLUMNS),
        "mask_iou": _concat([p["mask_iou"] for p in parts], GRID + key + IOU_COLUMNS[len(GRID):]),
        "partitions": _concat(partitions, PARTITION_COLUMNS),
    }
    for col in INT_COLUMNS:
        if col in tables["runs"].columns:
            tables["runs"][col] = pd.to_numeric(tables["runs"][col], errors="coerce").astype("Int64")
    return tables


def _with_run_dir(frame: pd.DataFrame, run_dir: str) -> pd.DataFrame:
    if not len(frame):  # empty frames are left out by _concat
        return frame
    frame = frame.copy()
    frame.insert(len(GRID), "run_dir", run_dir)
    return frame


def write_tables(tables: dict[str, pd.DataFrame], out_dir: str | Path) -> dict[str, Path]:
    """Write `assemble`'s tables into `out_dir` as NAME.csv; returns table name -> path written."""
    written = {}
    for name in record.TIDY_TABLES:
        written[name] = Path(out_dir) / f"{name}.csv"
        write_csv(written[name], tables[name])
    return written


def packed_run(tables: dict[str, pd.DataFrame], run_dir: str) -> dict | None:
    """The finished run `run_dir` (runs.csv's name for it) as `read_run` reads it, from tidy tables collected
    before (`read_tables`; a reference's, with or without `variants`); None if they do not hold it finished.
    Columns the run has no value in are left out, as its own folder would not have them."""
    runs = tables["runs"]
    rows = runs[(runs["run_dir"] == run_dir) & (runs["status"] != record.MISSING)]
    if not len(rows):
        return None
    row = rows.iloc[0]
    run = {c: row[c] for c in runs.columns if c in RUN_COLUMNS or not _isnan(row[c])}
    run.pop(record.SCALE, None)
    part = {"run": _normalise(run)}
    for name in PER_RUN:
        frame = tables[name]
        if "run_dir" in frame.columns:
            frame = frame[frame["run_dir"] == run_dir].drop(columns="run_dir")
        else:  # a grid's tables: one run per grid point
            frame = frame[(frame[GRID] == row[GRID].to_numpy()).all(axis=1)]
        part[name] = frame.dropna(axis=1, how="all").reset_index(drop=True)
    return part


def read_tables(tables_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Every tidy table in `tables_dir` (`read_table`)."""
    return {name: read_table(tables_dir, name) for name in record.TIDY_TABLES}


def table_files(tables_dir: str | Path, name: str) -> list[Path]:
    """The files of tidy table `name` in `tables_dir`: [NAME.csv] or [NAME.csv.gz] (both: a stale one; none: [])."""
    return [path for suffix in TABLE_SUFFIXES if (path := Path(tables_dir) / f"{name}{suffix}").exists()]


def table_path(tables_dir: str | Path, name: str) -> Path:
    """The one file of tidy table `name` in `tables_dir` (NAME.csv or NAME.csv.gz); UserError if none or both."""
    found = table_files(tables_dir, name)
    if len(found) > 1:
        raise UserError(f"--tables: both {found[0]} and {found[1]} exist; delete the stale one")
    if not found:
        path = Path(tables_dir) / f"{name}.csv"
        raise UserError(f"--tables: {path} not found; run `sparsyfed collect --out {tables_dir}` first")
    return found[0]


def read_table(tables_dir: str | Path, name: str) -> pd.DataFrame:
    """Read the tidy table `name` (one of `record.TIDY_TABLES`) written by `collect`, from NAME.csv or
    NAME.csv.gz; UserError if it is absent or unreadable."""
    path = table_path(tables_dir, name)
    try:
        frame = pd.read_csv(path, keep_default_na=True)
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserError(f"--tables: {path} is not a readable CSV ({str(exc).splitlines()[0]}); "
                        "rerun `sparsyfed collect`") from None
    for col in ("alpha", "sparsity"):
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    if "seed" in frame.columns:
        frame["seed"] = pd.to_numeric(frame["seed"], errors="coerce").astype("Int64")
    for col in ("dataset", "method", "model", "status", "error", record.SCALE):
        if col in frame.columns:
            frame[col] = frame[col].astype(object)
    return frame
