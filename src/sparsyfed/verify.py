"""Rerun grid points of a shipped reference and check that each gives the shipped numbers exactly.

A point is rerun with the settings the workflow gave it, built from the reference's config.yaml by the
same function (`grid.Grid.rerun_config`); only where it finds its inputs changes (its partition is
computed in memory by the function that wrote the partition file) and the number of cores, neither of
which changes a number. Its per-round table is then compared with the shipped rows of tables/rounds:
every column of `record.ROUND_COLUMNS` (and of the optional ones) the shipped table has, but the timing
columns, exactly (floats are written in their shortest round-trip form, so equal text is an equal
number). The rerun's rows go through the same reader as the shipped ones (`collect.read_run`, then
the CSV form of the tidy tables).

Torch is imported only to run (`sparsyfed.runner`), so choosing points and comparing tables is cheap.
"""

from __future__ import annotations

import io
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sparsyfed import record
from sparsyfed.analysis.collect import GRID, read_run, read_table
from sparsyfed.errors import UserError
from sparsyfed.grid import RUN_LAYOUT, Grid, fmt, load_workflow_config, parse_run_dir
from sparsyfed.io import check_out, write_csv

MATCH, MISMATCH = "identical", "DIFFERS"
# What a rerun's folder may hold: a run's own files (an earlier rerun there is replaced).
_RUN_FILES = {record.SUMMARY, record.ROUNDS, record.LAYERS, record.MASKS, record.CHECKPOINT}


@dataclass(frozen=True)
class PointCheck:
    point: str  # RUN_LAYOUT of the grid point
    result: str  # MATCH or MISMATCH
    rounds: int  # rounds compared
    columns: int  # columns compared per round
    difference: str  # the first difference in words ("" when identical)
    differing: int  # values that differ
    wall_s: float  # the rerun's wall time


def point_name(point: dict[str, str]) -> str:
    return RUN_LAYOUT.format(**point)


def _key(dataset, alpha, method, sparsity, seed) -> tuple:
    return (str(dataset), round(float(alpha), 9), str(method), round(float(sparsity), 9), int(seed))


class Reference:
    """A packed reference folder's grid (config.yaml) and its shipped per-round rows (tables/rounds)."""

    def __init__(self, folder: str | Path):
        from sparsyfed.analysis.reference import CONFIG, TABLES, check_reference

        self.folder = check_reference(folder)
        self.config_file = self.folder / CONFIG
        self.grid = Grid(load_workflow_config(self.config_file, option="--reference"))
        self.rounds = read_table(self.folder / TABLES, "rounds")
        self.runs = read_table(self.folder / TABLES, "runs")
        keys = self.rounds[["dataset", "alpha", "method", "sparsity", "seed"]].drop_duplicates()
        self._shipped = {_key(*row) for row in keys.itertuples(index=False)}

    def shipped_points(self) -> list[dict[str, str]]:
        """The grid's points with shipped per-round rows (every run but those that failed before round 1)."""
        return [p for p in self.grid.points() if self._point_key(p) in self._shipped]

    @staticmethod
    def _point_key(point: dict[str, str]) -> tuple:
        return _key(point["dataset"], point["alpha"], point["method"], point["sparsity"], point["seed"])

    def rows(self, point: dict[str, str]) -> pd.DataFrame:
        """The shipped per-round rows of `point`, by round."""
        key = self._point_key(point)
        r = self.rounds
        mask = ((r["dataset"] == key[0]) & (r["alpha"].round(9) == key[1]) & (r["method"] == key[2])
                & (r["sparsity"].round(9) == key[3]) & (r["seed"] == key[4]))
        return r[mask].sort_values("round").reset_index(drop=True)

    def point(self, text: str) -> dict[str, str]:
        """The shipped grid point named `text` (RUN_LAYOUT, e.g. fashion_mnist/alpha0.1/sparsyfed/s0.95/seed5378)."""
        parsed = parse_run_dir(text)
        example = point_name(self.shipped_points()[0]) if self.shipped_points() else RUN_LAYOUT
        if parsed is None:
            raise UserError(f"--point: {text!r} is not named like {RUN_LAYOUT}, e.g. {example}")
        for p in self.grid.points():
            if (p["dataset"], p["method"], p["seed"]) == (parsed["dataset"], parsed["method"], str(parsed["seed"])) \
                    and p["alpha"] == fmt(parsed["alpha"]) and p["sparsity"] == fmt(parsed["sparsity"]):
                if self._point_key(p) not in self._shipped:
                    raise UserError(f"--point: {text} has no per-round rows in {self.folder}/tables (its run "
                                    "failed); choose another")
                return p
        raise UserError(f"--point: {text} is not a run of {self.config_file}'s grid; choose one like {example}")

    def choose(self, k: int, seed: int) -> list[dict[str, str]]:
        """`k` shipped points drawn without replacement with numpy's generator seeded `seed`, in grid order."""
        points = self.shipped_points()
        if k < 1:
            raise UserError(f"--k: must be >= 1, got {k}")
        if k > len(points):
            raise UserError(f"--k: {k} exceeds the {len(points)} runs {self.folder} ships per-round rows for; "
                            f"choose --k {len(points)} or fewer")
        picked = np.sort(np.random.default_rng(seed).choice(len(points), size=k, replace=False))
        return [points[i] for i in picked]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if pd.isna(a) and pd.isna(b):
        return True
    return a == b


def _shown(value) -> str:
    return "empty" if pd.isna(value) else repr(float(value)) if isinstance(value, (float, np.floating)) else str(value)


def compare_rounds(shipped: pd.DataFrame, rerun: pd.DataFrame) -> tuple[int, str, int]:
    """(columns compared, the first difference in words or "", number of differing values) of two runs'
    per-round rows; a column the rerun lacks counts as empty."""
    columns = ["status"] + [c for c in (*record.ROUND_COLUMNS, *record.OPTIONAL_ROUND_COLUMNS)
                            if c in shipped.columns and c not in record.TIMING_COLUMNS]
    first, differing = "", 0
    n = min(len(shipped), len(rerun))
    for i in range(n):
        for col in columns:
            a = shipped[col].iloc[i]
            b = rerun[col].iloc[i] if col in rerun.columns else np.nan
            if not _same(a, b):
                differing += 1
                if not first:
                    first = f"round {shipped['round'].iloc[i]}, column {col}: shipped {_shown(a)}, rerun {_shown(b)}"
    if len(shipped) != len(rerun):
        differing += abs(len(shipped) - len(rerun)) * len(columns)
        first = first or f"the shipped table has {len(shipped)} rounds, the rerun {len(rerun)}"
    return len(columns), first, differing


def rerun_rows(run_dir: Path) -> pd.DataFrame:
    """A run folder's per-round rows as the shipped tidy table holds them (collect's reader, then CSV text)."""
    rows = read_run(run_dir)["rounds"]
    frame = pd.read_csv(io.StringIO(rows.to_csv(index=False)))
    return frame.drop(columns=[c for c in GRID if c in frame.columns]).sort_values("round").reset_index(drop=True)


def _fresh(folder: Path) -> Path:
    """`folder`, emptied of an earlier rerun (and only of one)."""
    if folder.exists():
        strange = [p.name for p in folder.iterdir() if p.name not in _RUN_FILES]
        if strange:
            raise UserError(f"--out: {folder} holds {strange[0]}, not only an earlier rerun; choose another --out")
        shutil.rmtree(folder)
    return folder


def verify(reference: str | Path, out_dir: str | Path, *, k: int, seed: int, points: list[str] | None = None,
           threads: int = 0, data_root: str | None = None,
           say: Callable[[str], None] = print) -> list[PointCheck]:
    """Rerun `points` (RUN_LAYOUT names) or `k` points drawn with `seed` of the reference folder into
    `out_dir`/runs/, compare each with the shipped rows and write `out_dir`/verify.csv. `say` gets progress."""
    from sparsyfed.runner import run

    ref = Reference(reference)
    chosen = [ref.point(p) for p in points] if points else ref.choose(k, seed)
    out_dir = check_out(out_dir, folder=True)
    how = "named" if points else f"drawn with seed {seed}"
    say(f"verify: {len(chosen)} of the {len(ref.shipped_points())} runs of {ref.config_file} ({how}), "
        f"each on {threads or 'all'} cores; each is compared with {ref.folder}/tables/rounds as it ends")
    checks = []
    for i, point in enumerate(chosen, 1):
        name, shipped = point_name(point), ref.rows(point)
        cfg = ref.grid.rerun_config(point, threads=threads, data_root=data_root)
        say(f"[{i}/{len(chosen)}] {name}: rerunning {cfg.rounds} rounds")
        folder = _fresh(out_dir / "runs" / name)
        t0 = time.perf_counter()
        summary = run(cfg, folder, on_error="record", progress=True)
        wall = time.perf_counter() - t0
        columns, first, differing = compare_rounds(shipped, rerun_rows(folder))
        if summary["status"] == record.FAILED and not first:
            first, differing = f"the rerun failed: {summary.get('error')}", 1
        check = PointCheck(name, MISMATCH if first else MATCH, len(shipped), columns, first, differing, wall)
        checks.append(check)
        detail = (f"at {first} ({differing} value{'s' if differing != 1 else ''} differ)" if first else
                  f"({check.rounds} rounds x {columns} columns)")
        say(f"[{i}/{len(chosen)}] {name}: {check.result} {detail}, {wall:.0f} s")
    write_csv(out_dir / "verify.csv", pd.DataFrame([c.__dict__ for c in checks]))
    bad = [c for c in checks if c.result != MATCH]
    say(f"verify: {len(checks) - len(bad)} of {len(checks)} runs identical to the shipped ones"
        + (f"; {len(bad)} differ{_versions_note(ref)}" if bad else "") + f" ({out_dir / 'verify.csv'})")
    return checks


def _versions_note(ref: Reference) -> str:
    """Where the shipped runs and this rerun came from, when they differ (a likely reason for a difference)."""
    import torch

    from sparsyfed.revision import git_commit

    here = {"git_commit": git_commit(), "torch": torch.__version__}
    notes = []
    for key, value in here.items():
        shipped = sorted({str(v) for v in ref.runs.get(f"prov_{key}", pd.Series(dtype=object)).dropna()})
        if shipped and shipped != [str(value)]:
            notes.append(f"{key} {', '.join(shipped)} in the reference, {value} here")
    return f" ({'; '.join(notes)})" if notes else ""
