"""Item 4: time per round and peak memory of the engine at N = 100, 1,000 and 10,000 clients, 10 per round.

Every N does the same work per round: the same K clients per round with the same number of
samples each (--samples-per-client, default 6, the most that 10,000 clients of Fashion-MNIST's
60,000 images allow without repeats), so any growth with N is the engine's own. Each run is its
own process (peak RSS, `ru_maxrss`, is per process); runs rotate over N (100, 1000, 10000, 100,
...) after a burn-in run. Reported per N: setup (data, LDA partition, model: from `run()` to the
start of round 1), steady time per round (mean of rounds 2..T-1, evaluation only in round T),
peak RSS, and each as a ratio to N = 100 (target: flat, about 1).

    python benchmarks/scale_clients.py
    python benchmarks/scale_clients.py --clients 100 1000 --samples-per-client 50 --rounds 6
    python benchmarks/scale_clients.py --set model=resnet_small
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine, median, spread


def child(args) -> dict:
    import shutil

    import torch
    from _common import RoundClock, set_threads

    from sparsyfed import runner
    from sparsyfed.config import load_config
    from sparsyfed.fl import engine

    set_threads(args.threads)
    cfg = load_config(None, ["dataset=fashion_mnist", "model=small_cnn", f"num_clients={args.child}",
                             f"samples_per_client={args.samples_per_client}", "clients_per_round=10", "lr=0.1",
                             f"rounds={args.rounds}", f"eval_every={args.rounds}", f"threads={args.threads}",
                             f"device={args.device}"] + args.set)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clock = RoundClock(args.device)
    engine.sample_clients = clock.wrap(engine.sample_clients)
    out = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    t0 = time.perf_counter()
    try:
        runner.run(cfg, out / "run", progress=False)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    gpu = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else 0.0
    return {"setup": clock.marks[0] - t0, "steady": clock.steady(),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_import_mb": rss_before,
            "gpu_mb": gpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--samples-per-client", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=12, help="rounds per run (first burn-in, last evaluates)")
    ap.add_argument("--repeats", type=int, default=3, help="measured runs per N after one burn-in run")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="extra engine settings")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        print(json.dumps(child(args)))
        return

    print(machine().replace(f"{__import__('torch').get_num_threads()} intra-op", f"{args.threads} intra-op"))
    print(f"small_cnn, K=10, {args.samples_per_client} samples per client, {args.rounds} rounds, device {args.device}")

    def launch(n: int) -> dict:
        cmd = [sys.executable, __file__, "--child", str(n), "--samples-per-client", str(args.samples_per_client),
               "--rounds", str(args.rounds), "--threads", str(args.threads), "--device", args.device]
        if args.set:
            cmd += ["--set", *args.set]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(f"N={n} failed:\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    launch(args.clients[0])  # burn-in: file cache, lazy imports
    got = {n: [] for n in args.clients}
    for rep in range(args.repeats):
        for n in args.clients[rep % len(args.clients):] + args.clients[: rep % len(args.clients)]:
            r = launch(n)
            got[n].append(r)
            print(f"rep {rep + 1} N={n:6d} setup {r['setup']:.2f} s  steady {1e3 * r['steady']:.1f} ms/round  "
                  f"peak RSS {r['rss_mb']:.0f} MB (after imports {r['rss_import_mb']:.0f} MB)", flush=True)
    base = args.clients[0]
    b_steady, b_rss = median([r["steady"] for r in got[base]]), median([r["rss_mb"] for r in got[base]])
    ratio = f"x N={base}"
    print(f"\n{'N':>6s} {'setup s':>22s} {'ms/round':>22s} {ratio:>8s} {'peak RSS MB':>12s} {ratio:>8s}")
    for n in args.clients:
        steady, rss = [r["steady"] for r in got[n]], [r["rss_mb"] for r in got[n]]
        print(f"{n:6d} {spread([r['setup'] for r in got[n]]):>22s} {spread([1e3 * s for s in steady]):>22s} "
              f"{median(steady) / b_steady:8.3f} {median(rss):12.0f} {median(rss) / b_rss:8.3f}")


if __name__ == "__main__":
    main()
