"""Run checkpoints: everything needed to resume after the last saved round and end with identical numbers.

Randomness is derived from (seed, round, client), so no RNG state needs saving: the global
state, the method's cross-round state and the records written so far are enough.
"""

from __future__ import annotations

from pathlib import Path

import torch

from sparsyfed.config import run_identity
from sparsyfed.errors import UserError
from sparsyfed.io import atomic_path
from sparsyfed.record import CHECKPOINT


def save_checkpoint(out_dir: Path, payload: dict) -> None:
    with atomic_path(out_dir / CHECKPOINT) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(out_dir: Path, identity: dict, device: torch.device) -> dict | None:
    """The checkpoint in `out_dir`, or None. A checkpoint of another run (`RunConfig.identity`) is an error."""
    path = out_dir / CHECKPOINT
    if not path.exists():
        return None
    try:
        payload = torch.load(path, map_location=device, weights_only=False)
    except Exception as exc:  # a torn or foreign file: say which and how to recover
        raise UserError(f"{path}: unreadable checkpoint ({type(exc).__name__}); delete it to restart the run") from None
    if run_identity(payload.get("config", {})) != identity:
        raise UserError(f"{path}: checkpoint of a different config; delete {out_dir} or choose another --out")
    return payload


def remove_checkpoint(out_dir: Path) -> None:
    (out_dir / CHECKPOINT).unlink(missing_ok=True)
