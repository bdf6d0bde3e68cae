"""Numbers shown beside the claims (analysis/claims/context.py): dead channels, prunable weights against all
parameters, local-training FLOPs and trained density; each with and without the columns it reads."""

import pandas as pd
import pytest
from tidy_by_hand import Tidy

from sparsyfed.analysis.claims import context as context
from sparsyfed.analysis.claims.checks import evaluate_claims

LAYERS = {"conv": ("body", "Conv2d", 0.0), "fc": ("classifier", "Linear", 0.0)}  # 100 entries each


def _claim2(tidy: Tidy):
    return {c.number: c for c in evaluate_claims(*tidy.frames())}[2]


def _dead_grid(**dead) -> Tidy:
    """SparsyFed and Top-K at 95 % (global density 0.05 from round 2), two seeds, two layers of 100 entries."""
    t = Tidy()
    for seed in (1, 2):
        for method in ("sparsyfed", "topk"):
            t.add(method, seed, regrowth=10.0, layers=LAYERS, round_columns={"dead_zero_share": 0.6},
                  layer_columns=dead)
    return t


def test_dead_channels_are_shown_beside_claim_2():
    # per layer: 3 dead output and 2 dead input channels, 40 of its 95 zeros in them -> per run 6 / 4 dead
    # channels and 2 * 95 - 2 * 40 = 110 zeros outside dead channels; 60 % of the zeros in dead channels
    result = _claim2(_dead_grid(dead_out=3, dead_in=2, zeros_dead=40))
    line = next(s for s in result.shown if s.startswith("Dead channels, Fashion-MNIST α = 0.1, s = 95 %"))
    assert "SparsyFed 60.0 % [60.0, 60.0], Top-K 60.0 % [60.0, 60.0]" in line
    assert "(`dead_out` / `dead_in`): SparsyFed 6.0 / 4.0, Top-K 6.0 / 4.0" in line
    assert "zeros outside dead channels (what local training can regrow): SparsyFed 110, Top-K 110" in line
    assert any(n.startswith("Dead channels: global magnitude pruning empties whole channels") for n in result.notes)


def test_missing_dead_channel_columns_are_named_not_invented():
    t = Tidy()
    for seed in (1, 2):
        t.add("sparsyfed", seed, layers=LAYERS).add("topk", seed, regrowth=5.0, layers=LAYERS)
    result = _claim2(t)
    assert any(s.startswith("Dead channels: not in these tables") and "dead_zero_share" in s for s in result.shown)
    assert not any(n.startswith("Dead channels:") for n in result.notes)


def _scope_tables(other_zeros: float):
    """One run of 3 rounds at s = 0.9: 900 prunable entries (layers 600 + 300) of 1000 parameters; the global
    model's prunable sparsity 0.9 (810 zeros) and `other_zeros` zeros among the 100 other parameters."""
    grid = dict(dataset="fashion_mnist", model="resnet_small", alpha=0.1, method="flash", sparsity=0.9, seed=1)
    all_sparsity = (810 + other_zeros) / 1000
    rounds = pd.DataFrame([grid | dict(status="ok", round=r, global_sparsity=0.9, global_sparsity_all=all_sparsity,
                                       authors_comm_params=(1 - (all_sparsity if r > 1 else 0.0) + 0.1) * 1000)
                           for r in (1, 2, 3)])
    layers = pd.DataFrame([grid | dict(round=r, layer=name, numel=n) for r in (1, 2, 3)
                           for name, n in (("conv", 600), ("fc", 300))])
    return rounds, layers


def test_parameter_scope_counts_both_and_the_other_zeros_by_hand():
    # P = authors_comm_params / (1 - previous all-parameter sparsity + 1 - s) = 1000; other zeros = 0.86 * 1000 - 0.9
    # * 900 = 50; the two sparsities differ by 90 - 86 = 4 pp
    note = context.parameter_scope_note(*_scope_tables(50))
    assert "900 prunable of 1,000 parameter entries (100 more, 10.00 %)" in note
    assert "the other parameters hold at most FLASH 50 zeros" in note
    assert "4.00–4.00 pp lower" in note
    missing = context.parameter_scope_note(_scope_tables(0)[0].drop(columns="global_sparsity_all"), pd.DataFrame())
    assert "these tables lack the columns" in missing


def _cost_grid(**layer_columns) -> Tidy:
    t = Tidy()
    for seed in (1, 2):
        t.add("zerofl", seed, layers=LAYERS, round_columns={"flops_rel": 0.2}, layer_columns=layer_columns)
    return t


def test_training_cost_reads_trained_density_when_present():
    # ZeroFL trains the body conv at 0.3 and the classifier at 0.1 (both 100 entries): 0.2 weighted by entries;
    # its global model's density is 1 - 0.95 = 0.05 from round 2
    t = Tidy()
    for seed in (1, 2):
        t.add("zerofl", seed, layers=LAYERS, round_columns={"flops_rel": 0.2})
    runs, rounds, layers = t.frames()
    layers["trained_density"] = layers["layer"].map({"conv": 0.3, "fc": 0.1})
    text = "\n".join(context.training_cost_section(runs, rounds, layers))
    assert "| ZeroFL | 95 % | 0.200 [0.200, 0.200] |" in text
    assert ("ZeroFL at 95 % (mean over 2 runs, every α and seed): trained density 0.200 weighted by entries "
            "(1 × Conv2d/body 0.300, 1 × Linear/classifier 0.100); the global model's density 0.050") in text
    assert "- Why, where a method trains denser than its global model: conv cut per batch, as the authors ran it " \
        "(`conv_threshold: session`): conv layers fix their magnitude cut" in text


def test_training_cost_says_when_trained_density_is_missing():
    text = "\n".join(context.training_cost_section(*_cost_grid().frames()))
    assert "layers.csv has no `trained_density`" in text
    assert "| ZeroFL | 95 % | 0.200 [0.200, 0.200] |" in text


@pytest.mark.parametrize("values, expected", [([60.0, 60.0], "60.0 % [60.0, 60.0]"), ([42.0], "42.0 % (one seed)")])
def test_ci_text(values, expected):
    assert context._ci_text(pd.Series(values), ".1f", " %") == expected
