"""grid.py: a workflow config -> runs, folders, settings files (the logic common.smk calls)."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from sparsyfed.config import RunConfig, load_config
from sparsyfed.errors import UserError
from sparsyfed.grid import RUN_DIR, Grid, fmt, parse_run_dir, write_settings

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
    # every setting but threads (speed only) is in the file, so the file is the whole run
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    assert set(settings) == fields - {"threads"}


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
