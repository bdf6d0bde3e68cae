"""Item 6: wall time of the whole default grid (`snakemake --cores all`) with all cores busy.

Copies the repository's workflow files (Snakefile, workflow/, config/) into a scratch folder, so
nothing touches the checkout's results/, and times `snakemake --cores N` there from launch to
exit. Then reads Snakemake's per-job benchmark files (results/benchmarks/) for the busy time per
rule: the sum of job wall times over N cores is the best the grid could do with perfect packing.

    python benchmarks/grid_walltime.py                         # default grid, all cores (~20 min)
    python benchmarks/grid_walltime.py --target smoke          # a partial target
    python benchmarks/grid_walltime.py --configfile config/paper.yaml --dry-run
    python benchmarks/grid_walltime.py --keep /tmp/grid-run    # keep the scratch folder

Prints the wall time, the number of jobs, the busy seconds per rule and the packing bound.
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
    args = ap.parse_args()

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
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"snakemake failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    if args.dry_run:
        print(proc.stdout[-3000:])
        return

    busy, jobs = defaultdict(float), defaultdict(int)
    for tsv in (work / "results" / "benchmarks").rglob("*.tsv"):
        rule = tsv.relative_to(work / "results" / "benchmarks").parts[0]
        with open(tsv) as f:
            for row in csv.DictReader(f, delimiter="\t"):
                busy[rule] += float(row["s"])
                jobs[rule] += 1
    cores = os.cpu_count() if args.cores == "all" else int(args.cores)
    total = sum(busy.values())
    print(f"wall time {wall:.0f} s = {wall / 60:.1f} min on {cores} cores (target for the default grid: 20 min)")
    for rule in sorted(busy, key=busy.get, reverse=True):
        print(f"  {rule:28s} {jobs[rule]:4d} jobs  {busy[rule]:8.0f} s busy  ({busy[rule] / max(jobs[rule], 1):.1f} s/job)")
    print(f"  benchmarked jobs' busy time / {cores} cores = {total / cores:.0f} s (perfect packing bound); "
          f"wall / bound = {wall / max(total / cores, 1e-9):.2f}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
