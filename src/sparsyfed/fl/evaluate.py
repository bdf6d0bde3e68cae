"""Centralised evaluation of the global model in large no-grad batches (SPEC section 1)."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, normalise: Callable,
             batch_size: int) -> tuple[float, float]:
    """Accuracy (fraction) and mean cross-entropy of `model` in eval mode on (x, y)."""
    model.eval()
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    loss_sum = torch.zeros((), device=x.device)
    for start in range(0, x.shape[0], batch_size):
        logits = model(normalise(x[start : start + batch_size]))
        target = y[start : start + batch_size]
        loss_sum += F.cross_entropy(logits, target, reduction="sum")
        correct += (logits.argmax(1) == target).sum()
    n = max(x.shape[0], 1)
    return int(correct) / n, float(loss_sum) / n
