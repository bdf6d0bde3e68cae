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

# id -> (class, parameter overrides that define the variant)
METHODS: dict[str, tuple[type[Method], dict]] = {
    "dense": (Dense, {}),
}


def _register_optional() -> None:
    """Register the sparse methods (kept in their own modules)."""
    try:
        from sparsyfed.methods.topk import TopK
        METHODS["topk"] = (TopK, {})
    except ImportError:
        pass
    try:
        from sparsyfed.methods.sparsyfed import SparsyFed
        METHODS["sparsyfed"] = (SparsyFed, {})
        METHODS["sparsyfed_noact"] = (SparsyFed, {"activation_pruning": False})
    except ImportError:
        pass
    try:
        from sparsyfed.methods.zerofl import ZeroFL
        METHODS["zerofl"] = (ZeroFL, {})
    except ImportError:
        pass
    try:
        from sparsyfed.methods.flash import Flash
        METHODS["flash"] = (Flash, {})
    except ImportError:
        pass


_register_optional()


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
