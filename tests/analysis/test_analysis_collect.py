"""collect: run folders and partition files -> tidy tables (one row per run also for failed and missing runs)."""

import json

import numpy as np
import pytest

from sparsyfed.analysis.collect import collect, find_run_dirs, read_table
from sparsyfed.errors import UserError


def test_runs_table_has_one_row_per_run_with_status(grid):
    runs = read_table(grid["tables"], "runs")
    # 2 alphas x 2 seeds x (1 dense + 5 methods x 2 sparsities)
    assert len(runs) == 2 * 2 * 11
    assert runs["status"].value_counts().to_dict() == {"ok": 42, "failed": 1, "missing": 1}
    failed = runs[runs["status"] == "failed"].iloc[0]
    assert (failed["method"], failed["alpha"], failed["sparsity"], failed["seed"]) == ("topk", 0.1, 0.95, 2)
    assert "synthetic failure" in failed["error"]
    missing = runs[runs["status"] == "missing"].iloc[0]
    # the grid point of a missing run comes from its path
    assert (missing["dataset"], missing["method"], missing["alpha"], missing["sparsity"], missing["seed"]) == \
        ("fashion_mnist", "zerofl", 1000.0, 0.9, 2)


def test_runs_table_values(grid):
    runs = read_table(grid["tables"], "runs")
    row = runs[(runs["method"] == "sparsyfed") & (runs["alpha"] == 1000.0) & (runs["sparsity"] == 0.9)
               & (runs["seed"] == 1)].iloc[0]
    assert row["final_test_acc"] == pytest.approx(0.87)
    assert row["final_global_sparsity"] == pytest.approx(0.9)
    # regrowth_local is 0 in round 1 and 10 afterwards: mean over 6 rounds = 50 / 6
    assert row["regrowth_local_mean"] == pytest.approx(50 / 6)
    assert row["rounds_completed"] == 6
    assert row["wall_s"] == pytest.approx(12.5)
    assert row["prov_torch"] == "2.13.0"
    assert row["model"] == "small_cnn"
    dense = runs[runs["method"] == "dense"]
    assert (dense["sparsity"] == 0.0).all()


def test_rounds_table_has_grid_columns_and_all_rounds(grid):
    rounds = read_table(grid["tables"], "rounds")
    assert list(rounds.columns[:7]) == ["dataset", "model", "alpha", "method", "sparsity", "seed", "status"]
    # 42 finished runs x 6 rounds; the failed run has no rounds.csv, the missing one nothing
    assert len(rounds) == 42 * 6
    assert rounds["test_acc"].isna().sum() == 42 * 3  # rounds 1, 3, 5 are not evaluated


def test_layers_table(grid):
    layers = read_table(grid["tables"], "layers")
    assert set(layers["layer"]) == {"conv.weight", "fc.weight"}
    assert len(layers) == 42 * 6 * 2


def test_mask_iou_diagonal_is_one_and_matrix_symmetric(grid):
    ious = read_table(grid["tables"], "mask_iou")
    diag = ious[ious["round_a"] == ious["round_b"]]
    assert np.allclose(diag["iou"], 1.0)
    one = ious[(ious["method"] == "topk") & (ious["alpha"] == 0.1) & (ious["sparsity"] == 0.9) & (ious["seed"] == 1)]
    matrix = one.pivot(index="round_a", columns="round_b", values="iou")
    assert list(matrix.index) == [2, 4, 6]
    assert np.allclose(matrix.to_numpy(), matrix.to_numpy().T)
    # SparsyFed's synthetic mask never changes
    sf = ious[ious["method"] == "sparsyfed"]
    assert np.allclose(sf["iou"], 1.0)


def test_mask_iou_matches_hand_computed_value(tmp_path, builders):
    # Prepare: a run with two hand-made masks: A = {0, 1, 2, 3}, B = {2, 3, 4, 5, 6, 7} -> IoU = 2 / 8
    path = builders["write_run"](tmp_path / "runs", "topk", 1.0, 0.9, 1)
    for f in (path / "masks").glob("*.npy"):
        f.unlink()
    a, b = np.zeros(16, bool), np.zeros(16, bool)
    a[:4], b[2:8] = True, True
    np.save(path / "masks" / "round_0001.npy", np.packbits(a))
    np.save(path / "masks" / "round_0002.npy", np.packbits(b))
    # Execute
    collect([tmp_path / "runs"], [], tmp_path / "t")
    # Assert
    ious = read_table(tmp_path / "t", "mask_iou")
    off = ious[(ious["round_a"] == 1) & (ious["round_b"] == 2)]
    assert off["iou"].iloc[0] == pytest.approx(0.25)


def test_partitions_table(grid):
    parts = read_table(grid["tables"], "partitions")
    assert set(parts["alpha"]) == {1000.0, 0.1}
    assert len(parts) == 2 * 10 * 10  # 2 partitions x 10 clients x 10 classes
    assert (parts.groupby(["alpha", "client"])["count"].sum() == 50).all()


def test_nonexistent_run_path_in_layout_is_missing(tmp_path):
    ghost = tmp_path / "cifar10" / "alpha0.1" / "sparsyfed" / "s0.99" / "seed7"
    collect([ghost], [], tmp_path / "t")
    runs = read_table(tmp_path / "t", "runs")
    assert runs["status"].tolist() == ["missing"]
    assert (runs["dataset"].iloc[0], runs["sparsity"].iloc[0], runs["seed"].iloc[0]) == ("cifar10", 0.99, 7)


def test_empty_inputs_write_header_only_tables(tmp_path):
    ghost = tmp_path / "cifar10" / "alpha0.1" / "dense" / "s0" / "seed1"
    written = collect([ghost], [], tmp_path / "t")
    assert set(written) == {"rounds", "runs", "layers", "mask_iou", "partitions"}
    assert read_table(tmp_path / "t", "rounds").empty
    assert "round_a" in read_table(tmp_path / "t", "mask_iou").columns


def test_find_run_dirs_searches_below_roots(grid):
    dirs = find_run_dirs([grid["runs"]])
    assert len(dirs) == 44
    assert all(d.name.startswith("seed") for d in dirs)


@pytest.mark.parametrize("problem, match", [
    ("bad_json", "not readable as JSON"),
    ("no_config_key", "config lacks 'seed'"),
    ("bad_mask", "masks of one run must have one length"),
    ("bad_status", "status 'weird'"),
])
def test_corrupt_run_folders_raise_user_error(tmp_path, builders, problem, match):
    path = builders["write_run"](tmp_path / "runs", "topk", 1.0, 0.9, 1)
    summary = json.loads((path / "summary.json").read_text())
    if problem == "bad_json":
        (path / "summary.json").write_text("{not json")
    elif problem == "no_config_key":
        del summary["config"]["seed"]
        (path / "summary.json").write_text(json.dumps(summary))
    elif problem == "bad_mask":
        np.save(path / "masks" / "round_0004.npy", np.zeros(3, dtype=np.uint8))
    elif problem == "bad_status":
        summary["status"] = "weird"
        (path / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(UserError, match=match):
        collect([tmp_path / "runs"], [], tmp_path / "t")


def test_duplicate_grid_points_are_rejected(tmp_path, builders):
    builders["write_run"](tmp_path / "a", "topk", 1.0, 0.9, 1)
    builders["write_run"](tmp_path / "b", "topk", 1.0, 0.9, 1)
    with pytest.raises(UserError, match="same grid point"):
        collect([tmp_path / "a", tmp_path / "b"], [], tmp_path / "t")


def test_bad_paths_raise_user_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        collect([tmp_path / "nowhere"], [], tmp_path / "t")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no run folders"):
        collect([tmp_path / "empty"], [], tmp_path / "t")
    ghost = tmp_path / "cifar10" / "alpha0.1" / "dense" / "s0" / "seed1"
    with pytest.raises(UserError, match="--partitions"):
        collect([ghost], [tmp_path / "nope.npz"], tmp_path / "t")


def test_read_table_names_the_missing_file(tmp_path):
    with pytest.raises(UserError, match="sparsyfed collect"):
        read_table(tmp_path, "runs")


def test_diverged_run_is_recorded_with_its_rounds(tmp_path, builders):
    builders["write_run"](tmp_path / "runs", "zerofl", 0.1, 0.95, 1, status="diverged")
    collect([tmp_path / "runs"], [], tmp_path / "t")
    runs = read_table(tmp_path / "t", "runs")
    assert runs["status"].tolist() == ["diverged"]
    assert np.isnan(runs["final_test_acc"].iloc[0])
    rounds = read_table(tmp_path / "t", "rounds")
    assert set(rounds["status"]) == {"diverged"} and len(rounds) == 6


def test_a_finished_run_is_placed_by_its_config_not_its_folder_name(tmp_path, builders):
    path = builders["write_run"](tmp_path / "runs", "topk", 1.0, 0.9, 1)
    path.rename(path.parent / "seed99")
    collect([tmp_path / "runs"], [], tmp_path / "t")
    assert read_table(tmp_path / "t", "runs")["seed"].tolist() == [1]


def test_integer_columns_stay_integers(grid):
    text = (grid["tables"] / "runs.csv").read_text().splitlines()
    assert ",6,6,10,3," in text[1]  # rounds, rounds_completed, num_clients, clients_per_round
