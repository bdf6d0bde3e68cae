"""grid.py's capacity experiment: the width ladder, the length rung and the model rung, their folders and
settings, and the runs it shares with the grid."""

from pathlib import Path

import pytest
import yaml

from sparsyfed.config import RunConfig
from sparsyfed.errors import UserError
from sparsyfed.grid import CAPACITY, LENGTH_RUNG, MODEL_RUNG, RUN_DIR, WIDTH_RUNG, Grid

REPO = Path(__file__).resolve().parents[1]
RUNS = "results/experiments/capacity/runs"


def tiny() -> dict:
    return yaml.safe_load((REPO / "tests" / "workflow" / "config_tiny.yaml").read_text())


def by_rung(grid: Grid) -> dict:
    out = {}
    for run in grid.experiment_runs(CAPACITY).values():
        out.setdefault(run.label["rung"], []).append(run)
    return out


def test_the_ladder_runs_every_method_at_each_width_and_reuses_the_grids_runs():
    grid = Grid(tiny())  # widths 1, 2 at alpha 0.1, 95 %; dense, ZeroFL, SparsyFed; seeds 5378, 9421
    rungs = by_rung(grid)
    ladder = rungs[WIDTH_RUNG]
    assert len(ladder) == 2 * 2 * (1 + 2)
    reused = [r for r in ladder if r.in_grid]  # dense at 5378 is a grid point with the grid's settings
    assert [(r.point["method"], r.point["seed"], r.dir) for r in reused] == [
        ("dense", "5378", RUN_DIR.format(dataset="fashion_mnist", alpha="0.1", method="dense", sparsity="0",
                                         seed="5378"))]
    wide = next(r for r in ladder if r.label["width"] == "2" and r.point["method"] == "sparsyfed")
    assert wide.dir == f"{RUNS}/small_cnn-w2-r2/fashion_mnist/alpha0.1/sparsyfed/s0.95/seed{wide.point['seed']}"
    assert wide.settings["width"] == 2.0 and wide.settings["rounds"] == 2 and wide.settings["model"] == "small_cnn"
    assert RunConfig(**{**wide.settings, "partition": None}).width == 2.0
    narrow = next(r for r in ladder if r.label["width"] == "1" and not r.in_grid)
    assert "width" not in narrow.settings  # width 1 is the default: not written


def test_the_length_and_model_rungs():
    rungs = by_rung(Grid(tiny()))
    length = rungs[LENGTH_RUNG]
    assert {r.settings["rounds"] for r in length} == {4} and len(length) == 2 * 3
    assert all(r.dir.startswith(f"{RUNS}/small_cnn-w1-r4/") for r in length)
    model = rungs[MODEL_RUNG]  # the tiny config's other model is resnet_small, 2 rounds, SparsyFed and ZeroFL
    assert {(r.settings["model"], r.settings["rounds"], r.point["method"]) for r in model} == {
        ("resnet_small", 2, "sparsyfed"), ("resnet_small", 2, "zerofl")}
    assert {r.point["seed"] for r in model} == {"5378"}
    config = tiny()
    config["experiments"]["capacity"]["regrowth"]["seeds"] = None  # null: the ladder's seeds
    assert {r.point["seed"] for r in by_rung(Grid(config))[MODEL_RUNG]} == {"5378", "9421"}


def test_rungs_can_be_left_out_and_settings_are_the_experiments():
    config = tiny()
    config["experiments"]["capacity"].update(length=None, regrowth=None, widths=[2.0])
    rungs = by_rung(Grid(config))
    assert set(rungs) == {WIDTH_RUNG} and len(rungs[WIDTH_RUNG]) == 6
    run = rungs[WIDTH_RUNG][0]
    assert Grid(config).experiment_settings(CAPACITY, run.dir.removeprefix(RUNS + "/")) == run.settings


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["experiments"]["capacity"].update(dataset="cifar10"), "capacity.dataset"),
    (lambda c: c["experiments"]["capacity"].update(widths=[1.0, 1.0000000000001]), "capacity.widths"),
    (lambda c: c["experiments"]["capacity"].update(alphas=[0.1, 0.1000000000001]), "capacity.alphas"),
])
def test_inconsistent_ladders_are_refused(edit, message):
    config = tiny()
    edit(config)
    with pytest.raises(UserError, match=message):
        Grid(config)


def test_a_dataset_width_scales_the_grids_runs():
    config = tiny()
    config["datasets"][0]["width"] = 2.0
    grid = Grid(config)
    point = dict(dataset="fashion_mnist", alpha="0.1", method="topk", sparsity="0.9", seed="5378")
    assert grid.settings(**point)["width"] == 2.0 and grid.width_of("fashion_mnist") == 2.0
    ladder = by_rung(grid)[WIDTH_RUNG]  # now width 2 is the grid's own: its runs at grid points are reused
    assert {r.label["width"] for r in ladder if r.in_grid} == {"2"}
