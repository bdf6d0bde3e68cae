"""The ServerApp: one run of the project's settings through `MethodStrategy`, its outputs written as the
engine writes them (rounds.csv, layers.csv, masks/, then summary.json, in the run config's `out` folder),
so that `sparsyfed collect` and the analysis read a Flower run like any other.

`run_on_grid(grid, cfg)` is the whole server side for any Grid (a ServerApp's `main`, a test's).
"""

from __future__ import annotations

import time
from logging import INFO
from pathlib import Path

import torch
from flwr.app import ArrayRecord, Context
from flwr.serverapp import Grid, ServerApp
from flwr.supercore import log

from sparsyfed import record
from sparsyfed.config import RunConfig
from sparsyfed.fl.engine import prepare, run_summary, save_mask, write_tables
from sparsyfed.fl.workers import Workers, thread_plan
from sparsyfed.flower.settings import run_config_from
from sparsyfed.flower.strategy import MethodStrategy
from sparsyfed.io import make_dir, write_json
from sparsyfed.methods import make_method


def run_on_grid(grid: Grid, cfg: RunConfig, *, timeout: float = 3600.0, node_wait_s: float = 60.0) -> MethodStrategy:
    """Run `cfg` on the nodes of `grid` (one per client, `partition-id` = client id); returns the strategy,
    which holds the rounds' rows. `timeout`: seconds to wait for a round's replies; `node_wait_s`: for
    the SuperNodes to connect."""
    setup = prepare(cfg, make_method(cfg.method, cfg.sparsity, cfg.method_params))
    replicas, intra_op = thread_plan(cfg.threads, setup.device, cfg.clients_per_round)
    caller_threads = torch.get_num_threads()
    torch.set_num_threads(intra_op)
    try:
        with Workers(setup.model, setup.method, replicas) as workers:
            strategy = MethodStrategy(setup, workers, node_wait_s=node_wait_s)
            strategy.start(grid, ArrayRecord.from_torch_state_dict(setup.initial_state), num_rounds=cfg.rounds,
                           timeout=timeout)
    finally:
        torch.set_num_threads(caller_threads)
    return strategy


def write_outputs(strategy: MethodStrategy, out_dir: str | Path, wall_s: float = float("nan")) -> Path:
    """rounds.csv, layers.csv, masks/ and last summary.json of the run (`wall_s`: its wall time), as the
    engine writes them, into `out_dir`."""
    out_dir = Path(out_dir)
    make_dir(out_dir)
    write_tables(out_dir, strategy.rows, strategy.layer_rows)
    for rnd, support in strategy.masks.items():
        save_mask(out_dir, rnd, support)
    write_json(out_dir / record.SUMMARY, run_summary(strategy.s, strategy.rows, wall_s, runtime="flower"))
    return out_dir


server_app = ServerApp()


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    """Read the run's settings from the run config (`settings.run_config_from`), run, write the outputs."""
    t0 = time.perf_counter()
    strategy = run_on_grid(grid, run_config_from(context.run_config))
    out = str(context.run_config.get("out", ""))
    if out:
        written = write_outputs(strategy, out, time.perf_counter() - t0).resolve()
        log(INFO, "sparsyfed: rounds.csv, layers.csv, masks/ and summary.json in %s", written)
