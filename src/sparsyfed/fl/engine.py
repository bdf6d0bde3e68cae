"""The round loop of one federated run (SPEC section 1): one process, one folder of results.

    setup     load data and partition, build the method's model, initialise (seeded)
    per round 1. sample K clients            (seed, round)
              2. local training per client   (on CPU several clients at once, fl/workers.py)
              3. aggregate + post-process    (method's server hooks; FedAvg by default)
              4. measure and evaluate        (SPEC section 5 columns; eval every k rounds and at T)
              5. checkpoint every k rounds   (a killed run resumes with identical numbers)
    end       rounds.csv, layers.csv, masks/, then summary.json last (its presence = run complete)

The engine never names a method: the caller builds one (`sparsyfed.runner`) and everything
method-specific goes through its `Method` hooks.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from sparsyfed import numerics, record
from sparsyfed.config import RunConfig, run_identity
from sparsyfed.data.base import ArrayDataset
from sparsyfed.data.partition import Partition, lda_partition, load_partition
from sparsyfed.data.registry import load_dataset
from sparsyfed.errors import UserError
from sparsyfed.fl import round_hooks
from sparsyfed.fl.checkpoint import load_checkpoint, remove_checkpoint, save_checkpoint
from sparsyfed.fl.client import local_train
from sparsyfed.fl.evaluate import evaluate_state
from sparsyfed.fl.layout import memory_format, to_layout
from sparsyfed.fl.provenance import provenance
from sparsyfed.fl.schedule import client_seed, lr_at, sample_clients
from sparsyfed.fl.workers import Workers, thread_plan
from sparsyfed.io import atomic_path, check_out, make_dir, write_csv, write_json
from sparsyfed.methods.base import Method, RoundContext
from sparsyfed.metrics.flops import layer_macs
from sparsyfed.metrics.rounds import client_metrics, round_metrics
from sparsyfed.metrics.sparsity import parameter_names
from sparsyfed.models import build_model, layer_info, prunable_keys
from sparsyfed.state import State, clone


@dataclass
class Setup:
    """Everything a run needs, built and validated before any output is written."""

    cfg: RunConfig
    data: ArrayDataset
    partition: Partition
    method: Method
    model: nn.Module
    initial_state: State
    device: torch.device
    prunable: tuple[str, ...]
    parameter_names: frozenset[str]
    macs: dict[str, float]
    layers: dict[str, tuple[str, str]]  # prunable key -> (role, layer type), `models.layer_info`


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"device: {name!r} requested but CUDA is not available; use device=auto or cpu")
    return torch.device(name)


def _partition_for(cfg: RunConfig, data: ArrayDataset) -> Partition:
    if cfg.partition is None:
        return lda_partition(data.train_y.numpy(), data.test_y.numpy(), cfg.num_clients, cfg.alpha,
                             cfg.partition_seed, cfg.samples_per_client, data.num_classes, cfg.dataset)
    part = load_partition(cfg.partition)
    expected = {"dataset": cfg.dataset, "alpha": cfg.alpha, "seed": cfg.partition_seed, "num_clients": cfg.num_clients}
    found = {"dataset": part.dataset, "alpha": part.alpha, "seed": part.seed, "num_clients": part.num_clients}
    for key in expected:
        if expected[key] != found[key]:
            raise UserError(f"partition: {cfg.partition} has {key}={found[key]!r} but the config says "
                            f"{expected[key]!r}; recreate it with `sparsyfed partition` or fix the config")
    if cfg.samples_per_client is not None and part.train_indices.shape[1] != cfg.samples_per_client:
        raise UserError(f"partition: {cfg.partition} has {part.train_indices.shape[1]} samples per client, "
                        f"config samples_per_client={cfg.samples_per_client}")
    return part


def prepare(cfg: RunConfig, method: Method) -> Setup:
    """Validate the config against data and model; build everything for `method` (raises UserError)."""
    numerics.apply(cfg.numerics)  # a no-op when `sparsyfed run` has set it before torch started
    device = resolve_device(cfg.device)
    data = load_dataset(cfg.dataset, cfg.data_root)
    partition = _partition_for(cfg, data)
    model = build_model(cfg.model, data.input_shape[0], data.num_classes, method.layers(),
                        torch.Generator().manual_seed(cfg.seed), width=cfg.width)
    try:
        macs = layer_macs(model, data.input_shape)
    except RuntimeError as exc:
        raise UserError(f"model: {cfg.model!r} does not fit {cfg.dataset!r} inputs of shape "
                        f"{data.input_shape} ({str(exc).splitlines()[0]})") from None
    layout = memory_format(device)
    model.to(device, memory_format=layout)
    data = dataclasses.replace(data, train_x=to_layout(data.train_x, device, layout), train_y=data.train_y.to(device),
                               test_x=to_layout(data.test_x, device, layout), test_y=data.test_y.to(device))
    return Setup(cfg, data, partition, method, model, clone(model.state_dict()), device,
                 prunable_keys(model), parameter_names(model), macs, layer_info(model))


@dataclass
class ClientResult:
    upload: State
    weight: float  # sample count, the FedAvg weight
    metrics: dict  # client_metrics row
    loss_sum: float
    seen: int
    exponents: dict[str, float]  # Method.exponents: module name -> the beta the session computed with


def train_client(s: Setup, global_state: State, server_ctx: RoundContext, train_idx: torch.Tensor,
                  model: nn.Module, method: Method, cid: int) -> ClientResult:
    """One client's local session on a (model, method) replica: receive, train, post-process, measure."""
    ctx = dataclasses.replace(server_ctx, client_id=cid)
    model.load_state_dict(global_state)
    method.prepare_client(model, ctx)
    exponents = method.exponents(model)
    idx = train_idx[cid]
    gen = torch.Generator().manual_seed(client_seed(s.cfg.seed, ctx.round, cid))
    loss_sum, seen = local_train(model, s.data.train_x[idx], s.data.train_y[idx], s.data.normalise, method, ctx,
                                 epochs=s.cfg.local_epochs, batch_size=s.cfg.batch_size,
                                 weight_decay=s.cfg.weight_decay, generator=gen)
    trained = clone(model.state_dict())
    upload = method.postprocess_upload(trained, ctx)
    metrics = client_metrics(global_state, trained, upload, s.prunable, method.activation_density(model),
                             method.weight_density(model))
    return ClientResult(upload, float(len(idx)), metrics, loss_sum, seen, exponents)


class _Progress:
    """A progress bar on a terminal; one line per evaluated round in a log file."""

    def __init__(self, total: int, start: int, label: str, enabled: bool):
        self.enabled, self.tty, self.total, self.label = enabled, sys.stderr.isatty(), total, label
        self.bar = None
        if enabled and self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=start, desc=label, unit="round", file=sys.stderr)

    def update(self, row: dict) -> None:
        acc = row.get("test_acc")
        if self.bar is not None:
            self.bar.update(1)
            if acc is not None and not math.isnan(acc):
                self.bar.set_postfix(acc=f"{acc:.4f}", loss=f"{row['train_loss']:.3f}")
        elif self.enabled and acc is not None and not math.isnan(acc):
            print(f"{self.label} round {row['round']}/{self.total} train_loss={row['train_loss']:.4f} "
                  f"test_acc={acc:.4f} global_sparsity={row['global_sparsity']:.4f}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _module(key: str) -> str:
    """The module name of a prunable state key ('stem.0.weight' -> 'stem.0')."""
    return key.removesuffix(".weight")


def save_mask(out_dir: Path, round: int, packed: np.ndarray) -> None:
    with atomic_path(out_dir / record.MASKS / record.mask_name(round)) as tmp, open(tmp, "wb") as f:
        np.save(f, packed)


def write_tables(out_dir: Path, rows: list[dict], layer_rows: list[dict]) -> None:
    rounds = pd.DataFrame(rows)
    record.check_round_columns(rounds.columns)
    write_csv(out_dir / record.ROUNDS, rounds)
    write_csv(out_dir / record.LAYERS, pd.DataFrame(layer_rows, columns=list(record.LAYER_COLUMNS)))


def round_context(s: Setup, rnd: int) -> RoundContext:
    """The server's context of round `rnd`, with its learning rate from the schedule."""
    cfg = s.cfg
    lr = lr_at(rnd, cfg.lr, cfg.lr_end, cfg.lr_horizon or cfg.rounds)
    return RoundContext(rnd, cfg.rounds, lr, cfg.seed, s.prunable)


def measure_round(s: Setup, workers: Workers, ctx: RoundContext, clients: np.ndarray, global_state: State,
                  new_state: State, client_rows: list[dict], train_loss: float, exponents: dict[str, float],
                  totals: dict[str, float]) -> tuple[dict, list[dict], np.ndarray]:
    """Step 4 of round `ctx.round`: its rounds.csv row (all but the wall time, evaluation included),
    its layers.csv rows and the packed support of `new_state`; adds the row to the cumulative `totals`
    in place. The engine and the Flower adapter (`sparsyfed.flower`) both measure rounds with it."""
    cfg, data, rnd = s.cfg, s.data, ctx.round
    row = {"round": rnd, "lr": ctx.lr, "train_loss": train_loss}
    measured = round_metrics(global_state, new_state, client_rows, prunable=s.prunable,
                             parameter_names=s.parameter_names, target_sparsity=s.method.target_sparsity,
                             macs=s.macs)
    layer_density, global_support = measured.pop("layer_density"), measured.pop("global_support")
    layer_regrowth, dead = measured.pop("layer_regrowth_local"), measured.pop("layer_dead")
    trained_density = measured.pop("layer_trained_density")
    row.update(measured)
    for col, cum in record.CUMULATIVE.items():
        totals[cum] += row[col]
        row[cum] = totals[cum]
    global_state = new_state
    acc = loss = math.nan
    if rnd % cfg.eval_every == 0 or rnd == cfg.rounds:
        acc, loss = evaluate_state(workers, global_state, data.test_x, data.test_y, data.normalise,
                                   cfg.eval_batch_size)
    row["test_acc"], row["test_loss"] = acc, loss
    if cfg.federated_eval:
        test_idx = torch.as_tensor(s.partition.test_indices, device=s.device)
        local = test_idx[torch.as_tensor(clients, device=s.device)].flatten()
        row["fed_test_acc"], _ = evaluate_state(workers, global_state, data.test_x[local], data.test_y[local],
                                                data.normalise, cfg.eval_batch_size)
    layer_rows = [{"round": rnd, "layer": k, "role": s.layers[k][0], "layer_type": s.layers[k][1],
                   "numel": global_state[k].numel(), "density": d, "regrowth_local": layer_regrowth[k],
                   "beta": exponents.get(_module(k), math.nan), "trained_density": trained_density[k],
                   "dead_out": dead[k].dead_out, "dead_in": dead[k].dead_in, "zeros_dead": dead[k].zeros_dead}
                  for k, d in layer_density.items()]
    return row, layer_rows, global_support


def run(cfg: RunConfig, method: Method, out_dir: str | Path, *, on_error: str = "raise",
        progress: bool = True) -> dict:
    """Run (or resume, or skip if complete) the federated training `cfg` with `method`, writing into `out_dir`.

    Parameters
    ----------
    method : the method of `cfg.method`, built by the caller (`sparsyfed.runner.run` does it).
    on_error : "raise" re-raises a failure during training; "record" writes a summary with
        status "failed" and the error (so a grid goes on), then returns it.

    Returns the summary dict (also written to `out_dir/summary.json`).
    """
    out_dir = check_out(out_dir, folder=True)
    config = cfg.to_dict()
    done = out_dir / record.SUMMARY
    if done.exists():
        import json

        summary = json.loads(done.read_text())
        if run_identity(summary.get("config", {})) == cfg.identity() and summary.get("status") == record.OK:
            return summary
        raise UserError(f"{done}: the folder holds another or unfinished run; delete {out_dir} or choose another --out")
    setup = prepare(cfg, method)  # every input check happens here, before the folder exists
    make_dir(out_dir)
    replicas, intra_op = thread_plan(cfg.threads, setup.device, cfg.clients_per_round)
    caller_threads = torch.get_num_threads()
    torch.set_num_threads(intra_op)
    try:
        with Workers(setup.model, setup.method, replicas) as workers:
            return _run(setup, workers, out_dir, progress)
    except Exception as exc:
        if on_error != "record" or isinstance(exc, UserError):
            raise
        summary = {"status": record.FAILED, "error": f"{type(exc).__name__}: {exc}", "config": config,
                   "method_params": dataclasses.asdict(setup.method.params), "final": {},
                   "rounds_completed": 0, "provenance": provenance(setup.device)}
        write_json(done, summary)
        return summary
    finally:
        torch.set_num_threads(caller_threads)


def _run(s: Setup, workers: Workers, out_dir: Path, progress: bool) -> dict:
    cfg, method = s.cfg, s.method
    config = cfg.to_dict()
    ckpt = load_checkpoint(out_dir, cfg.identity(), s.device)
    if ckpt is None:
        start, global_state, rows, layer_rows, wall_before = 1, s.initial_state, [], [], 0.0
    else:
        start, global_state = ckpt["round"] + 1, ckpt["global_state"]
        rows, layer_rows, wall_before = ckpt["rows"], ckpt["layer_rows"], ckpt["wall_s"]
        method.load_state_dict(ckpt["method_state"])
    train_idx = torch.as_tensor(s.partition.train_indices, device=s.device)
    totals = {cum: (rows[-1][cum] if rows else 0.0) for cum in record.CUMULATIVE.values()}
    t0 = time.perf_counter()
    label = f"{cfg.method} s={method.target_sparsity:g} alpha={cfg.alpha:g} seed={cfg.seed}"
    bar = _Progress(cfg.rounds, start - 1, label, progress)

    for rnd in range(start, cfg.rounds + 1):
        round_t0 = time.perf_counter()
        round_hooks.call(cfg, rnd)  # fl/round_hooks.py: none unless a tool registers one (tests)
        server_ctx = round_context(s, rnd)

        # 1. sample this round's clients
        clients = sample_clients(cfg.seed, rnd, cfg.num_clients, cfg.clients_per_round)

        # 2. local training: the clients on the workers' model replicas, results in client order
        workers.sync_method()
        trained = workers.map(partial(train_client, s, global_state, server_ctx, train_idx), clients.tolist())
        uploads = [t.upload for t in trained]
        weights = [t.weight for t in trained]
        client_rows = [t.metrics for t in trained]
        exponents = trained[0].exponents  # the same for every client of a round (from the received model)
        loss_sum, seen = 0.0, 0
        for t in trained:
            loss_sum, seen = loss_sum + t.loss_sum, seen + t.seen
        del trained

        # 3. server: aggregate and post-process
        new_state = method.postprocess_global(method.aggregate(uploads, weights, server_ctx), server_ctx)
        del uploads

        # 4. measure and evaluate
        row, round_layer_rows, global_support = measure_round(s, workers, server_ctx, clients, global_state, new_state,
                                                              client_rows, loss_sum / max(seen, 1), exponents, totals)
        global_state = new_state
        row["round_wall_s"] = time.perf_counter() - round_t0
        rows.append(row)
        layer_rows += round_layer_rows
        if rnd % cfg.mask_every == 0 or rnd == cfg.rounds:
            save_mask(out_dir, rnd, global_support)
        bar.update(row)
        if not math.isfinite(row["train_loss"]):  # diverged: run_summary says so
            break

        # 5. checkpoint
        if rnd % cfg.checkpoint_every == 0 and rnd < cfg.rounds:
            write_tables(out_dir, rows, layer_rows)
            save_checkpoint(out_dir, {"round": rnd, "global_state": global_state, "method_state": method.state_dict(),
                                      "rows": rows, "layer_rows": layer_rows, "config": config,
                                      "wall_s": wall_before + time.perf_counter() - t0})
    bar.close()

    write_tables(out_dir, rows, layer_rows)
    summary = run_summary(s, rows, wall_before + time.perf_counter() - t0, client_workers=len(workers))
    write_json(out_dir / record.SUMMARY, summary)
    remove_checkpoint(out_dir)
    return summary


def run_summary(s: Setup, rows: list[dict], wall_s: float, **provenance_extra) -> dict:
    """summary.json of a run that ended after `rows` (the engine's, or a Flower app's): status ok, or diverged
    at the first non-finite train loss; the final metrics (test accuracy and loss of the last evaluated round
    when ok); the settings, the method's parameters, the prunable weights and the provenance."""
    last = rows[-1]
    status = record.OK if math.isfinite(last["train_loss"]) else record.DIVERGED
    evaluated = [r for r in rows if not math.isnan(r["test_acc"])]
    final = {k: v for k, v in last.items() if k not in ("test_acc", "test_loss")}
    final["test_acc"] = evaluated[-1]["test_acc"] if evaluated and status == record.OK else math.nan
    final["test_loss"] = evaluated[-1]["test_loss"] if evaluated and status == record.OK else math.nan
    return {
        "status": status,
        "error": None if status == record.OK else f"non-finite train loss at round {last['round']}",
        "config": s.cfg.to_dict(),
        "method_params": dataclasses.asdict(s.method.params),
        "final": final,
        "rounds_completed": last["round"],
        "num_prunable": int(sum(s.initial_state[k].numel() for k in s.prunable)),
        "wall_s": wall_s,
        "provenance": {**provenance(s.device), **provenance_extra},
    }
