"""Dataset ids -> their data in memory (SPEC section 2): find, fetch and read through each dataset's spec.

Search order of `load_dataset(name, root)`:

1. ``<root>/<name>/``, then ``<root>`` itself (when a root is given);
2. the spec's system locations (e.g. Debian's ``/usr/share/datasets/fashion-mnist``);
3. ``~/.cache/sparsyfed/<name>/`` when no root is given (where downloads go then);
4. a checksum-verified download of the official files into ``<root>/<name>/`` (or that cache
   folder), unless ``SPARSYFED_OFFLINE`` is set. Without network this fails fast with a
   `UserError` saying which files to place by hand and where.

Dataset ids and where each `DatasetSpec` lives are declared in `sparsyfed.catalog`.
"""

from __future__ import annotations

from pathlib import Path

from sparsyfed import catalog
from sparsyfed.data import fetch
from sparsyfed.data.base import ArrayDataset, DatasetSpec
from sparsyfed.errors import UserError


def spec(name: str) -> DatasetSpec:
    """The spec of dataset `name`; UserError naming the choices for an unknown id."""
    return catalog.load(catalog.dataset(name).spec)


def cache_folder(name: str) -> Path:
    """Download folder used when no data root is configured."""
    return Path.home() / ".cache" / "sparsyfed" / name


def _candidates(name: str, root: str | Path | None, spec: DatasetSpec) -> list[Path]:
    paths = []
    if root is not None:
        root = Path(root)
        paths += [root / name, root]
    paths += list(spec.system_locations)
    if root is None:
        paths.append(cache_folder(name))
    return paths


def load_dataset(name: str, root: str | Path | None = None) -> ArrayDataset:
    """Load dataset `name` into memory (see the module docstring for the search order)."""
    found = spec(name)
    candidates = _candidates(name, root, found)
    for folder in candidates:
        if found.present(folder):
            return found.read(folder)
    dest = Path(root) / name if root is not None else cache_folder(name)
    tried = ", ".join(str(p) for p in candidates)
    how = f"put {found.files} in {dest}/ (i.e. <data_root>/{name}/){found.system_hint}"
    if fetch.offline():
        raise UserError(f"dataset {name!r} not found (looked in {tried}) and SPARSYFED_OFFLINE forbids "
                        f"downloading; {how}")
    fetch.fetch_files(found.sources, dest, hint=f"dataset {name!r} not found locally (looked in {tried}); {how}")
    return found.read(dest)
