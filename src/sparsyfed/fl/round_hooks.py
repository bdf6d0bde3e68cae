"""Round hooks: callables the engine runs at the start of every round of every run in the process.

For tools that watch or perturb runs from outside the library (the SLURM tests' injected faults,
`tests/hooks/injected_faults.py`). A hook is `hook(cfg: RunConfig, rnd: int) -> None`; an exception it raises
ends the run as any training error does. `sparsyfed run` imports the modules named in the environment
variable SPARSYFED_HOOKS (comma-separated, importable from PYTHONPATH), and each registers its hooks on
import with `HOOKS.append(...)`. Unset or empty: no hooks, nothing happens.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

from sparsyfed.config import RunConfig
from sparsyfed.errors import UserError

ENV = "SPARSYFED_HOOKS"

HOOKS: list[Callable[[RunConfig, int], None]] = []


def load_from_env() -> list[str]:
    """Import the modules SPARSYFED_HOOKS names (they register themselves); returns their names."""
    names = [name.strip() for name in os.environ.get(ENV, "").split(",") if name.strip()]
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as err:
            raise UserError(f"{ENV}: cannot import {name!r} ({err}); put its folder on PYTHONPATH or unset {ENV}") \
                from err
    return names


def call(cfg: RunConfig, rnd: int) -> None:
    """Run every registered hook for round `rnd` of the run `cfg`."""
    for hook in HOOKS:
        hook(cfg, rnd)
