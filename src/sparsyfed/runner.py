"""One federated run from its config: build the config's method from the catalogue and hand it to the engine."""

from __future__ import annotations

from pathlib import Path

from sparsyfed.config import RunConfig
from sparsyfed.fl import engine
from sparsyfed.methods import make_method


def run(cfg: RunConfig, out_dir: str | Path, *, on_error: str = "raise", progress: bool = True) -> dict:
    """Run (or resume, or skip if complete) `cfg` into `out_dir`; see `fl.engine.run`. Returns the summary."""
    method = make_method(cfg.method, cfg.sparsity, cfg.method_params)
    return engine.run(cfg, method, out_dir, on_error=on_error, progress=progress)
