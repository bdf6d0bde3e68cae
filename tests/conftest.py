"""Shared fixtures: a small real Fashion-MNIST subset written as IDX files, so engine tests load fast."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

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
