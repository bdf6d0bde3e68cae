"""Dataset ids -> how to find, fetch and read them (SPEC section 2).

Search order of `load_dataset(name, root)`:

1. ``<root>/<name>/``, then ``<root>`` itself (when a root is given);
2. the system locations in `SYSTEM_LOCATIONS`;
3. ``~/.cache/sparsyfed/<name>/`` when no root is given (where downloads go then);
4. a checksum-verified download of the official files into ``<root>/<name>/`` (or that cache
   folder), unless ``SPARSYFED_OFFLINE`` is set. Without network this fails fast with a
   `UserError` saying which files to place by hand and where.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from sparsyfed.data import fetch
from sparsyfed.data.base import ArrayDataset
from sparsyfed.data.cifar import CIFAR10, CIFAR100, has_cifar, load_cifar
from sparsyfed.data.idx import has_idx_files, load_idx_split
from sparsyfed.data.speech import has_speech_commands, load_speech_commands
from sparsyfed.errors import UserError

# Where distributions install datasets (checked after the configured root).
SYSTEM_LOCATIONS: dict[str, list[Path]] = {
    "fashion_mnist": [Path("/usr/share/datasets/fashion-mnist")],
    "mnist": [Path("/usr/share/datasets/mnist")],
}


@dataclass(frozen=True)
class DatasetSpec:
    """How to recognise a folder holding a dataset, read it, and tell a user what to put there."""

    present: Callable[[Path], bool]
    read: Callable[[Path], ArrayDataset]
    files: str  # what to place by hand in <data_root>/<name>/
    system_hint: str = ""


def _read_idx(name: str, mean: float, std: float, folder: Path) -> ArrayDataset:
    train_x, train_y = load_idx_split(folder, "train")
    test_x, test_y = load_idx_split(folder, "test")
    return ArrayDataset(name, train_x, train_y, test_x, test_y, 10, (mean,), (std,))


_IDX_FILES = "the four IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])"

SPECS: dict[str, DatasetSpec] = {
    "fashion_mnist": DatasetSpec(
        has_idx_files, partial(_read_idx, "fashion_mnist", 0.2860, 0.3530), _IDX_FILES,
        " or `apt-get install dataset-fashion-mnist`",
    ),
    "mnist": DatasetSpec(has_idx_files, partial(_read_idx, "mnist", 0.1307, 0.3081), _IDX_FILES),
    "cifar10": DatasetSpec(
        partial(has_cifar, layout=CIFAR10), partial(load_cifar, layout=CIFAR10),
        "cifar-10-python.tar.gz or its extracted folder cifar-10-batches-py/",
    ),
    "cifar100": DatasetSpec(
        partial(has_cifar, layout=CIFAR100), partial(load_cifar, layout=CIFAR100),
        "cifar-100-python.tar.gz or its extracted folder cifar-100-python/",
    ),
    "speech_commands": DatasetSpec(
        has_speech_commands, load_speech_commands,
        "speech_commands_v0.02.tar.gz or its content extracted into speech_commands_v0.02/",
    ),
}


def cache_folder(name: str) -> Path:
    """Download folder used when no data root is configured."""
    return Path.home() / ".cache" / "sparsyfed" / name


def _candidates(name: str, root: str | Path | None) -> list[Path]:
    paths = []
    if root is not None:
        root = Path(root)
        paths += [root / name, root]
    paths += SYSTEM_LOCATIONS.get(name, [])
    if root is None:
        paths.append(cache_folder(name))
    return paths


def _load(name: str, root: str | Path | None = None) -> ArrayDataset:
    spec = SPECS[name]
    candidates = _candidates(name, root)
    for folder in candidates:
        if spec.present(folder):
            return spec.read(folder)
    dest = Path(root) / name if root is not None else cache_folder(name)
    tried = ", ".join(str(p) for p in candidates)
    how = f"put {spec.files} in {dest}/ (i.e. <data_root>/{name}/){spec.system_hint}"
    if fetch.offline():
        raise UserError(f"dataset {name!r} not found (looked in {tried}) and SPARSYFED_OFFLINE forbids downloading; {how}")
    fetch.fetch_dataset(name, dest, hint=f"dataset {name!r} not found locally (looked in {tried}); {how}")
    return spec.read(dest)


def load_fashion_mnist(root=None) -> ArrayDataset:
    return _load("fashion_mnist", root)


def load_mnist(root=None) -> ArrayDataset:
    return _load("mnist", root)


DATASETS: dict[str, Callable[..., ArrayDataset]] = {
    "fashion_mnist": load_fashion_mnist,
    "mnist": load_mnist,
    "cifar10": partial(_load, "cifar10"),
    "cifar100": partial(_load, "cifar100"),
    "speech_commands": partial(_load, "speech_commands"),
}


def load_dataset(name: str, root: str | Path | None = None) -> ArrayDataset:
    """Load dataset `name` into memory (see module docstring for the search order)."""
    if name not in DATASETS:
        raise UserError(f"dataset: unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    return DATASETS[name](root)
