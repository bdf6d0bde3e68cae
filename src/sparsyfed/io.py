"""File output: every file appears whole or not at all (write to a temp name, then os.replace), and a
bad output path is a one-line `UserError` before any work is done."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sparsyfed.errors import UserError

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the same folder; move it onto `path` only if the block succeeds."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a folder, cannot write a file there; choose another path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UserError(f"{path}: cannot write here ({exc.strerror}); choose a writable place") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; results are meant to be shared
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def write_csv(path: str | os.PathLike, frame) -> None:
    """Write a pandas DataFrame atomically (no index column)."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def check_out(path: str | os.PathLike, folder: bool, option: str = "--out") -> Path:
    """Raise `UserError` (naming `option`) unless `path` can be created or written as a folder (or a file).

    Checked before any work, so a bad path fails at once and leaves nothing behind. Returns `path`.
    """
    path = Path(path)
    if path.exists() and path.is_dir() != folder:
        what = "a file, not a folder" if folder else "a folder, not a file"
        raise UserError(f"{option}: {path} is {what}; choose another path")
    existing = next(p for p in (path, *path.parents) if p.exists() or p == Path(p.anchor))
    if existing != path and not existing.is_dir():
        raise UserError(f"{option}: {existing} is a file, so {path} cannot be created; choose another path")
    try:  # permissions alone do not say it (root, read-only or virtual file systems): try
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise UserError(f"{option}: cannot write in {existing} ({exc.strerror}); choose a writable place") from None
    return path


def make_dir(path: str | os.PathLike, option: str = "--out") -> Path:
    """`mkdir -p path`, as a one-line `UserError` (naming `option`) when the system refuses."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{option}: cannot create {path} ({exc.strerror}); choose a writable place") from None
    return path


def staging_dir(parent: str | os.PathLike, prefix: str) -> Path:
    """A new empty folder in `parent` to fill and then move into place, with a plain folder's permissions
    (`tempfile.mkdtemp` makes it private, and the moved folder would stay so)."""
    path = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o777 & ~umask)
    return path
