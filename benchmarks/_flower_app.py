"""The Flower side of `flower_compare.py`: a ClientApp and a ServerApp running the engine's FedAvg workload.

Needs `flwr[simulation]` (`pip install -e '.[flower]'`, best in its own virtualenv). Kept in an
importable module so that Ray's actors import it by name and keep `_CACHE` (data, partition,
model) for the whole run instead of rebuilding it for every message.

Same work as the engine, step for step: the same initial weights, the same clients each round
(the strategy asks `sample_clients`, then hands client ids to nodes in the message's config: in
simulation a node is only a worker, so which node trains a client costs nothing), the same local
loop (`sparsyfed.fl.client.local_train` with the dense method and the client's seeded shuffle),
sample-weighted FedAvg (Flower's own), centralised evaluation every `eval_every` rounds and at the
last round (sparsyfed's `evaluate`, in the ServerApp). Only the runtime differs.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import torch
from flwr.app import (
    ArrayRecord,
    ConfigRecord,
    Context,
    Message,
    MetricRecord,
    RecordDict,
)
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg
from flwr.serverapp.strategy.strategy_utils import sample_nodes

from sparsyfed.config import load_config
from sparsyfed.fl.client import local_train
from sparsyfed.fl.engine import prepare
from sparsyfed.fl.evaluate import evaluate
from sparsyfed.fl.schedule import client_seed, lr_at, sample_clients
from sparsyfed.methods import make_method
from sparsyfed.methods.base import RoundContext
from sparsyfed.models import prunable_keys

_CACHE: dict[str, tuple] = {}  # settings (JSON) -> (cfg, data, partition, model); one per process


def _workload(settings: str):
    """The run config, dataset, partition and a model of the engine's settings, built once per process
    by the engine's own `prepare` (same data layout and initial weights as the engine's run)."""
    if settings not in _CACHE:
        cfg = load_config(None, json.loads(settings))
        s = prepare(cfg, make_method(cfg.method, cfg.sparsity, cfg.method_params))
        _CACHE[settings] = (s.cfg, s.data, s.partition, s.model)
    return _CACHE[settings]


# -- client side ------------------------------------------------------------------------------------
client_app = ClientApp()


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    """Train the client named in the config on the received arrays; reply with arrays and num-examples."""
    conf = msg.content["config"]
    torch.set_num_threads(int(conf["client-threads"]))
    cfg, data, part, model = _workload(str(conf["settings"]))
    rnd, cid = int(conf["server-round"]), int(conf["client-id"])
    model.load_state_dict(msg.content["arrays"].to_torch_state_dict())
    ctx = RoundContext(rnd, cfg.rounds, lr_at(rnd, cfg.lr, cfg.lr_end, cfg.rounds), cfg.seed,
                       prunable_keys(model), client_id=cid)
    idx = torch.as_tensor(part.train_indices[cid])
    gen = torch.Generator().manual_seed(client_seed(cfg.seed, rnd, cid))
    loss_sum, seen = local_train(model, data.train_x[idx], data.train_y[idx], data.normalise,
                                 make_method(cfg.method), ctx, epochs=cfg.local_epochs,
                                 batch_size=cfg.batch_size, weight_decay=cfg.weight_decay, generator=gen)
    reply = RecordDict({"arrays": ArrayRecord(model.state_dict()),
                        "metrics": MetricRecord({"num-examples": seen, "train_loss": loss_sum / max(seen, 1)})})
    return Message(content=reply, reply_to=msg)


# -- server side ------------------------------------------------------------------------------------
class SameClientsFedAvg(FedAvg):
    """FedAvg whose round-r cohort is the engine's `sample_clients(seed, r, N, K)`.

    Flower still picks the K nodes at random; each message's config names the client id its node
    trains (one config record per message instead of one shared).
    """

    def __init__(self, cfg, **kwargs):
        super().__init__(**kwargs)
        self.cfg = cfg

    def configure_train(self, server_round, arrays, config, grid):
        cfg = self.cfg
        node_ids, _ = sample_nodes(grid, self.min_available_nodes, cfg.clients_per_round)
        clients = sample_clients(cfg.seed, server_round, cfg.num_clients, cfg.clients_per_round).tolist()
        messages = []
        for node_id, cid in zip(node_ids, clients, strict=True):
            conf = ConfigRecord({**dict(config), "server-round": server_round, "client-id": cid})
            messages.append(Message(content=RecordDict({self.arrayrecord_key: arrays, self.configrecord_key: conf}),
                                    message_type="train", dst_node_id=node_id))
        return messages


@dataclass
class ServerSpec:
    """Set by `flower_compare.py` before `run_simulation` (the ServerApp runs in a thread of that process)."""

    settings: str = "[]"
    client_threads: int = 1
    server_threads: int = 1
    marks: list[float] = field(default_factory=list)  # time.perf_counter() at each round start
    accs: dict[int, float] = field(default_factory=dict)  # round -> test accuracy


SPEC = ServerSpec()
server_app = ServerApp()


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    torch.set_num_threads(SPEC.server_threads)
    cfg, data, _, model = _workload(SPEC.settings)

    def evaluate_fn(rnd: int, arrays: ArrayRecord):
        # Called before round 1 (rnd = 0) and after every round: its end is the next round's start.
        metrics = None
        if rnd > 0 and (rnd % cfg.eval_every == 0 or rnd == cfg.rounds):
            model.load_state_dict(arrays.to_torch_state_dict())
            acc, loss = evaluate(model, data.test_x, data.test_y, data.normalise, cfg.eval_batch_size)
            SPEC.accs[rnd] = acc
            metrics = MetricRecord({"test_acc": acc, "test_loss": loss})
        SPEC.marks.append(time.perf_counter())
        return metrics

    strategy = SameClientsFedAvg(cfg, fraction_train=cfg.clients_per_round / cfg.num_clients,
                                 fraction_evaluate=0.0, min_train_nodes=cfg.clients_per_round,
                                 min_available_nodes=cfg.num_clients)
    strategy.start(grid=grid, initial_arrays=ArrayRecord(model.state_dict()), num_rounds=cfg.rounds,
                   train_config=ConfigRecord({"settings": SPEC.settings, "client-threads": SPEC.client_threads}),
                   evaluate_fn=evaluate_fn)
