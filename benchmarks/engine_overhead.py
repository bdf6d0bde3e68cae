"""Item 1: the engine's time per round against a bare sequential PyTorch FedAvg loop (overhead ratio).

Both sides do the same SGD steps on the same model and data: the same initial weights, the same
clients per round (`sample_clients`), the same per-client shuffling (`client_seed`), the same
learning rate and weight decay. The bare loop is what one would write by hand: the training set
normalised once as float32, load the global state, SGD over the shard, clone the state, average.
It has no metrics, files, checkpoints or method hooks; the engine has all of them.

The engine is called in-process (`sparsyfed.runner.run`), its `sample_clients` wrapped to
timestamp the start of each round, so a round's time covers everything the loop does in it
(per-client metrics, round metrics, mask files and checkpoints at their share). Evaluation is
pushed to the last round, which is not timed. Repetitions alternate engine and bare loop; the first
pair is a burn-in, and in each run the first round is one too.

    python benchmarks/engine_overhead.py                     # 1 thread, 12 rounds, 3 measured pairs
    python benchmarks/engine_overhead.py --threads 2 --repeats 5
    python benchmarks/engine_overhead.py --device cuda

Prints each pair, then the medians and the overhead ratio engine / bare (target <= 1.05).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import torch
from _common import (
    WORKLOAD,
    RoundClock,
    device_of,
    machine,
    median,
    set_threads,
    spread,
    sync,
)
from torch.nn import functional as F

from sparsyfed import runner
from sparsyfed.config import load_config
from sparsyfed.data.partition import lda_partition
from sparsyfed.data.registry import load_dataset
from sparsyfed.fl import engine
from sparsyfed.fl.evaluate import evaluate
from sparsyfed.fl.layout import memory_format, to_layout
from sparsyfed.fl.schedule import client_seed, lr_at, sample_clients
from sparsyfed.models import build_model
from sparsyfed.models.layers import PLAIN


def engine_run(cfg, clock: RoundClock) -> dict:
    """One engine run in a scratch folder; returns its summary. `clock` marks every round start."""
    original = engine.sample_clients
    engine.sample_clients = clock.wrap(original)
    out = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    try:
        summary = runner.run(cfg, out / "run", progress=False)
    finally:
        engine.sample_clients = original
        shutil.rmtree(out, ignore_errors=True)
    if summary["status"] != "ok":
        raise SystemExit(f"engine run {summary['status']} after round {summary['rounds_completed']} "
                         f"({summary.get('error')}); lower lr with --set lr=...")
    return summary


class BareLoop:
    """FedAvg by hand: same model, data, clients, shuffling and SGD as the engine's dense run."""

    def __init__(self, cfg, device: torch.device):
        data = load_dataset(cfg.dataset, cfg.data_root)
        part = lda_partition(data.train_y.numpy(), data.test_y.numpy(), cfg.num_clients, cfg.alpha,
                             cfg.partition_seed, cfg.samples_per_client, data.num_classes, cfg.dataset)
        self.cfg, self.device, self.data = cfg, device, data
        # (60000, 1, 28, 28) float32, normalised once, in the engine's memory layout
        self.layout = memory_format(device)
        self.x = to_layout(data.normalise(data.train_x), device, self.layout)
        self.y = data.train_y.to(device)
        self.idx = torch.as_tensor(part.train_indices, device=device)

    def run(self, rounds: int, clock: RoundClock) -> float:
        """Train `rounds` rounds (lr schedule of the config's round count); returns the test accuracy."""
        cfg, dev = self.cfg, self.device
        model = build_model(cfg.model, self.x.shape[1], self.data.num_classes, PLAIN,
                            torch.Generator().manual_seed(cfg.seed)).to(dev, memory_format=self.layout)
        global_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        for rnd in range(1, rounds + 1):
            clock.mark()
            lr = lr_at(rnd, cfg.lr, cfg.lr_end, cfg.rounds)
            states = []
            for cid in sample_clients(cfg.seed, rnd, cfg.num_clients, cfg.clients_per_round).tolist():
                model.load_state_dict(global_state)
                model.train()
                opt = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=cfg.weight_decay)
                x, y = self.x[self.idx[cid]], self.y[self.idx[cid]]
                gen = torch.Generator().manual_seed(client_seed(cfg.seed, rnd, cid))
                for _ in range(cfg.local_epochs):
                    order = torch.randperm(len(x), generator=gen).to(dev)
                    for start in range(0, len(x), cfg.batch_size):
                        b = order[start : start + cfg.batch_size]
                        loss = F.cross_entropy(model(x[b]), y[b])
                        opt.zero_grad(set_to_none=True)
                        loss.backward()
                        opt.step()
                states.append({k: v.detach().clone() for k, v in model.state_dict().items()})
            # equal shard sizes: the sample-weighted mean is the plain mean
            global_state = {k: torch.stack([s[k] for s in states]).mean(0) for k in global_state}
        sync(dev)
        model.load_state_dict(global_state)
        test_x, test_y = to_layout(self.data.test_x, dev, self.layout), self.data.test_y.to(dev)
        acc, _ = evaluate(model, test_x, test_y, self.data.normalise, cfg.eval_batch_size)
        return acc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=12, help="rounds per run (first is burn-in, last untimed)")
    ap.add_argument("--repeats", type=int, default=3, help="measured engine/bare pairs after one burn-in pair")
    ap.add_argument("--threads", type=int, default=1,
                    help="cores (0 = all): the engine trains that many clients at once, "
                         "the bare loop uses them as intra-op threads")
    ap.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="extra engine settings")
    args = ap.parse_args()

    set_threads(args.threads)
    device = device_of(args.device)
    cfg = load_config(None, WORKLOAD + [f"rounds={args.rounds}", f"eval_every={args.rounds + 1}",
                                        f"device={device}", f"threads={args.threads}"] + args.set)
    print(machine())
    print(f"workload: {' '.join(WORKLOAD)} rounds={args.rounds} device={device}")
    bare = BareLoop(cfg, device)
    eng_t, bare_t, ratios = [], [], []
    for rep in range(args.repeats + 1):
        order = ("engine", "bare") if rep % 2 == 0 else ("bare", "engine")
        got = {}
        for side in order:
            clock = RoundClock(device)
            if side == "engine":
                acc = engine_run(cfg, clock)["final"]["test_acc"]
            else:
                acc = bare.run(args.rounds, clock)
            got[side] = (clock.steady(), acc)
        tag = "burn-in" if rep == 0 else f"pair {rep}"
        e, b = got["engine"][0], got["bare"][0]
        print(f"{tag:8s} engine {e:.3f} s/round  bare {b:.3f} s/round  ratio {e / b:.3f}  "
              f"test_acc engine {got['engine'][1]:.4f} bare {got['bare'][1]:.4f}")
        if rep > 0:
            eng_t.append(e)
            bare_t.append(b)
            ratios.append(e / b)
    print(f"engine s/round  median [min-max]: {spread(eng_t)}")
    print(f"bare   s/round  median [min-max]: {spread(bare_t)}")
    print(f"overhead ratio engine/bare: median of pairs {median(ratios):.3f}, "
          f"ratio of medians {median(eng_t) / median(bare_t):.3f}  (target <= 1.05)")


if __name__ == "__main__":
    main()
