"""Shared fixtures: a small real Fashion-MNIST subset written as IDX files, so engine tests load fast."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from sparsyfed import numerics

numerics.apply(numerics.PORTABLE)  # before torch is imported: the tests compute what runs compute
import torch  # noqa: E402

torch.set_num_threads(1)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write `array` (uint8) in the IDX format, gzipped when the name ends in .gz."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    data = header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


@pytest.fixture(scope="session")
def fmnist_root(tmp_path_factory) -> Path:
    """<root>/fashion_mnist/ with 3000 training and 500 test images of the real dataset
    (a synthetic stand-in only where the Debian package is missing)."""
    from sparsyfed.data.idx import SPLIT_FILES, find_idx, read_idx

    system = Path("/usr/share/datasets/fashion-mnist")
    root = tmp_path_factory.mktemp("data")
    folder = root / "fashion_mnist"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for split, n in (("train", 3000), ("test", 500)):
        img_stem, lbl_stem = SPLIT_FILES[split]
        if find_idx(system, img_stem):
            images, labels = read_idx(find_idx(system, img_stem))[:n], read_idx(find_idx(system, lbl_stem))[:n]
        else:
            labels = np.arange(n) % 10
            images = (rng.random((n, 28, 28)) * 60 + labels[:, None, None] * 19).astype(np.uint8)
        write_idx(folder / f"{img_stem}.gz", images)
        write_idx(folder / f"{lbl_stem}.gz", labels.astype(np.uint8))
    return root


@pytest.fixture
def tiny_run(fmnist_root):
    """Settings of a run that takes about a second on one core."""
    return [f"data_root={fmnist_root}", "model=small_cnn", "num_clients=20", "clients_per_round=3",
            "samples_per_client=32", "rounds=4", "eval_every=2", "checkpoint_every=1", "mask_every=2",
            "eval_batch_size=250", "threads=1"]


@pytest.fixture
def kill_after(monkeypatch):
    """`with kill_after(n): run(...)`: the run dies (KeyboardInterrupt, as if killed) right after it
    checkpoints round n; the context expects that and restores the engine."""
    import contextlib

    import sparsyfed.fl.engine as engine
    from sparsyfed.fl.checkpoint import save_checkpoint

    @contextlib.contextmanager
    def killed(round: int):
        def save_then_die(out_dir, payload):
            save_checkpoint(out_dir, payload)
            if payload["round"] >= round:
                raise KeyboardInterrupt

        with monkeypatch.context() as m, pytest.raises(KeyboardInterrupt):
            m.setattr(engine, "save_checkpoint", save_then_die)
            yield

    return killed


# ---------------------------------------------------------------- a tiny finished grid, packed

REPO = Path(__file__).resolve().parents[1]
TINY_GRID = {  # a complete workflow config: 6 runs of 3 rounds (dense, Top-K, SparsyFed x 2 seeds)
    "scale": "tiny test grid",
    "reference_tables": None,
    "datasets": [{"name": "fashion_mnist", "model": "small_cnn", "rounds": 3}],
    "grid": {"methods": ["dense", "topk", "sparsyfed"], "sparsities": [0.9], "alphas": [0.1], "seeds": [1, 2]},
    "partition": {"num_clients": 10, "samples_per_client": 20, "seed": 1337},
    "run": {"clients_per_round": 3, "local_epochs": 1, "batch_size": 16, "lr": 0.5, "lr_end": 0.01,
            "lr_horizon": None, "weight_decay": 0.001, "eval_every": 2, "eval_batch_size": 250,
            "federated_eval": False, "mask_every": 1, "checkpoint_every": 5, "device": "cpu",
            "numerics": "portable"},
    "method_params": {"dense": {}, "topk": {}, "sparsyfed": {"beta": 1.25}, "sparsyfed_noact": {"beta": 1.25},
                      "sparsyfed_spectral": {}, "zerofl": {"mask_ratio": 0.0}, "flash": {"mask_scope": "all"}},
    "smoke": {"rounds": 1},
    "resources": {"simulate": {"threads": 1, "mem_mb": 1000, "runtime": 10, "gpu": 0},
                  "data": {"threads": 1, "mem_mb": 1000, "runtime": 10},
                  "analysis": {"threads": 1, "mem_mb": 1000, "runtime": 10}},
}
TINY_GZIP_OVER = 4000  # bytes: the tiny grid's larger tables are packed gzipped, the smaller ones plain


def run_tiny_grid(results: Path, config: dict) -> None:
    """Make the grid of `config` in `results` as the workflow does: partition files, then each run from the
    settings file the workflow writes (its partition path made absolute, one core), in process."""
    from sparsyfed.cli import main
    from sparsyfed.config import load_config
    from sparsyfed.grid import Grid, write_settings
    from sparsyfed.runner import run

    grid = Grid(config)
    part = config["partition"]
    for dataset in grid.datasets:
        for alpha in grid.alphas:
            out = results / grid.partition(dataset, alpha)
            assert main(["partition", "--dataset", dataset, "--alpha", alpha, "--clients", str(part["num_clients"]),
                         "--samples-per-client", str(part["samples_per_client"]), "--seed", str(part["seed"]),
                         "--data-root", config["data_root"], "--out", str(out)]) == 0
    for point, run_dir in zip(grid.points(), grid.run_dirs(), strict=True):
        settings = grid.settings(**point)
        write_settings(results / run_dir / "settings.yaml", settings)
        cfg = load_config(results / run_dir / "settings.yaml",
                          [f"partition={results / settings['partition']}", "threads=1"])
        run(cfg, results / run_dir, progress=False)


@pytest.fixture(scope="session")
def tiny_reference(tmp_path_factory, fmnist_root) -> dict:
    """The tiny grid run once and packed: {'results': the workflow folder, 'config': its config file,
    'reference': the packed folder, 'command': the command recorded}. Tests copy before they change it."""
    import yaml

    from sparsyfed.analysis.reference.pack import pack

    root = tmp_path_factory.mktemp("tiny_reference")
    config = {**TINY_GRID, "data_root": str(fmnist_root)}
    config_file = root / "tiny.yaml"
    config_file.write_text("# the tiny grid of tests/conftest.py\n" + yaml.safe_dump(config, sort_keys=False))
    results = root / "work"
    run_tiny_grid(results, config)
    command = "sparsyfed reference-pack (tests/conftest.py)"
    reference = pack(results, config_file, 60.0, root / "reference", REPO / "workflow" / "report", command,
                     gzip_over=TINY_GZIP_OVER)
    return {"results": results, "config": config_file, "reference": reference, "command": command,
            "gzip_over": TINY_GZIP_OVER}
