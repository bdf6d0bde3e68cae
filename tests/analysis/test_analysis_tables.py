"""Table 1, Table 2 and the paper comparison: cells computed by hand from the synthetic grid."""

import pandas as pd
import pytest

from sparsyfed.analysis.collect import collect, read_table
from sparsyfed.analysis.paper.tables import paper_comparison, table1, table2, write_table
from sparsyfed.analysis.render import Block, Cell, latex, markdown, tex_escape
from sparsyfed.errors import UserError


@pytest.fixture(scope="module")
def t1(grid, tmp_path_factory):
    out = tmp_path_factory.mktemp("t1")
    paths = write_table("table1", grid["tables"], out)
    return {"paths": paths, "csv": pd.read_csv(paths[0]), "md": paths[1].read_text(), "tex": paths[2].read_text()}


def _row(frame, **key):
    mask = pd.Series(True, index=frame.index)
    for k, v in key.items():
        mask &= frame[k] == v
    assert mask.sum() == 1, key
    return frame[mask].iloc[0]


def test_table1_files(t1):
    assert [p.name for p in t1["paths"]] == ["table1.csv", "table1.md", "table1.tex"]


def test_table1_mean_std_cell_by_hand(t1):
    # SparsyFed, alpha 1000, s 0.9: seeds give 0.87 and 0.89 -> 88.00 ± 1.41 (sample std of 87, 89 = sqrt(2))
    row = _row(t1["csv"], method="sparsyfed", alpha=1000.0, sparsity=0.9)
    assert row["acc_mean"] == pytest.approx(88.0)
    assert row["acc_std"] == pytest.approx(2 ** 0.5)
    assert row["cell"] == "88.00 ± 1.41"
    assert row["n"] == 2


def test_table1_best_in_column_is_bold(t1):
    best = t1["csv"][t1["csv"]["best"]]
    assert set(best["method"]) == {"sparsyfed"}
    assert len(best) == 4  # 2 alphas x 2 sparsities
    assert "**88.00 ± 1.41**" in t1["md"]
    assert r"\textbf{88.00 $\pm$ 1.41}" in t1["tex"]


def test_table1_failed_and_missing_cells_are_marked_with_n(t1):
    failed = _row(t1["csv"], method="topk", alpha=0.1, sparsity=0.95)
    assert failed["n"] == 1 and failed["n_bad"] == 1 and failed["flag"] == "†"
    assert failed["cell"] == "72.00 (n=1)"  # only seed 1 finished: 0.80 - 0.02 - 0.05 - 0.01
    missing = _row(t1["csv"], method="zerofl", alpha=1000.0, sparsity=0.9)
    assert missing["bad"] == "missing: 1"
    assert "72.00 (n=1)†" in t1["md"]
    assert "77.00 (n=1)†" in t1["md"]
    assert "failed: 1" in t1["md"] and "missing: 1" in t1["md"]
    assert r"72.00 (n=1)$^\dagger$" in t1["tex"]


def test_table1_dense_column_and_no_ablation_rows(t1):
    dense = _row(t1["csv"], method="dense", alpha=0.1)
    assert dense["cell"] == "84.00 ± 1.41"
    assert "sparsyfed_noact" not in set(t1["csv"]["method"])
    assert "| Fashion-MNIST | 0.1 | 84.00 ± 1.41 | Top-K |" in t1["md"]


def test_table2_delta(grid):
    tidy, blocks = table2(read_table(grid["tables"], "runs"))
    row = _row(tidy, alpha=0.1, sparsity=0.95)
    # with: 0.88 - 0.005 - 0.05 = 82.5; without: 0.86 - 0.02 - 0.05 = 79.0
    assert row["with_mean"] == pytest.approx(82.5)
    assert row["without_mean"] == pytest.approx(79.0)
    assert row["delta"] == pytest.approx(3.5)
    assert "+3.50" in markdown(blocks)


def test_paper_comparison_labels_authors_numbers_without_our_runs(grid):
    tidy, blocks = paper_comparison(read_table(grid["tables"], "runs"))
    assert not tidy["in_both"].any()  # Fashion-MNIST is not a paper dataset
    assert len(tidy) == 189
    text = markdown(blocks)
    assert "authors, submission-time notebooks (Sep 2024)" in text
    assert "None of our runs is at a setting the authors report" in text
    assert "84.31 ± 0.86" in text  # CIFAR-10 IID SparsyFed 90 %


def test_paper_comparison_side_by_side(tmp_path, builders):
    # Prepare: two CIFAR-10 SparsyFed runs at alpha 0.1, s 0.95 with accuracies 0.70 and 0.74
    for seed, acc in ((1, 0.70), (2, 0.74)):
        builders["write_run"](tmp_path / "runs", "sparsyfed", 0.1, 0.95, seed, dataset="cifar10",
                              model="resnet18_cifar", acc=acc)
    collect([tmp_path / "runs"], [], tmp_path / "t")
    # Execute
    tidy, blocks = paper_comparison(read_table(tmp_path / "t", "runs"))
    # Assert
    row = _row(tidy, dataset="cifar10", alpha=0.1, method="sparsyfed", sparsity=0.95)
    assert row["in_both"]
    assert row["ours_mean"] == pytest.approx(72.0)
    assert row["authors_mean"] == pytest.approx(75.95)
    assert row["delta"] == pytest.approx(72.0 - 75.95)
    text = markdown(blocks)
    assert "| CIFAR-10 | 0.1 | SparsyFed | 95 % | 72.00 ± 2.83 (n=2) | 75.95 ± 3.39 | -3.95 |" in text
    assert "75.95 ± 3.39*" in text  # marked in the authors' full table


def test_tables_on_tiny_grid_do_not_crash(tiny, tmp_path):
    for name in ("table1", "table2", "paper_comparison"):
        paths = write_table(name, tiny["tables"], tmp_path)
        assert all(p.stat().st_size > 0 for p in paths)
    assert "No runs of SparsyFed or SparsyFed (no act. pruning)" not in (tmp_path / "table2.md").read_text()


def test_tables_with_only_missing_runs(tmp_path):
    collect([tmp_path / "cifar10" / "alpha0.1" / "topk" / "s0.9" / "seed1"], [], tmp_path / "t")
    runs = read_table(tmp_path / "t", "runs")
    tidy, blocks = table1(runs)
    assert "—†" in markdown(blocks)
    tidy2, blocks2 = table2(runs)
    assert tidy2.empty and "No runs of SparsyFed" in markdown(blocks2)


def test_unknown_table_name(grid, tmp_path):
    with pytest.raises(UserError, match="unknown table"):
        write_table("table9", grid["tables"], tmp_path)


def test_render_escapes_latex_and_markdown():
    assert tex_escape("50 % of a_b & ± α") == r"50 \% of a\_b \& $\pm$ $\alpha$"
    block = Block("T", "cap", ["a", "b|c"], [["x|y", Cell("1", bold=True, flag="†")]], ["note"])
    assert "x\\|y" in markdown([block]) and "**1**†" in markdown([block])
    assert r"\textbf{1}$^\dagger$" in latex([block])


def test_table1_csv_holds_the_t_interval(t1):
    # 87 and 89: half-width t(0.975, 1) * sqrt(2) / sqrt(2) = 12.7062
    row = _row(t1["csv"], method="sparsyfed", alpha=1000.0, sparsity=0.9)
    assert row["acc_ci_lo"] == pytest.approx(88.0 - 12.706204736)
    assert row["acc_ci_hi"] == pytest.approx(88.0 + 12.706204736)


def test_table2_delta_is_paired_by_seed(tmp_path, builders):
    # with: seeds 1, 2, 3 at 80, 84, 90 %; without: 79, 82 (seed 3 failed). Unpaired means differ by
    # 84.67 - 80.5 = 4.17; paired by seed: 1, 2 -> mean 1.5, CI 1.5 ± 12.7062 * 0.7071 / 1.4142 = ± 6.35
    for seed, acc in ((1, 0.80), (2, 0.84), (3, 0.90)):
        builders["write_run"](tmp_path / "runs", "sparsyfed", 0.1, 0.9, seed, acc=acc)
    for seed, acc in ((1, 0.79), (2, 0.82)):
        builders["write_run"](tmp_path / "runs", "sparsyfed_noact", 0.1, 0.9, seed, acc=acc)
    builders["write_run"](tmp_path / "runs", "sparsyfed_noact", 0.1, 0.9, 3, acc=0.0, status="failed")
    collect([tmp_path / "runs"], [], tmp_path / "t")
    tidy, blocks = table2(read_table(tmp_path / "t", "runs"))
    row = tidy.iloc[0]
    assert row["delta"] == pytest.approx(1.5) and row["delta_n"] == 2
    assert row["delta_ci_lo"] == pytest.approx(1.5 - 12.706204736 * 0.5)
    assert "+1.50 [-4.85, +7.85]" in markdown(blocks)
