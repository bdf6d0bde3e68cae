"""Item 2: the same run in our engine and in Flower's simulation runtime, on the same cores.

The Flower side is the project's Flower adapter (`sparsyfed.flower`, `_flower_app.py` sets it up): the
engine's clients, shards, local sessions and measurements, the method's aggregation, states sent
sparse where that is cheaper. Both sides give the same rounds.csv (tests/flower), so only the
runtime differs. The workload is `_common.WORKLOAD` (FedAvg, dense); `--set method=sparsyfed
sparsity=0.95` times another method.

Each run is its own process, timed from launch to exit (Python start-up, imports, Ray start and
shut-down, data loading included): the "whole run". Inside, round starts are timestamped on both
sides where the engine calls `sample_clients` (`_common.RoundClock`), and the steady time per round
is the mean over rounds 2..T-1 (evaluation rounds at their share). Final accuracy is the last
evaluated round's centralised test accuracy on both sides.

Same cores: both sides are pinned to the same C CPUs (sched_setaffinity, inherited by Ray's
processes). The engine runs with threads=C (C clients train at once, one thread each;
--engine-threads 1 leaves the other cores idle), Flower with Ray given C CPUs and 1 CPU (1 thread)
per client, so C clients train at once there too.
Runs alternate engine / Flower; one short burn-in pair per core count comes first.

    pip install -e '.[flower]'          # check `pip list | grep torch` after: torch stays 2.13.0
    python benchmarks/flower_compare.py --cores 2 --rounds 20 --repeats 3

Prints each run, then per core count the medians and the ratio Flower / engine of whole-run wall
time and of steady time per round.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import WORKLOAD, machine, median, spread

HERE = Path(__file__).resolve().parent


def engine_threads(args) -> int:
    """The engine's torch threads: --engine-threads, else the core count."""
    return args.engine_threads or args.cores[0]


def settings_for(args) -> list[str]:
    return WORKLOAD + [f"rounds={args.rounds}", f"eval_every={args.eval_every}", "device=cpu",
                       f"threads={engine_threads(args)}"] + args.set


def engine_side(args) -> dict:
    import shutil

    from _common import RoundClock

    from sparsyfed import runner
    from sparsyfed.config import load_config
    from sparsyfed.fl import engine

    cfg = load_config(None, settings_for(args))  # threads=C: the engine trains C clients at once
    clock = RoundClock("cpu")
    engine.sample_clients = clock.wrap(engine.sample_clients)
    out = Path(tempfile.mkdtemp(prefix="bench-flower-engine-"))
    try:
        summary = runner.run(cfg, out / "run", progress=False)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if summary["status"] != "ok":
        raise SystemExit(f"engine run {summary['status']}: {summary.get('error')}; lower lr with --set lr=...")
    return {"round_times": clock.round_times(), "test_acc": summary["final"]["test_acc"]}


def flower_side(args) -> dict:
    import logging

    import _flower_app as app
    from flwr.simulation import run_simulation

    from sparsyfed.config import load_config

    cores = args.cores[0]
    app.SPEC.settings = settings_for(args)
    logging.getLogger("flwr").setLevel(logging.WARNING)  # no per-round log lines (the engine prints none)
    num_clients = load_config(None, app.SPEC.settings).num_clients  # one node per client
    run_simulation(server_app=app.server_app, client_app=app.client_app, num_supernodes=num_clients,
                   backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0},
                                   "init_args": {"num_cpus": cores, "num_gpus": 0}})
    return {"round_times": app.SPEC.clock.round_times(), "test_acc": app.SPEC.test_acc}


def launch(python: str, side: str, cores: int, rounds: int, args) -> dict:
    """Run one side in a fresh process; returns its result plus the whole-run wall time."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        result = Path(f.name)
    cmd = [python, str(Path(__file__).resolve()), "--side", side, "--cores", str(cores), "--rounds", str(rounds),
           "--eval-every", str(args.eval_every), "--result", str(result)]
    if args.engine_threads:
        cmd += ["--engine-threads", str(args.engine_threads)]
    if args.set:
        cmd += ["--set", *args.set]
    env = {**os.environ, "OMP_NUM_THREADS": "1" if side == "flower" else str(args.engine_threads or cores),
           # Ray starts its workers at nice 15; on a machine shared with other jobs that would slow
           # the Flower clients down for a reason unrelated to the runtime, so run them at nice 0.
           "RAY_worker_niceness": "0"}
    cpus = sorted(os.sched_getaffinity(0))[:cores]
    t0 = time.perf_counter()
    # pinned to the same `cores` CPUs (Ray's num_cpus only limits how many clients it runs at once;
    # its driver and workers could otherwise spread over every core of the machine)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False,
                          preexec_fn=lambda: os.sched_setaffinity(0, cpus))
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not result.stat().st_size:
        sys.exit(f"{side} run failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    out = json.loads(result.read_text())
    result.unlink()
    times = out["round_times"][1:]  # round 1 is a burn-in (lazy init, first allocations)
    return {"wall": wall, "steady": sum(times) / len(times) if times else float("nan"), "test_acc": out["test_acc"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cores", type=int, nargs="+", default=[1, 2], help="core counts to compare at")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--eval-every", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3, help="measured engine/Flower pairs per core count")
    ap.add_argument("--burn-in-rounds", type=int, default=2, help="rounds of the burn-in pair (0: none)")
    ap.add_argument("--flower-python", default=sys.executable, help="python with flwr[simulation] installed")
    ap.add_argument("--engine-python", default=sys.executable)
    ap.add_argument("--engine-threads", type=int, default=0,
                    help="engine's torch threads (default: the core count; 1 leaves the other cores idle)")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="extra settings for both sides")
    ap.add_argument("--side", choices=["engine", "flower"], help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.side:
        out = engine_side(args) if args.side == "engine" else flower_side(args)
        Path(args.result).write_text(json.dumps(out))
        return

    print(machine())
    print(f"workload: {' '.join(WORKLOAD)} rounds={args.rounds} eval_every={args.eval_every} "
          f"engine threads={args.engine_threads or 'cores'}")
    pythons = {"engine": args.engine_python, "flower": args.flower_python}
    for cores in args.cores:
        if args.burn_in_rounds:
            for side in ("engine", "flower"):
                launch(pythons[side], side, cores, args.burn_in_rounds, args)
        got = {"engine": [], "flower": []}
        for rep in range(args.repeats):
            order = ("engine", "flower") if rep % 2 == 0 else ("flower", "engine")
            for side in order:
                r = launch(pythons[side], side, cores, args.rounds, args)
                got[side].append(r)
                print(f"cores={cores} rep {rep + 1} {side:6s} whole run {r['wall']:.2f} s  "
                      f"steady {r['steady']:.3f} s/round  test_acc {r['test_acc']:.4f}", flush=True)
        e, f = got["engine"], got["flower"]
        wall_ratio = median([b["wall"] / a["wall"] for a, b in zip(e, f, strict=True)])
        round_ratio = median([b["steady"] / a["steady"] for a, b in zip(e, f, strict=True)])
        print(f"== cores={cores}: whole run engine {spread([r['wall'] for r in e])} s, "
              f"Flower {spread([r['wall'] for r in f])} s, Flower/engine {wall_ratio:.2f} (target >= 1.5)")
        print(f"   steady s/round engine {spread([r['steady'] for r in e])}, "
              f"Flower {spread([r['steady'] for r in f])}, Flower/engine {round_ratio:.2f}")
        print(f"   test_acc engine {spread([r['test_acc'] for r in e])}, Flower {spread([r['test_acc'] for r in f])}")


if __name__ == "__main__":
    main()
