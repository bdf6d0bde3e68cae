"""Per-layer regrowth from the tidy `layers.csv`: where a method's regrowth comes from, and regrowth
without the layers SparsyFed keeps plain.

`layers.csv` rows are one (run, round, layer) each; runs that log per-layer regrowth add `role`
(how the model built the layer: first, body, shortcut, classifier), `layer_type` (the module class:
Conv2d and Linear are plain) and `regrowth_local` (mean over the round's clients of the layer's
entries zero in the received global model and non-zero after local training). Tables from older
runs lack these columns: `has_layer_regrowth` says so and callers report it.
"""

from __future__ import annotations

import pandas as pd

from sparsyfed.analysis import names
from sparsyfed.analysis.collect import GRID

PLAIN_TYPES = ("Conv2d", "Linear")
LAYER_REGROWTH_COLUMNS = ("role", "layer_type", "regrowth_local")


def has_layer_regrowth(layers: pd.DataFrame) -> bool:
    """True when `layers` has the per-layer columns (role, layer_type, regrowth_local) and rows."""
    return len(layers) > 0 and set(LAYER_REGROWTH_COLUMNS) <= set(layers.columns)


def _steady(layers: pd.DataFrame, first_round: int) -> pd.DataFrame:
    out = layers[layers["round"] >= first_round].copy()
    out["regrowth_local"] = pd.to_numeric(out["regrowth_local"], errors="coerce").astype(float)
    return out


def plain_layers(layers: pd.DataFrame, method: str = names.PROPOSED) -> pd.DataFrame:
    """Layers that `method`'s runs keep plain: one row per (dataset, model, layer) with role and layer_type."""
    cols = ["dataset", "model", "layer", "role", "layer_type"]
    if not has_layer_regrowth(layers):
        return pd.DataFrame(columns=cols)
    rows = layers[(layers["method"] == method) & layers["layer_type"].isin(PLAIN_TYPES)]
    return rows[cols].drop_duplicates(["dataset", "model", "layer"]).reset_index(drop=True)


def run_regrowth(layers: pd.DataFrame, first_round: int, exclude: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per run (GRID): mean over rounds >= `first_round` of the summed per-layer `regrowth_local`,
    leaving out the (dataset, model, layer) rows of `exclude`. Column `regrowth_local`."""
    frame = _steady(layers, first_round)
    if exclude is not None and len(exclude):
        key = ["dataset", "model", "layer"]
        marked = frame.merge(exclude[key].assign(_x=True), on=key, how="left")
        frame = marked[marked["_x"].isna()].drop(columns="_x")
    per_round = frame.groupby(GRID + ["round"], dropna=False)["regrowth_local"].sum(min_count=1)
    return per_round.groupby(level=GRID, dropna=False).mean().reset_index()


def regrowth_by_kind(layers: pd.DataFrame, first_round: int) -> pd.DataFrame:
    """Per run (GRID) and layer kind (layer_type, role): the kind's share of the run's regrowth.

    Columns GRID + layer_type, role, layers (how many layers of that kind), regrowth_local (mean
    over rounds >= `first_round` of the kind's summed regrowth).
    """
    frame = _steady(layers, first_round)
    kind = GRID + ["layer_type", "role"]
    per_round = frame.groupby(kind + ["round"], dropna=False)["regrowth_local"].sum(min_count=1)
    out = per_round.groupby(level=kind, dropna=False).mean().rename("regrowth_local").reset_index()
    count = frame.groupby(kind, dropna=False)["layer"].nunique().rename("layers").reset_index()
    return out.merge(count, on=kind)
