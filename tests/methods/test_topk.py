"""Tests for methods/topk.py: exact global pruning of uploads, no mutation, regrowth."""

import torch

from _helpers import count_zeros, local_train
from sparsyfed.methods import make_method
from sparsyfed.methods.base import RoundContext
from sparsyfed.models import build_model, prunable_keys


def test_upload_is_pruned_to_exact_count_without_mutation():
    method = make_method("topk", 0.9)
    model = build_model("resnet_small", 1, 10, method.layers(), torch.Generator().manual_seed(0))
    keys = prunable_keys(model)
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
    keys = prunable_keys(model)
    ctx = RoundContext(2, 5, 0.1, 0, keys, 0)
    pruned = method.postprocess_upload(model.state_dict(), ctx)
    trained = local_train(method, model, pruned, ctx, steps=1)
    regrown = sum(int(((pruned[k] == 0) & (trained[k] != 0)).sum()) for k in keys)
    assert regrown > 0
