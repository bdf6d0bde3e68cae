"""The shape comparison with the authors (ranking, Kendall τ, accuracy relative to dense), by hand."""

import math

import pandas as pd
import pytest
from tidy_by_hand import Tidy

from sparsyfed.analysis.paper import shape
from sparsyfed.analysis.paper.tables import paper_shape
from sparsyfed.analysis.render import markdown


def _authors():
    """One authors' cell (CIFAR-10, α 0.1, 90 %): dense 80; SparsyFed 76 > FLASH 72 > Top-K 68 > ZeroFL 64."""
    rows = [("dense", None, 80.0, None), ("sparsyfed", 0.9, 76.0, 4.0), ("flash", 0.9, 72.0, None),
            ("topk", 0.9, 68.0, 2.0), ("zerofl", 0.9, 64.0, 8.0)]
    return pd.DataFrame([{"dataset": "cifar10", "alpha": 0.1, "method": m, "sparsity": s, "acc_mean": a,
                          "acc_std": sd} for m, s, a, sd in rows]).astype({"sparsity": float, "acc_std": float})


def _ours():
    # seeds 1, 2: dense 80, 90. SparsyFed 72, 72 (72/80 = 90 %, 72/90 = 80 %); FLASH 76, 78; Top-K 60, 62;
    # ZeroFL 64, 66. Our ranking FLASH > SparsyFed > ZeroFL > Top-K.
    t = Tidy()
    for seed, dense in ((1, 80.0), (2, 90.0)):
        t.add("dense", seed, acc=dense, sparsity=0.9)
    for m, accs in (("sparsyfed", (72.0, 72.0)), ("flash", (76.0, 78.0)), ("topk", (60.0, 62.0)),
                    ("zerofl", (64.0, 66.0))):
        for seed, acc in zip((1, 2), accs, strict=True):
            t.add(m, seed, acc=acc, sparsity=0.9)
    return t.frames()[0]


def test_relative_to_dense_is_paired_by_seed():
    rel = shape.ours_relative(_ours())
    sf = rel[rel["method"] == "sparsyfed"].iloc[0]
    assert sf["ours_rel_mean"] == pytest.approx(85.0)  # (90 + 80) / 2
    assert sf["ours_rel_std"] == pytest.approx(math.sqrt(50.0))
    assert sf["ours_rel_n"] == 2
    theirs = shape.authors_relative(_authors())
    assert theirs.loc[theirs["method"] == "topk", "authors_rel"].iloc[0] == pytest.approx(85.0)  # 68 / 80
    assert theirs.loc[theirs["method"] == "topk", "authors_rel_std"].iloc[0] == pytest.approx(2.5)  # 2 / 80


def test_ranking_tau_and_winner_by_hand():
    tidy = shape.compare(_ours(), _authors())
    cell = tidy.iloc[0]
    assert cell["ours_ranking"] == "FLASH > SparsyFed > ZeroFL > Top-K"
    assert cell["authors_ranking"] == "SparsyFed > FLASH > Top-K > ZeroFL"
    # pairs (6): SF-FLASH discordant, Top-K-ZeroFL discordant, the other 4 concordant: (4 - 2) / 6
    assert cell["kendall_tau"] == pytest.approx(1 / 3)
    assert (cell["ours_winner"], cell["authors_winner"], cell["same_winner"]) == ("flash", "sparsyfed", False)
    # our lead: FLASH − SparsyFed = 4, 6 (paired): mean 5, CI 5 ± 12.7062 * sqrt(2) / sqrt(2)
    assert cell["ours_lead"] == pytest.approx(5.0)
    assert cell["ours_lead_ci_lo"] == pytest.approx(5.0 - 12.706204736)
    ranks = tidy.set_index("method")
    assert ranks.loc["flash", "ours_rank"] == 1 and ranks.loc["flash", "authors_rank"] == 2


def test_ties_share_a_rank_and_tau_is_undefined_when_all_tie():
    means = pd.Series([10.0, 10.0, 12.0])
    assert shape.ranks(means).tolist() == [2, 2, 1]
    assert shape.ranking_text(means, pd.Series(["topk", "flash", "zerofl"])) == "ZeroFL > Top-K = FLASH"
    assert math.isnan(shape.kendall_tau(pd.Series([10.0, 10.0]), pd.Series([1.0, 2.0])))


def test_paper_shape_table_on_the_synthetic_grid(grid):
    from sparsyfed.analysis.collect import read_table

    tidy, blocks = paper_shape(read_table(grid["tables"], "runs"))
    # our 2 alphas x 2 sparsities x 3 authors' datasets x 4 methods
    assert len(tidy) == 2 * 2 * 3 * 4
    text = markdown(blocks)
    assert "| Fashion-MNIST | 0.1 | 90 % | SparsyFed > FLASH > Top-K > ZeroFL |" in text
    assert "CIFAR-10, ResNet-18, 700 rounds" in text and "Speech Commands, ResNet-18, 500 rounds" in text
    assert "Fashion-MNIST, small_cnn, 6 rounds" in text
    # SparsyFed α 0.1, 90 %: 0.88 - 0.05 -+ 0.01 over dense 0.89 - 0.05 -+ 0.01: 82/83 and 84/85
    sf = tidy[(tidy["method"] == "sparsyfed") & (tidy["alpha"] == 0.1) & (tidy["sparsity"] == 0.9)].iloc[0]
    assert sf["ours_rel_mean"] == pytest.approx(100 * (82 / 83 + 84 / 85) / 2)
