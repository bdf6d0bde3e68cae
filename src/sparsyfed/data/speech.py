"""Google Speech Commands v0.02 from its official folder of WAV files (SPEC section 2).

Layout read: ``speech_commands_v0.02/`` with one subfolder per word (16 kHz mono 16-bit WAVs),
``validation_list.txt`` and ``testing_list.txt`` (paths relative to the folder, one a line), and
``_background_noise_/``, which is not a class. The official archive
``speech_commands_v0.02.tar.gz`` (no top-level folder) is extracted into that folder on first use.

- Classes: the sorted word folders (35 in the real dataset); label = index in that list.
- Train = every word WAV in neither list; test = the testing list; the validation list is unused.
  Both are ordered by relative path.
- Preprocessing (SPEC section 2): zero-pad or crop to 1 s (16000 samples), resample to 8 kHz with
  ``scipy.signal.resample_poly(x, 1, 2)``, round to int16, shape (n, 1, 1, 8000);
  ``ArrayDataset.scale = 32768``, mean 0, std 1.

Decoding ~100k WAVs takes minutes, so the tensors are cached once in
``<folder>/sparsyfed_cache_v1.pt`` (written atomically) and reused; delete it to rebuild.
"""

from __future__ import annotations

import logging
import wave
from pathlib import Path

import numpy as np
import torch

from sparsyfed.data.base import ArrayDataset, DatasetSpec
from sparsyfed.data.fetch import Source, extract_tar
from sparsyfed.errors import UserError
from sparsyfed.io import atomic_path

log = logging.getLogger(__name__)

FOLDER = "speech_commands_v0.02"
ARCHIVE = "speech_commands_v0.02.tar.gz"
CACHE = "sparsyfed_cache_v1.pt"
BACKGROUND = "_background_noise_"
SAMPLE_RATE = 16000
TARGET_RATE = 8000
EXPECTED_WORDS = 35
_CHUNK = 1024  # WAVs resampled together (bounds memory)
_PROGRESS_MIN = 300  # show a progress bar above this many files


def _dataset_folder(folder: Path) -> Path | None:
    """`folder/speech_commands_v0.02` or `folder` itself, whichever holds the two list files."""
    for candidate in (folder / FOLDER, folder):
        if (candidate / "testing_list.txt").is_file() and (candidate / "validation_list.txt").is_file():
            return candidate
    return None


def has_speech_commands(folder: str | Path) -> bool:
    """True if `folder` holds the extracted dataset or the official archive."""
    folder = Path(folder)
    return _dataset_folder(folder) is not None or (folder / ARCHIVE).is_file()


def words_of(folder: Path) -> list[str]:
    """Sorted class words: the subfolders of `folder` except `_background_noise_` and hidden ones."""
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and p.name != BACKGROUND and not p.name.startswith("."))


def read_wav(path: str | Path) -> np.ndarray:
    """Samples of a 16 kHz mono 16-bit PCM WAV as int16.

    Raises
    ------
    UserError : unreadable file or another sample format.
    """
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as w:
            fmt = (w.getnchannels(), w.getsampwidth(), w.getframerate())
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise UserError(f"{path}: unreadable WAV file ({exc}); restore it from the official archive") from exc
    if fmt != (1, 2, SAMPLE_RATE):
        raise UserError(
            f"{path}: expected 16 kHz mono 16-bit PCM, got {fmt[2]} Hz, {fmt[0]} channel(s), "
            f"{8 * fmt[1]}-bit; restore it from the official archive"
        )
    if len(frames) % 2:
        raise UserError(f"{path}: truncated WAV data; restore it from the official archive")
    return np.frombuffer(frames, dtype="<i2").astype(np.int16)


def pad_or_crop(x: np.ndarray, length: int = SAMPLE_RATE) -> np.ndarray:
    """First `length` samples of `x`, zero-padded at the end if shorter."""
    out = np.zeros(length, dtype=x.dtype)
    n = min(length, x.shape[0])
    out[:n] = x[:n]
    return out


def preprocess(waves: np.ndarray) -> np.ndarray:
    """(n, 16000) samples at 16 kHz -> (n, 8000) int16 at 8 kHz via resample_poly(x, 1, 2), rounded and clipped."""
    from scipy.signal import resample_poly  # lazy: scipy.signal costs a second at every start-up

    y = resample_poly(waves.astype(np.float64), 1, 2, axis=-1)
    return np.clip(np.rint(y), -32768, 32767).astype(np.int16)


def _read_list(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


def _decode(folder: Path, files: list[str]) -> torch.Tensor:
    """Decode and preprocess `files` (relative paths) into an int16 tensor (n, 1, 1, 8000)."""
    from tqdm import tqdm

    out = np.empty((len(files), TARGET_RATE), dtype=np.int16)
    bar = tqdm(total=len(files), desc=f"decoding {folder.name}", unit="wav", disable=len(files) <= _PROGRESS_MIN)
    for start in range(0, len(files), _CHUNK):
        chunk = files[start : start + _CHUNK]
        waves = np.stack([pad_or_crop(read_wav(folder / f)) for f in chunk])
        out[start : start + len(chunk)] = preprocess(waves)
        bar.update(len(chunk))
    bar.close()
    return torch.from_numpy(out).view(len(files), 1, 1, TARGET_RATE)


def _build(folder: Path) -> dict:
    """Decode the whole dataset in `folder` into the cached dict."""
    words = words_of(folder)
    if not words:
        raise UserError(f"{folder}: no word subfolders found; extract the official {ARCHIVE} there")
    if len(words) != EXPECTED_WORDS:
        log.warning("%s: %d words found, Speech Commands v0.02 has %d", folder, len(words), EXPECTED_WORDS)
    validation = _read_list(folder / "validation_list.txt")
    testing = _read_list(folder / "testing_list.txt")
    all_files = sorted(f"{w}/{p.name}" for w in words for p in (folder / w).iterdir() if p.suffix.lower() == ".wav")
    missing = sorted(testing - set(all_files))
    if missing:
        raise UserError(f"{folder}: {len(missing)} files of testing_list.txt are missing (e.g. {missing[0]}); "
                        f"extract the official {ARCHIVE} again")
    train = [f for f in all_files if f not in validation and f not in testing]
    test = sorted(testing)
    index = {w: i for i, w in enumerate(words)}

    def labels(files: list[str]) -> torch.Tensor:
        return torch.tensor([index[f.split("/", 1)[0]] for f in files], dtype=torch.int64)

    return {
        "version": 1,
        "words": words,
        "train_x": _decode(folder, train),
        "train_y": labels(train),
        "test_x": _decode(folder, test),
        "test_y": labels(test),
    }


def _load_cache(path: Path) -> dict | None:
    """The cached dict, or None (with a warning) if it is unreadable or of another version."""
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - a bad cache is rebuilt
        log.warning("%s: unreadable cache (%s); rebuilding it", path, exc)
        return None
    keys = {"version", "words", "train_x", "train_y", "test_x", "test_y"}
    if not isinstance(data, dict) or not keys <= set(data) or data["version"] != 1:
        log.warning("%s: cache of another format; rebuilding it", path)
        return None
    return data


def load_speech_commands(folder: str | Path) -> ArrayDataset:
    """Read Speech Commands v0.02 from `folder` (see module docstring), using or writing the cache."""
    folder = Path(folder)
    data_folder = _dataset_folder(folder)
    if data_folder is None:
        archive = folder / ARCHIVE
        if not archive.is_file():
            raise UserError(
                f"dataset 'speech_commands': neither {folder / FOLDER}/ nor {archive} found; put the official "
                f"{ARCHIVE} (or its extracted content in {FOLDER}/) in <data_root>/speech_commands/"
            )
        if (folder / FOLDER).exists():
            raise UserError(f"{folder / FOLDER}: incomplete folder (no list files); "
                            f"delete it so {archive} is extracted again")
        data_folder = extract_tar(archive, folder / FOLDER)
        if _dataset_folder(data_folder) is None:
            raise UserError(f"{archive}: has no validation_list.txt/testing_list.txt; delete it and download again")

    cache = data_folder / CACHE
    data = _load_cache(cache) if cache.is_file() else None
    if data is None:
        data = _build(data_folder)
        try:
            with atomic_path(cache) as tmp:
                torch.save(data, tmp)
        except (OSError, UserError) as exc:  # e.g. a read-only system copy: work without the cache
            log.warning("%s: cannot write cache (%s); WAVs will be decoded again next time", cache, exc)
    return ArrayDataset(
        "speech_commands",
        data["train_x"],
        data["train_y"],
        data["test_x"],
        data["test_y"],
        len(data["words"]),
        (0.0,),
        (1.0,),
        32768.0,
    )


# SHA-256 value: TensorFlow Datasets url_checksums/speech_commands.txt, cross-checked against
# torchaudio's SPEECHCOMMANDS.
SPEC = DatasetSpec(
    has_speech_commands, load_speech_commands,
    f"{ARCHIVE} or its content extracted into {FOLDER}/",
    sources=(Source("http://download.tensorflow.org/data/speech_commands_v0.02.tar.gz",
                    "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58"),),
)
