"""Agreement of a grid with a reference grid (analysis/reference/agreement.py) on hand-made tidy tables."""

import numpy as np
import pandas as pd
import pytest
from tidy_by_hand import Tidy

from sparsyfed.analysis.reference.agreement import (
    DEFAULT_GRID,
    agreement,
    cell_matrices,
    compare_pairs,
    fixed_ordering,
    null_scores,
    pair_intervals,
    shuffled,
    write_agreement,
)

SEEDS = (1, 2, 3)


def _grid(accs: dict[str, list[float]], alpha=0.1, sparsity=0.95) -> Tidy:
    """One cell: accs = method -> final accuracy (%) per seed."""
    t = Tidy()
    for method, values in accs.items():
        for seed, acc in zip(SEEDS, values, strict=True):
            t.add(method, seed, acc=acc, alpha=alpha, sparsity=sparsity)
    return t


def _tables(t: Tidy) -> dict:
    runs, rounds, layers = t.frames()
    return {"runs": runs, "rounds": rounds, "layers": layers}


def test_pair_interval_is_the_paired_t_interval_by_hand():
    # Prepare: differences sparsyfed − topk per seed = 9, 10, 11 -> mean 10, std 1
    t = _grid({"topk": [60, 60, 60], "sparsyfed": [69, 70, 71]})
    # Execute
    pairs = pair_intervals(t.frames()[0])
    # Assert: one pair in display order (Top-K before SparsyFed): topk − sparsyfed = -10 ± 4.303 / sqrt(3)
    assert len(pairs) == 1
    row = pairs.iloc[0]
    assert (row["first"], row["second"]) == ("topk", "sparsyfed")
    half = 4.302652729911275 * 1.0 / 3 ** 0.5
    assert row["mean"] == pytest.approx(-10.0)
    assert (row["lo"], row["hi"]) == (pytest.approx(-10 - half), pytest.approx(-10 + half))
    assert row["n"] == 3


def test_dense_pairs_with_every_sparsity_of_its_alpha():
    t = _grid({"dense": [80, 81, 82], "sparsyfed": [70, 70, 70]})
    for seed, acc in zip(SEEDS, [50, 51, 52], strict=True):
        t.add("sparsyfed", seed, acc=acc, sparsity=0.99)
    pairs = pair_intervals(t.frames()[0])
    assert sorted(pairs["sparsity"]) == [0.95, 0.99]
    assert set(zip(pairs["first"], pairs["second"], strict=True)) == {("dense", "sparsyfed")}
    assert sorted(pairs["mean"]) == [pytest.approx(11.0), pytest.approx(30.0)]


def test_agreement_counts_pairs_conclusive_the_same_way_in_both_grids():
    # Reference: topk << sparsyfed, zerofl << sparsyfed, zerofl < flash (conclusive); flash ~ sparsyfed (not)
    ref = _grid({"topk": [40, 41, 42], "zerofl": [60, 61, 62], "flash": [70, 75, 68], "sparsyfed": [71, 72, 73]})
    # The grid: topk still far below everything; zerofl above flash (conclusive, the other way) and just above
    # sparsyfed (zerofl − sparsyfed = 2, 4, 0: right sign lost, interval across 0)
    grid = _grid({"topk": [30, 35, 31], "zerofl": [66, 67, 65], "flash": [60, 61, 62], "sparsyfed": [64, 63, 65]})
    result = agreement(_tables(grid), _tables(ref), shuffles=5)
    pairs = result.pairs.set_index(["first", "second"])
    assert bool(pairs.loc[("topk", "sparsyfed"), "same_direction"])
    assert bool(pairs.loc[("zerofl", "flash"), "opposite"]) and not bool(pairs.loc[("zerofl", "flash"), "same_sign"])
    zs = pairs.loc[("zerofl", "sparsyfed")]
    assert zs["ref_direction"] == -1 and zs["grid_direction"] == 0 and not zs["same_direction"]
    assert pairs.loc[("flash", "sparsyfed"), "ref_direction"] == 0
    # 5 conclusive in the reference: topk-zerofl, topk-flash, topk-sf (same way here), zerofl-flash (other way),
    # zerofl-sf (not conclusive here); none of them within 5 pp in the reference
    s = result.score()
    assert (s.same, s.counted, s.close_counted, s.same_sign) == (3, 5, 0, 3)
    assert result.counts()["pairs"] == (3, 5) and result.counts()["cells"] == (0, 1)


def _two_cells(topk_iid: list[float]) -> Tidy:
    """Top-K and SparsyFed at α = 1000 and α = 0.1 (95 %); SparsyFed 70, 71, 72 in both cells."""
    t = _grid({"topk": [60, 61, 62], "sparsyfed": [70, 71, 72]})
    for seed, acc in zip(SEEDS, topk_iid, strict=True):
        t.add("topk", seed, acc=acc, alpha=1000.0).add("sparsyfed", seed, acc=70.0 + seed - 1, alpha=1000.0)
    return t


def test_fixed_ordering_null_puts_every_method_at_its_overall_mean():
    # Top-K beats SparsyFed by 6 pp at α = 1000 and loses by 10 at α = 0.1: overall Top-K 69, SparsyFed 71, so the
    # fixed-ordering grid has Top-K − SparsyFed = -2 in both cells (the seed scatter is the same for both methods):
    # right at α = 0.1, wrong at α = 1000 -> 1 of 2. The grid itself (here its own reference) scores 2 of 2.
    tables = _tables(_two_cells([76, 77, 78]))
    result = agreement(tables, tables, shuffles=5)
    fixed = next(n for n in result.nulls if n.name == "fixed ordering")
    assert (fixed.scores[0].same, fixed.scores[0].counted) == (1, 2)
    assert (result.score().same, result.score().counted) == (2, 2)
    matrices = fixed_ordering(cell_matrices(tables["runs"]))
    assert matrices[("fashion_mnist", 1000.0, 0.95)].loc["topk"].tolist() == [68.0, 69.0, 70.0]


def test_shuffled_null_deals_each_seeds_accuracies_within_the_cell():
    # Two methods, 3 seeds, 10 pp apart: a shuffle keeps the cell's order in all 3 seeds with chance 1/8 (then the
    # interval [-10, -10] is conclusive the reference's way); any mixed deal straddles 0. Two cells: 0.25 expected.
    tables = _tables(_two_cells([80, 81, 82]))
    ref_pairs = pair_intervals(tables["runs"])
    shuffled_null = null_scores(tables["runs"], ref_pairs, shuffles=400)[0]
    assert shuffled_null.name == "shuffled"
    assert shuffled_null.mean("same") == pytest.approx(0.25, abs=0.07)
    assert null_scores(tables["runs"], ref_pairs, shuffles=400)[0].scores == shuffled_null.scores  # seeded
    dealt = shuffled(cell_matrices(tables["runs"]), np.random.default_rng(1))
    for matrix in dealt.values():  # every seed keeps its own two accuracies
        assert sorted(matrix[1]) in ([60.0, 70.0], [70.0, 80.0])


def test_claims_are_matched_comparison_by_comparison():
    # Both grids contradict claim 5, the reference through Top-K (2 pp below the target) and the grid through
    # ZeroFL (2 pp below): same verdict, but only SparsyFed's comparison agrees.
    def claim5(topk: float, zerofl: float) -> Tidy:
        t = Tidy()
        for seed in SEEDS:
            t.add("sparsyfed", seed, sparsity=0.9, level=0.9).add("topk", seed, sparsity=0.9, level=topk)
            t.add("zerofl", seed, sparsity=0.9, level=zerofl)
        return t

    result = agreement(_tables(claim5(topk=0.80, zerofl=0.88)), _tables(claim5(topk=0.88, zerofl=0.45)), shuffles=5)
    verdicts = result.claims.set_index("number").loc[5]
    assert verdicts["ref_verdict"] == verdicts["grid_verdict"] == "contradicted"
    five = result.comparisons[result.comparisons["number"] == 5]
    assert len(five) == 3 and int(five["counted"].sum()) == 3 and int(five["agrees"].sum()) == 1
    topk = five[five["what"].str.contains("Top-K")].iloc[0]
    assert (topk["ref_verdict"], topk["grid_verdict"]) == ("contradicted", "supported")


def test_pairs_only_where_both_grids_ran():
    ref = _grid({"topk": [40, 41, 42], "sparsyfed": [71, 72, 73]})
    grid = _grid({"topk": [30, 35, 31], "sparsyfed": [64, 63, 65]}, sparsity=0.9)
    assert compare_pairs(grid.frames()[0], ref.frames()[0]).empty


def test_write_agreement_names_the_disagreements_and_the_nulls(tmp_path):
    ref = _grid({"topk": [40, 41, 42], "sparsyfed": [71, 72, 73]})
    grid = _grid({"topk": [80, 81, 82], "sparsyfed": [64, 63, 65]})
    ref.write(tmp_path / "ref")
    grid.write(tmp_path / "grid")
    md, csv = write_agreement(tmp_path / "grid", tmp_path / "ref", tmp_path / "out")
    text = md.read_text()
    assert "| **pairs of methods conclusive in the reference, conclusive the same way here** | 0 / 1 (0 %) |" in text
    assert "| cells with every conclusive pair conclusive the same way here | 0 / 1 (0 %) |" in text
    assert "| Pairs conclusive in the reference | this grid | shuffled null | fixed ordering null |" in text
    assert "Top-K − SparsyFed: reference -31.00 pp" in text
    assert "Selection:" not in text  # not the default grid
    assert csv.exists()


def test_the_default_grid_says_it_was_selected_on_the_score(tmp_path):
    ref = _grid({"topk": [40, 41, 42], "sparsyfed": [71, 72, 73]})
    ref.write(tmp_path / "ref")
    ref.write(tmp_path / "grid")
    runs = pd.read_csv(tmp_path / "grid" / "runs.csv").assign(scale=DEFAULT_GRID)
    runs.to_csv(tmp_path / "grid" / "runs.csv", index=False)
    text = write_agreement(tmp_path / "grid", tmp_path / "ref", tmp_path / "out")[0].read_text()
    assert "- Selection: This grid's setting (config/config.yaml) is the best of five settings tried" in text


def test_page_counts_only_the_references_conclusive_pairs(tmp_path):
    # Reference: topk << sparsyfed (conclusive), flash ~ sparsyfed (inconclusive: seeds spread)
    ref = _grid({"topk": [40, 41, 42], "flash": [60, 75, 68], "sparsyfed": [71, 72, 73]})
    # The grid: every pair conclusive; topk-sparsyfed the same way, flash-sparsyfed (not counted) too,
    # topk-flash (conclusive in the reference) the other way
    grid = _grid({"topk": [80, 81, 83], "flash": [60, 61, 62], "sparsyfed": [90, 91, 92]})
    ref.write(tmp_path / "ref")
    grid.write(tmp_path / "grid")
    text = write_agreement(tmp_path / "grid", tmp_path / "ref", tmp_path / "out")[0].read_text()
    # conclusive in the reference: topk-flash, topk-sparsyfed; flash-sparsyfed is not, though the grid's is
    assert "| **pairs of methods conclusive in the reference, conclusive the same way here** | 1 / 2 (50 %) |" in text
    assert "1 of the reference's 2 conclusive pairs are conclusive the other way here" in text
    # topk − flash = 20, 20, 21 per seed: mean 20.33, half-width t(0.975, 2) x 0.577 / sqrt(3) = 1.43
    assert "this grid +20.33 pp [+18.90, +21.77] (n = 3)" in text


def test_claims_are_judged_on_the_cells_both_grids_ran(tmp_path):
    # Prepare: the reference also ran alpha 1000, where SparsyFed is 20 pp below dense (claim 1
    # contradicted there); at alpha 0.1 both grids have SparsyFed within 0.1 pp of dense.
    close = {"dense": [80.0, 80.5, 81.0], "sparsyfed": [80.0, 80.4, 80.9]}
    ref = _grid(close)
    for seed in SEEDS:
        ref.add("dense", seed, acc=90.0 + seed, alpha=1000.0)
        ref.add("sparsyfed", seed, acc=70.0 + seed, alpha=1000.0)
    grid = _grid(close)
    # Execute
    result = agreement(_tables(grid), _tables(ref))
    whole_ref = agreement(_tables(ref), _tables(ref))
    # Assert: claim 1 of the reference over all its cells is not its verdict on the shared cells
    claim1 = result.claims.set_index("number").loc[1]
    assert claim1["ref_verdict"] == claim1["grid_verdict"] == "supported"
    assert whole_ref.claims.set_index("number").loc[1, "ref_verdict"] == "contradicted"
    ref.write(tmp_path / "ref")
    grid.write(tmp_path / "grid")
    text = write_agreement(tmp_path / "grid", tmp_path / "ref", tmp_path / "out")[0].read_text()
    assert "- Not compared (the reference ran them, this grid did not): Fashion-MNIST α = 1000 (IID), s = 95 %." in text
