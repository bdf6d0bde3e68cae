"""Checksum-verified downloads of the datasets of SPEC section 2, and safe archive extraction.

Downloads happen only when `load_dataset` finds no local copy. Every official source (listed by
each reader module in its `DatasetSpec`) carries a SHA-256 taken from public checksum files
(TensorFlow Datasets' ``url_checksums``, torchvision, torchaudio, Keras); `download` refuses a file
without one unless the caller opts out explicitly.
Set the environment variable ``SPARSYFED_OFFLINE=1`` to forbid downloads altogether.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from sparsyfed.errors import UserError
from sparsyfed.io import atomic_path, staging_dir

TIMEOUT_S = 15.0  # per network operation: a blocked network fails fast
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Source:
    """One file of a dataset: where it comes from and the SHA-256 of its bytes (None = unknown)."""

    url: str
    sha256: str | None

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


def offline() -> bool:
    """True when the environment forbids downloads (``SPARSYFED_OFFLINE`` set to a non-empty, non-0 value)."""
    return os.environ.get("SPARSYFED_OFFLINE", "") not in ("", "0")


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(
    url: str,
    dest: str | os.PathLike,
    sha256: str | None,
    *,
    allow_unverified: bool = False,
    timeout: float = TIMEOUT_S,
    hint: str | None = None,
) -> Path:
    """Stream `url` to `dest`, check its SHA-256, and move it into place atomically.

    Parameters
    ----------
    url : http(s) or file URL.
    dest : final path; it appears only once the whole file has arrived and matched `sha256`.
    sha256 : expected hex digest; None is refused unless `allow_unverified` is true.
    timeout : seconds allowed for each network operation.
    hint : text appended to the network-failure message (what to place by hand, and where).

    Raises
    ------
    UserError : no checksum, network failure, or checksum mismatch (the partial file is deleted).
    """
    dest = Path(dest)
    if sha256 is None and not allow_unverified:
        raise UserError(f"download of {url} refused: no SHA-256 is known for it; "
                        f"place {dest.name} in {dest.parent} by hand")
    digest = hashlib.sha256()
    with atomic_path(dest) as tmp:  # the temporary file is deleted if anything below raises
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0) or None
                bar = _progress(total, dest.name)
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
                bar.close()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise UserError(
                f"could not download {url} ({reason}); " + (hint or f"place {dest.name} in {dest.parent} by hand")
            ) from exc
        got = digest.hexdigest()
        if sha256 is not None and got != sha256.lower():
            raise UserError(
                f"{url}: SHA-256 mismatch (got {got}, expected {sha256}); the download was deleted, try again "
                f"or place {dest.name} in {dest.parent} by hand"
            )
    return dest


def _progress(total: int | None, name: str):
    """A tqdm bar for downloads over 10 MB (a no-op bar otherwise)."""
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=name, disable=not total or total < 10_000_000)


def fetch_files(sources: tuple[Source, ...], folder: str | os.PathLike, hint: str) -> Path:
    """Download the official files `sources` of a dataset into `folder` (skipping files already there and verified)."""
    if not sources:
        raise UserError(f"no download source is known; {hint}")
    folder = Path(folder)
    for source in sources:
        dest = folder / source.filename
        if dest.is_file() and source.sha256 is not None and sha256_of(dest) == source.sha256:
            continue
        dest.unlink(missing_ok=True)  # a stale or corrupt copy
        download(source.url, dest, source.sha256, hint=hint)
    return folder


def extract_tar(archive: str | os.PathLike, target: str | os.PathLike, inner: str | None = None) -> Path:
    """Extract a .tar.gz so that `target` holds its content, atomically (all or nothing).

    Parameters
    ----------
    archive : the tar archive (any compression tarfile reads).
    target : folder to create; must not exist yet.
    inner : name of the archive's single top-level folder that becomes `target`
        (e.g. ``cifar-10-batches-py``); None when the archive has no top-level folder.

    Raises
    ------
    UserError : unreadable, truncated, or unexpected archive.
    """
    archive, target = Path(archive), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_dir(target.parent, f".{target.name}.tmp.")
    try:
        try:
            with tarfile.open(archive, "r:*") as tar:
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            raise UserError(f"{archive}: truncated or corrupt archive ({exc}); "
                            "delete it and download it again") from exc
        source = tmp / inner if inner else tmp
        if not source.is_dir():
            raise UserError(f"{archive}: no folder {inner!r} inside; delete it and download the official archive again")
        os.replace(source, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
