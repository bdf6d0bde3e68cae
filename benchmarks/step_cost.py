"""Item 3: one local SGD step of SparsyFed and ZeroFL against dense, on the small CNN and the CIFAR ResNet-18.

A step is what `fl/client.py` does per batch: forward, cross-entropy, zero_grad, backward, the
method's `after_backward` hook, SGD update (lr 0.01, weight decay 1e-3). Each method builds its
own model (`build_model(name, C, classes, method.layers())`, the same seeded initialisation) and
loads a state pruned by its own `postprocess_upload` at sparsity s, so its layers see the sparse
weights a client receives mid-run; `prepare_client` starts a local session before every block.
Inputs are random normal batches (only shapes matter for time).

A block starts a local session for every method (`prepare_client`), then runs --steps steps,
rotating over the methods step by step (dense, sparsyfed, zerofl, dense, ...) so that load on a
shared machine hits all methods alike; each step is timed alone (device synchronised on CUDA
only). The first block is a burn-in. Reported per method: the median steady step (steps 2.. of
each session), the median first step of a session (SparsyFed and ZeroFL select their magnitude
cuts there in "session" mode), and the cost of a whole local session of --session-steps steps
estimated as (first + (S - 1) x steady) / S (S = 32: 500 samples at batch 16), each as a ratio to
dense. Target for SparsyFed on ResNet-18: <= 1.2 x dense.

    python benchmarks/step_cost.py                                  # both models, batch 16, 1 thread
    python benchmarks/step_cost.py --models resnet18_cifar --steps 8 --repeats 5
    python benchmarks/step_cost.py --device cuda --steps 50
    python benchmarks/step_cost.py --methods dense sparsyfed sparsyfed_noact zerofl --set conv_threshold=batch
"""

from __future__ import annotations

import argparse
import time

import torch
from _common import device_of, machine, median, set_threads, sync
from torch.nn import functional as F

from sparsyfed.fl.client import sgd_step
from sparsyfed.fl.layout import memory_format, to_layout
from sparsyfed.methods import make_method
from sparsyfed.methods.base import RoundContext
from sparsyfed.models import build_model, prunable_keys

# model -> (input shape C x H x W, classes): the data each model is built for
SHAPES = {"small_cnn": ((1, 28, 28), 10), "resnet_small": ((1, 28, 28), 10),
          "resnet18_cifar": ((3, 32, 32), 10), "resnet18_speech": ((1, 1, 8000), 35)}


def make_client(model_name: str, method_name: str, sparsity: float, params: dict, device: torch.device):
    """A model of `method_name` holding a state pruned by that method's upload hook, and its context."""
    method = make_method(method_name, sparsity, params if method_name != "dense" else None)
    (c, _, _), classes = SHAPES[model_name]
    model = build_model(model_name, c, classes, method.layers(), torch.Generator().manual_seed(0))
    model.to(device, memory_format=memory_format(device))  # the engine's layout
    ctx = RoundContext(1, 1, 0.01, 0, prunable_keys(model), client_id=0)
    with torch.no_grad():
        model.load_state_dict(method.postprocess_upload({k: v.clone() for k, v in model.state_dict().items()}, ctx))
    return method, model, ctx


def step(method, model, ctx, x, y, device: torch.device) -> float:
    """One timed local SGD step as `fl/client.py` runs it (seconds)."""
    sync(device)
    t0 = time.perf_counter()
    loss = F.cross_entropy(model(x), y)
    for p in model.parameters():
        p.grad = None
    loss.backward()
    method.after_backward(model, ctx)
    sgd_step(list(model.parameters()), 0.01, 1e-3)
    sync(device)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["small_cnn", "resnet18_cifar"], choices=sorted(SHAPES))
    ap.add_argument("--methods", nargs="+", default=["dense", "sparsyfed", "zerofl"])
    ap.add_argument("--sparsity", type=float, default=0.9)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=0, help="steps per measured session (0: 32 for the small CNN, 5 else)")
    ap.add_argument("--session-steps", type=int, default=32, help="S, steps of the local session estimated")
    ap.add_argument("--repeats", type=int, default=3, help="measured sessions per method after one burn-in")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (0 = all cores)")
    ap.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="method parameters for the sparse methods, e.g. conv_threshold=batch")
    args = ap.parse_args()
    if args.methods[0] != "dense":
        ap.error("--methods must start with dense (the reference)")

    set_threads(args.threads)
    device = device_of(args.device)
    params = {k: __import__("yaml").safe_load(v) for k, v in (s.split("=", 1) for s in args.set)}
    print(machine())
    print(f"batch {args.batch}, sparsity {args.sparsity}, device {device}, method params {params or 'defaults'}")
    for model_name in args.models:
        (shape, classes), steps = SHAPES[model_name], args.steps or (32 if model_name == "small_cnn" else 5)
        gen = torch.Generator().manual_seed(1)
        x = to_layout(torch.randn(args.batch, *shape, generator=gen), device, memory_format(device))
        y = torch.randint(0, classes, (args.batch,), generator=gen).to(device)
        clients = {m: make_client(model_name, m, args.sparsity, params, device) for m in args.methods}
        first = {m: [] for m in args.methods}
        steady = {m: [] for m in args.methods}
        for rep in range(args.repeats + 1):
            for method, model, ctx in clients.values():
                model.train()
                method.prepare_client(model, ctx)  # a new local session
            for i in range(steps):
                k = (rep + i) % len(args.methods)
                for m in args.methods[k:] + args.methods[:k]:
                    t = step(*clients[m], x, y, device)
                    if rep > 0:
                        (first if i == 0 else steady)[m].append(t)
        S = args.session_steps
        ref = {"steady": median(steady["dense"]), "first": median(first["dense"])}
        ref["session"] = (ref["first"] + (S - 1) * ref["steady"]) / S
        print(f"\n{model_name} (batch {args.batch}; {args.repeats} sessions of {steps} steps per method)")
        print(f"{'method':16s} {'steady ms':>10s} {'x dense':>8s} {'first ms':>10s} {'x dense':>8s} "
              f"{f'{S}-step session ms':>20s} {'x dense':>8s}")
        for m in args.methods:
            st, fi = median(steady[m]), median(first[m])
            se = (fi + (S - 1) * st) / S
            print(f"{m:16s} {1e3 * st:10.2f} {st / ref['steady']:8.3f} {1e3 * fi:10.2f} {fi / ref['first']:8.3f} "
                  f"{1e3 * se:20.2f} {se / ref['session']:8.3f}")
        del clients


if __name__ == "__main__":
    main()
