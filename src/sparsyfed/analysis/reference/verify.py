"""Rerun runs of a shipped reference and say, per run, whether it is "identical", "equivalent" or "differs".

The runs are the grid's and those of each experiment packed with it (`ShippedRun`). A run is rerun with
the settings the workflow gave it, built from the reference's config.yaml by the same functions
(`grid.Grid.settings`, `grid.Grid.experiment_runs`, then `grid.rerun_config`); only where it finds its
inputs changes (its partition is computed in memory by the function that wrote the partition file) and
the number of cores, neither of which changes a number. The rerun's numeric fingerprint
(`fl.fingerprint`: what this host computes) is then compared with the one the shipped run recorded:

- same fingerprint: the per-round tables must be equal bit for bit, every column of
  `record.ROUND_COLUMNS` (and of the optional ones) the shipped table has but the timing columns
  (floats are written in their shortest round-trip form, so equal text is an equal number):
  "identical", else "differs", naming the first round and column that differ;
- another fingerprint (another ISA class, ARM, a GPU, other library versions) or none recorded: the
  same bits are not promised, so the rerun is judged against the shipped cell's seeds (the shipped runs
  whose settings are its own but the seed): its final metrics must lie in the 95 % prediction interval
  of one more run of the cell (mean +- t(n-1) s sqrt(1 + 1/n) over the cell's n shipped seeds), and at
  every evaluated round its test accuracy may differ from the shipped run's by at most that round's
  interval half-width:
  "equivalent (different numerics: ...)", else "differs".

The rerun's rows go through the same reader as the shipped ones (`collect.read_run`, then the CSV form
of the tidy tables). Torch is imported only to run (`sparsyfed.runner`), so choosing runs and
comparing tables is cheap.
"""

from __future__ import annotations

import io
import json
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
from sparsyfed.grid import (
    EXPERIMENT_RUNS,
    RESULTS,
    RUN_LAYOUT,
    Grid,
    fmt,
    load_workflow_config,
    parse_run_dir,
    rerun_config,
)
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
    point: str  # the run as `ShippedRun.name` names it
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


@dataclass(frozen=True)
class ShippedRun:
    """A run the reference ships per-round rows of: one of its grid's or of an experiment packed with it."""

    name: str  # a grid run's RUN_LAYOUT; an experiment run's folder below RESULTS (experiments/<exp>/runs/...)
    folder: str  # its folder as the tables' run_dir column holds it (RESULTS/...)
    settings: dict  # every setting the workflow gave it
    experiment: str | None = None  # None: the grid's

    @property
    def cell(self) -> str:
        """What its seeds share: every setting but the seed (the runs of one cell of the grid, or of one
        experiment's variant at one point)."""
        return json.dumps({k: v for k, v in self.settings.items() if k != "seed"}, sort_keys=True)


def _with_run_dir(rounds: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """`rounds` with the run_dir column runs.csv gives each run (a grid's rounds table has none: its runs are
    told apart by their GRID columns)."""
    if "run_dir" in rounds.columns:
        return rounds
    key = [c for c in GRID if c in rounds.columns and c in runs.columns]
    return rounds.merge(runs[key + ["run_dir"]], on=key, how="left", validate="many_to_one")


class Reference:
    """A packed reference folder's runs (config.yaml: the grid and its experiments) and their shipped
    per-round rows (tables/, and experiments/<experiment>/tables/ for each experiment packed)."""

    def __init__(self, folder: str | Path):
        from sparsyfed.analysis.reference.layout import CONFIG, TABLES, experiment_tables, packed_experiments
        from sparsyfed.analysis.reference.pack import check_reference

        self.folder = check_reference(folder)
        self.config_file = self.folder / CONFIG
        self.grid = Grid(load_workflow_config(self.config_file, option="--reference"))
        planned = [ShippedRun(RUN_LAYOUT.format(**p), d, self.grid.settings(**p)) for p, d in
                   zip(self.grid.points(), self.grid.run_dirs(), strict=True)]
        grid_runs = read_table(self.folder / TABLES, "runs")
        rounds = [_with_run_dir(read_table(self.folder / TABLES, "rounds"), grid_runs)]
        runs = [grid_runs]
        self.experiments = packed_experiments(self.folder)
        for experiment in self.experiments:
            tables = experiment_tables(self.folder, experiment)
            own = {d: r for d, r in self.grid.experiment_runs(experiment).items() if not r.in_grid}
            planned += [ShippedRun(d.removeprefix(f"{RESULTS}/"), d, r.settings, experiment) for d, r in own.items()]
            runs.append(read_table(tables, "runs").query("run_dir in @own"))
            rounds.append(read_table(tables, "rounds").query("run_dir in @own"))
        self.rounds, self.runs = pd.concat(rounds, ignore_index=True), pd.concat(runs, ignore_index=True)
        shipped = set(self.rounds["run_dir"])
        self._planned = {r.name: r for r in planned}
        self._runs = {r.name: r for r in planned if r.folder in shipped}

    def shipped_runs(self, experiment: str | None = None) -> list[ShippedRun]:
        """The grid's runs (or `experiment`'s own) with shipped per-round rows (every run but those that
        failed before round 1), in the workflow's order."""
        if experiment is not None and experiment not in self.experiments:
            packed = ", ".join(self.experiments) or "none"
            raise UserError(f"--experiment: {self.folder} holds no runs of {experiment!r} (packed: {packed}); "
                            "pack it with `sparsyfed reference-pack --experiments`")
        return [r for r in self._runs.values() if r.experiment == experiment]

    def rows(self, run: ShippedRun) -> pd.DataFrame:
        """The shipped per-round rows of `run`, by round."""
        r = self.rounds
        return r[r["run_dir"] == run.folder].sort_values("round").reset_index(drop=True)

    def cell_rows(self, run: ShippedRun) -> pd.DataFrame:
        """The shipped per-round rows of every seed of `run`'s cell (every shipped run whose settings are its
        own but the seed: the grid's and the experiments' alike)."""
        folders = [r.folder for r in self._runs.values() if r.cell == run.cell]
        return self.rounds[self.rounds["run_dir"].isin(folders)]

    def fingerprint(self, run: ShippedRun) -> dict[str, str]:
        """The numeric fingerprint the shipped `run` recorded ({} for runs that record none)."""
        runs = self.runs[self.runs["run_dir"] == run.folder]
        columns = [c for c in runs.columns if c.startswith(FINGERPRINT)]
        if runs.empty or not columns:
            return {}
        row = runs.iloc[0]
        return {c.removeprefix(FINGERPRINT): str(row[c]) for c in columns if not pd.isna(row[c])}

    def run(self, text: str) -> ShippedRun:
        """The shipped run named `text`: a grid run's RUN_LAYOUT (e.g.
        fashion_mnist/alpha0.1/sparsyfed/s0.95/seed5378) or an experiment run's folder, with or without RESULTS/."""
        grid_runs = self.shipped_runs()
        example = grid_runs[0].name if grid_runs else RUN_LAYOUT
        name = text.strip("/").removeprefix(f"{RESULTS}/")
        parsed = parse_run_dir(name)
        if parsed is None:
            raise UserError(f"--point: {text!r} is not named like {RUN_LAYOUT} (a grid run, e.g. {example}) or "
                            f"{EXPERIMENT_RUNS.removeprefix(RESULTS + '/')}/<run> (an experiment's)")
        if name.count("/") == RUN_LAYOUT.count("/"):  # a grid run: its numbers as paths write them
            name = RUN_LAYOUT.format(**parsed | {k: fmt(parsed[k]) for k in ("alpha", "sparsity")})
        if name in self._runs:
            return self._runs[name]
        if name in self._planned:
            raise UserError(f"--point: {text} has no per-round rows in {self.folder} (its run failed, had not "
                            "finished when its experiment was packed, or is not packed there); choose another")
        raise UserError(f"--point: {text} is not a run of {self.config_file}'s grid or of its experiments; choose "
                        f"one like {example}")

    def choose(self, k: int, seed: int, experiment: str | None = None) -> list[ShippedRun]:
        """`k` shipped runs of the grid (or of `experiment`) drawn without replacement with numpy's generator
        seeded `seed`, in the workflow's order."""
        runs = self.shipped_runs(experiment)
        if k < 1:
            raise UserError(f"--k: must be >= 1, got {k}")
        if k > len(runs):
            raise UserError(f"--k: {k} exceeds the {len(runs)} runs {self.folder} ships per-round rows for"
                            f"{f' in {experiment}' if experiment else ''}; choose --k {len(runs)} or fewer")
        picked = np.sort(np.random.default_rng(seed).choice(len(runs), size=k, replace=False))
        return [runs[i] for i in picked]


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
           experiment: str | None = None, threads: int = 0, data_root: str | None = None,
           say: Callable[[str], None] = print) -> list[PointCheck]:
    """Rerun the runs named `points` (`Reference.run`) or `k` runs drawn with `seed` of the reference folder's
    grid (or of its packed `experiment`) into `out_dir`/runs/, judge each against the shipped rows (`judge`)
    and write `out_dir`/verify.csv. `say` gets progress, the fingerprints of both sides and each verdict."""
    ref = Reference(reference)
    if points and experiment:
        raise UserError("--experiment: draws runs at random; name runs with --point or draw them, not both")
    chosen = [ref.run(p) for p in points] if points else ref.choose(k, seed, experiment)
    out_dir = check_out(out_dir, folder=True)
    configs = [rerun_config(r.settings, threads=threads, data_root=data_root) for r in chosen]
    from sparsyfed import numerics

    numerics.apply(configs[0].numerics)  # before torch is imported (by the runner)
    from sparsyfed.runner import run

    pool = f"{experiment}'s own runs" if experiment else "the grid's runs"
    how = "named" if points else f"drawn with seed {seed} from the {len(ref.shipped_runs(experiment))} of {pool}"
    say(f"verify: {len(chosen)} runs of {ref.config_file} ({how}), each on {threads or 'all'} cores; each is "
        f"judged against the tables of {ref.folder} as it ends")
    checks = []
    for i, (shipped_run, cfg) in enumerate(zip(chosen, configs, strict=True), 1):
        name, shipped = shipped_run.name, ref.rows(shipped_run)
        say(f"[{i}/{len(chosen)}] {name}: rerunning {cfg.rounds} rounds")
        folder = _fresh(out_dir / "runs" / name)
        t0 = time.perf_counter()
        summary = run(cfg, folder, on_error="record", progress=True)
        wall = time.perf_counter() - t0
        shipped_fp, rerun_fp = ref.fingerprint(shipped_run), (summary.get("provenance") or {}).get("fingerprint", {})
        numerics_note = fingerprint_difference(shipped_fp, rerun_fp)
        if i == 1 or numerics_note:
            say(f"[{i}/{len(chosen)}] fingerprints: shipped {_shown_fingerprint(shipped_fp)}; "
                f"here {_shown_fingerprint(rerun_fp)}")
        if summary["status"] == record.FAILED:
            result, difference, columns, differing = DIFFERS, f"the rerun failed: {summary.get('error')}", 0, 1
        else:
            result, difference, columns, differing = judge(shipped, rerun_rows(folder), ref.cell_rows(shipped_run),
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
