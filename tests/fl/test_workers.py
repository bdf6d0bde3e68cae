"""Clients trained at once on model replicas give the numbers of one client after the other."""

import threading
import time

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from sparsyfed.config import load_config
from sparsyfed.fl import engine
from sparsyfed.fl.workers import Workers, thread_plan
from sparsyfed.methods.base import Method
from sparsyfed.record import TIMING_COLUMNS
from sparsyfed.runner import run

CPU, GPU = torch.device("cpu"), torch.device("cuda")
TIMING = list(TIMING_COLUMNS)


@pytest.mark.parametrize("threads, device, clients, plan", [
    (2, CPU, 10, (2, 1)),   # one client per core, one thread each
    (8, CPU, 3, (3, 1)),    # more cores than clients: the rest stay idle, ops stay single-threaded
    (1, CPU, 10, (1, 1)),
    (4, GPU, 10, (1, 4)),   # a GPU trains one client at a time
])
def test_thread_plan(threads, device, clients, plan):
    assert thread_plan(threads, device, clients) == plan


def test_thread_plan_zero_means_all_cores(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert thread_plan(0, CPU, 10) == (6, 1)


class _Counting(Method):
    def __init__(self):
        super().__init__()
        self.counter = 0

    def state_dict(self):
        return {"counter": self.counter}

    def load_state_dict(self, state):
        self.counter = state["counter"]


def test_workers_run_jobs_at_once_on_distinct_replicas_in_order():
    model = nn.Linear(2, 2)
    seen, lock = [], threading.Lock()

    def job(m, _method, item):
        with lock:
            seen.append(id(m))
        time.sleep(0.05)
        return item * 10

    with Workers(model, _Counting(), 2) as workers:
        assert workers.map(job, range(6)) == [0, 10, 20, 30, 40, 50]
        assert len(set(seen)) == 2 and id(model) in seen  # the given model is one of the replicas
        assert workers.replicas[1][0] is not model
        assert torch.equal(workers.replicas[1][0].weight, model.weight)


def test_sync_method_gives_replicas_the_cross_round_state():
    method = _Counting()
    with Workers(nn.Linear(2, 2), method, 3) as workers:
        method.counter = 7
        workers.sync_method()
        assert [m.counter for _, m in workers.replicas] == [7, 7, 7]


@pytest.mark.parametrize("method", ["sparsyfed", "zerofl", "flash",
                                    "sparsyfed_spectral"])
def test_two_workers_give_the_numbers_of_one(tiny_run, tmp_path, method):
    # spectral (as ran: per layer, the one-step sigma from a start seeded by the state): each replica's
    # layers set their betas from the state they load (sparse/spectral.py)
    settings = tiny_run + f"method={method} sparsity=0.8 federated_eval=true clients_per_round=4".split()
    one = run(load_config(None, settings + ["threads=1"]), tmp_path / "one", progress=False)
    two = run(load_config(None, settings + ["threads=2"]), tmp_path / "two", progress=False)
    assert one["provenance"]["client_workers"] == 1 and two["provenance"]["client_workers"] == 2
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "one" / "rounds.csv").drop(columns=TIMING),
                                  pd.read_csv(tmp_path / "two" / "rounds.csv").drop(columns=TIMING))
    assert (tmp_path / "one" / "layers.csv").read_text() == (tmp_path / "two" / "layers.csv").read_text()
    for mask in (tmp_path / "one" / "masks").iterdir():
        assert np.array_equal(np.load(mask), np.load(tmp_path / "two" / "masks" / mask.name))


def test_a_run_killed_on_one_core_resumes_on_two_with_the_same_numbers(tiny_run, tmp_path, kill_after):
    settings = tiny_run + ["method=sparsyfed", "sparsity=0.8", "clients_per_round=4"]
    run(load_config(None, settings + ["threads=1"]), tmp_path / "full", progress=False)
    with kill_after(2):
        run(load_config(None, settings + ["threads=1"]), tmp_path / "resumed", progress=False)
    resumed = run(load_config(None, settings + ["threads=2"]), tmp_path / "resumed", progress=False)
    assert resumed["provenance"]["client_workers"] == 2
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "full" / "rounds.csv").drop(columns=TIMING),
                                  pd.read_csv(tmp_path / "resumed" / "rounds.csv").drop(columns=TIMING))
    # complete: found as done under a third thread count, not rerun and not an error
    again = run(load_config(None, settings + ["threads=3"]), tmp_path / "resumed", progress=False)
    assert again == resumed


def test_run_gives_the_caller_its_thread_count_back(tiny_run, tmp_path):
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        run(load_config(None, tiny_run + ["threads=2"]), tmp_path / "run", progress=False)
        assert torch.get_num_threads() == 2  # the run itself used single-threaded ops
    finally:
        torch.set_num_threads(before)


class _RoundStamp(Method):
    """Client hooks read the server's cross-round state: the last round the server finished."""

    name = "round_stamp"

    def __init__(self, params=None):
        super().__init__(params)
        self.last_round = 0

    def postprocess_upload(self, state, ctx):
        assert self.last_round == ctx.round - 1, f"client of round {ctx.round} saw server round {self.last_round}"
        return state

    def postprocess_global(self, state, ctx):
        self.last_round = ctx.round
        return state

    def state_dict(self):
        return {"last_round": self.last_round}

    def load_state_dict(self, state):
        self.last_round = state["last_round"]


def test_every_worker_sees_the_server_state_of_the_round(tiny_run, tmp_path):
    summary = engine.run(load_config(None, tiny_run + ["method=round_stamp", "threads=2", "clients_per_round=4"]),
                         _RoundStamp(), tmp_path / "run", progress=False)
    assert summary["status"] == "ok" and summary["provenance"]["client_workers"] == 2
