"""The Flower side of `flower_compare.py`: the adapter's apps (`sparsyfed.flower`) on the benchmark's settings.

The ClientApp is the adapter's (the engine's local session on each node). The ServerApp runs the
adapter's `run_on_grid` (the engine's sampling, the method's aggregation, the engine's measurements)
on the settings `flower_compare.py` puts in `SPEC`, and timestamps each round's start where the
engine side does: the call of `sample_clients` (`_common.RoundClock`). Needs `flwr[simulation]`
(`pip install -e '.[flower]'`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from _common import RoundClock
from flwr.app import Context
from flwr.serverapp import Grid, ServerApp

from sparsyfed.config import load_config
from sparsyfed.flower import strategy as adapter
from sparsyfed.flower.client import client_app
from sparsyfed.flower.server import run_on_grid

__all__ = ["SPEC", "client_app", "server_app"]


@dataclass
class ServerSpec:
    """Set by `flower_compare.py` before `run_simulation` (the ServerApp runs in a thread of that process)."""

    settings: list[str] = field(default_factory=list)  # `--set` settings of the run
    clock: RoundClock = field(default_factory=RoundClock)
    test_acc: float = math.nan  # the last evaluated round's


SPEC = ServerSpec()
server_app = ServerApp()


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    adapter.sample_clients = SPEC.clock.wrap(adapter.sample_clients)  # a mark at each round's start
    strategy = run_on_grid(grid, load_config(None, SPEC.settings))
    evaluated = [row["test_acc"] for row in strategy.rows if not math.isnan(row["test_acc"])]
    SPEC.test_acc = evaluated[-1] if evaluated else math.nan
