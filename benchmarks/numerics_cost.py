"""The cost of portable numerics: the same run with the CPU's own kernels and pinned to AVX2.

Each run is its own `sparsyfed run` process (`numerics=native` / `numerics=portable`), timed from
launch to exit, on one core (`threads=1`, as the grid runs them); runs alternate native, portable,
... after one burn-in pair, so a busy machine shifts both sides alike. The run is one of the
default grid's (config/config.yaml: resnet_small, 200 samples per client, 10 clients per round,
21 rounds; SparsyFed at 95 %, alpha 1.0) unless --rounds says fewer.

    python benchmarks/numerics_cost.py --pairs 3

Prints each run and the medians, their ratio portable / native, and the CPU capability torch
reports natively (the native side's kernels).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine, median, spread

DEFAULT_RUN = ["dataset=fashion_mnist", "model=resnet_small", "num_clients=100", "samples_per_client=200",
               "clients_per_round=10", "method=sparsyfed", "sparsity=0.95", "alpha=1.0", "eval_every=7",
               "mask_every=7", "threads=1"]


def timed_run(numerics: str, rounds: int, out: Path) -> float:
    cmd = [sys.executable, "-m", "sparsyfed.cli", "run", "--quiet", "--out", str(out), "--set",
           *DEFAULT_RUN, f"rounds={rounds}", f"numerics={numerics}"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="timed pairs after the burn-in pair [3]")
    parser.add_argument("--rounds", type=int, default=21, help="rounds per run [21, the default grid's]")
    args = parser.parse_args()
    import torch

    print(f"machine: {machine()}; native CPU capability {torch.backends.cpu.get_cpu_capability()}")
    times: dict[str, list[float]] = {"native": [], "portable": []}
    with tempfile.TemporaryDirectory() as tmp:
        for pair in range(args.pairs + 1):
            for numerics in times:
                wall = timed_run(numerics, args.rounds, Path(tmp) / f"{numerics}{pair}")
                label = "burn-in" if pair == 0 else f"pair {pair}"
                print(f"{label:>8} {numerics:>8}: {wall:7.2f} s", flush=True)
                if pair:
                    times[numerics].append(wall)
    for numerics, xs in times.items():
        print(f"{numerics:>8}: median {spread(xs)} s over {len(xs)} runs of {args.rounds} rounds")
    print(f"portable / native: {median(times['portable']) / median(times['native']):.3f}")


if __name__ == "__main__":
    main()
