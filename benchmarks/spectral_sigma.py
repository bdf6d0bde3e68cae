"""The authors' sigma estimate against the exact one, on a layer of ResNet-18 (CIFAR) at initialisation.

The spectral exponent is beta = 1 + mean|v| / sigma(|v| as (out, -1)) (`sparsyfed.sparse.spectral`).
The authors estimate sigma with one power-iteration step from a random start; this prints, for the
layer at each density (magnitude pruning of the layer alone), the exact sigma, the one-step estimate
(mean, median and range over --starts random starts) and beta - 1 by the exact sigma and by the
median and smallest estimate, with the ratio exact / median estimate.

    python benchmarks/spectral_sigma.py                    # stages.7.conv2 (512 x 4608), densities 1 and 0.05

Not a timing: a measurement of the estimator's bias (a few seconds on one core).
"""

from __future__ import annotations

import argparse
import statistics

import torch

from sparsyfed.models import build_model
from sparsyfed.sparse.spectral import abs_matrix, exact_sigma, power_iteration_sigma


def keep_largest(w: torch.Tensor, density: float) -> torch.Tensor:
    """w with all but its round(density * numel) largest |w| set to zero."""
    keep = round(density * w.numel())
    flat = w.flatten().clone()
    flat[flat.abs().argsort(descending=True)[keep:]] = 0.0
    return flat.view_as(w)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", default="stages.7.conv2", help="module name in resnet18_cifar")
    parser.add_argument("--densities", type=float, nargs="+", default=[1.0, 0.05])
    parser.add_argument("--starts", type=int, default=20, help="random starts of the one-step estimate")
    parser.add_argument("--seed", type=int, default=5378, help="initialisation seed")
    args = parser.parse_args()
    model = build_model("resnet18_cifar", 3, 10, generator=torch.Generator().manual_seed(args.seed))
    weight = dict(model.named_modules())[args.layer].weight.detach()
    print(f"{args.layer}: {tuple(weight.shape)} -> {tuple(abs_matrix(weight).shape)}, seed {args.seed}, "
          f"{args.starts} random starts")
    print("density  exact sigma  one-step sigma: mean, median [min, max]  beta-1: exact, one-step median [max]"
          "  exact / median")
    for density in args.densities:
        a = abs_matrix(keep_largest(weight, density))
        exact = exact_sigma(a)
        steps = [power_iteration_sigma(a, torch.Generator().manual_seed(i)) for i in range(args.starts)]
        one_step = statistics.median(steps)
        mean = float(a.mean())
        print(f"{density:7g}  {exact:11.3f}  {statistics.fmean(steps):20.3f}, {one_step:.3f} [{min(steps):.3f}, "
              f"{max(steps):.3f}]  {mean / exact:14.5f}, {mean / one_step:.5f} [{mean / min(steps):.5f}]"
              f"  {exact / one_step:14.2f}")


if __name__ == "__main__":
    main()
