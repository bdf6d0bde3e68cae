"""Item 5: the engine's evaluation throughput against the model's no-grad ceiling.

Engine path: `sparsyfed.fl.evaluate.evaluate` on the stored test set (uint8 images normalised per
batch, cross-entropy and argmax accumulated on the device, one host sync at the end).
Ceiling: the same model in eval mode under `torch.inference_mode()`, forward only, over the test
set normalised once beforehand as float32, same batch size: no loss, no argmax, no conversion.
Timed interleaved (engine, ceiling, engine, ...) after one burn-in pass each; reports images/s
and the ratio engine / ceiling (1.0 = evaluation costs nothing beyond the forward pass).

    python benchmarks/eval_throughput.py
    python benchmarks/eval_throughput.py --models resnet_small --batch-sizes 250 1000 --threads 2
    python benchmarks/eval_throughput.py --device cuda --batch-sizes 1000 10000
"""

from __future__ import annotations

import argparse

import torch
from _common import device_of, machine, median, set_threads, timed

from sparsyfed.data.registry import load_dataset
from sparsyfed.fl.evaluate import evaluate
from sparsyfed.fl.layout import memory_format, to_layout
from sparsyfed.models import build_model


def ceiling(model, x: torch.Tensor, batch_size: int) -> None:
    model.eval()
    with torch.inference_mode():
        for start in range(0, x.shape[0], batch_size):
            model(x[start : start + batch_size])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["small_cnn", "resnet_small"])
    ap.add_argument("--dataset", default="fashion_mnist")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[1000])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (0 = all cores)")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()

    set_threads(args.threads)
    device = device_of(args.device)
    data = load_dataset(args.dataset)
    layout = memory_format(device)  # the engine's layout
    test_x, test_y = to_layout(data.test_x, device, layout), data.test_y.to(device)
    x_float = data.normalise(test_x)  # the ceiling's input, normalised once, outside the timing
    n = test_x.shape[0]
    print(machine())
    print(f"{args.dataset} test set, {n} images, device {device}")
    print(f"{'model':14s} {'batch':>6s} {'engine img/s':>13s} {'ceiling img/s':>14s} {'engine/ceiling':>15s}")
    for name in args.models:
        model = build_model(name, data.input_shape[0], data.num_classes,
                            generator=torch.Generator().manual_seed(0)).to(device, memory_format=layout)
        for bs in args.batch_sizes:
            eng, ceil = [], []
            for rep in range(args.repeats + 1):
                te = timed(lambda m=model, b=bs: evaluate(m, test_x, test_y, data.normalise, b), device)
                tc = timed(lambda m=model, b=bs: ceiling(m, x_float, b), device)
                if rep > 0:
                    eng.append(te)
                    ceil.append(tc)
            e, c = n / median(eng), n / median(ceil)
            print(f"{name:14s} {bs:6d} {e:13.0f} {c:14.0f} {e / c:15.3f}")


if __name__ == "__main__":
    main()
