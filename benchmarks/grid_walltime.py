"""Item 6: wall time of the whole default grid (`snakemake --cores all`) with all cores busy.

Copies the repository's workflow files (Snakefile, workflow/, config/) into a scratch folder, so
nothing touches the checkout's results/, and times `snakemake --cores N` there from launch to
exit. Then reads Snakemake's per-job benchmark files (results/benchmarks/) for the time per rule.

    python benchmarks/grid_walltime.py                         # default grid, all cores (~20 min)
    python benchmarks/grid_walltime.py --target smoke          # a partial target
    python benchmarks/grid_walltime.py --configfile config/paper.yaml --dry-run
    python benchmarks/grid_walltime.py --keep /tmp/grid-run    # keep the scratch folder
    python benchmarks/grid_walltime.py --summarise /tmp/grid-run   # per-rule times of a grid folder

Prints the wall time, then per rule the jobs and their mean wall and CPU seconds, and the total
CPU seconds / cores: the wall time on an idle machine with perfect packing.
The target for the default grid is 20 minutes on two cores.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from _common import machine

ROOT = Path(__file__).resolve().parent.parent
COPY = ["Snakefile", "workflow", "config"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cores", default="all", help="snakemake --cores value [all]")
    ap.add_argument("--configfile", default=None, help="config file relative to the repository root")
    ap.add_argument("--target", nargs="*", default=[], help="snakemake targets (default: all)")
    ap.add_argument("--dry-run", action="store_true", help="only count the jobs (snakemake -n)")
    ap.add_argument("--keep", default=None, help="run in this folder and keep it (default: a temp folder)")
    ap.add_argument("--summarise", default=None, metavar="DIR",
                    help="only summarise the benchmark files of a (finished or running) grid folder DIR")
    args = ap.parse_args()
    if args.summarise:
        summarise(Path(args.summarise) / "results" / "benchmarks", os.cpu_count() or 1)
        return

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-grid-"))
    work.mkdir(parents=True, exist_ok=True)
    for name in COPY:
        src, dst = ROOT / name, work / name
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
    cmd = ["snakemake", "--cores", args.cores]
    if args.configfile:
        cmd += ["--configfile", args.configfile]
    if args.dry_run:
        cmd.append("-n")
    cmd += args.target
    print(machine())
    print(f"$ {' '.join(cmd)}   (in {work})", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"snakemake failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    if args.dry_run:
        print(proc.stdout[-3000:])
        return

    cores = os.cpu_count() if args.cores == "all" else int(args.cores)
    print(f"wall time {wall:.0f} s = {wall / 60:.1f} min on {cores} cores (target for the default grid: 20 min)")
    summarise(work / "results" / "benchmarks", cores)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def summarise(folder: Path, cores: int) -> None:
    """Per rule: jobs, wall seconds and CPU seconds from Snakemake's benchmark files in `folder`.

    Total CPU seconds / cores is the grid's wall time on an otherwise idle machine with perfect
    packing (single-threaded jobs); it is the number to compare with the target when other work
    shared the machine during the run.
    """
    wall, cpu, jobs = defaultdict(float), defaultdict(float), defaultdict(int)
    for tsv in folder.rglob("*.tsv"):
        parts = tsv.relative_to(folder).parts
        rule = parts[0] if len(parts) > 1 else tsv.stem  # a rule without wildcards: <rule>.tsv
        with open(tsv) as f:
            for row in csv.DictReader(f, delimiter="\t"):
                wall[rule] += float(row["s"])
                cpu[rule] += float(row["cpu_time"]) if row.get("cpu_time") not in (None, "", "NA") else float(row["s"])
                jobs[rule] += 1
    for rule in sorted(cpu, key=cpu.get, reverse=True):
        print(f"  {rule:34s} {jobs[rule]:4d} jobs  {wall[rule] / jobs[rule]:7.1f} s wall/job  "
              f"{cpu[rule] / jobs[rule]:7.1f} s CPU/job")
    total = sum(cpu.values())
    print(f"  CPU time of the benchmarked jobs {total:.0f} s / {cores} cores = {total / cores / 60:.1f} min "
          f"(idle-machine bound for these jobs)")


if __name__ == "__main__":
    main()
