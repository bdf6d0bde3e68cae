"""Datasets by id: readers for each dataset's own on-disk format, located or fetched, held in memory.

`load_dataset(name, root)` looks in `root/<name>/` (or `root` itself), then in known system
locations (Debian's `dataset-fashion-mnist`), then downloads with a SHA-256 check where a
network exists. Missing or corrupt data raises `UserError` saying how to provide it.
"""

from __future__ import annotations

from pathlib import Path

from sparsyfed.data.base import ArrayDataset
from sparsyfed.data.registry import DATASETS, load_dataset

__all__ = ["ArrayDataset", "DATASETS", "load_dataset", "Path"]
