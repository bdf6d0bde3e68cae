"""Synthetic run folders and partition files, written by hand, for the analysis tests.

The grid: fashion_mnist / small_cnn, alpha in {1000, 0.1}, seeds {1, 2}, methods dense, topk,
zerofl, flash, sparsyfed, sparsyfed_noact at sparsity {0.9, 0.95} (dense at 0), 6 rounds,
evaluation every 2 rounds, masks every 2 rounds, P = 1000 prunable weights. Final accuracy of a
run = BASE[method] - STEP[method] * (index of the sparsity) - 0.05 * (alpha == 0.1) + SEED_OFFSET[seed],
so every cell's mean is BASE - ... and its std over the two seeds is sqrt(2) * 0.01 (1.41 pp).
One run failed (topk, alpha 0.1, s 0.95, seed 2) and one is missing (zerofl, alpha 1000, s 0.9, seed 2).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sparsyfed.analysis.collect import collect

P = 1000
ROUNDS = 6
DATASET = "fashion_mnist"
ALPHAS = (1000.0, 0.1)
SEEDS = (1, 2)
SPARSITIES = (0.9, 0.95)
METHODS = ("dense", "topk", "zerofl", "flash", "sparsyfed", "sparsyfed_noact")
BASE = {"dense": 0.89, "topk": 0.80, "zerofl": 0.78, "flash": 0.85, "sparsyfed": 0.88, "sparsyfed_noact": 0.86}
STEP = {"dense": 0.0, "topk": 0.02, "zerofl": 0.02, "flash": 0.02, "sparsyfed": 0.005, "sparsyfed_noact": 0.02}
SEED_OFFSET = {1: -0.01, 2: 0.01}
GLOBAL_DROP = {"dense": None, "topk": 0.10, "zerofl": 0.40, "flash": 0.0, "sparsyfed": 0.0, "sparsyfed_noact": 0.0}
REGROWTH = {"dense": 0.0, "topk": 5000.0, "zerofl": 20000.0, "flash": 0.0, "sparsyfed": 10.0, "sparsyfed_noact": 10.0}
FAILED = ("topk", 0.1, 0.95, 2)
MISSING = ("zerofl", 1000.0, 0.9, 2)


def final_acc(method: str, alpha: float, sparsity: float, seed: int) -> float:
    step = 0 if method == "dense" else SPARSITIES.index(sparsity)
    return BASE[method] - STEP[method] * step - (0.05 if alpha == 0.1 else 0.0) + SEED_OFFSET[seed]


def run_path(root: Path, dataset: str, alpha: float, method: str, sparsity: float, seed: int) -> Path:
    return root / dataset / f"alpha{alpha:g}" / method / f"s{sparsity:g}" / f"seed{seed}"


def write_run(root: Path, method: str, alpha: float, sparsity: float, seed: int, *, dataset: str = DATASET,
              model: str = "small_cnn", acc: float | None = None, status: str = "ok", rounds: int = ROUNDS) -> Path:
    """Write one run folder (summary.json, rounds.csv, layers.csv, masks/) by hand."""
    sparsity = 0.0 if method == "dense" else sparsity
    path = run_path(root, dataset, alpha, method, sparsity, seed)
    path.mkdir(parents=True, exist_ok=True)
    acc = final_acc(method, alpha, sparsity, seed) if acc is None else acc
    config = {"dataset": dataset, "model": model, "alpha": alpha, "method": method, "sparsity": sparsity,
              "seed": seed, "rounds": rounds, "num_clients": 10, "clients_per_round": 3, "eval_every": 2,
              "mask_every": 2, "method_params": {}}
    provenance = {"package_version": "0.1.0", "git_commit": "abc123", "torch": "2.13.0", "device": "cpu",
                  "device_name": "x86_64", "python": "3.11", "wall_s": 12.5}
    if status == "failed":
        summary = {"status": "failed", "error": "RuntimeError: synthetic failure", "config": config, "final": {},
                   "rounds_completed": 0, "provenance": provenance}
        (path / "summary.json").write_text(json.dumps(summary))
        return path
    target_global = 0.0 if GLOBAL_DROP[method] is None else sparsity - GLOBAL_DROP[method]
    density = 1.0 - target_global
    rows, cum = [], {"cum_bytes_down": 0.0, "cum_bytes_up": 0.0, "cum_authors_comm_params": 0.0}
    for r in range(1, rounds + 1):
        evaluated = r % 2 == 0 or r == rounds
        row = {"round": r, "lr": 0.5 * 0.9 ** r, "train_loss": 1.0 / r,
               "test_acc": acc - 0.02 * (rounds - r) if evaluated else np.nan,
               "test_loss": 0.5 if evaluated else np.nan,
               "global_sparsity": target_global, "global_sparsity_all": target_global * 0.99,
               "regrowth_local": 0.0 if r == 1 else REGROWTH[method],
               "regrowth_pruned": 0.0 if method == "dense" else 100.0,
               "regrowth_global": 0.0 if method == "dense" else 3.0,
               "iou_consecutive": 1.0, "iou_client_global": 0.9,
               "bytes_down": 4.0 * P * (1.0 if r == 1 else density) * 3, "bytes_up": 4.0 * P * (1 - sparsity) * 3,
               "authors_comm_params": ((1.0 if r == 1 else density) + 1.0 - sparsity) * P,
               "flops_rel": 1.0 - 0.5 * sparsity, "round_wall_s": 2.0}
        for c in ("bytes_down", "bytes_up", "authors_comm_params"):
            cum[f"cum_{c}"] += row[c]
        row.update(cum)
        rows.append(row)
    frame = pd.DataFrame(rows)
    if status == "diverged":
        frame.loc[frame.index[-1], "train_loss"] = np.inf
    frame.to_csv(path / "rounds.csv", index=False)
    layers = [{"round": r, "layer": name, "role": role, "layer_type": kind, "numel": n, "density": density,
               "regrowth_local": 0.0}
              for r in range(1, rounds + 1)
              for name, role, kind, n in (("conv.weight", "first", "Conv2d", 600),
                                          ("fc.weight", "classifier", "Linear", 400))]
    pd.DataFrame(layers).to_csv(path / "layers.csv", index=False)
    (path / "masks").mkdir(exist_ok=True)
    for r in range(2, rounds + 1, 2):
        fixed = method in ("sparsyfed", "flash", "sparsyfed_noact")
        rng = np.random.default_rng(seed * 1000 + (0 if fixed else r))
        support = rng.random(P) < density
        np.save(path / "masks" / f"round_{r:04d}.npy", np.packbits(support))
    final = {k: v for k, v in rows[-1].items()}
    final["test_acc"] = acc if status == "ok" else np.nan
    summary = {"status": status, "error": None if status == "ok" else "non-finite train loss at round 6",
               "config": config, "final": final, "rounds_completed": rounds, "provenance": provenance}
    (path / "summary.json").write_text(json.dumps(summary))
    return path


def write_partition(path: Path, alpha: float, num_clients: int = 10, num_classes: int = 10, seed: int = 1337,
                    dataset: str = DATASET) -> Path:
    rng = np.random.default_rng(seed)
    counts = np.stack([rng.multinomial(50, rng.dirichlet(np.full(num_classes, alpha))) for _ in range(num_clients)])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, train_indices=np.zeros((num_clients, 50), dtype=np.int64),
             test_indices=np.zeros((num_clients, 8), dtype=np.int64), class_counts=counts,
             test_class_counts=counts // 6, dataset=np.array(dataset), alpha=np.array(float(alpha)),
             seed=np.array(seed), num_clients=np.array(num_clients))
    return path


def write_grid(root: Path) -> tuple[Path, list[Path]]:
    """The full synthetic grid of the module docstring; returns (runs root, partition files)."""
    runs = root / "runs"
    for alpha in ALPHAS:
        for seed in SEEDS:
            write_run(runs, "dense", alpha, 0.0, seed)
            for method in METHODS[1:]:
                for s in SPARSITIES:
                    key = (method, alpha, s, seed)
                    if key == MISSING:
                        run_path(runs, DATASET, alpha, method, s, seed).mkdir(parents=True)
                    elif key == FAILED:
                        write_run(runs, method, alpha, s, seed, status="failed")
                    else:
                        write_run(runs, method, alpha, s, seed)
    parts = [write_partition(root / "partitions" / f"alpha{a:g}.npz", a) for a in ALPHAS]
    return runs, parts


@pytest.fixture(scope="session")
def grid(tmp_path_factory) -> dict:
    """The synthetic grid, collected once: {'root', 'runs', 'partitions', 'tables'}."""
    root = tmp_path_factory.mktemp("grid")
    runs, parts = write_grid(root)
    tables = root / "tables"
    collect([runs], parts, tables)
    return {"root": root, "runs": runs, "partitions": parts, "tables": tables}


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> dict:
    """A tiny grid: one dataset, one alpha, one seed, dense + SparsyFed at one sparsity."""
    root = tmp_path_factory.mktemp("tiny")
    runs = root / "runs"
    write_run(runs, "dense", 0.1, 0.0, 1, dataset="mnist")
    write_run(runs, "sparsyfed", 0.1, 0.95, 1, dataset="mnist")
    part = write_partition(root / "p.npz", 0.1, dataset="mnist")
    tables = root / "tables"
    collect([runs], [part], tables)
    return {"root": root, "runs": runs, "partitions": [part], "tables": tables}


@pytest.fixture()
def builders():
    """The hand-writing helpers, for tests that need their own folders."""
    return {"write_run": write_run, "write_partition": write_partition, "write_grid": write_grid,
            "run_path": run_path, "final_acc": final_acc}
