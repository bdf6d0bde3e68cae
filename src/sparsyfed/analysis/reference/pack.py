"""A shipped reference grid: pack a finished grid into a small folder, and review it (rebuild and compare).

A reference folder (the repository's `reference/`, see its README.md) holds

    README.md         what the folder is, its scale, how to review and verify it (from readme.md beside this module)
    config.yaml       the workflow config the grid ran, byte for byte
    provenance.json   versions, machine, the runs' total and the grid's elapsed wall time, the pack command
    tables/           the tidy tables of `sparsyfed collect`; a table over GZIP_OVER_BYTES as NAME.csv.gz
    paper_figures/    PAPER_FIGURE_FILES: every paper table (csv, md, tex), claims.md, every figure
                      (pdf, png) and report.md, built from tables/ by `build_paper_figures`; and the
                      outputs of each experiment packed with it, built from its tables
    experiments/{experiment}/tables/   the tidy tables of each experiment packed (`collect --variants`)

`pack` collects the grid's run folders into tables/ with the same function as the workflow, checks
that every run finished with the settings the config gives it (so that `sparsyfed verify` reruns it
exactly), then builds paper_figures/ from the packed tables. `review` builds paper_figures/ again from
the shipped tables, with the same function, and compares every file with the shipped one byte for
byte. Neither runs a simulation or imports torch. Outputs are deterministic: tables and pages are
text, figures are written without dates (`style.save`), gzip members without a name or time.

`add_experiments` packs experiments into a packed folder and keeps its grid: a run not in the results
folder given is taken from the folder's own tables (packed before, or the grid's), so experiments are
packed on another day or machine than the grid, and a long one in parts (`partial`: runs not finished
yet are rows of status "missing", with the full method parameters a function given resolves: the CLI
passes `methods.full_params`, which this module does not import, so that it stays torch-free).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import platform
import shutil
import string
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

import sparsyfed
from sparsyfed import catalog, record
from sparsyfed.analysis.claims.checks import write_claims
from sparsyfed.analysis.collect import (
    FINGERPRINT,
    assemble,
    collect,
    packed_run,
    read_partition,
    read_run,
    read_table,
    read_tables,
    unfinished_run,
    write_tables,
)
from sparsyfed.analysis.figures import make_figure
from sparsyfed.analysis.outputs import (
    CLAIMS,
    FIGURE,
    FIGURE_FORMATS,
    FIGURES,
    OUTPUTS,
    PAPER_FIGURE_FILES,
    REPORT,
    TABLE_NAMES,
)
from sparsyfed.analysis.paper.tables import write_table
from sparsyfed.analysis.reference.layout import (
    CONFIG,
    EXPERIMENTS_DIR,
    PAPER_FIGURES,
    PROVENANCE,
    README,
    TABLES,
    experiment_tables,
    packed_experiments,
)
from sparsyfed.analysis.report import write_report
from sparsyfed.analysis.scale import duration, load_provenance, run_seconds, scale_line
from sparsyfed.errors import UserError
from sparsyfed.grid import EXPERIMENTS, RUN_LAYOUT, Grid, load_workflow_config, rerun_config, run_differences
from sparsyfed.io import atomic_path, check_out, staging_dir, write_json, write_text
from sparsyfed.revision import git_commit

# Tidy tables larger than this are shipped gzipped (layers.csv of 144 runs x 30 rounds is about 5 MB, 0.3 MB
# gzipped); smaller ones stay plain CSV, readable on the repository's web page.
GZIP_OVER_BYTES = 1_000_000
# (method id, sparsity, given parameters) -> the method's full parameters (`sparsyfed.methods.full_params`)
FullParams = Callable[[str, float, dict], dict]
# paper_figures/ holds PAPER_FIGURE_FILES (analysis/outputs.py, where the workflow reads them too).
FIGURE_FILES = tuple(f for f in PAPER_FIGURE_FILES if f.rsplit(".", 1)[1] in FIGURE_FORMATS)


# ---------------------------------------------------------------- building

def build_paper_figures(tables_dir: str | Path, out_dir: str | Path, captions_dir: str | Path,
                        provenance: dict | None = None, progress=None) -> list[Path]:
    """Every paper table, the claims page, every figure and the report from the tidy tables in `tables_dir`,
    in one process, into `out_dir` (PAPER_FIGURE_FILES). `provenance` is a packed reference's provenance.json;
    `progress(path)` is called after each file."""
    out_dir = Path(out_dir)
    written: list[Path] = []

    def done(paths):
        for path in paths:
            written.append(Path(path))
            if progress is not None:
                progress(Path(path))

    for name in TABLE_NAMES:
        done(write_table(name, tables_dir, out_dir))
    done([write_claims(tables_dir, out_dir / CLAIMS, provenance)])
    for name in FIGURES:
        done(make_figure(name, tables_dir, out_dir))
    done([write_report(tables_dir, out_dir, out_dir / REPORT, captions_dir, provenance)])
    return written


def build_experiment_outputs(folder: str | Path, out_dir: str | Path, progress=None) -> list[Path]:
    """Every output of each experiment packed in the reference folder `folder`, built from its tables into
    `out_dir` (as `sparsyfed table/figure` builds them in the workflow)."""
    written: list[Path] = []
    for experiment in packed_experiments(folder):
        tables = experiment_tables(folder, experiment)
        for entry in (o for o in OUTPUTS if o.experiment == experiment):
            build = make_figure if entry.kind == FIGURE else write_table
            for path in build(entry.id, tables, out_dir):
                written.append(Path(path))
                if progress is not None:
                    progress(Path(path))
    return written


# ---------------------------------------------------------------- packing

def gzip_file(path: Path) -> Path:
    """Replace `path` by `path`.gz, reproducibly (no file name or time in the gzip header)."""
    target = path.with_name(path.name + ".gz")
    with atomic_path(target) as tmp, open(path, "rb") as src, open(tmp, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        shutil.copyfileobj(src, gz)
    path.unlink()
    return target


def _gzip_large(tables: Path, gzip_over: int) -> None:
    """Gzip each tidy table in `tables` over `gzip_over` bytes."""
    for name in record.TIDY_TABLES:
        path = tables / f"{name}.csv"
        if path.stat().st_size > gzip_over:
            gzip_file(path)


def cpu_model() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else what `platform` knows."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _distinct(runs: pd.DataFrame, column: str) -> list[str]:
    return sorted({str(v) for v in runs[column].dropna()}) if column in runs.columns else []


def _recorded(runs: pd.DataFrame) -> dict:
    """What the runs of `runs` (runs.csv) recorded: their versions, device and threads, and their hosts' numeric
    fingerprints (fl/fingerprint.py)."""
    ran = runs[runs["status"] != record.MISSING]
    return {
        "runs_recorded": {key: _distinct(ran, f"prov_{key}") for key in
                          ("git_commit", "package_version", "python", "torch", "numpy", "device", "threads")},
        "fingerprints": {c.removeprefix(FINGERPRINT): _distinct(ran, c) for c in ran.columns
                         if c.startswith(FINGERPRINT)},
    }


def _run_counts(runs: pd.DataFrame) -> dict:
    return {"runs": len(runs), "runs_ok": int((runs["status"] == record.OK).sum()), "run_wall_s": run_seconds(runs)}


def provenance_of(runs: pd.DataFrame, results_dir: Path, grid: Grid, elapsed_s: float, command: str) -> dict:
    """provenance.json of a packed grid: what the runs recorded, what made the tables and figures, the time."""
    summaries = [results_dir / d / record.SUMMARY for d in grid.run_dirs()]
    finished = max(p.stat().st_mtime for p in summaries)
    return {
        "scale": str(grid.config["scale"]),
        **_run_counts(runs),
        "elapsed_s": float(elapsed_s),
        "finished": datetime.fromtimestamp(finished, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpu_model": cpu_model(), "cores": os.cpu_count()},
        **_recorded(runs),
        "analysis": {"sparsyfed": sparsyfed.__version__, "git_commit": git_commit(),
                     "python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
                     "matplotlib": matplotlib.__version__},
        "command": command,
    }


def experiments_provenance(folder: Path, provenance: dict, command: str, packed_now: tuple[str, ...]) -> dict:
    """provenance.json's `experiments`: for each experiment packed in `folder`, the command that packed it and
    what its runs recorded. Those in `packed_now` were packed by `command`; the others keep their entry, or,
    having none (packed by an earlier version), get the grid's pack command, which packed them."""
    entries = {}
    for experiment in packed_experiments(folder):
        earlier = provenance.get("experiments", {}).get(experiment)
        if experiment in packed_now or earlier is None:
            runs = read_table(experiment_tables(folder, experiment), "runs")
            earlier = {"command": command if experiment in packed_now else provenance["command"],
                       **_run_counts(runs), "runs_missing": int((runs["status"] == record.MISSING).sum()),
                       **_recorded(runs)}
        entries[experiment] = earlier
    return entries


def _pack_experiment(results_dir: Path, grid: Grid, experiment: str, stage: Path, config_file: Path,
                     gzip_over: int, packed: tuple[dict[str, pd.DataFrame], ...] = (),
                     partial: FullParams | None = None) -> None:
    """Collect the finished runs of `experiment` (every one, with the settings `grid` gives it) into the
    stage's experiments/{experiment}/tables: from `results_dir`, or, for a run it does not hold finished, from
    the first of the tidy tables `packed` (`read_tables`) that does (the reference's own; with its partitions).
    A run in neither is an error, or, given `partial` (its full method parameters from its settings), a row of
    status "missing"."""
    parts, runs = [], grid.experiment_runs(experiment)
    for run_dir, run in runs.items():
        summary = results_dir / run_dir / record.SUMMARY
        part = None if summary.is_file() else next(filter(None, (packed_run(t, run_dir) for t in packed)), None)
        if part is None and not summary.is_file() and partial is not None:
            settings = run.settings
            part = unfinished_run(run_dir, settings, partial(settings["method"], settings["sparsity"],
                                                             settings.get("method_params") or {}))
        if part is not None:
            parts.append(part)
            continue
        if not summary.is_file():
            raise UserError(f"--experiments: {experiment}'s run {results_dir / run_dir} has not finished; run "
                            f"`snakemake --cores all {experiment} --configfile {config_file}` first"
                            + (" (or pack the runs finished so far with --partial)" if packed else ""))
        ran = json.loads(summary.read_text()).get("config") or {}
        diffs = run_differences(run.settings, ran)
        if diffs:
            raise UserError(f"--results: {summary} did not run with the settings {config_file} gives it "
                            f"({diffs[0]}); rerun {experiment} with that config, or pack with the config it ran")
        parts.append(read_run(results_dir / run_dir, root=results_dir))
    partitions = []
    for dataset, alpha in dict.fromkeys((r.point["dataset"], r.point["alpha"]) for r in runs.values()):
        path = results_dir / grid.partition(dataset, alpha)
        rows = [_packed_partition(t["partitions"], grid, dataset, alpha) for t in packed]
        shipped = next((r for r in rows if len(r)), None)
        if not path.is_file() and shipped is None:
            raise UserError(f"--results: partition {path} not found; run `snakemake --cores all {experiment} "
                            f"--configfile {config_file}` first")
        partitions.append(read_partition(path) if path.is_file() else shipped)
    tables = experiment_tables(stage, experiment)
    if tables.exists():
        shutil.rmtree(tables)  # packed before (`packed` holds what is kept); no stale table may stay
    check_out(tables, folder=True)
    write_tables(assemble(parts, partitions, scale=grid.config["scale"], variants=True), tables)
    _gzip_large(tables, gzip_over)


def _packed_partition(partitions: pd.DataFrame, grid: Grid, dataset: str, alpha: str) -> pd.DataFrame:
    """The rows of one partition file (`grid.partition(dataset, alpha)`) in a tidy partitions table."""
    part = grid.config["partition"]
    return partitions[(partitions["dataset"] == dataset) & (partitions["alpha"] == float(alpha))
                      & (partitions["num_clients"] == part["num_clients"])
                      & (partitions["partition_seed"] == part["seed"])].reset_index(drop=True)


def _check_runs(runs: pd.DataFrame, results_dir: Path, grid: Grid, config_file: Path) -> None:
    """Every run of the grid finished (ok, diverged or failed) with the settings `grid` gives it."""
    missing = runs[runs["status"] == record.MISSING]
    if len(missing):
        raise UserError(f"--results: {len(missing)} of the {len(runs)} runs of {config_file}'s grid have not finished "
                        f"(first: {results_dir / missing['run_dir'].iloc[0]}); finish the grid before packing it")
    for point, run_dir in zip(grid.points(), grid.run_dirs(), strict=True):
        summary = results_dir / run_dir / record.SUMMARY
        ran = json.loads(summary.read_text()).get("config") or {}
        diffs = run_differences(rerun_config(grid.settings(**point)).to_dict(), ran)
        if diffs:
            raise UserError(f"--config: {config_file} is not the config {summary} ran ({diffs[0]}); pass the "
                            "workflow config the grid ran")


# The folder the workflow's `review` and `verify` targets check (workflow/rules/common_reference.smk);
# another reference folder (e.g. reference-fsdd/) is checked with `sparsyfed review/verify --reference`.
WORKFLOW_REFERENCE = "reference"


def _readme_commands(folder: str, example_point: str, experiments: list[str]) -> dict[str, str]:
    """The review and verify commands README.md shows for a reference folder named `folder` that holds
    `experiments`."""
    own = folder == WORKFLOW_REFERENCE
    verify = f"sparsyfed verify --reference {folder}"
    lines = [("snakemake --cores all verify" if own else verify, "3 runs chosen at random (seed 0)"),
             (f"{verify} --k 5 --seed 1", "5 others")]
    lines += [(f"{verify} --experiment {e} --k 2", f"2 runs of the {e} experiment") for e in experiments]
    width = max(len(command) for command, _ in lines) + 1
    verify_commands = "\n".join([f"{command:<{width}} # {what}" for command, what in lines]
                                + [f"{verify} --point {example_point}"])
    if own:
        return dict(review_command="snakemake --cores all review", review_fails="the job fails if one differs",
                    review_other=f"The same without Snakemake: `sparsyfed review --reference {folder} --out "
                                 "results/review`.", verify_commands=verify_commands)
    return dict(review_command=f"sparsyfed review --reference {folder} --out results/review",
                review_fails="the command exits 1 if one differs",
                review_other=f"(The workflow's `review` and `verify` targets check `{WORKFLOW_REFERENCE}/`; this "
                             "folder is checked with the commands shown here.)", verify_commands=verify_commands)


def _experiments_row(experiments: list[str]) -> str:
    """The README table's row for the experiments packed (none: no row)."""
    if not experiments:
        return ""
    shown = ", ".join(f"`{i}`" for i in dict.fromkeys(o.id for o in OUTPUTS if o.experiment in experiments))
    return (f"| `{EXPERIMENTS_DIR}/<experiment>/{TABLES}/` | the tidy tables of the experiments beside the grid "
            f"packed with it ({', '.join(experiments)}; `sparsyfed collect --variants`), from which "
            f"`{PAPER_FIGURES}/` holds {shown} |\n")


def _experiments_added(provenance: dict) -> str:
    """README's lines on the experiments packed into the folder after its grid, with the commands that did it,
    and on those packed in part."""
    later: dict[str, list[str]] = {}
    for experiment, entry in provenance.get("experiments", {}).items():
        if entry["command"] != provenance["command"]:
            later.setdefault(entry["command"], []).append(experiment)
    lines = [f"\nThe {', '.join(names)} experiment{'s' * (len(names) > 1)} {'were' if len(names) > 1 else 'was'} "
             f"packed into it later, with\n\n```bash\n{command}\n```\n" for command, names in later.items()]
    lines += [f"\n**The {experiment} experiment is packed in part**: {entry['runs'] - entry['runs_missing']} of its "
              f"{entry['runs']} runs had finished; the others are rows of status `missing` in its runs.csv, which "
              "its pages count, until a later `sparsyfed reference-add` packs them.\n"
              for experiment, entry in provenance.get("experiments", {}).items() if entry.get("runs_missing")]
    return "".join(lines)


def _fill_readme(provenance: dict, line: str, grid: Grid, folder: str, experiments: list[str]) -> str:
    """README.md of the folder `folder` (its name): readme.md (beside this module) with this grid's scale, times, an
    example point and the commands that review and verify it."""
    template = resources.files(__package__).joinpath("readme.md").read_text()
    points = grid.points()
    example = next((p for p in points if catalog.method(p["method"]).role == catalog.PROPOSED), points[0])
    example_point = RUN_LAYOUT.format(**example)
    cores = provenance["machine"]["cores"]
    return string.Template(template).substitute(
        folder=folder, **_readme_commands(folder, example_point, experiments),
        scale=provenance["scale"], scale_line=line, command=provenance["command"],
        finished=provenance["finished"], runs=provenance["runs"], tables=TABLES, paper_figures=PAPER_FIGURES,
        gzip_mb=f"{GZIP_OVER_BYTES / 1e6:g}", mean_run=duration(provenance["run_wall_s"] / provenance["runs"]),
        experiments_row=_experiments_row(experiments), experiments_added=_experiments_added(provenance),
        elapsed=f"{duration(provenance['elapsed_s'])} on {cores} cores")


def _staging(out_dir: Path) -> Path:
    """A new empty folder beside `out_dir`, after checking that `out_dir` may be replaced."""
    check_out(out_dir, folder=True)
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / PROVENANCE).is_file():
        raise UserError(f"--out: {out_dir} exists and is not a reference folder (no {PROVENANCE}); choose a new "
                        "or empty folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    return staging_dir(out_dir.parent, f".{out_dir.name}.packing.")


def _replace(stage: Path, out_dir: Path) -> None:
    """Put `stage` in place of `out_dir` (whose old files go, so none survives from an earlier pack)."""
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.old."))
        os.replace(out_dir, old / "folder")
    os.replace(stage, out_dir)
    if old is not None:
        shutil.rmtree(old)


def _check_experiments(experiments: tuple[str, ...]) -> None:
    unknown = [e for e in experiments if e not in EXPERIMENTS]
    if unknown:
        raise UserError(f"--experiments: unknown experiment {unknown[0]!r}; choose from {list(EXPERIMENTS)}")


def _finish(stage: Path, results_dir: Path, config_file: Path, experiments: tuple[str, ...], provenance: dict,
            command: str, out_dir: Path, gzip_over: int, progress,
            packed: dict[str, tuple[dict[str, pd.DataFrame], ...]] | None = None,
            partial: FullParams | None = None) -> None:
    """Pack `experiments` (finished in `results_dir`, run with `config_file`) into the reference folder being made
    in `stage`, which holds its grid's tables, config and paper figures; then build every packed experiment's
    outputs and write provenance.json and README.md for the folder `out_dir`. An experiment's runs that
    `results_dir` does not hold finished are taken from `packed[experiment]` (`_pack_experiment`)."""
    grid = Grid(load_workflow_config(config_file))
    for experiment in (e for e in EXPERIMENTS if e in experiments):
        _pack_experiment(results_dir, grid, experiment, stage, config_file, gzip_over,
                         (packed or {}).get(experiment, ()), partial)
    build_experiment_outputs(stage, stage / PAPER_FIGURES, progress)
    provenance["experiments"] = experiments_provenance(stage, provenance, command, experiments)
    write_json(stage / PROVENANCE, provenance)
    tables = stage / TABLES
    line = scale_line(read_table(tables, "runs"), read_table(tables, "partitions"), provenance)
    write_text(stage / README, _fill_readme(provenance, line, grid, out_dir.name, packed_experiments(stage)))


def pack(results_dir: str | Path, config_file: str | Path, elapsed_s: float, out_dir: str | Path,
         captions_dir: str | Path, command: str, gzip_over: int = GZIP_OVER_BYTES, progress=None,
         experiments: tuple[str, ...] = ()) -> Path:
    """Pack the finished grid of `config_file` in `results_dir` (the workflow's working directory) into the
    reference folder `out_dir` (module docstring), with the finished runs of each of `experiments`.
    `elapsed_s` is the wall time the whole grid took, `command` the command line recorded in provenance.json.
    Returns `out_dir`."""
    results_dir, config_file, out_dir = Path(results_dir), Path(config_file), Path(out_dir)
    if not (elapsed_s > 0):
        raise UserError(f"--elapsed-s: must be > 0 (the grid's wall time in seconds), got {elapsed_s}")
    if not (results_dir / "results" / "runs").is_dir():
        raise UserError(f"--results: {results_dir} has no results/runs; pass the folder the workflow ran in")
    config = load_workflow_config(config_file)
    if not config.get("scale"):
        raise UserError(f"--config: {config_file} names no `scale`; add one (e.g. scale: reference grid)")
    grid = Grid(config)
    _check_experiments(experiments)
    partitions = [results_dir / p for p in grid.partitions()]
    absent = [p for p in partitions if not p.is_file()]
    if absent:
        raise UserError(f"--results: partition {absent[0]} not found; finish the grid before packing it")
    stage = _staging(out_dir)
    try:
        tables = stage / TABLES
        collect([results_dir / d for d in grid.run_dirs()], partitions, tables, scale=config["scale"],
                root=results_dir)
        runs = read_table(tables, "runs")
        _check_runs(runs, results_dir, grid, config_file)
        _gzip_large(tables, gzip_over)
        shutil.copyfile(config_file, stage / CONFIG)
        provenance = provenance_of(runs, results_dir, grid, elapsed_s, command)
        build_paper_figures(tables, stage / PAPER_FIGURES, captions_dir, provenance, progress)
        _finish(stage, results_dir, config_file, experiments, provenance, command, out_dir, gzip_over, progress)
        _replace(stage, out_dir)
    finally:
        if stage.exists():
            shutil.rmtree(stage)
    return out_dir


def add_experiments(reference: str | Path, results_dir: str | Path, experiments: tuple[str, ...],
                    command: str, gzip_over: int = GZIP_OVER_BYTES, progress=None,
                    partial: FullParams | None = None) -> Path:
    """Pack `experiments` into the packed reference folder `reference` (again, if it holds them), keeping its
    grid's tables and outputs. Each experiment's runs are read from `results_dir` where it holds them finished
    (each must have the settings the reference's config.yaml gives it), else from the reference: the runs it
    packed before for that experiment, and those the experiment shares with the grid. So no run folder of the
    grid is needed. Given `partial` (method id, sparsity, parameters -> the method's full parameters:
    `methods.full_params`), the runs finished nowhere yet are packed as "missing" (the experiment's pages count
    them), so that a long experiment is packed in parts, each adding the runs finished since; without it they
    are an error. provenance.json records `command` as the experiments' pack command. Returns `reference`."""
    reference, results_dir = check_reference(reference), Path(results_dir)
    if not experiments:
        raise UserError(f"--experiments: name one or more of {list(EXPERIMENTS)}")
    _check_experiments(experiments)
    if not (results_dir / "results").is_dir():
        raise UserError(f"--results: {results_dir} has no results/; pass the folder the experiments ran in")
    provenance = load_provenance(reference / PROVENANCE)
    grid_tables = read_tables(reference / TABLES)
    packed = {e: tuple(read_tables(t) for t in [experiment_tables(reference, e)] if t.is_dir()) + (grid_tables,)
              for e in experiments}
    stage = _staging(reference)
    try:
        shutil.copytree(reference, stage, dirs_exist_ok=True)
        _finish(stage, results_dir, reference / CONFIG, experiments, provenance, command, reference, gzip_over,
                progress, packed, partial)
        _replace(stage, reference)
    finally:
        if stage.exists():
            shutil.rmtree(stage)
    return reference


# ---------------------------------------------------------------- reviewing

EQUAL, DIFFERS, MISSING, NOT_SHIPPED = "equal", "differs", "not rebuilt", "not shipped"


@dataclass(frozen=True)
class FileCheck:
    name: str
    status: str  # EQUAL, DIFFERS, MISSING (shipped, not rebuilt), NOT_SHIPPED (rebuilt, not shipped)
    note: str = ""  # why a difference is expected
    expected: bool = False  # a difference explained by another library version (not a failure)


@dataclass(frozen=True)
class Review:
    reference: Path
    out_dir: Path
    checks: list[FileCheck]

    @property
    def failures(self) -> list[FileCheck]:
        return [c for c in self.checks if c.status != EQUAL and not c.expected]

    def summary(self) -> str:
        equal = sum(c.status == EQUAL for c in self.checks)
        text = (f"{equal} of {len(self.checks)} files rebuilt in {self.out_dir} equal the shipped ones in "
                f"{self.reference / PAPER_FIGURES}")
        expected = [c for c in self.checks if c.status != EQUAL and c.expected]
        if expected:
            text += f"; {len(expected)} differ as expected ({expected[0].note})"
        return text + (f"; {len(self.failures)} differ" if self.failures else "")


def check_reference(reference: str | Path) -> Path:
    """`reference` if it is a packed reference folder; UserError naming what is missing."""
    reference = Path(reference)
    if not reference.is_dir():
        raise UserError(f"--reference: {reference} not found; pass a reference folder made by `sparsyfed "
                        "reference-pack` (the repository's reference/)")
    for part in (CONFIG, PROVENANCE, TABLES, PAPER_FIGURES):
        if not (reference / part).exists():
            raise UserError(f"--reference: {reference} has no {part}; pass a folder made by `sparsyfed reference-pack`")
    return reference


def compare(shipped_dir: Path, rebuilt: list[Path], provenance: dict) -> list[FileCheck]:
    """Every shipped file and every file just rebuilt (`rebuilt`, in one folder), compared byte for byte."""
    shipped = {p.name for p in shipped_dir.iterdir() if p.is_file()}
    rebuilt_dir = rebuilt[0].parent
    rebuilt = {p.name for p in rebuilt}
    ours, theirs = matplotlib.__version__, (provenance.get("analysis") or {}).get("matplotlib")
    figure_note = (f"figures drawn with matplotlib {ours} here, {theirs} in the reference: not comparable byte "
                   "for byte" if theirs and theirs != ours else "")
    checks = []
    for name in sorted(shipped | rebuilt):
        if name not in rebuilt:
            checks.append(FileCheck(name, MISSING))
        elif name not in shipped:
            checks.append(FileCheck(name, NOT_SHIPPED))
        elif (shipped_dir / name).read_bytes() == (rebuilt_dir / name).read_bytes():
            checks.append(FileCheck(name, EQUAL))
        elif name in FIGURE_FILES and figure_note:
            checks.append(FileCheck(name, DIFFERS, figure_note, expected=True))
        elif name in FIGURE_FILES:
            checks.append(FileCheck(name, DIFFERS))
        else:
            checks.append(FileCheck(name, DIFFERS, first_difference(shipped_dir / name, rebuilt_dir / name)))
    return checks


def first_difference(shipped: Path, rebuilt: Path, width: int = 80) -> str:
    """Where two text files first differ: 'line 12: shipped "...", rebuilt "..."' (lines cut to `width`)."""
    a, b = shipped.read_text().splitlines(), rebuilt.read_text().splitlines()
    for i, (x, y) in enumerate(zip(a, b, strict=False), 1):
        if x != y:
            start = max(0, next(j for j, (p, q) in enumerate(zip(x + "\0", y + "\0", strict=False)) if p != q) - 20)
            return f"line {i}: shipped {x[start:start + width]!r}, rebuilt {y[start:start + width]!r}"
    if len(a) != len(b):
        return f"shipped {len(a)} lines, rebuilt {len(b)}"
    return "line endings differ"


def render_review(result: Review) -> str:
    out = ["# Review of the shipped reference", "",
           f"Every table, figure, the claims page and the report rebuilt from `{result.reference / TABLES}` into "
           f"`{result.out_dir}` and compared byte for byte with `{result.reference / PAPER_FIGURES}`: "
           f"{result.summary()}.", "", "| File | Rebuilt |", "|---|---|"]
    out += [f"| {c.name} | {c.status}{f' ({c.note})' if c.note else ''} |" for c in result.checks]
    return "\n".join(out) + "\n"


def review(reference: str | Path, out_dir: str | Path, captions_dir: str | Path, progress=None) -> Review:
    """Rebuild paper_figures/ of the reference folder from its tables into `out_dir`/paper_figures, compare
    each file with the shipped one, and write `out_dir`/review.md."""
    reference, out_dir = check_reference(reference), Path(out_dir)
    check_out(out_dir, folder=True)
    provenance = load_provenance(reference / PROVENANCE)
    rebuilt = out_dir / PAPER_FIGURES
    written = build_paper_figures(reference / TABLES, rebuilt, captions_dir, provenance, progress)
    written += build_experiment_outputs(reference, rebuilt, progress)
    result = Review(reference, rebuilt, compare(reference / PAPER_FIGURES, written, provenance))
    write_text(out_dir / "review.md", render_review(result))
    return result

