"""Checksum-verified downloads of the datasets of SPEC section 2, and safe archive extraction.

Downloads happen only when `load_dataset` finds no local copy. Every official source carries a
SHA-256 taken from public checksum files (TensorFlow Datasets' ``url_checksums``, torchvision,
torchaudio, Keras); `download` refuses a file without one unless the caller opts out explicitly.
Set the environment variable ``SPARSYFED_OFFLINE=1`` to forbid downloads altogether.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from sparsyfed.errors import UserError
from sparsyfed.io import atomic_path

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


_MNIST = "https://ossci-datasets.s3.amazonaws.com/mnist/"  # torchvision's mirror of yann.lecun.com
_FASHION = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

# Official sources. SHA-256 values: TensorFlow Datasets url_checksums/{cifar10,cifar100}.csv,
# speech_commands.txt, mnist.txt, fashion_mnist.txt; cross-checked against torchvision's
# prototype CIFAR datasets, torchaudio's SPEECHCOMMANDS and keras.datasets.
SOURCES: dict[str, tuple[Source, ...]] = {
    "cifar10": (
        Source(
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
            "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        ),
    ),
    "cifar100": (
        Source(
            "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
            "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
        ),
    ),
    "speech_commands": (
        Source(
            "http://download.tensorflow.org/data/speech_commands_v0.02.tar.gz",
            "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58",
        ),
    ),
    "mnist": (
        Source(_MNIST + "train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        Source(_MNIST + "train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        Source(_MNIST + "t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        Source(_MNIST + "t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    ),
    "fashion_mnist": (
        Source(_FASHION + "train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
        Source(_FASHION + "train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
        Source(_FASHION + "t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        Source(_FASHION + "t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
    ),
}


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
        raise UserError(f"download of {url} refused: no SHA-256 is known for it; place {dest.name} in {dest.parent} by hand")
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


def fetch_dataset(name: str, folder: str | os.PathLike, hint: str) -> Path:
    """Download every official file of dataset `name` into `folder` (skipping files already there and verified)."""
    if name not in SOURCES:
        raise UserError(f"dataset {name!r} has no download source; {hint}")
    folder = Path(folder)
    for source in SOURCES[name]:
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
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        try:
            with tarfile.open(archive, "r:*") as tar:
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            raise UserError(f"{archive}: truncated or corrupt archive ({exc}); delete it and download it again") from exc
        source = tmp / inner if inner else tmp
        if not source.is_dir():
            raise UserError(f"{archive}: no folder {inner!r} inside; delete it and download the official archive again")
        os.replace(source, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
