"""Shared by the method tests: a method with its resnet_small, and a few local SGD steps on random
28x28 data through the method's hooks."""

import torch
from torch.nn import functional as F

from sparsyfed.methods import make_method
from sparsyfed.models import build_model, prunable_keys


def method_and_model(name, s=0.9, **params):
    """(method, its resnet_small with the shared seeded initialisation, the prunable keys)."""
    method = make_method(name, s, params)
    model = build_model("resnet_small", 1, 10, method.layers(), torch.Generator().manual_seed(0))
    return method, model, prunable_keys(model)


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


def count_zeros(state, keys):
    """(zero entries, entries) over the tensors `keys` of `state`."""
    return sum(int((state[k] == 0).sum()) for k in keys), sum(state[k].numel() for k in keys)
