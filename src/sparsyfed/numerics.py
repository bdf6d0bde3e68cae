"""Which instruction-set path the CPU kernels take: the machine's own (native) or one common x86-64
path (portable), so that two x86 machines with different vector units compute the same bits.

Floating-point results on a CPU depend on the code path each library picks at run time for the
CPU it finds: ATen's vectorised kernels (AVX-512 or AVX2), oneDNN's convolutions (its own ISA
dispatch) and MKL's BLAS (its own). Capping only one of them is not enough. `portable` caps all
three at AVX2, the floor of nearly every x86-64 server and laptop in use, through the environment
variables each library reads when it initialises; they must therefore be set before torch runs
its first operation, which is what `apply` does (the CLI calls it before importing torch).

Torch-free: `apply` runs before torch is imported. `in_force` and `check` read what torch reports.
On a CPU that is not x86-64 (ARM) the variables are set but change nothing; the run's fingerprint
(`fl.fingerprint`) records what the host computed either way.
"""

from __future__ import annotations

import os
import platform
import sys

from sparsyfed.errors import UserError

NATIVE, PORTABLE = "native", "portable"
MODES = (NATIVE, PORTABLE)

# The variables of the portable path: each library's cap at AVX2 (ATen, oneDNN, MKL's conditional
# numerical reproducibility mode). MKL's mode also fixes its reductions for a given thread count;
# every op of a run is single-threaded on CPU (fl/workers.py).
PORTABLE_ENV = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2"}
# What torch.backends.cpu.get_cpu_capability() reports when ATen takes the portable path.
PORTABLE_ATEN = "AVX2"


def environment(mode: str) -> dict[str, str]:
    """The environment variables `mode` sets (none for native)."""
    check_mode(mode)
    return dict(PORTABLE_ENV) if mode == PORTABLE else {}


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise UserError(f"numerics: must be one of {', '.join(MODES)}, got {mode!r}")


def _torch_started() -> bool:
    return "torch" in sys.modules


def apply(mode: str) -> None:
    """Put this process (and the processes it starts) on `mode`'s numerics: set or clear the portable
    variables. Call it before torch computes anything: importing torch is fine, the libraries read
    the variables at their first operation. Raises UserError if torch has already computed with
    other numerics (checked through the capability ATen reports)."""
    check_mode(mode)
    wanted = environment(mode)
    for key in PORTABLE_ENV:
        if key in wanted:
            os.environ[key] = wanted[key]
        else:
            os.environ.pop(key, None)
    if _torch_started():
        check(mode)


def is_x86() -> bool:
    return platform.machine().lower() in ("x86_64", "amd64")


def in_force() -> dict[str, str]:
    """The numerics this process computes with: the mode whose settings are all in force (`native`
    when the portable set is not complete) and what each library was told. Imports torch."""
    import torch

    portable = all(os.environ.get(k) == v for k, v in PORTABLE_ENV.items())
    return {
        "numerics": PORTABLE if portable else NATIVE,
        "aten_capability": torch.backends.cpu.get_cpu_capability(),
        "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", "default"),
        "mkl_cbwr": os.environ.get("MKL_CBWR", "default"),
    }


def check(mode: str) -> None:
    """Raise UserError unless this process computes with `mode`'s numerics (imports torch). The
    kernels' path is checked where it can differ: on x86 CPUs with AVX-512."""
    check_mode(mode)
    import torch

    capability = torch.backends.cpu.get_cpu_capability()
    if mode == PORTABLE:
        env_ok = all(os.environ.get(k) == v for k, v in PORTABLE_ENV.items())
    else:
        env_ok = not any(k in os.environ for k in PORTABLE_ENV)
    kernels_ok = not (is_x86() and "avx512f" in _cpu_flags()) or (capability == PORTABLE_ATEN) == (mode == PORTABLE)
    if not (env_ok and kernels_ok):
        told = ", ".join(f"{k}={os.environ.get(k, 'unset')}" for k in PORTABLE_ENV)
        raise UserError(f"numerics: {mode} asked for, but torch computes with {capability} kernels ({told}); set "
                        "numerics before torch's first operation (`sparsyfed run` does) or start a new process")


def _cpu_flags() -> set[str]:
    """The CPU's feature flags (Linux's /proc/cpuinfo; empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()
