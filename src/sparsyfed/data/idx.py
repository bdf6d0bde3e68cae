"""MNIST-format IDX files (MNIST, Fashion-MNIST), gzipped or not."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch

from sparsyfed.errors import UserError

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (optionally .gz) into an array, checking the header against the file size."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise UserError(f"{path}: unreadable IDX file ({exc}); delete it and provide the dataset again") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise UserError(f"{path}: not an IDX file (bad magic number); delete it and provide the dataset again")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = header + int(np.prod(dims)) * dtype.itemsize
    if len(raw) != expected:
        raise UserError(
            f"{path}: truncated or corrupt IDX file ({len(raw)} bytes, header says {expected}); "
            "delete it and provide the dataset again"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def find_idx(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def load_idx_split(folder: Path, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Images as uint8 (n, 1, 28, 28) and labels as int64 (n,) for 'train' or 'test'."""
    image_stem, label_stem = SPLIT_FILES[split]
    images = read_idx(find_idx(folder, image_stem))
    labels = read_idx(find_idx(folder, label_stem))
    if images.shape[0] != labels.shape[0]:
        raise UserError(f"{folder}: {image_stem} has {images.shape[0]} images but {label_stem} has {labels.shape[0]} labels")
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.uint8)).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def has_idx_files(folder: Path) -> bool:
    return all(find_idx(folder, stem) for pair in SPLIT_FILES.values() for stem in pair)
