"""Local training on one client (SPEC section 1): E epochs of plain SGD over the client's shard."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from sparsyfed.methods.base import Method, RoundContext


def local_train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, normalise: Callable, method: Method,
                ctx: RoundContext, *, epochs: int, batch_size: int, weight_decay: float,
                generator: torch.Generator) -> tuple[float, int]:
    """Train `model` in place on (x, y) and return (sum of per-sample losses, samples seen).

    x holds the client's raw samples (stored dtype, on the model's device); the shard is
    normalised once, as float32, when the session starts. Shuffling comes from `generator` only,
    so a client's session is a pure function of the received state and its seed. The method's
    `after_backward` hook runs between backward and the update (e.g. FLASH's gradient mask).
    """
    # Normalisation is element-wise, so the whole shard at once gives the same values bit for bit
    # as batch by batch, without ~8 small ops per step (15 % of a small-CNN step on CPU,
    # docs/benchmarks.md). A shard is one client's samples: a few MB as float32.
    x = normalise(x)
    model.train()
    params = list(model.parameters())
    loss_sum = torch.zeros((), device=x.device)
    seen = 0
    n = x.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).to(x.device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            logits = model(x[idx])
            loss = F.cross_entropy(logits, y[idx])
            for p in params:
                p.grad = None
            loss.backward()
            method.after_backward(model, ctx)
            sgd_step(params, ctx.lr, weight_decay)
            loss_sum += loss.detach() * len(idx)  # stays on device: no sync per step
            seen += len(idx)
    return float(loss_sum), seen


@torch.no_grad()
def sgd_step(params: list[torch.Tensor], lr: float, weight_decay: float) -> None:
    """One plain SGD step with L2 weight decay, p -= lr * (grad + weight_decay * p), on params with a grad.

    The same arithmetic as torch.optim.SGD(momentum=0), bit for bit, without building an optimizer
    per client (whose first construction imports torch._dynamo: 1.6 s of every run's start-up).
    """
    live = [p for p in params if p.grad is not None]
    if not live:
        return
    grads = [p.grad for p in live]
    if weight_decay:
        grads = torch._foreach_add(grads, live, alpha=weight_decay)
    torch._foreach_add_(live, grads, alpha=-lr)
