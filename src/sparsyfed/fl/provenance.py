"""What a run records about where and how it ran (package, git commit, libraries, device, and the
host's numeric fingerprint: what it computes, `fl.fingerprint`)."""

from __future__ import annotations

import platform
import socket

import numpy as np
import torch

import sparsyfed
from sparsyfed.fl.fingerprint import fingerprint
from sparsyfed.revision import git_commit


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
        "fingerprint": fingerprint(str(device)),
    }
