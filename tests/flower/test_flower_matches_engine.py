"""Every method of the catalogue, 3 rounds through Flower's simulation engine, against the engine.

One simulation runs all methods in turn (one Ray start), on the small CNN and SparsyFed also on
`resnet_small`; each run's rounds.csv (all but the wall time), layers.csv, masks and summary.json (but
its timing and provenance) must equal the engine's: the same clients, shards,
seeds, local sessions, aggregation order and measurements, with states sent sparse and back.
"""

import json

import pytest

pytest.importorskip("flwr")  # the `flower` extra (CI installs it)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from flwr.serverapp import ServerApp  # noqa: E402
from flwr.simulation import run_simulation  # noqa: E402

from sparsyfed import catalog, record  # noqa: E402
from sparsyfed.config import load_config  # noqa: E402
from sparsyfed.flower.client import client_app  # noqa: E402
from sparsyfed.flower.server import run_on_grid, write_outputs  # noqa: E402
from sparsyfed.runner import run  # noqa: E402

CLIENTS = 5


@pytest.fixture
def flower_tiny(fmnist_root):
    """A tiny run with every code path on: evaluation and masks every round, federated evaluation."""
    return [f"data_root={fmnist_root}", "model=small_cnn", f"num_clients={CLIENTS}", "clients_per_round=3",
            "samples_per_client=24", "rounds=3", "eval_every=1", "mask_every=1", "federated_eval=true",
            "eval_batch_size=250", "lr=0.1", "sparsity=0.9", "threads=1"]


def _read(folder):
    rounds = pd.read_csv(folder / record.ROUNDS).drop(columns=list(record.TIMING_COLUMNS))
    layers = pd.read_csv(folder / record.LAYERS)
    masks = {p.name: np.load(p) for p in sorted((folder / record.MASKS).iterdir())}
    return rounds, layers, masks


def test_every_method_through_flower_gives_the_engines_rounds_bit_for_bit(flower_tiny, tmp_path):
    configs = {e.id: load_config(None, flower_tiny + [f"method={e.id}"]) for e in catalog.METHODS}
    # BatchNorm buffers (an integer one among them) and plain shortcut convs beside Powerprop layers
    configs["sparsyfed_resnet_small"] = load_config(None, flower_tiny + ["method=sparsyfed", "model=resnet_small"])
    server_app = ServerApp()
    failures = []

    @server_app.main()
    def main(grid, context):
        try:
            for method, cfg in configs.items():
                write_outputs(run_on_grid(grid, cfg, timeout=300), tmp_path / "flower" / method)
        except BaseException as exc:  # the ServerApp runs in a thread: hand the error to the test
            failures.append(exc)
            raise

    run_simulation(server_app=server_app, client_app=client_app, num_supernodes=CLIENTS,
                   backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0},
                                   "init_args": {"num_cpus": 2, "num_gpus": 0}})
    if failures:
        raise failures[0]
    for method, cfg in configs.items():
        run(cfg, tmp_path / "engine" / method, progress=False)
        engine_rounds, engine_layers, engine_masks = _read(tmp_path / "engine" / method)
        rounds, layers, masks = _read(tmp_path / "flower" / method)
        assert len(rounds) == cfg.rounds, method
        pd.testing.assert_frame_equal(rounds, engine_rounds, check_exact=True, obj=f"{method} rounds.csv")
        pd.testing.assert_frame_equal(layers, engine_layers, check_exact=True, obj=f"{method} layers.csv")
        assert masks.keys() == engine_masks.keys() and all((masks[k] == engine_masks[k]).all() for k in masks)
        ours, theirs = (json.loads((tmp_path / side / method / "summary.json").read_text())
                        for side in ("flower", "engine"))
        assert ours["provenance"]["runtime"] == "flower"
        for key in ("status", "config", "method_params", "rounds_completed", "num_prunable"):
            assert ours[key] == theirs[key], (method, key)
        timing = set(record.TIMING_COLUMNS)
        assert json.dumps({k: v for k, v in ours["final"].items() if k not in timing}, sort_keys=True) == \
            json.dumps({k: v for k, v in theirs["final"].items() if k not in timing}, sort_keys=True), method
