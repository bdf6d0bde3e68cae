"""Method registry: one lowercase id per method or named variant, used everywhere
(config value, schema enum, workflow wildcard, folder name, tidy-table value).

A variant is a method class plus fixed parameter overrides (the paper's ablation
`sparsyfed_noact` is SparsyFed with `activation_pruning=False`). Adding a method is one module
and one line here (and the id in `workflow/schemas/config.schema.yaml`).
"""

from __future__ import annotations

from sparsyfed.errors import UserError
from sparsyfed.methods.base import Method, MethodParams, RoundContext, SparseParams, State
from sparsyfed.methods.dense import Dense
from sparsyfed.methods.flash import Flash
from sparsyfed.methods.sparsyfed import SparsyFed
from sparsyfed.methods.topk import TopK
from sparsyfed.methods.zerofl import ZeroFL

# id -> (class, parameter overrides that define the variant)
METHODS: dict[str, tuple[type[Method], dict]] = {
    "dense": (Dense, {}),
    "topk": (TopK, {}),
    "sparsyfed": (SparsyFed, {}),
    "sparsyfed_noact": (SparsyFed, {"activation_pruning": False}),
    "zerofl": (ZeroFL, {}),
    "flash": (Flash, {}),
}


def make_method(name: str, sparsity: float | None = None, params: dict | None = None) -> Method:
    """Build method `name` with target `sparsity` (ignored by dense) and extra `params`."""
    if name not in METHODS:
        raise UserError(f"method: unknown method {name!r}; choose one of {sorted(METHODS)}")
    cls, overrides = METHODS[name]
    values = dict(params or {})
    clash = sorted(set(values) & set(overrides))
    if clash:
        raise UserError(f"method_params: {clash} fixed by method {name!r}; use the base method to change it")
    values.update(overrides)
    if issubclass(cls.Params, SparseParams) and sparsity is not None:
        values["sparsity"] = sparsity
    return cls(cls.Params.from_dict(values))


__all__ = ["METHODS", "Method", "MethodParams", "RoundContext", "SparseParams", "State", "make_method"]
