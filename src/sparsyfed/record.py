"""What a run writes and the analysis reads: file names, column names and statuses, declared once.

Torch-free, so that the analysis reads runs without importing the engine. A run folder holds

    rounds.csv    one row per round, the ROUND_COLUMNS (+ OPTIONAL_ROUND_COLUMNS when enabled)
    layers.csv    one row per round and prunable layer, the LAYER_COLUMNS (runs written before a
                  column was added lack it: LAYER_COLUMNS_ADDED, read as empty)
    masks/        round_XXXX.npy: the global model's packed prunable support (`metrics.packed`)
    summary.json  written last (its presence means the run ended): config, status, final metrics
    checkpoint.pt only while a run is unfinished

`collect` turns run folders into the tidy tables named in TIDY_TABLES.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SUMMARY = "summary.json"
ROUNDS = "rounds.csv"
LAYERS = "layers.csv"
MASKS = "masks"
CHECKPOINT = "checkpoint.pt"

# Status of a run: summary.json says ok, diverged or failed; a folder without one is missing.
OK, DIVERGED, FAILED, MISSING = "ok", "diverged", "failed", "missing"
RUN_STATUSES = (OK, DIVERGED, FAILED)

# Per-round columns (SPEC section 5), in the order the tidy rounds table shows them; the engine
# writes the same set (metrics/rounds.py documents each). Cumulative columns are running totals.
CUMULATIVE = {"bytes_down": "cum_bytes_down", "bytes_up": "cum_bytes_up",
              "authors_comm_params": "cum_authors_comm_params"}
ROUND_COLUMNS = (
    "round", "lr", "train_loss", "test_acc", "test_loss", "global_sparsity", "global_sparsity_all",
    "regrowth_local", "regrowth_pruned", "regrowth_global", "iou_consecutive", "iou_client_global",
    "bytes_down", "bytes_up", "cum_bytes_down", "cum_bytes_up", "authors_comm_params",
    "cum_authors_comm_params", "flops_rel", "dead_zero_share", "round_wall_s",
)
OPTIONAL_ROUND_COLUMNS = ("fed_test_acc",)  # federated_eval=true
TIMING_COLUMNS = ("round_wall_s",)  # wall-clock measurements: differ between otherwise identical runs
# Per round and prunable layer: the global model's density after the round, the mean regrowth of the
# round's clients, `beta`, the Powerprop exponent the round's clients trained the layer with
# (`Method.exponents`: every client of a round computes it from the model it received; empty for a
# layer without Powerprop), `trained_density`, the mean over the round's clients of the weight density
# their local training computed with (ZeroFL's SWAT layers zero weights inside training), and the
# global model's dead channels (`metrics.channels`: all-zero output and input channels, and the zeros
# lying in them).
LAYER_COLUMNS = ("round", "layer", "role", "layer_type", "numel", "density", "regrowth_local", "beta",
                 "trained_density", "dead_out", "dead_in", "zeros_dead")
# Not in layers.csv files written by earlier versions, before each was added.
LAYER_COLUMNS_ADDED = ("beta", "trained_density", "dead_out", "dead_in", "zeros_dead")

TIDY_TABLES = ("rounds", "runs", "layers", "mask_iou", "partitions")
# Column of the tidy runs table that names the scale of the grid its runs belong to (the workflow
# config's `scale`: "default grid", "reference grid", "paper grid"), so that every page made from
# the tidy tables alone (a shipped reference's included) says which scale it shows.
SCALE = "scale"


_MASK_FILE = re.compile(r"round_(\d+)\.npy")


def mask_name(round: int) -> str:
    """File name of the global mask saved after `round` (inside MASKS)."""
    return f"round_{round:04d}.npy"


def mask_round(name: str) -> int | None:
    """The round of a mask file name written by `mask_name`; None for any other name."""
    match = _MASK_FILE.fullmatch(name)
    return int(match[1]) if match else None


def check_round_columns(columns: Iterable[str]) -> None:
    """Raise if `columns` are not ROUND_COLUMNS plus some OPTIONAL_ROUND_COLUMNS (a programming error)."""
    columns = set(columns)
    missing = set(ROUND_COLUMNS) - columns
    extra = columns - set(ROUND_COLUMNS) - set(OPTIONAL_ROUND_COLUMNS)
    if missing or extra:
        raise RuntimeError(f"rounds.csv columns differ from record.ROUND_COLUMNS: missing {sorted(missing)}, "
                           f"undeclared {sorted(extra)}")
