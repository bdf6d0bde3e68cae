"""`MethodStrategy`: a Flower Strategy that runs one of the project's methods as the engine runs it.

Per round (`Strategy.start` calls these in turn):
    configure_train   the engine's clients of the round (`schedule.sample_clients`), each sent to the
                      node that is that client (asked once, `client.identify`), with the global model
                      encoded sparse (`codec`), the round's context and the method's cross-round state
    aggregate_train   the replies in client order -> the method's `aggregate` and `postprocess_global`,
                      then the engine's measurements of the round (`engine.measure_round`: the rounds.csv
                      row, evaluation included, and the layers.csv rows), returned as the MetricRecord
The strategy keeps the rows (`rows`, `layer_rows`, `masks`); `server.write_outputs` writes them.
Client-side evaluation is not used: the engine evaluates centrally (and `federated_eval` on the
sampled clients' test shards) inside `measure_round`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from logging import INFO

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Message, MessageType, MetricRecord, RecordDict
from flwr.serverapp import Grid
from flwr.serverapp.strategy import Strategy
from flwr.supercore import log

from sparsyfed import record
from sparsyfed.errors import UserError
from sparsyfed.fl.engine import ClientResult, Setup, measure_round, round_context
from sparsyfed.fl.schedule import sample_clients
from sparsyfed.fl.workers import Workers
from sparsyfed.flower import codec, settings
from sparsyfed.methods.base import RoundContext
from sparsyfed.state import State

QUERY_TIMEOUT_S = 600.0  # for every node to say which client it is (a ClientApp may start per message)


def _number(value) -> int | float | None:
    """`value` as a MetricRecord number (None for anything else)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    return None


@dataclass
class _Sent:
    """What configure_train sent, for aggregate_train."""

    ctx: RoundContext
    clients: list[int]
    received: State  # the global model the clients got
    started: float  # time.perf_counter() at the round's start


class MethodStrategy(Strategy):
    """The engine's round, method hooks and measurements over Flower's messages.

    `setup` is the engine's `prepare(cfg, method)` on the server (its method is the server's);
    `workers` evaluate the global model (`fl.workers.Workers` over `setup`'s model and method).
    `node_wait_s`: how long the first round waits for the run's SuperNodes to connect.
    """

    def __init__(self, setup: Setup, workers: Workers, *, node_wait_s: float = 60.0):
        self.s, self.workers, self.node_wait_s = setup, workers, node_wait_s
        self.settings = settings.to_json(setup.cfg)
        self.rows: list[dict] = []
        self.layer_rows: list[dict] = []
        self.masks: dict[int, np.ndarray] = {}  # round -> packed global support, every `mask_every` rounds
        self.status = record.OK
        self._totals = {cum: 0.0 for cum in record.CUMULATIVE.values()}
        self._nodes: dict[int, int] | None = None  # client id -> node id
        self._sent: _Sent | None = None
        self.wire_bytes = {"down": 0, "up": 0}  # data bytes of the encoded models actually sent

    # -- which node is which client ------------------------------------------------------------
    def _client_nodes(self, grid: Grid) -> dict[int, int]:
        """Client id -> node id, from each node's answer to a query (asked once per run)."""
        n = self.s.cfg.num_clients
        deadline = time.monotonic() + self.node_wait_s
        while len(node_ids := list(grid.get_node_ids())) < n and time.monotonic() < deadline:
            log(INFO, "Waiting for SuperNodes: %d connected, the run's %d clients need %d", len(node_ids), n, n)
            time.sleep(5)
        if len(node_ids) < n:
            raise UserError(f"num_clients: the run needs {n} SuperNodes (partition-id 0..{n - 1}), "
                            f"{len(node_ids)} connected; in simulation use --federation-config 'num-supernodes={n}'")
        query = [Message(RecordDict({"config": ConfigRecord({})}), dst_node_id=node, message_type=MessageType.QUERY)
                 for node in node_ids]
        nodes: dict[int, int] = {}
        for reply in grid.send_and_receive(query, timeout=QUERY_TIMEOUT_S):
            if reply.has_error():
                raise RuntimeError(f"node {reply.metadata.src_node_id} did not say which client it is: "
                                   f"{reply.error.reason}")
            cid = int(reply.content["client"]["client-id"])
            if cid in nodes:
                raise UserError(f"node config: two SuperNodes have partition-id={cid}; give each its own")
            nodes[cid] = reply.metadata.src_node_id
        missing = sorted(set(range(n)) - set(nodes))
        if missing:
            shown = ", ".join(map(str, missing[:5])) + (" ..." if len(missing) > 5 else "")
            raise UserError(f"node config: no SuperNode has partition-id {shown}; the run's {n} clients "
                            f"need partition-id 0..{n - 1}")
        return nodes

    # -- training rounds -----------------------------------------------------------------------
    def configure_train(self, server_round: int, arrays: ArrayRecord, config: ConfigRecord,
                        grid: Grid) -> Iterable[Message]:
        """The engine's clients of the round, each sent to its node with the encoded global model."""
        if self.status != record.OK:
            return []  # the run diverged: no more training, as the engine stops
        started = time.perf_counter()
        if self._nodes is None:
            self._nodes = self._client_nodes(grid)
        cfg = self.s.cfg
        ctx = round_context(self.s, server_round)
        clients = sample_clients(cfg.seed, server_round, cfg.num_clients, cfg.clients_per_round).tolist()
        received = codec.decode(arrays, like=self.s.initial_state)
        model = codec.encode(received)
        self.wire_bytes["down"] = codec.data_bytes(model) * len(clients)
        shared = {**dict(config), "server-round": server_round, "num-rounds": ctx.num_rounds, "lr": ctx.lr,
                  "settings": self.settings, "method-state": codec.to_bytes(self.s.method.state_dict())}
        self._sent = _Sent(ctx, clients, received, started)
        return [Message(RecordDict({"arrays": model, "config": ConfigRecord({**shared, "client-id": cid})}),
                        dst_node_id=self._nodes[cid], message_type=MessageType.TRAIN) for cid in clients]

    def _results(self, replies: Iterable[Message]) -> list[ClientResult]:
        """The clients' results in the order they were sampled (the engine's order of aggregation)."""
        sent = self._sent
        by_client: dict[int, ClientResult] = {}
        up = 0
        for reply in replies:
            if reply.has_error():
                raise RuntimeError(f"round {sent.ctx.round}: node {reply.metadata.src_node_id} failed: "
                                   f"{reply.error.reason}")
            result = reply.content["result"]
            upload = codec.decode(reply.content["arrays"], like=self.s.initial_state)
            up += codec.data_bytes(reply.content["arrays"])
            by_client[int(result["client-id"])] = ClientResult(upload=upload, **codec.from_bytes(result["fields"]))
        missing = [c for c in sent.clients if c not in by_client]
        if missing:
            raise RuntimeError(f"round {sent.ctx.round}: no reply from client(s) {missing}")
        self.wire_bytes["up"] = up
        return [by_client[c] for c in sent.clients]

    def aggregate_train(self, server_round: int,
                        replies: Iterable[Message]) -> tuple[ArrayRecord | None, MetricRecord | None]:
        """The method's aggregation and post-processing, then the engine's measurements of the round."""
        if self._sent is None:
            return None, None  # nothing was sent: the run diverged
        sent, method = self._sent, self.s.method
        trained = self._results(replies)
        uploads, weights = [t.upload for t in trained], [t.weight for t in trained]
        client_rows = [t.metrics for t in trained]
        exponents = trained[0].exponents  # the same for every client of a round (engine)
        loss_sum, seen = 0.0, 0
        for t in trained:
            loss_sum, seen = loss_sum + t.loss_sum, seen + t.seen
        del trained
        new_state = method.postprocess_global(method.aggregate(uploads, weights, sent.ctx), sent.ctx)
        del uploads
        row, layer_rows, support = measure_round(self.s, self.workers, sent.ctx, np.asarray(sent.clients),
                                                 sent.received, new_state, client_rows, loss_sum / max(seen, 1),
                                                 exponents, self._totals)
        row["round_wall_s"] = time.perf_counter() - sent.started
        self.rows.append(row)
        self.layer_rows += layer_rows
        cfg = self.s.cfg
        if server_round % cfg.mask_every == 0 or server_round == cfg.rounds:
            self.masks[server_round] = support
        if not math.isfinite(row["train_loss"]):
            self.status = record.DIVERGED
        self._sent = None
        metrics = {k: _number(v) for k, v in row.items() if _number(v) is not None}
        metrics |= {f"wire_bytes_{side}": n for side, n in self.wire_bytes.items()}
        return ArrayRecord.from_torch_state_dict(new_state), MetricRecord(metrics)

    # -- no client-side evaluation (the engine evaluates on the server) ------------------------
    def configure_evaluate(self, server_round: int, arrays: ArrayRecord, config: ConfigRecord,
                           grid: Grid) -> Iterable[Message]:
        return []

    def aggregate_evaluate(self, server_round: int, replies: Iterable[Message]) -> MetricRecord | None:
        return None

    def summary(self) -> None:
        cfg = self.s.cfg
        log(INFO, "\t├──> SparsyFed method %s (target sparsity %g), %d of %d clients per round (engine's sampling)",
            cfg.method, self.s.method.target_sparsity, cfg.clients_per_round, cfg.num_clients)
        log(INFO, "\t└──> aggregation, post-processing and measurements: the method's hooks and the engine's")
