"""The ClientApp: a client's local session is the engine's own (`engine.train_client`: receive,
the method's `prepare_client`, `local_train` with its hooks, `postprocess_upload`, client metrics).

A node is the client whose id is its `partition-id` (node config; Flower's simulation numbers its
virtual nodes 0..N-1, a real SuperNode is started with `--node-config "partition-id=3"`). It trains on
its shard of the project's partition, built from the run's settings on the node (the dataset is
looked for as `sparsyfed run` looks for it; a node config `data-root` overrides the run's).
Everything a session needs is built once per process and run (`_Session`), as Flower keeps a
simulation's ClientApp processes for the whole run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from flwr.app import ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from sparsyfed.errors import UserError
from sparsyfed.fl.engine import Setup, prepare, train_client
from sparsyfed.fl.workers import thread_plan
from sparsyfed.flower import codec, settings
from sparsyfed.methods import make_method
from sparsyfed.methods.base import RoundContext

PARTITION_ID = "partition-id"  # Flower's node config key of a node's partition


@dataclass
class _Session:
    """One run's set-up on this node: data, partition, model and method replica, shard indices."""

    setup: Setup
    train_idx: torch.Tensor


_SESSIONS: dict[tuple[str, str | None], _Session] = {}  # (settings, data root) -> the latest run's only


def client_id(context: Context) -> int:
    """This node's client id, its `partition-id` (one line naming the fix when it has none)."""
    value = context.node_config.get(PARTITION_ID)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserError(f"node config: {PARTITION_ID} must be the node's client id, an integer, got {value!r}; "
                        f"start the SuperNode with --node-config \"{PARTITION_ID}=<id>\"")
    return value


def _session(settings_json: str, context: Context) -> _Session:
    root = context.node_config.get("data-root")
    key = (settings_json, root)
    if key not in _SESSIONS:
        _SESSIONS.clear()  # one run at a time: free the previous run's data
        cfg = settings.from_json(settings_json, **({"data_root": str(root)} if root else {}))
        setup = prepare(cfg, make_method(cfg.method, cfg.sparsity, cfg.method_params))
        torch.set_num_threads(thread_plan(cfg.threads, setup.device, cfg.clients_per_round)[1])
        train_idx = torch.as_tensor(setup.partition.train_indices, device=setup.device)
        _SESSIONS[key] = _Session(setup, train_idx)
    return _SESSIONS[key]


def server_context(conf: ConfigRecord, setup: Setup) -> RoundContext:
    """The server's context of the round, as the train message's config carries it."""
    return RoundContext(int(conf["server-round"]), int(conf["num-rounds"]), float(conf["lr"]),
                        setup.cfg.seed, setup.prunable)


client_app = ClientApp()


@client_app.query()
def identify(msg: Message, context: Context) -> Message:
    """Tell the server which client this node is."""
    return Message(RecordDict({"client": ConfigRecord({"client-id": client_id(context)})}), reply_to=msg)


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    """One local session of the client this node is; reply with its upload (encoded) and its results."""
    conf = msg.content["config"]
    cid = client_id(context)
    if int(conf["client-id"]) != cid:
        raise UserError(f"node config: {PARTITION_ID}={cid} but the server sent client {conf['client-id']}'s task")
    session = _session(str(conf["settings"]), context)
    s = session.setup
    s.method.load_state_dict(codec.from_bytes(conf["method-state"]))
    received = codec.decode(msg.content["arrays"], like=s.initial_state)
    result = train_client(s, received, server_context(conf, s), session.train_idx, s.model, s.method, cid)
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name != "upload"}
    reply = RecordDict({
        "arrays": codec.encode(result.upload),
        "metrics": MetricRecord({"num-examples": int(result.weight),
                                 "train_loss": result.loss_sum / max(result.seen, 1)}),
        "result": ConfigRecord({"client-id": cid, "fields": codec.to_bytes(fields)}),
    })
    return Message(reply, reply_to=msg)
