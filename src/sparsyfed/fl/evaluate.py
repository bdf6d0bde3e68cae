"""Centralised evaluation of the global model in large no-grad batches (SPEC section 1)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from sparsyfed.fl.workers import Workers
from sparsyfed.state import State


@torch.no_grad()
def _batch_stats(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                 normalise: Callable) -> tuple[torch.Tensor, torch.Tensor]:
    """(summed cross-entropy, number correct) of one batch, as device tensors (no host sync)."""
    logits = model(normalise(x))
    return F.cross_entropy(logits, y, reduction="sum"), (logits.argmax(1) == y).sum()


def _reduce(stats: list[tuple[torch.Tensor, torch.Tensor]], n: int) -> tuple[float, float]:
    """(accuracy, mean loss) from per-batch stats, summed on the device in batch order (the same
    bits however the batches ran), with one host sync at the end."""
    loss_sum, correct = torch.zeros(()), 0
    for loss, right in stats:
        loss_sum, correct = loss_sum.to(loss.device) + loss, correct + right
    n = max(n, 1)
    return int(correct) / n, float(loss_sum) / n


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, normalise: Callable,
             batch_size: int) -> tuple[float, float]:
    """Accuracy (fraction) and mean cross-entropy of `model` in eval mode on (x, y)."""
    model.eval()
    return _reduce([_batch_stats(model, x[s : s + batch_size], y[s : s + batch_size], normalise)
                    for s in range(0, x.shape[0], batch_size)], x.shape[0])


def evaluate_state(workers: Workers, state: State, x: torch.Tensor, y: torch.Tensor, normalise: Callable,
                   batch_size: int) -> tuple[float, float]:
    """`evaluate` of the model holding `state`, its batches spread over the workers' replicas."""
    workers.load_state(state)

    def job(model: nn.Module, _method, start: int):
        model.eval()
        return _batch_stats(model, x[start : start + batch_size], y[start : start + batch_size], normalise)

    return _reduce(workers.map(job, range(0, x.shape[0], batch_size)), x.shape[0])
