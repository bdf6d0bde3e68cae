"""Shared by the method tests: a few local SGD steps on random 28x28 data through the method's hooks."""

import torch
from torch.nn import functional as F


def local_train(method, model, state, ctx, steps=3, seed=0):
    """Load `state`, run the client hooks around `steps` SGD steps, return the trained state (a copy)."""
    model.load_state_dict(state)
    model.train()
    method.prepare_client(model, ctx)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=1e-3)
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        x, y = torch.randn(8, 1, 28, 28, generator=g), torch.randint(0, 10, (8,), generator=g)
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        method.after_backward(model, ctx)
        opt.step()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}
