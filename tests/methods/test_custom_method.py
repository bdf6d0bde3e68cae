"""The README's "Adding a method" example works as written: one class, one registry line."""

import pandas as pd

from sparsyfed.config import load_config
from sparsyfed.fl.engine import run
from sparsyfed.methods import METHODS
from sparsyfed.methods.base import Method, SparseParams
from sparsyfed.sparse.pruning import layerwise_magnitude_prune


class LayerwiseTopK(Method):
    name = "layerwise_topk"
    Params = SparseParams

    def postprocess_upload(self, state, ctx):
        keep = {k: 1 - self.params.sparsity for k in ctx.prunable}
        return layerwise_magnitude_prune(state, keep)


def test_a_new_method_plugs_in(tiny_run, tmp_path, monkeypatch):
    monkeypatch.setitem(METHODS, "layerwise_topk", (LayerwiseTopK, {}))
    summary = run(load_config(None, tiny_run + ["method=layerwise_topk", "sparsity=0.75"]), tmp_path / "r",
                  progress=False)
    assert summary["status"] == "ok"
    layers = pd.read_csv(tmp_path / "r" / "layers.csv")
    first = layers[layers["round"] == 1]
    # every client prunes every layer to 25 % density, so no layer of the average is below it
    assert (first["density"] >= 0.25 - 1e-3).all() and summary["final"]["global_sparsity"] > 0.5
