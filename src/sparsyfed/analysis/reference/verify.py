"""Rerun grid points of a shipped reference and say, per run, whether it is "identical", "equivalent" or "differs".

A point is rerun with the settings the workflow gave it, built from the reference's config.yaml by the
same function (`grid.Grid.rerun_config`); only where it finds its inputs changes (its partition is
computed in memory by the function that wrote the partition file) and the number of cores, neither of
which changes a number. The rerun's numeric fingerprint (`fl.fingerprint`: what this host computes)
is then compared with the one the shipped run recorded:

- same fingerprint: the per-round tables must be equal bit for bit, every column of
  `record.ROUND_COLUMNS` (and of the optional ones) the shipped table has but the timing columns
  (floats are written in their shortest round-trip form, so equal text is an equal number):
  "identical", else "differs", naming the first round and column that differ;
- another fingerprint (another ISA class, ARM, a GPU, other library versions) or none recorded: the
  same bits are not promised, so the rerun is judged against the shipped cell's seeds: its final
  metrics must lie in the 95 % prediction interval of one more run of the cell (mean +- t(n-1) s
  sqrt(1 + 1/n) over the cell's n shipped seeds), and at every evaluated round its test accuracy
  may differ from the shipped run's by at most that round's interval half-width:
  "equivalent (different numerics: ...)", else "differs".

The rerun's rows go through the same reader as the shipped ones (`collect.read_run`, then the CSV form
of the tidy tables). Torch is imported only to run (`sparsyfed.runner`), so choosing points and
comparing tables is cheap.
"""

from __future__ import annotations

import io
import math
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sparsyfed import record
from sparsyfed.analysis.collect import FINGERPRINT, GRID, read_run, read_table
from sparsyfed.analysis.stats import MIN_N, t_quantile
from sparsyfed.errors import UserError
from sparsyfed.grid import RUN_LAYOUT, Grid, fmt, load_workflow_config, parse_run_dir
from sparsyfed.io import check_out, write_csv

IDENTICAL, EQUIVALENT, DIFFERS = "identical", "equivalent", "differs"
VERDICTS = (IDENTICAL, EQUIVALENT, DIFFERS)
# What the equivalence check judges: the final value of each metric, and the trajectory of the first.
EQUIVALENCE_METRICS = ("test_acc", "global_sparsity")
# The smallest interval half-width: a metric all seeds share exactly (e.g. a fixed sparsity) may move
# by this much under other numerics and still count as the same.
MIN_HALF_WIDTH = 1e-6
# What a rerun's folder may hold: a run's own files (an earlier rerun there is replaced).
_RUN_FILES = {record.SUMMARY, record.ROUNDS, record.LAYERS, record.MASKS, record.CHECKPOINT}


@dataclass(frozen=True)
class PointCheck:
    point: str  # RUN_LAYOUT of the grid point
    result: str  # one of VERDICTS
    rounds: int  # rounds compared
    columns: int  # columns compared per round (bit for bit) or metrics judged (equivalence)
    difference: str  # the first difference, or how equivalence was judged, in words
    differing: int  # values that differ (bit for bit) or fall outside their interval
    numerics: str  # "same fingerprint <hash>" or what differs between the two sides' fingerprints
    wall_s: float  # the rerun's wall time

    @property
    def verdict(self) -> str:
        """The verdict as printed: 'equivalent (different numerics: ...)' names what differs."""
        return f"{self.result} (different numerics: {self.numerics})" if self.result == EQUIVALENT else self.result


def point_name(point: dict[str, str]) -> str:
    return RUN_LAYOUT.format(**point)


def _key(dataset, alpha, method, sparsity, seed) -> tuple:
    return (str(dataset), round(float(alpha), 9), str(method), round(float(sparsity), 9), int(seed))


class Reference:
    """A packed reference folder's grid (config.yaml) and its shipped per-round rows (tables/rounds)."""

    def __init__(self, folder: str | Path):
        from sparsyfed.analysis.reference.layout import CONFIG, TABLES
        from sparsyfed.analysis.reference.pack import check_reference

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

    @staticmethod
    def _cell_mask(frame: pd.DataFrame, key: tuple) -> pd.Series:
        return ((frame["dataset"] == key[0]) & (frame["alpha"].round(9) == key[1]) & (frame["method"] == key[2])
                & (frame["sparsity"].round(9) == key[3]))

    def rows(self, point: dict[str, str]) -> pd.DataFrame:
        """The shipped per-round rows of `point`, by round."""
        key = self._point_key(point)
        r = self.rounds
        return r[self._cell_mask(r, key) & (r["seed"] == key[4])].sort_values("round").reset_index(drop=True)

    def cell_rows(self, point: dict[str, str]) -> pd.DataFrame:
        """The shipped per-round rows of every seed of `point`'s cell (its dataset, alpha, method, sparsity)."""
        return self.rounds[self._cell_mask(self.rounds, self._point_key(point))]

    def fingerprint(self, point: dict[str, str]) -> dict[str, str]:
        """The numeric fingerprint the shipped run of `point` recorded ({} for runs that record none)."""
        key = self._point_key(point)
        runs = self.runs[self._cell_mask(self.runs, key) & (self.runs["seed"] == key[4])]
        columns = [c for c in runs.columns if c.startswith(FINGERPRINT)]
        if runs.empty or not columns:
            return {}
        row = runs.iloc[0]
        return {c.removeprefix(FINGERPRINT): str(row[c]) for c in columns if not pd.isna(row[c])}

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


def fingerprint_difference(shipped: dict[str, str], rerun: dict[str, str]) -> str:
    """"" when both fingerprints have the same hash; else what differs between them, in words."""
    if not shipped:
        return "the shipped run records no fingerprint"
    if shipped.get("hash") == rerun.get("hash"):
        return ""
    keys = [k for k in rerun if k in shipped and shipped[k] != rerun[k] and k != "hash"]
    parts = [f"{k} {shipped[k]} shipped, {rerun[k]} here" for k in keys]
    return "; ".join(parts or [f"hash {shipped.get('hash')} shipped, {rerun.get('hash')} here"])


def _final(rows: pd.DataFrame, metric: str) -> float:
    values = rows[metric].dropna()
    return float(values.iloc[-1]) if len(values) else math.nan


def prediction_interval(values: Iterable[float]) -> tuple[float, float, int]:
    """(mean, half-width, n) of the 95 % prediction interval of one more value drawn like `values`:
    t(n-1) s sqrt(1 + 1/n), at least MIN_HALF_WIDTH; NaN half-width below two values."""
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if len(v) < MIN_N:
        return (float(v.mean()) if len(v) else math.nan), math.nan, len(v)
    half = t_quantile(len(v)) * float(v.std(ddof=1)) * math.sqrt(1 + 1 / len(v))
    return float(v.mean()), max(half, MIN_HALF_WIDTH), len(v)


def equivalence(shipped: pd.DataFrame, rerun: pd.DataFrame, cell: pd.DataFrame) -> tuple[bool, str, int]:
    """(equivalent, how it was judged in words, values outside their interval) of a rerun under other
    numerics: its final EQUIVALENCE_METRICS against the prediction interval of the shipped cell's seeds
    (`cell`: their per-round rows), and its test-accuracy trajectory against the shipped run's, round by
    round, within that round's interval half-width."""
    seeds = cell.groupby("seed")
    notes, outside = [], 0
    for metric in EQUIVALENCE_METRICS:
        mean, half, n = prediction_interval([_final(g.sort_values("round"), metric) for _, g in seeds])
        value = _final(rerun, metric)
        inside = abs(value - mean) <= half
        outside += not inside
        notes.append(f"final {metric} {value:.4f} {'in' if inside else 'OUTSIDE'} [{mean - half:.4f}, "
                     f"{mean + half:.4f}]")
    metric = EQUIVALENCE_METRICS[0]
    worst, worst_round = 0.0, None
    evaluated = shipped.dropna(subset=[metric])
    for rnd, value in zip(evaluated["round"], evaluated[metric], strict=True):
        at = cell[cell["round"] == rnd][metric]
        _, half, _ = prediction_interval(at)
        mine = rerun.loc[rerun["round"] == rnd, metric]
        ratio = abs(float(mine.iloc[0]) - value) / half if len(mine) and half > 0 else math.inf
        if not ratio <= worst:
            worst, worst_round = ratio, rnd
        outside += not ratio <= 1
    n = seeds.ngroups
    notes.append(f"{metric} trajectory: largest |rerun - shipped| {worst:.0%} of that round's half-width "
                 f"(round {worst_round})" if worst_round is not None
                 else f"{metric} trajectory: equal to the shipped run's in every evaluated round")
    how = (f"{'; '.join(notes)} (95 % prediction intervals of one more run of the cell, mean +- t s sqrt(1 + 1/n) "
           f"over its n = {n} shipped seeds)")
    return outside == 0, how, outside


def judge(shipped: pd.DataFrame, rerun: pd.DataFrame, cell: pd.DataFrame, numerics: str) -> tuple[str, str, int, int]:
    """(verdict, difference in words, columns or metrics compared, values that differ) of one rerun;
    `numerics` is `fingerprint_difference` of the two sides ("" when they match)."""
    columns, first, differing = compare_rounds(shipped, rerun)
    if not first:  # the same bits, whatever the fingerprints say
        return IDENTICAL, (f"bit for bit, under other numerics ({numerics})" if numerics else ""), columns, 0
    if not numerics:
        return DIFFERS, first, columns, differing
    if len(shipped) != len(rerun):
        return DIFFERS, f"the shipped table has {len(shipped)} rounds, the rerun {len(rerun)}", columns, 1
    same, how, outside = equivalence(shipped, rerun, cell)
    return (EQUIVALENT if same else DIFFERS), how, len(EQUIVALENCE_METRICS) + 1, outside


def _shown_fingerprint(fp: dict[str, str]) -> str:
    if not fp:
        return "none recorded"
    keys = ("hash", "numerics", "aten_capability", "onednn_max_cpu_isa", "mkl_cbwr", "cpu_model", "cpu_flags",
            "torch", "gpu", "cuda", "cudnn")
    return ", ".join(f"{k} {fp[k]}" for k in keys if fp.get(k))


def verify(reference: str | Path, out_dir: str | Path, *, k: int, seed: int, points: list[str] | None = None,
           threads: int = 0, data_root: str | None = None,
           say: Callable[[str], None] = print) -> list[PointCheck]:
    """Rerun `points` (RUN_LAYOUT names) or `k` points drawn with `seed` of the reference folder into
    `out_dir`/runs/, judge each against the shipped rows (`judge`) and write `out_dir`/verify.csv.
    `say` gets progress, the fingerprints of both sides and each verdict."""
    ref = Reference(reference)
    chosen = [ref.point(p) for p in points] if points else ref.choose(k, seed)
    out_dir = check_out(out_dir, folder=True)
    configs = [ref.grid.rerun_config(point, threads=threads, data_root=data_root) for point in chosen]
    from sparsyfed import numerics

    numerics.apply(configs[0].numerics)  # before torch is imported (by the runner)
    from sparsyfed.runner import run

    how = "named" if points else f"drawn with seed {seed}"
    say(f"verify: {len(chosen)} of the {len(ref.shipped_points())} runs of {ref.config_file} ({how}), "
        f"each on {threads or 'all'} cores; each is judged against {ref.folder}/tables as it ends")
    checks = []
    for i, (point, cfg) in enumerate(zip(chosen, configs, strict=True), 1):
        name, shipped = point_name(point), ref.rows(point)
        say(f"[{i}/{len(chosen)}] {name}: rerunning {cfg.rounds} rounds")
        folder = _fresh(out_dir / "runs" / name)
        t0 = time.perf_counter()
        summary = run(cfg, folder, on_error="record", progress=True)
        wall = time.perf_counter() - t0
        shipped_fp, rerun_fp = ref.fingerprint(point), (summary.get("provenance") or {}).get("fingerprint", {})
        numerics_note = fingerprint_difference(shipped_fp, rerun_fp)
        if i == 1 or numerics_note:
            say(f"[{i}/{len(chosen)}] fingerprints: shipped {_shown_fingerprint(shipped_fp)}; "
                f"here {_shown_fingerprint(rerun_fp)}")
        if summary["status"] == record.FAILED:
            result, difference, columns, differing = DIFFERS, f"the rerun failed: {summary.get('error')}", 0, 1
        else:
            result, difference, columns, differing = judge(shipped, rerun_rows(folder), ref.cell_rows(point),
                                                           numerics_note)
        same = f"same fingerprint {rerun_fp.get('hash')}"
        check = PointCheck(name, result, len(shipped), columns, difference, differing, numerics_note or same, wall)
        checks.append(check)
        if result == IDENTICAL:
            detail = f"({check.rounds} rounds x {columns} columns{'; ' + difference if difference else ''})"
        elif result == EQUIVALENT or numerics_note:
            detail = f"({difference})"
        else:
            detail = f"at {difference} ({differing} value{'s' if differing != 1 else ''} differ)"
        say(f"[{i}/{len(chosen)}] {name}: {check.verdict} {detail}, {wall:.0f} s")
    write_csv(out_dir / "verify.csv", pd.DataFrame([c.__dict__ for c in checks]))
    counts = {v: sum(c.result == v for c in checks) for v in VERDICTS}
    say(f"verify: {counts[IDENTICAL]} of {len(checks)} runs identical to the shipped ones, {counts[EQUIVALENT]} "
        f"equivalent under other numerics, {counts[DIFFERS]} differ{_versions_note(ref) if counts[DIFFERS] else ''}"
        f" ({out_dir / 'verify.csv'})")
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
