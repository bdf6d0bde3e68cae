"""Item 3: one local SGD step of SparsyFed and ZeroFL against dense, on the small CNN and the CIFAR ResNet-18.

A step is what `fl/client.py` does per batch: forward, cross-entropy, zero_grad, backward, the
method's `after_backward` hook, SGD update (lr 0.01, weight decay 1e-3). Each method builds its
own model (`build_model(name, C, classes, method.layers())`, the same seeded initialisation) and
loads a state pruned by its own `postprocess_upload` at sparsity s, so its layers see the sparse
weights a client receives mid-run; `prepare_client` starts a local session before every block.
Inputs are random normal batches (only shapes matter for time).

A block is one session: `prepare_client`, then --steps steps, each timed (device synchronised on
CUDA only). Blocks rotate over the methods (dense, sparsyfed, zerofl, dense, ...); the first round
of blocks is a burn-in. Reported per method: the median step over all measured steps (steady
state) and the median over blocks of the mean step (the session's first step, where the cuts are
selected, included), and both as ratios to dense (target for SparsyFed on ResNet-18: <= 1.2).

    python benchmarks/step_cost.py                                  # both models, batch 16, 1 thread
    python benchmarks/step_cost.py --models resnet18_cifar --steps 8 --repeats 5
    python benchmarks/step_cost.py --device cuda --steps 50
    python benchmarks/step_cost.py --methods dense sparsyfed sparsyfed_noact zerofl --set conv_threshold=batch
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.nn import functional as F

from _common import device_of, machine, median, set_threads, sync
from sparsyfed.models import prunable_keys
from sparsyfed.methods import RoundContext, make_method
from sparsyfed.models import build_model

# model -> (input shape C x H x W, classes): the data each model is built for
SHAPES = {"small_cnn": ((1, 28, 28), 10), "resnet_small": ((1, 28, 28), 10),
          "resnet18_cifar": ((3, 32, 32), 10), "resnet18_speech": ((1, 1, 8000), 35)}


def make_client(model_name: str, method_name: str, sparsity: float, params: dict, device: torch.device):
    """A model of `method_name` holding a state pruned by that method's upload hook, and its context."""
    method = make_method(method_name, sparsity, params if method_name != "dense" else None)
    (c, _, _), classes = SHAPES[model_name]
    model = build_model(model_name, c, classes, method.layers(), torch.Generator().manual_seed(0)).to(device)
    ctx = RoundContext(1, 1, 0.01, 0, prunable_keys(model), client_id=0)
    with torch.no_grad():
        model.load_state_dict(method.postprocess_upload({k: v.clone() for k, v in model.state_dict().items()}, ctx))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-3)
    return method, model, ctx, opt


def session(method, model, ctx, opt, x, y, steps: int, device: torch.device) -> list[float]:
    """prepare_client, then `steps` timed SGD steps; returns the step times (s)."""
    model.train()
    method.prepare_client(model, ctx)
    times = []
    for _ in range(steps):
        sync(device)
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        method.after_backward(model, ctx)
        opt.step()
        sync(device)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["small_cnn", "resnet18_cifar"], choices=sorted(SHAPES))
    ap.add_argument("--methods", nargs="+", default=["dense", "sparsyfed", "zerofl"])
    ap.add_argument("--sparsity", type=float, default=0.9)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=0, help="steps per session (0: 32 for the small CNN, 4 else)")
    ap.add_argument("--repeats", type=int, default=3, help="measured sessions per method after one burn-in")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (0 = all cores)")
    ap.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="method parameters for the sparse methods, e.g. conv_threshold=batch")
    args = ap.parse_args()

    set_threads(args.threads)
    device = device_of(args.device)
    params = {k: __import__("yaml").safe_load(v) for k, v in (s.split("=", 1) for s in args.set)}
    print(machine())
    print(f"batch {args.batch}, sparsity {args.sparsity}, device {device}, method params {params or 'defaults'}")
    for model_name in args.models:
        (shape, classes), steps = SHAPES[model_name], args.steps or (32 if model_name == "small_cnn" else 4)
        gen = torch.Generator().manual_seed(1)
        x = torch.randn(args.batch, *shape, generator=gen).to(device)
        y = torch.randint(0, classes, (args.batch,), generator=gen).to(device)
        clients = {m: make_client(model_name, m, args.sparsity, params, device) for m in args.methods}
        step_times = {m: [] for m in args.methods}
        block_means = {m: [] for m in args.methods}
        for rep in range(args.repeats + 1):
            for m in args.methods:
                times = session(*clients[m], x, y, steps, device)
                if rep > 0:
                    step_times[m] += times
                    block_means[m].append(sum(times) / len(times))
        base_step, base_mean = median(step_times["dense"]), median(block_means["dense"])
        print(f"\n{model_name} ({steps} steps per session, {args.repeats} sessions per method)")
        print(f"{'method':18s} {'median step ms':>15s} {'x dense':>8s} {'session mean ms':>16s} {'x dense':>8s}")
        for m in args.methods:
            s, b = median(step_times[m]), median(block_means[m])
            print(f"{m:18s} {1e3 * s:15.2f} {s / base_step:8.3f} {1e3 * b:16.2f} {b / base_mean:8.3f}")
        del clients


if __name__ == "__main__":
    main()
