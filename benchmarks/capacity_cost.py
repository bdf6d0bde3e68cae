"""The cost of one run of the capacity ladder per model width: a few rounds of the reference grid's run.

Each (model, width, method) runs as its own `sparsyfed run` process on one core (`threads=1`, as the
grid runs them) with the reference grid's settings (config/reference.yaml: Fashion-MNIST, 100 clients
x 600 samples, 10 per round, batch 16), `--rounds` rounds, evaluated at the last one only. A round's
training cost is the median `round_wall_s` of the rounds before the last; the evaluation's cost is the
last round's less that. A run of T rounds evaluated every E rounds then costs about
T x training + ceil(T / E) x evaluation, which is printed for the reference grid's T = 30, E = 5.

On a shared machine a process gets a varying share of its core, so each wall time is also scaled by
the run's CPU share (its CPU seconds over its wall seconds): the `cpu_` columns are seconds of one
whole core, what an idle core would take; `share` says how busy the machine was.

    nice python benchmarks/capacity_cost.py --widths 1 2 4 --methods dense sparsyfed zerofl --rounds 3
    nice python benchmarks/capacity_cost.py --model resnet18_cifar --widths 1 --methods sparsyfed --rounds 2
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REFERENCE_RUN = ["dataset=fashion_mnist", "num_clients=100", "samples_per_client=null", "clients_per_round=10",
                 "sparsity=0.95", "alpha=0.1", "threads=1", "numerics=portable", "device=cpu"]
REFERENCE_ROUNDS, REFERENCE_EVAL_EVERY = 30, 5


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(model: str, width: float, method: str, rounds: int, out: Path) -> tuple[float, float, int, float]:
    """(training s per round, evaluation s, prunable weights, CPU share) of one short run."""
    cmd = [sys.executable, "-m", "sparsyfed.cli", "run", "--quiet", "--out", str(out), "--set", *REFERENCE_RUN,
           f"model={model}", f"width={width}", f"method={method}", f"rounds={rounds}", f"eval_every={rounds}",
           f"mask_every={rounds}", f"checkpoint_every={rounds}"]
    cpu0, wall0 = _child_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    share = (_child_cpu() - cpu0) / (time.perf_counter() - wall0)
    walls = pd.read_csv(out / "rounds.csv")["round_wall_s"].tolist()
    train = statistics.median(walls[:-1])
    prunable = int(pd.read_json(out / "summary.json", typ="series")["num_prunable"])
    return train, max(walls[-1] - train, 0.0), prunable, share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet_small")
    parser.add_argument("--widths", nargs="+", type=float, default=[1.0, 2.0, 4.0])
    parser.add_argument("--methods", nargs="+", default=["dense", "sparsyfed", "zerofl"])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measured run (>= 2)")
    args = parser.parse_args()
    if args.rounds < 2:
        parser.error("--rounds: at least 2 (the last one is evaluated)")
    import torch

    print(f"torch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}, one core per run")
    evals = math.ceil(REFERENCE_ROUNDS / REFERENCE_EVAL_EVERY)
    print("model,width,method,prunable,train_s_per_round,eval_s,run_s_at_30_rounds,share,cpu_train_s_per_round,"
          "cpu_eval_s,cpu_run_s_at_30_rounds")
    with tempfile.TemporaryDirectory() as tmp:
        for width in args.widths:
            for method in args.methods:
                out = Path(tmp) / f"{args.model}-{width:g}-{method}"
                train, evaluation, prunable, share = measure(args.model, width, method, args.rounds, out)
                run = REFERENCE_ROUNDS * train + evals * evaluation
                print(f"{args.model},{width:g},{method},{prunable},{train:.2f},{evaluation:.2f},{run:.0f},{share:.2f},"
                      f"{share * train:.2f},{share * evaluation:.2f},{share * run:.0f}", flush=True)


if __name__ == "__main__":
    main()
