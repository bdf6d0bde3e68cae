"""MNIST-format IDX files (MNIST, Fashion-MNIST), gzipped or not, and the two datasets' specs."""

from __future__ import annotations

import gzip
from functools import partial
from pathlib import Path

import numpy as np
import torch

from sparsyfed.data.base import ArrayDataset, DatasetSpec
from sparsyfed.data.fetch import Source
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
        raise UserError(f"{folder}: {image_stem} has {images.shape[0]} images "
                        f"but {label_stem} has {labels.shape[0]} labels")
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.uint8)).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def has_idx_files(folder: Path) -> bool:
    return all(find_idx(folder, stem) for pair in SPLIT_FILES.values() for stem in pair)


def _read(name: str, mean: float, std: float, folder: Path) -> ArrayDataset:
    train_x, train_y = load_idx_split(folder, "train")
    test_x, test_y = load_idx_split(folder, "test")
    return ArrayDataset(name, train_x, train_y, test_x, test_y, 10, (mean,), (std,))


_STEMS = tuple(stem for pair in SPLIT_FILES.values() for stem in pair)
_FILES = f"the four IDX files ({', '.join(f'{stem}[.gz]' for stem in _STEMS)})"


def _sources(base: str, *sha256: str) -> tuple[Source, ...]:
    """The four gzipped IDX files under the URL `base`, in SPLIT_FILES order, with their SHA-256."""
    return tuple(Source(f"{base}{stem}.gz", digest) for stem, digest in zip(_STEMS, sha256, strict=True))


# SHA-256 values: TensorFlow Datasets url_checksums/mnist.txt and fashion_mnist.txt, cross-checked
# against keras.datasets. MNIST from torchvision's mirror of yann.lecun.com.
MNIST = DatasetSpec(
    has_idx_files, partial(_read, "mnist", 0.1307, 0.3081), _FILES,
    sources=_sources("https://ossci-datasets.s3.amazonaws.com/mnist/",
                     "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                     "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                     "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    system_locations=(Path("/usr/share/datasets/mnist"),),
)
FASHION_MNIST = DatasetSpec(
    has_idx_files, partial(_read, "fashion_mnist", 0.2860, 0.3530), _FILES,
    sources=_sources("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                     "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                     "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                     "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                     "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
    system_locations=(Path("/usr/share/datasets/fashion-mnist"),),
    system_hint=" or `apt-get install dataset-fashion-mnist`",
)
