"""Tests for methods/topk.py: exact global pruning of uploads, no mutation, regrowth."""

import torch
from torch import nn
from torch.nn import functional as F

from sparsyfed.methods import RoundContext, make_method
from sparsyfed.models import build_model
from sparsyfed.sparse.pruning import count_zeros


def _prunable(model):
    return tuple(f"{n}.weight" for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


def _local_train(method, model, state, ctx, steps=2, seed=0):
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


def test_upload_is_pruned_to_exact_count_without_mutation():
    method = make_method("topk", 0.9)
    model = build_model("resnet_small", 1, 10, method.layers(), torch.Generator().manual_seed(0))
    keys = _prunable(model)
    ctx = RoundContext(1, 5, 0.1, 0, keys, 0)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    before = {k: v.clone() for k, v in state.items()}
    up = method.postprocess_upload(state, ctx)
    total = sum(state[k].numel() for k in keys)
    assert count_zeros(up, keys) == (round(0.9 * total), total)
    assert all(torch.equal(state[k], before[k]) for k in state)


def test_pruned_entries_regrow_after_local_sgd():
    method = make_method("topk", 0.9)
    model = build_model("resnet_small", 1, 10, method.layers(), torch.Generator().manual_seed(0))
    keys = _prunable(model)
    ctx = RoundContext(2, 5, 0.1, 0, keys, 0)
    pruned = method.postprocess_upload(model.state_dict(), ctx)
    trained = _local_train(method, model, pruned, ctx, steps=1)
    regrown = sum(int(((pruned[k] == 0) & (trained[k] != 0)).sum()) for k in keys)
    assert regrown > 0
