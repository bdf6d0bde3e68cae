"""The authors' numbers shipped as paper_numbers.csv, spot-checked against PAPER_NUMBERS.md by hand."""

import math

import pytest

from sparsyfed.analysis.names import AUTHORS_SOURCE
from sparsyfed.analysis.paper.reported import paper_numbers


def _cell(frame, dataset, alpha, method, sparsity):
    rows = frame[(frame["dataset"] == dataset) & (frame["alpha"] == alpha) & (frame["method"] == method)]
    rows = rows[rows["sparsity"].isna()] if sparsity is None else rows[rows["sparsity"] == sparsity]
    assert len(rows) == 1, (dataset, alpha, method, sparsity)
    return rows.iloc[0]


@pytest.mark.parametrize("dataset, alpha, method, sparsity, mean, std", [
    ("cifar10", 1000.0, "sparsyfed", 0.95, 84.25, 1.38),
    ("cifar10", 0.1, "topk", 0.99, 43.96, 11.99),
    ("cifar10", 1.0, "zerofl", 0.999, 17.66, 8.34),
    ("cifar100", 1.0, "topk", 0.95, 28.07, 23.27),
    ("cifar100", 0.1, "zerofl", 0.95, 34.21, 7.65),
    ("cifar100", 1000.0, "sparsyfed", 0.999, 13.85, 1.01),
    ("speech_commands", 0.1, "sparsyfed", 0.9, 78.68, 4.36),
    ("speech_commands", 1.0, "zerofl", 0.995, 23.69, 10.23),
    ("speech_commands", 1000.0, "topk", 0.995, 36.69, 1.45),
])
def test_spot_checked_cells(dataset, alpha, method, sparsity, mean, std):
    # Prepare / Execute
    row = _cell(paper_numbers(), dataset, alpha, method, sparsity)
    # Assert
    assert row["acc_mean"] == pytest.approx(mean)
    assert row["acc_std"] == pytest.approx(std)


@pytest.mark.parametrize("dataset, alpha, mean", [("cifar10", 1000.0, 85.14), ("cifar100", 0.1, 48.34),
                                                  ("speech_commands", 1.0, 91.22)])
def test_dense_rows_have_no_sparsity_and_no_std(dataset, alpha, mean):
    row = _cell(paper_numbers(), dataset, alpha, "dense", None)
    assert row["acc_mean"] == pytest.approx(mean)
    assert math.isnan(row["acc_std"])


def test_flash_is_a_single_run_without_std():
    row = _cell(paper_numbers(), "cifar100", 1000.0, "flash", 0.99)
    assert row["acc_mean"] == pytest.approx(45.96)
    assert math.isnan(row["acc_std"])
    assert "single run" in row["n_note"]


def test_shape_and_source_label():
    frame = paper_numbers()
    # 3 datasets x 3 alphas x (1 dense + 4 methods x 5 sparsities)
    assert len(frame) == 3 * 3 * 21
    assert not frame.duplicated(["dataset", "alpha", "method", "sparsity"]).any()
    assert set(frame["source"]) == {AUTHORS_SOURCE}
    assert set(frame["method"]) == {"dense", "topk", "zerofl", "flash", "sparsyfed"}
