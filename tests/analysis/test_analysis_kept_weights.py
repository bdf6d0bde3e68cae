"""The kept-weights view (analysis/paper/kept.py, the `kept_weights` table, figures/accuracy_vs_kept_weights.py): every
cell on one axis, prunable weights kept = (1 − s) × P, with the authors' P counted on the project's own ResNet-18
builders and ours read from the runs (or their layers), each number checked by hand."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.figures import make_figure
from sparsyfed.analysis.paper import kept, reported
from sparsyfed.analysis.paper.tables import write_table
from sparsyfed.models import build_model, prunable_keys

REPO = Path(__file__).resolve().parents[2]
# The paper's inputs per dataset (SPEC sections 2 and 3): CIFAR images have 3 channels and 10 or 100 classes,
# Speech Commands is a 1-channel waveform with 35 words.
PAPER_INPUTS = {"cifar10": (3, 10), "cifar100": (3, 100), "speech_commands": (1, 35)}


def test_the_authors_prunable_weights_are_the_project_resnet18s():
    paper_grid = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    models = {d["name"]: d["model"] for d in paper_grid["datasets"]}
    assert set(reported.AUTHORS_PRUNABLE) == set(models) == set(PAPER_INPUTS)
    for dataset, (channels, classes) in PAPER_INPUTS.items():
        with torch.device("meta"):  # shapes only
            model = build_model(models[dataset], channels, classes)
        state = model.state_dict()
        assert sum(state[k].numel() for k in prunable_keys(model)) == reported.AUTHORS_PRUNABLE[dataset], dataset


def test_the_authors_cells_sit_at_one_minus_s_times_their_prunable_weights():
    theirs = kept.authors()
    numbers = reported.paper_numbers()
    sparse = numbers[numbers["method"].isin(kept.METHODS) & numbers["sparsity"].notna()]
    assert len(theirs) == len(sparse) == 3 * 3 * 4 * 5  # datasets x alphas x methods x sparsities
    expected = (1 - theirs["sparsity"]) * theirs["dataset"].map(reported.AUTHORS_PRUNABLE)
    np.testing.assert_allclose(theirs["kept"], expected)
    cell = theirs[(theirs["dataset"] == "cifar10") & (theirs["alpha"] == 0.1) & (theirs["method"] == "sparsyfed")
                  & np.isclose(theirs["sparsity"], 0.95)].iloc[0]
    assert cell["kept"] == pytest.approx(558_217.6)  # 5 % of 11,164,352
    assert cell["rel_mean"] == pytest.approx(100 * 75.95 / 73.81)  # their SparsyFed over their dense
    cell = theirs[(theirs["dataset"] == "speech_commands") & (theirs["alpha"] == 1000) & (theirs["method"] == "topk")
                  & np.isclose(theirs["sparsity"], 0.999)].iloc[0]
    assert cell["kept"] == pytest.approx(11_178.56) and cell["rel_std"] == pytest.approx(100 * 2.41 / 91.91)


def test_our_cells_read_the_prunable_weights_from_the_layers(grid):
    """The synthetic grid's runs predate runs.csv `num_prunable`: P = 600 + 400 from layers.csv."""
    runs, layers = read_table(grid["tables"], "runs"), read_table(grid["tables"], "layers")
    ours = kept.ours(runs, layers)
    assert set(ours["prunable"]) == {1000.0} and set(ours["width"]) == {1.0}
    cell = ours[(ours["method"] == "sparsyfed") & (ours["alpha"] == 1000) & np.isclose(ours["sparsity"], 0.9)].iloc[0]
    assert cell["kept"] == pytest.approx(100.0)
    # per seed: (0.88 - 0.01) / (0.89 - 0.01) and (0.88 + 0.01) / (0.89 + 0.01), conftest.final_acc
    assert cell["rel_mean"] == pytest.approx(100 * (0.87 / 0.88 + 0.89 / 0.90) / 2) and cell["rel_n"] == 2


def test_runs_csv_prunable_weights_and_width_come_first(grid):
    runs = read_table(grid["tables"], "runs").assign(num_prunable=4000, width=2.0)
    ours = kept.ours(runs, None)
    assert set(ours["prunable"]) == {4000.0} and set(ours["width"]) == {2.0}
    np.testing.assert_allclose(ours["kept"], (1 - ours["sparsity"]) * 4000)
    assert set(ours.apply(kept.series_name, axis=1)) == {"Fashion-MNIST, small_cnn ×2 (ours)"}


def test_our_cells_face_the_authors_at_the_sparsity_nearest_in_kept_weights(grid):
    runs, layers = read_table(grid["tables"], "runs"), read_table(grid["tables"], "layers")
    frame = kept.kept_frame(runs, layers)
    mine = frame[frame["source"] == kept.OURS]
    # 50 and 100 weights kept: the authors' fewest are at 99.9 % (CIFAR-10: 11,164 weights)
    assert set(mine["nearest_sparsity"]) == {0.999} and set(mine["nearest_dataset"]) == {"cifar10"}
    np.testing.assert_allclose(mine["nearest_decades"], np.log10(11_164.352 / mine["kept"]))
    assert kept.weights_text(558_217.6) == "558 k" and kept.weights_text(3_853.6) == "3.85 k"


def test_kept_weights_table_and_figure(grid, tmp_path):
    paths = write_table("kept_weights", grid["tables"], tmp_path)
    assert [p.name for p in paths] == ["kept_weights.csv", "kept_weights.md", "kept_weights.tex"]
    page = (tmp_path / "kept_weights.md").read_text()
    assert "| Fashion-MNIST, small_cnn (ours) | 1000 (IID) | SparsyFed | 90 % | 100 |" in page
    assert "99.9 % (11.2 k): CIFAR-10" in page
    tidy = pd.read_csv(tmp_path / "kept_weights.csv")
    assert set(tidy["source"]) == {"ours", "authors"}
    figure = make_figure("accuracy_vs_kept_weights", grid["tables"], tmp_path)
    assert all(p.stat().st_size > 0 for p in figure)
