"""What a run records about where and how it ran (package, git commit, libraries, device)."""

from __future__ import annotations

import platform
import socket
import subprocess
from pathlib import Path

import numpy as np
import torch

import sparsyfed


def git_commit() -> str | None:
    """The commit of the source checkout the package was imported from (None outside git)."""
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


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return platform.processor() or platform.machine()


def provenance(device: torch.device) -> dict:
    return {
        "package_version": sparsyfed.__version__,
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "hostname": socket.gethostname(),
        "device": str(device),
        "device_name": device_name(device),
        "threads": torch.get_num_threads(),
    }
