"""Shared helpers of the benchmark scripts: the workload, timers, medians, machine description.

The scripts measure compared things interleaved in one process (A, B, A, B, ...) after a burn-in,
synchronise the device only on CUDA, and print medians and ratios, so a noisy shared machine
shifts both sides alike.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence

from sparsyfed import numerics

numerics.apply(numerics.PORTABLE)  # before torch is imported: the numerics runs compute with (the default)
import torch  # noqa: E402

# The reference workload: small CNN on Fashion-MNIST, 100 clients x 500 samples,
# 10 clients per round, 1 local epoch, batch 16. The learning rate is lowered from the default
# 0.5 (the paper's, for ResNet-18 with BatchNorm): with 32 local steps the small CNN, which has no
# normalisation layers, diverges in round 1 at 0.5 and the engine stops the run.
WORKLOAD = ["dataset=fashion_mnist", "model=small_cnn", "num_clients=100", "samples_per_client=500",
            "clients_per_round=10", "local_epochs=1", "batch_size=16", "lr=0.1", "lr_end=0.01"]


def set_threads(n: int) -> int:
    """torch intra-op threads (0 = all cores); returns the number set."""
    n = n or os.cpu_count() or 1
    torch.set_num_threads(n)
    return n


def sync(device: torch.device | str) -> None:
    """Wait for queued device work (CUDA only; CPU ops are synchronous)."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def timed(fn: Callable[[], object], device: torch.device | str = "cpu") -> float:
    """Wall seconds of fn(), device work included."""
    sync(device)
    t0 = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - t0


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def spread(xs: Sequence[float]) -> str:
    """'median [min-max]' of a sample, 4 significant digits."""
    return f"{median(xs):.4g} [{min(xs):.4g}-{max(xs):.4g}]"


def machine() -> str:
    """One line: CPU model, cores, torch version and threads, device."""
    cpu = platform.processor() or platform.machine()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        cpu = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        pass
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return (f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, "
            f"{torch.get_num_threads()} intra-op thread(s){gpu}")


def device_of(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class RoundClock:
    """Timestamps of round starts. Wrap the engine's `sample_clients` (called once per round, first
    thing in the round) so that round r's time is start[r + 1] - start[r]: everything the loop does
    in that round, checkpoints and mask files included. The last round has no end mark."""

    def __init__(self, device: torch.device | str = "cpu"):
        self.device = device
        self.marks: list[float] = []

    def mark(self) -> None:
        sync(self.device)
        self.marks.append(time.perf_counter())

    def wrap(self, fn: Callable) -> Callable:
        def wrapped(*args, **kwargs):
            self.mark()
            return fn(*args, **kwargs)
        return wrapped

    def round_times(self) -> list[float]:
        return [b - a for a, b in zip(self.marks, self.marks[1:], strict=False)]

    def steady(self, skip: int = 1) -> float:
        """Mean time of the measured rounds after `skip` burn-in rounds (the mean, not the median,
        so that a checkpoint written every k rounds counts at its share)."""
        times = self.round_times()[skip:]
        return sum(times) / len(times)
