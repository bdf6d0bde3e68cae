"""grid.py: a workflow config -> runs, folders, settings files (the logic common.smk calls)."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from sparsyfed.config import RunConfig, load_config
from sparsyfed.errors import UserError
from sparsyfed.grid import RESULTS, RUN_DIR, RUN_LAYOUT, RUN_PATTERN, Grid, fmt, parse_run_dir, write_settings

POINT = dict(dataset="fashion_mnist", alpha="0.1", method="sparsyfed", sparsity="0.9", seed="5378")

REPO = Path(__file__).resolve().parents[1]


def tiny() -> dict:
    return yaml.safe_load((REPO / "tests" / "workflow" / "config_tiny.yaml").read_text())


@pytest.mark.parametrize("value, text", [(0.95, "0.95"), (1000.0, "1000"), (1.0, "1"), (0.1 + 0.2, "0.3"),
                                         (0.999, "0.999"), (1e-4, "0.0001"), (0, "0"), (-0.0, "0")])
def test_fmt_writes_numbers_as_the_config_does(value, text):
    assert fmt(value) == text


def test_points_run_the_reference_once_per_cell_at_s0():
    config = tiny() | {"grid": {"methods": ["dense", "topk"], "sparsities": [0.9, 0.99], "alphas": [1000, 0.1],
                                "seeds": [1, 2]}}
    points = Grid(config).points()
    assert len(points) == 2 * 2 * (1 + 2)
    assert {p["sparsity"] for p in points if p["method"] == "dense"} == {"0"}
    assert {p["alpha"] for p in points} == {"1000", "0.1"}
    assert RUN_DIR.format(**points[0]) == "results/runs/fashion_mnist/alpha1000/dense/s0/seed1"


def test_parse_run_dir_inverts_the_layout():
    point = dict(dataset="cifar10", alpha="0.1", method="zerofl", sparsity="0.995", seed="7")
    assert parse_run_dir(Path("/x") / RUN_DIR.format(**point)) == \
        dict(dataset="cifar10", alpha=0.1, method="zerofl", sparsity=0.995, seed=7)
    assert parse_run_dir("/x/cifar10/alpha0.1/zerofl/s0.995") is None


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["datasets"].append(dict(c["datasets"][0])), "each dataset may appear once"),
    (lambda c: c["grid"].update(sparsities=[0.9, 0.90000000000001]), "grid.sparsities"),
    (lambda c: c["run"].update(clients_per_round=11), "run.clients_per_round"),
])
def test_inconsistent_configs_are_refused(edit, message):
    config = tiny()
    edit(config)
    with pytest.raises(UserError, match=message):
        Grid(config)


def test_settings_file_is_the_run_config(tmp_path):
    grid = Grid(tiny())
    settings = grid.settings("fashion_mnist", "0.1", "zerofl", "0.99", "5378")
    path = tmp_path / "settings.yaml"
    write_settings(path, settings)
    cfg = load_config(path, ["threads=1"])
    assert cfg.method == "zerofl" and cfg.sparsity == 0.99 and cfg.alpha == 0.1 and cfg.seed == 5378
    assert cfg.method_params == {"mask_ratio": 0.0} and cfg.model == "small_cnn" and cfg.rounds == 2
    assert cfg.partition == "results/partitions/fashion_mnist/alpha0.1_n10_seed1337.npz"
    # every setting but threads (speed only) is in the file, so the file is the whole run; the model's width
    # only when it is not the default 1, so that runs set up before widths existed kept their settings files
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    assert set(settings) == fields - {"threads", "width"} and cfg.width == RunConfig.width == 1.0
    wider = grid.settings("fashion_mnist", "0.1", "zerofl", "0.99", "5378", width=2.0)
    assert wider == settings | {"width": 2.0} and list(wider) == sorted(wider)


def test_settings_change_exactly_with_the_run():
    config = tiny()
    before = Grid(config)
    config = yaml.safe_load(yaml.safe_dump(config))
    config["method_params"]["zerofl"]["mask_ratio"] = 0.05
    after = Grid(config)
    changed = {p["method"] for p in before.points() if before.settings(**p) != after.settings(**p)}
    assert changed == {"zerofl"}


def test_settings_do_not_depend_on_the_order_of_config_keys():
    config = tiny()
    config["method_params"]["sparsyfed"] = {"beta": 1.5, "activation_pruning": True}
    shuffled = yaml.safe_load(yaml.safe_dump(config, sort_keys=True))
    point = dict(dataset="fashion_mnist", alpha="0.1", method="sparsyfed", sparsity="0.9", seed="5378")
    assert list(Grid(config).settings(**point).items()) == list(Grid(shuffled).settings(**point).items())
    assert list(Grid(config).settings(**point)["method_params"]) == ["activation_pruning", "beta"]


def test_smoke_runs_the_first_point_for_the_smoke_rounds():
    grid = Grid(tiny())
    point = grid.smoke_point("fashion_mnist", "topk")
    assert point == dict(dataset="fashion_mnist", alpha="0.1", method="topk", sparsity="0.9", seed="5378")
    assert grid.smoke_point("fashion_mnist", "dense")["sparsity"] == "0"


def test_every_run_folder_has_its_settings_and_only_those_match_the_run_wildcard():
    """One settings rule and one simulate rule make every run: `settings_at` finds the settings of the grid's,
    the smoke and the experiments' run folders, and RUN_PATTERN (their wildcard) matches each of them."""
    import re

    grid = Grid(tiny())
    smoke_settings = grid.settings_at(grid.smoke_dirs()[1])
    assert smoke_settings == grid.settings(**grid.smoke_point("fashion_mnist", "topk"), rounds=1)
    folders = {d: grid.settings(**p) for d, p in zip(grid.run_dirs(), grid.points(), strict=True)}
    folders |= {d: r.settings for e in ("beta_sweep", "corrected", "capacity")
                for d, r in grid.experiment_runs(e).items() if not r.in_grid}
    for folder, settings in folders.items():
        assert grid.settings_at(folder) == settings, folder
        assert re.fullmatch(RUN_PATTERN, folder.removeprefix(f"{RESULTS}/")), folder
    for folder in grid.smoke_dirs():
        assert re.fullmatch(RUN_PATTERN, folder.removeprefix(f"{RESULTS}/")), folder
    for wrong in ("results/runs/fashion_mnist/alpha0.5/topk/s0.9/seed5378",  # no such alpha in the grid
                  "results/smoke/cifar10/topk", "results/experiments/nope/runs/x"):
        with pytest.raises(UserError, match="no run of this config|unknown experiment|not a run"):
            grid.settings_at(wrong)
    assert not re.fullmatch(RUN_PATTERN, "tables/runs") and not re.fullmatch(RUN_PATTERN, "runs/x")


# ---------------------------------------------------------------- experiments beside the grid


def sweep_config(**sweep) -> dict:
    config = tiny()
    config["experiments"]["beta_sweep"].update(sweep)
    return config


def test_beta_sweep_runs_sparsyfed_at_each_exponent_in_folders_naming_beta():
    config = sweep_config(betas=[1.0, 1.25, 2.0], exponents=["spectral", "spectral_average_exact"], alpha=1.0,
                          sparsity=0.95, seeds=[1, 2])
    grid = Grid(config)
    runs = grid.beta_sweep_runs
    assert len(runs) == (3 + 2) * 2
    assert runs[0].dir == "results/experiments/beta_sweep/runs/beta1/fashion_mnist/alpha1/sparsyfed/s0.95/seed1"
    assert {r.label["beta"] for r in runs} == {"1", "1.25", "2", "spectral", "spectral_average_exact"}
    by_label = {(r.label["beta"], r.point["seed"]): r.settings for r in runs}
    assert by_label[("1", "1")]["method_params"] == {"beta": 1.0}  # beta 1: plain weights, kept
    assert by_label[("2", "2")]["method_params"] == {"beta": 2.0} and by_label[("2", "2")]["seed"] == 2
    spectral = {"beta": 1.25, "exponent": "spectral", "spectral_over": "all"}  # each variant sets all three
    assert by_label[("spectral", "1")]["method_params"] == spectral | {"spectral_scope": "layer",
                                                                       "spectral_sigma": "power_iteration"}
    assert by_label[("spectral_average_exact", "2")]["method_params"] == spectral | {"spectral_scope": "average",
                                                                                     "spectral_sigma": "exact"}
    # every other setting is the grid's at that point, partition included
    grid_point = grid.settings("fashion_mnist", "1", "sparsyfed", "0.95", "1")
    assert {k: v for k, v in by_label[("2", "1")].items() if k != "method_params"} == \
        {k: v for k, v in grid_point.items() if k != "method_params"}
    assert grid.experiment_partitions("beta_sweep") == ["results/partitions/fashion_mnist/alpha1_n10_seed1337.npz"]
    assert not any(r.in_grid for r in runs)


def test_beta_sweep_defaults_to_the_first_dataset_and_the_grids_seeds_and_fixes_a_spectral_base():
    config = sweep_config(seeds=None, betas=[1.5], exponents=[])
    config["method_params"]["sparsyfed"] = {"beta": 1.25, "exponent": "spectral"}
    runs = Grid(config).beta_sweep_runs
    assert [r.point["seed"] for r in runs] == ["5378"] and runs[0].point["dataset"] == "fashion_mnist"
    assert runs[0].settings["method_params"] == {"beta": 1.5, "exponent": "fixed"}  # a fixed beta is fixed


def test_corrected_reuses_the_grids_runs_as_the_authors_ran_them():
    config = tiny()
    config["experiments"]["corrected"].update(behaviours=["shortcuts", "conv_threshold", "flash_mask"],
                                              sparsities=[0.9], seeds=None, alphas=None)
    grid = Grid(config)
    runs = grid.experiment_runs("corrected")
    reused = [r for r in runs.values() if r.in_grid]
    new = [r for r in runs.values() if not r.in_grid]
    # as ran: sparsyfed (shared by two behaviours), zerofl (shared), flash -> 3 grid runs; corrected: 2 + 2 + 1
    assert sorted(r.point["method"] for r in reused) == ["flash", "sparsyfed", "zerofl"]
    assert all(r.dir == RUN_DIR.format(**r.point) and r.settings == grid.settings(**r.point) for r in reused)
    assert len(new) == 5 and all(r.label["variant"] == "corrected" for r in new)
    shortcut = runs["results/experiments/corrected/runs/shortcuts-corrected/" + RUN_LAYOUT.format(**POINT)]
    assert shortcut.settings == grid.settings(**POINT) | {"method_params": {"beta": 1.25, "convert_shortcuts": True}}
    flash = next(r for r in new if r.point["method"] == "flash")
    assert flash.settings["method_params"] == {"mask_scope": "prunable"}
    assert grid.experiment_settings("corrected", shortcut.dir.split("/runs/", 1)[1]) == shortcut.settings
    with pytest.raises(UserError, match="not a run of experiment"):  # the grid's own runs have their own rule
        grid.experiment_settings("corrected", "x/" + RUN_LAYOUT.format(**POINT))


def test_corrected_runs_points_outside_the_grid_and_a_config_that_already_corrects():
    config = tiny()
    config["experiments"]["corrected"].update(behaviours=["shortcuts"], sparsities=[0.9], seeds=[5378, 7])
    config["method_params"]["zerofl"]["convert_shortcuts"] = True  # the grid runs zerofl corrected
    runs = Grid(config).corrected_runs
    where = {(r.point["method"], r.point["seed"], r.label["variant"]): r for r in runs}
    assert where[("sparsyfed", "5378", "as_ran")].in_grid
    # seed 7 is not in the grid: the grid's settings there get a folder of the experiment
    assert where[("sparsyfed", "7", "as_ran")].dir.startswith("results/experiments/corrected/runs/grid/")
    assert where[("zerofl", "5378", "corrected")].in_grid  # the grid's zerofl runs are the corrected ones
    as_ran = where[("zerofl", "5378", "as_ran")]
    assert as_ran.dir.startswith("results/experiments/corrected/runs/shortcuts-as_ran/")
    assert as_ran.settings["method_params"] == {"convert_shortcuts": False, "mask_ratio": 0.0}


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["experiments"]["beta_sweep"].update(dataset="cifar10"), "beta_sweep.dataset"),
    (lambda c: c["experiments"]["beta_sweep"].update(betas=[1.25, 1.2500000000001]), "beta_sweep.betas"),
    (lambda c: c["experiments"]["corrected"].update(datasets=["mnist"]), "corrected.datasets"),
    (lambda c: c["experiments"]["corrected"].update(seeds=[1, 1.0]), "corrected.seeds"),
])
def test_inconsistent_experiments_are_refused(edit, message):
    config = tiny()
    edit(config)
    with pytest.raises(UserError, match=message):
        Grid(config)


def test_a_config_without_experiments_still_makes_its_grid():
    config = tiny()
    del config["experiments"]
    grid = Grid(config)
    assert len(grid.points()) == 11
    with pytest.raises(UserError, match="experiments.beta_sweep: missing"):
        grid.experiment_runs("beta_sweep")
