"""The engine's entry points client_metrics and round_metrics (SPEC section 5) on a tiny run."""

import math

import numpy as np
import pytest
import torch

from sparsyfed import record
from sparsyfed.metrics.rounds import NON_COLUMN_KEYS, client_metrics, round_metrics

PRUNABLE = ("l.weight",)
PARAMS = {"l.weight", "l.bias"}
MACS = {"l.weight": 10}


def _state(w, b):
    return {"l.weight": torch.tensor(w, dtype=torch.float32), "l.bias": torch.tensor(b, dtype=torch.float32),
            "bn.running_mean": torch.tensor([0.5, 0.5]), "bn.num_batches_tracked": torch.tensor(3)}


PREV = _state([1, 0, 0, 2, 0, 0, 0, 0], [1, 1])  # support {0, 3}; bytes 9 + 8 + 8 = 25
NEW = _state([1, 3, 0, 0, 0, 0, 0, 0], [1, 0])  # support {0, 1}


def _clients():
    c1 = client_metrics(PREV, _state([1, 1, 1, 1, 0, 0, 0, 0], [1, 1]), _state([1, 1, 0, 0, 0, 0, 0, 0], [1, 1]),
                        PRUNABLE)
    c2 = client_metrics(PREV, _state([1, 0, 0, 1, 1, 1, 1, 1], [1, 1]), _state([0, 0, 0, 0, 1, 1, 0, 0], [0, 0]),
                        PRUNABLE, act_density={"l": 0.2})
    return c1, c2


def test_client_metrics_hand_computed():
    # Prepare / Execute
    c1, c2 = _clients()
    # Assert
    assert (c1["regrowth_local"], c1["regrowth_pruned"], c1["bytes_up"]) == (2, 1, 9 + 8 + 8)
    assert (c2["regrowth_local"], c2["regrowth_pruned"], c2["bytes_up"]) == (4, 2, 9 + 0 + 8)
    assert c1["support"].tolist() == [0b11000000]
    assert c2["support"].tolist() == [0b00001100]
    assert c1["weight_density"] == pytest.approx({"l.weight": 0.5})
    assert c2["weight_density"] == pytest.approx({"l.weight": 0.75})
    assert c2["act_density"] == {"l": 0.2}


def test_round_metrics_hand_computed():
    # Prepare
    clients = list(_clients())
    # Execute
    r = round_metrics(PREV, NEW, clients, prunable=PRUNABLE, parameter_names=PARAMS, target_sparsity=0.5,
                      macs=MACS, num_clients_sampled=3)
    # Assert
    assert r["global_sparsity"] == pytest.approx(6 / 8)
    assert r["global_sparsity_all"] == pytest.approx(7 / 10)
    assert r["regrowth_local"] == pytest.approx(3.0)
    assert r["regrowth_pruned"] == pytest.approx(1.5)
    assert r["regrowth_global"] == 1
    assert r["iou_consecutive"] == pytest.approx(1 / 3)
    assert r["iou_client_global"] == pytest.approx(0.5)  # (1 + 0) / 2
    assert r["bytes_down"] == 25 * 3
    assert r["bytes_up"] == 25 + 17
    assert r["authors_comm_params"] == pytest.approx((0.4 + 0.5) * 10)
    assert r["flops_rel"] == pytest.approx(((2 * 0.5 + 1) / 3 + (2 * 0.75 + 0.2) / 3) / 2)
    assert r["layer_density"] == pytest.approx({"l.weight": 0.25})
    assert r["global_support"].tolist() == [0b11000000]
    assert set(NON_COLUMN_KEYS) <= set(r)
    # every scalar is a declared rounds.csv column (the engine adds the others: round, lr, losses, ...)
    assert set(r) - set(NON_COLUMN_KEYS) <= set(record.ROUND_COLUMNS)
    for k, v in r.items():
        if k not in NON_COLUMN_KEYS:
            assert isinstance(v, (int, float)) and not isinstance(v, (bool, np.generic)), k


def test_round_metrics_defaults_and_no_clients():
    # Prepare / Execute
    r2 = round_metrics(PREV, NEW, list(_clients()), prunable=PRUNABLE, parameter_names=PARAMS,
                       target_sparsity=0.0, macs=MACS)
    r0 = round_metrics(PREV, NEW, [], prunable=PRUNABLE, parameter_names=PARAMS, target_sparsity=0.0, macs=MACS)
    # Assert: default num_clients_sampled = len(client_results)
    assert r2["bytes_down"] == 25 * 2
    assert r0["bytes_down"] == 0 and r0["bytes_up"] == 0
    assert math.isnan(r0["regrowth_local"]) and math.isnan(r0["flops_rel"])
