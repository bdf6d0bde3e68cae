"""CIFAR-10 and CIFAR-100 from the official "python version" files (SPEC section 2).

Layout read (inside a dataset folder, or the archive that holds it, extracted on first use):

- ``cifar-10-batches-py/``: ``data_batch_1`` .. ``data_batch_5``, ``test_batch``; keys ``b"data"``
  (uint8 array, n x 3072, channel-major 32 x 32 planes) and ``b"labels"``;
  archive ``cifar-10-python.tar.gz``.
- ``cifar-100-python/``: ``train``, ``test``; keys ``b"data"`` and ``b"fine_labels"``;
  archive ``cifar-100-python.tar.gz``.

The batch files are pickles. They are read with `_SafeUnpickler`, which admits only the numpy
globals needed to rebuild an ndarray, so a tampered file cannot run code. Per SPEC section 2 the
images are not augmented and are normalised per channel with mean 0.5 and std 0.5.
"""

from __future__ import annotations

import importlib
import io
import pickle
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch

from sparsyfed.data.base import ArrayDataset, DatasetSpec
from sparsyfed.data.fetch import Source, extract_tar
from sparsyfed.errors import UserError


@dataclass(frozen=True)
class CifarLayout:
    """Where one CIFAR variant keeps its files and labels."""

    name: str
    folder: str
    archive: str
    train_files: tuple[str, ...]
    test_files: tuple[str, ...]
    label_key: bytes
    num_classes: int


CIFAR10 = CifarLayout(
    "cifar10",
    "cifar-10-batches-py",
    "cifar-10-python.tar.gz",
    tuple(f"data_batch_{i}" for i in range(1, 6)),
    ("test_batch",),
    b"labels",
    10,
)
CIFAR100 = CifarLayout(
    "cifar100", "cifar-100-python", "cifar-100-python.tar.gz", ("train",), ("test",), b"fine_labels", 100
)

# The only globals a CIFAR batch may name: what numpy's ndarray pickling needs.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


def _multiarray():
    try:
        return importlib.import_module("numpy._core.multiarray")  # numpy >= 2 (and the 1.26 alias)
    except ImportError:  # pragma: no cover - numpy < 1.26
        return importlib.import_module("numpy.core.multiarray")


class _SafeUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the numpy ndarray reconstruction globals and refuses all others."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"forbidden global {module}.{name}")
        if name == "_reconstruct":
            return _multiarray()._reconstruct
        return getattr(np, name)


def safe_unpickle(path: str | Path) -> object:
    """Unpickle a CIFAR batch file with `_SafeUnpickler` (encoding="bytes", as the files come from Python 2).

    Raises
    ------
    UserError : unreadable, truncated or corrupt file, or one that names any other global.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        return _SafeUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except Exception as exc:  # noqa: BLE001 - any failure of an untrusted pickle is a bad file
        raise UserError(
            f"{path}: truncated, corrupt or unsafe CIFAR batch file ({type(exc).__name__}: {exc}); "
            "delete it and provide the official python-version archive again"
        ) from exc


def read_batch(path: str | Path, label_key: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 3, 32, 32) uint8 and labels (n,) int64 from one CIFAR batch file."""
    path = Path(path)
    batch = safe_unpickle(path)
    bad = f"{path}: not a CIFAR python-version batch"
    if not isinstance(batch, dict) or b"data" not in batch or label_key not in batch:
        raise UserError(f"{bad} (needs keys b'data' and {label_key!r}); "
                        "delete it and provide the official archive again")
    data, labels = batch[b"data"], batch[label_key]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise UserError(f"{bad} (b'data' must be a uint8 array of shape (n, 3072)); provide the official archive again")
    try:
        labels = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{bad} ({label_key!r} must be a list of ints); provide the official archive again") from exc
    if labels.shape != (data.shape[0],):
        raise UserError(f"{bad} ({data.shape[0]} images but {labels.size} labels); provide the official archive again")
    return data.reshape(-1, 3, 32, 32), labels


def _batch_folder(folder: Path, layout: CifarLayout) -> Path | None:
    """The folder holding the batch files: `folder/<layout.folder>` or `folder` itself."""
    files = layout.train_files + layout.test_files
    for candidate in (folder / layout.folder, folder):
        if all((candidate / f).is_file() for f in files):
            return candidate
    return None


def has_cifar(folder: str | Path, layout: CifarLayout) -> bool:
    """True if `folder` holds the extracted batches or the official archive."""
    folder = Path(folder)
    return _batch_folder(folder, layout) is not None or (folder / layout.archive).is_file()


def load_cifar(folder: str | Path, layout: CifarLayout) -> ArrayDataset:
    """Read a CIFAR variant from `folder` (extracting `layout.archive` there first if only it is present)."""
    folder = Path(folder)
    batches = _batch_folder(folder, layout)
    if batches is None:
        archive = folder / layout.archive
        if not archive.is_file():
            raise UserError(
                f"dataset {layout.name!r}: neither {folder / layout.folder}/ nor {archive} found; "
                f"put the official {layout.archive} in <data_root>/{layout.name}/"
            )
        target = folder / layout.folder
        if target.exists():
            raise UserError(f"{target}: incomplete CIFAR folder; delete it so that {archive} is extracted again")
        extract_tar(archive, target, inner=layout.folder)
        batches = _batch_folder(folder, layout)
        if batches is None:
            files = list(layout.train_files + layout.test_files)
            raise UserError(f"{archive}: does not hold {files}; delete it and download again")

    def read(files: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        parts = [read_batch(batches / f, layout.label_key) for f in files]
        x = np.ascontiguousarray(np.concatenate([p[0] for p in parts]))
        y = np.concatenate([p[1] for p in parts])
        if y.size and (y.min() < 0 or y.max() >= layout.num_classes):
            raise UserError(f"{batches}: labels outside 0..{layout.num_classes - 1}; "
                            "provide the official archive again")
        return torch.from_numpy(x), torch.from_numpy(y)

    train_x, train_y = read(layout.train_files)
    test_x, test_y = read(layout.test_files)
    return ArrayDataset(
        layout.name, train_x, train_y, test_x, test_y, layout.num_classes, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), 255.0
    )


# SHA-256 values: TensorFlow Datasets url_checksums/cifar10.csv and cifar100.csv, cross-checked
# against torchvision's prototype CIFAR datasets.
CIFAR10_SPEC = DatasetSpec(
    partial(has_cifar, layout=CIFAR10), partial(load_cifar, layout=CIFAR10),
    "cifar-10-python.tar.gz or its extracted folder cifar-10-batches-py/",
    sources=(Source("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                    "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),),
)
CIFAR100_SPEC = DatasetSpec(
    partial(has_cifar, layout=CIFAR100), partial(load_cifar, layout=CIFAR100),
    "cifar-100-python.tar.gz or its extracted folder cifar-100-python/",
    sources=(Source("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                    "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"),),
)
