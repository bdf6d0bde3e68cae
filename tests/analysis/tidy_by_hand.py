"""Tidy tables (runs, rounds, layers) written row by row, for tests whose expected values are
computed by hand. P = 1000 prunable weights, 3 clients per round.

Per round r of a run: the global model's density is 1 in round 1 for dense and every sparse
method except FLASH (all download the dense initial model), then `density` (default 1 - s);
authors_comm_params = (density_r + 1 - s) * P, bytes_down = 4 * P * density_r * 3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

P = 1000
CLIENTS = 3


def _at(value: float | list, r: int) -> float:
    """`value` in round `r`: the number itself, or the r-th entry of a per-round list."""
    return float(value[r - 1]) if isinstance(value, (list, tuple)) else float(value)


class Tidy:
    """Accumulates runs; `frames()` returns (runs, rounds, layers) like `read_table` does."""

    def __init__(self):
        self.runs, self.rounds, self.layers = [], [], []

    def add(self, method: str, seed: int, *, acc: float = 80.0, sparsity: float = 0.95, alpha: float = 0.1,
            dataset: str = "fashion_mnist", model: str = "resnet_small", rounds: int = 10, status: str = "ok",
            density: float | list | None = None, level: float | list | None = None, regrowth: float = 0.0,
            layers: dict | None = None, round_columns: dict | None = None, layer_columns: dict | None = None) -> Tidy:
        """One run. `acc` in %; `density` = the global model's density from round 2 on (default 1 - s) and
        `level` = global sparsity every round (default: 1 - density), each a number or a list with one value
        per round; `regrowth` = regrowth_local from round 2 on; `layers` = {name: (role, layer_type, regrowth)};
        `round_columns` / `layer_columns` = more columns of every rounds / layers row (constants)."""
        s = 0.0 if method == "dense" else sparsity
        grid = dict(dataset=dataset, model=model, alpha=alpha, method=method, sparsity=s, seed=seed)
        self.runs.append(grid | dict(status=status, rounds=rounds, rounds_completed=rounds if status == "ok" else 0,
                                     final_test_acc=acc / 100 if status == "ok" else np.nan, error=None,
                                     run_dir=f"runs/{dataset}/{alpha}/{method}/{s}/{seed}"))
        if status != "ok":
            return self
        for r in range(1, rounds + 1):
            steady = _at(1.0 - s if density is None else density, r)
            d = steady if (r > 1 or method == "flash") else 1.0
            self.rounds.append(grid | dict(
                status=status, round=r, global_sparsity=(1.0 - steady) if level is None else _at(level, r),
                regrowth_local=0.0 if r == 1 else regrowth, authors_comm_params=(d + 1.0 - s) * P,
                bytes_down=4.0 * P * d * CLIENTS) | (round_columns or {}))
            for name, (role, kind, value) in (layers or {}).items():
                self.layers.append(grid | dict(round=r, layer=name, numel=100, density=d, role=role,
                                               layer_type=kind, regrowth_local=0.0 if r == 1 else value)
                                   | (layer_columns or {}))
        return self

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        grid = ["dataset", "model", "alpha", "method", "sparsity", "seed"]
        runs, rounds = pd.DataFrame(self.runs), pd.DataFrame(self.rounds)
        empty = grid + ["round", "layer", "numel", "density"]
        layers = pd.DataFrame(self.layers, columns=None if self.layers else empty)
        for frame in (runs, rounds, layers):
            if len(frame):
                frame["seed"] = frame["seed"].astype("Int64")
                frame["alpha"] = frame["alpha"].astype(float)
                frame["sparsity"] = frame["sparsity"].astype(float)
        return runs, rounds, layers

    def write(self, folder) -> None:
        """Write runs.csv, rounds.csv and layers.csv into `folder` (as `sparsyfed collect` would)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in zip(("runs", "rounds", "layers"), self.frames(), strict=True):
            frame.to_csv(folder / f"{name}.csv", index=False)
