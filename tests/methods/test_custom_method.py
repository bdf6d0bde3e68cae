"""A method written against `methods.base` plugs into the engine with no registration (the README's
full recipe, through the catalogue and the workflow, is tests/workflow/test_add_method.py)."""

import pandas as pd

from sparsyfed.config import load_config
from sparsyfed.fl import engine
from sparsyfed.methods.base import Method, SparseParams
from sparsyfed.sparse.pruning import layerwise_magnitude_prune


class LayerwiseTopK(Method):
    name = "layerwise_topk"
    Params = SparseParams

    def postprocess_upload(self, state, ctx):
        keep = {k: 1 - self.params.sparsity for k in ctx.prunable}
        return layerwise_magnitude_prune(state, keep)


def test_a_new_method_plugs_into_the_engine(tiny_run, tmp_path):
    cfg = load_config(None, tiny_run + ["method=layerwise_topk", "sparsity=0.75"])
    summary = engine.run(cfg, LayerwiseTopK(SparseParams(sparsity=0.75)), tmp_path / "r", progress=False)
    assert summary["status"] == "ok"
    layers = pd.read_csv(tmp_path / "r" / "layers.csv")
    first = layers[layers["round"] == 1]
    # every client prunes every layer to 25 % density, so no layer of the average is below it
    assert (first["density"] >= 0.25 - 1e-3).all() and summary["final"]["global_sparsity"] > 0.5
