"""The source revision of the imported package: runs record it, and so do the outputs packed from them.

Torch-free, so that the analysis (`sparsyfed reference-pack`) records it without importing the engine.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import sparsyfed


def git_commit() -> str | None:
    """The commit of the source checkout the package was imported from, '-dirty' when tracked files
    differ from it; None outside git."""
    src = Path(sparsyfed.__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
