"""In-memory datasets (compact tensors: uint8 images, int16 audio, normalised per batch on the fly) and
the spec each reader module gives of its dataset: how to recognise, read, fetch and describe it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from sparsyfed.data.fetch import Source


@dataclass(frozen=True)
class ArrayDataset:
    """A whole dataset held in memory.

    Attributes
    ----------
    train_x, test_x : tensors of shape (n, C, H, W), dtype uint8 (images, 0-255) or
        float32/int16 (audio, already in model units after `scale`).
    train_y, test_y : int64 tensors of shape (n,).
    num_classes : number of labels.
    mean, std : per-channel normalisation applied by `normalise`, in units of x / scale.
    scale : divisor that maps raw stored values to [0, 1] (255 for images, 32768 for int16 audio, 1 for float).
    name : dataset id.
    """

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    scale: float = 255.0

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.train_x.shape[1:])

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        """Map a raw batch (any stored dtype) to float32 model input: (x / scale - mean) / std per channel."""
        x = x.to(torch.float32) / self.scale
        shape = (1, -1) + (1,) * (x.dim() - 2)
        mean = torch.tensor(self.mean, dtype=torch.float32, device=x.device).view(shape)
        std = torch.tensor(self.std, dtype=torch.float32, device=x.device).view(shape)
        return (x - mean) / std


@dataclass(frozen=True)
class DatasetSpec:
    """How to find, fetch and read one dataset (`sparsyfed.catalog` names the spec of each dataset id)."""

    present: Callable[[Path], bool]  # does this folder hold the dataset?
    read: Callable[[Path], ArrayDataset]
    files: str  # what to place by hand in <data_root>/<name>/
    sources: tuple[Source, ...]  # the official files, with their SHA-256
    system_locations: tuple[Path, ...] = ()  # where distributions install it (checked after data_root)
    system_hint: str = ""  # e.g. " or `apt-get install ...`"
