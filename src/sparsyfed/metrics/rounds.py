"""The engine's two entry points for SPEC section 5 metrics: per client and per round.

`client_metrics(received, trained, upload, prunable, act_density=None, weight_density=None)` -> dict,
once per client:
    regrowth_local   int    prunable entries zero in `received` and non-zero in `trained`
    regrowth_local_layers  dict  the same split by prunable key (sums to regrowth_local)
    regrowth_pruned  int    prunable entries non-zero in `received` and zero in `upload`
    bytes_up         int    bytes of `upload` (cheapest of dense / COO / bitmap per float tensor)
    support          uint8 ndarray, the upload's packed prunable support (`iou.pack_support`)
    weight_density   dict   prunable key -> weight density local training computed with: the density
                            the method's layers report (`weight_density` argument, for layers that
                            zero weights inside training, e.g. ZeroFL's), else the density of `trained`
    act_density      dict   activation density as given (state key or module name -> d_a; {} = 1)

`round_metrics(prev_global, new_global, client_results, *, prunable, parameter_names,
target_sparsity, macs, num_clients_sampled=None)` -> dict, once per round. Scalar columns:
    global_sparsity      zeros / entries over the prunable weights of `new_global`
    global_sparsity_all  zeros / entries over all floating-point parameters of `new_global`
    regrowth_local       mean over clients of their regrowth_local
    regrowth_pruned      mean over clients of their regrowth_pruned
    regrowth_global      prunable entries non-zero in `new_global` and zero in `prev_global`
    iou_consecutive      IoU of the prunable supports of `prev_global` and `new_global`
    iou_client_global    mean over clients of IoU(upload support, `new_global` support)
    bytes_down           bytes of `prev_global` (the model sent this round) * num_clients_sampled
    bytes_up             sum over clients of their bytes_up
    authors_comm_params  (d + 1 - s) * P: d = density of `prev_global` over all floating-point
                         parameters, s = target_sparsity, P = number of parameter entries
    flops_rel            mean over clients of the local-training FLOPs relative to dense
                         (`flops.relative_flops` with the client's weight_density and act_density)
    dead_zero_share      share of `new_global`'s prunable zeros lying in dead channels (`metrics.channels`)
Non-column entries (listed in NON_COLUMN_KEYS, for the engine's side tables):
    layer_density        dict prunable key -> density of `new_global` (one row per key)
    layer_regrowth_local dict prunable key -> mean over clients of their regrowth_local_layers
    layer_trained_density dict prunable key -> mean over clients of their weight_density
    layer_dead           dict prunable key -> `channels.DeadChannels` of `new_global`
    global_support       uint8 ndarray, packed prunable support of `new_global` (IoU heatmap)

Means over an empty client list are NaN. Cumulative columns are the engine's business.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import torch

from sparsyfed.metrics.channels import dead_channels, dead_zero_share
from sparsyfed.metrics.comm import authors_comm_params, message_bytes
from sparsyfed.metrics.flops import relative_flops
from sparsyfed.metrics.iou import iou, pack_support
from sparsyfed.metrics.packed import iou_packed
from sparsyfed.metrics.regrowth import regrowth_global, regrowth_local_per_layer, regrowth_pruned
from sparsyfed.metrics.sparsity import global_sparsity, global_sparsity_all, layer_density

State = Mapping[str, torch.Tensor]

NON_COLUMN_KEYS = ("layer_density", "layer_regrowth_local", "layer_trained_density", "layer_dead",
                   "global_support")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def client_metrics(received: State, trained: State, upload: State, prunable: Sequence[str],
                   act_density: Mapping[str, float] | None = None,
                   weight_density: Mapping[str, float] | None = None) -> dict:
    """Per-client metrics; see the module docstring for the keys."""
    regrowth = regrowth_local_per_layer(received, trained, prunable)
    return {
        "regrowth_local": sum(regrowth.values()),
        "regrowth_local_layers": regrowth,
        "regrowth_pruned": regrowth_pruned(received, upload, prunable),
        "bytes_up": message_bytes(upload),
        "support": pack_support(upload, prunable),
        "weight_density": layer_density(trained, prunable) | dict(weight_density or {}),
        "act_density": dict(act_density or {}),
    }


def round_metrics(prev_global: State, new_global: State, client_results: Sequence[Mapping], *,
                  prunable: Sequence[str], parameter_names: Iterable[str], target_sparsity: float,
                  macs: Mapping[str, int], num_clients_sampled: int | None = None) -> dict:
    """Per-round metrics from the two global models and the round's `client_metrics` results.

    `parameter_names`: the model's parameter names (`sparsity.parameter_names(model)`).
    `macs`: dense per-sample MACs per prunable key (`flops.layer_macs(model, input_shape)`).
    `num_clients_sampled`: clients the global model was sent to (default: len(client_results)).
    See the module docstring for the returned keys.
    """
    names = sorted(parameter_names)
    n_sent = len(client_results) if num_clients_sampled is None else int(num_clients_sampled)
    new_support = pack_support(new_global, prunable)
    prev_density_all = 1.0 - global_sparsity_all(prev_global, names)
    num_params = sum(prev_global[k].numel() for k in names if prev_global[k].is_floating_point())
    dead = dead_channels(new_global, prunable)
    return {
        "global_sparsity": global_sparsity(new_global, prunable),
        "global_sparsity_all": global_sparsity_all(new_global, names),
        "regrowth_local": _mean([float(c["regrowth_local"]) for c in client_results]),
        "regrowth_pruned": _mean([float(c["regrowth_pruned"]) for c in client_results]),
        "regrowth_global": regrowth_global(prev_global, new_global, prunable),
        "iou_consecutive": iou(prev_global, new_global, prunable),
        "iou_client_global": _mean([iou_packed(c["support"], new_support) for c in client_results]),
        "bytes_down": message_bytes(prev_global) * n_sent,
        "bytes_up": sum(int(c["bytes_up"]) for c in client_results),
        "authors_comm_params": authors_comm_params(prev_density_all, target_sparsity, num_params),
        "flops_rel": _mean([relative_flops(macs, c["weight_density"], c.get("act_density"))
                            for c in client_results]),
        "dead_zero_share": dead_zero_share(dead),
        "layer_density": layer_density(new_global, prunable),
        "layer_regrowth_local": {k: _mean([float(c["regrowth_local_layers"][k]) for c in client_results])
                                 for k in prunable},
        "layer_trained_density": {k: _mean([float(c["weight_density"][k]) for c in client_results])
                                  for k in prunable},
        "layer_dead": dead,
        "global_support": new_support,
    }
