"""Methods: `base.Method` is the interface, one module per method implements it.

Method ids, their classes and the parameters a variant fixes (the paper's ablation
`sparsyfed_noact` is SparsyFed with `activation_pruning=False`) are declared in `sparsyfed.catalog`;
`make_method` builds one from there, importing only that method's module.
"""

from __future__ import annotations

import dataclasses

from sparsyfed import catalog
from sparsyfed.errors import UserError
from sparsyfed.methods.base import Method, SparseParams


def make_method(name: str, sparsity: float | None = None, params: dict | None = None) -> Method:
    """Build method `name` with target `sparsity` (ignored by dense) and extra `params`."""
    entry = catalog.method(name)
    cls = catalog.load(entry.cls)
    values = dict(params or {})
    clash = sorted(set(values) & set(entry.fixed))
    if clash:
        raise UserError(f"method_params: {clash} fixed by method {name!r}; use the base method to change it")
    values.update(entry.fixed)
    if issubclass(cls.Params, SparseParams) and sparsity is not None:
        values["sparsity"] = sparsity
    return cls(cls.Params.from_dict(values))


def full_params(name: str, sparsity: float | None = None, params: dict | None = None) -> dict:
    """Every parameter method `name` runs with, given `sparsity` and `params`: what a run records
    (summary.json `method_params`)."""
    return dataclasses.asdict(make_method(name, sparsity, params).params)
