"""Agreement of a grid with a reference grid (analysis/agreement.py) on hand-made tidy tables."""

import pytest
from tidy_by_hand import Tidy

from sparsyfed.analysis.agreement import agreement, compare_pairs, pair_intervals, write_agreement

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


def test_agreement_counts_conclusive_pairs_cells_and_claims():
    # Reference: topk << sparsyfed (conclusive), flash ~ sparsyfed (inconclusive), zerofl << sparsyfed (conclusive)
    ref = _grid({"topk": [40, 41, 42], "zerofl": [60, 61, 62], "flash": [70, 75, 68], "sparsyfed": [71, 72, 73]})
    # The grid: topk still below SparsyFed, zerofl above it (a conclusive pair ordered the other way)
    grid = _grid({"topk": [30, 35, 31], "zerofl": [66, 67, 65], "flash": [60, 61, 62], "sparsyfed": [64, 63, 65]})
    result = agreement(_tables(grid), _tables(ref))
    pairs = result.pairs.set_index(["first", "second"])
    assert bool(pairs.loc[("topk", "sparsyfed"), "conclusive"]) and bool(pairs.loc[("topk", "sparsyfed"), "agrees"])
    assert bool(pairs.loc[("zerofl", "sparsyfed"), "conclusive"])
    assert not bool(pairs.loc[("zerofl", "sparsyfed"), "agrees"])
    assert not bool(pairs.loc[("flash", "sparsyfed"), "conclusive"])
    counts = result.counts()
    # 6 pairs; conclusive in the reference: topk-zerofl, topk-flash, topk-sf, zerofl-flash, zerofl-sf (5)
    assert counts["pairs"] == (3, 5)  # zerofl-flash and zerofl-sf are ordered the other way
    assert counts["cells"] == (0, 1)
    # claim 3 (α = 0.1: SparsyFed beats every baseline) is inconclusive in the reference: not counted
    claims = result.claims.set_index("number")
    assert not bool(claims.loc[3, "counted"])
    assert counts["claims"][1] == int(claims["counted"].sum())


def test_pairs_only_where_both_grids_ran():
    ref = _grid({"topk": [40, 41, 42], "sparsyfed": [71, 72, 73]})
    grid = _grid({"topk": [30, 35, 31], "sparsyfed": [64, 63, 65]}, sparsity=0.9)
    assert compare_pairs(grid.frames()[0], ref.frames()[0]).empty


def test_write_agreement_names_the_disagreements(tmp_path):
    ref = _grid({"topk": [40, 41, 42], "sparsyfed": [71, 72, 73]})
    grid = _grid({"topk": [80, 81, 82], "sparsyfed": [64, 63, 65]})
    ref.write(tmp_path / "ref")
    grid.write(tmp_path / "grid")
    md, csv = write_agreement(tmp_path / "grid", tmp_path / "ref", tmp_path / "out")
    text = md.read_text()
    assert "| cells (every conclusive pair in the same order) | 0 / 1 (0 %) |" in text
    assert "Top-K − SparsyFed: reference -31.00 pp" in text
    assert csv.exists()


def test_page_counts_grid_conclusive_pairs_among_the_references_conclusive_ones_only(tmp_path):
    # Reference: topk << sparsyfed (conclusive), flash ~ sparsyfed (inconclusive: seeds spread)
    ref = _grid({"topk": [40, 41, 42], "flash": [60, 75, 68], "sparsyfed": [71, 72, 73]})
    # The grid: every pair conclusive; topk-sparsyfed the same way, flash-sparsyfed (not counted) too,
    # topk-flash (conclusive in the reference) the other way
    grid = _grid({"topk": [80, 81, 83], "flash": [60, 61, 62], "sparsyfed": [90, 91, 92]})
    ref.write(tmp_path / "ref")
    grid.write(tmp_path / "grid")
    text = write_agreement(tmp_path / "grid", tmp_path / "ref", tmp_path / "out")[0].read_text()
    # conclusive in the reference: topk-flash, topk-sparsyfed; flash-sparsyfed is not, though the grid's is
    assert "| pairs of methods (conclusive in the reference) | 1 / 2 (50 %) |" in text
    assert "1 of the 2 conclusive pairs are also conclusive, in the same direction" in text
    assert "1 are conclusive the other way" in text
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
