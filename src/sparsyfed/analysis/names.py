"""Display names and display order of method, dataset, alpha and sparsity ids, as tables and figures show them.

Ids are the lowercase strings used everywhere else (config, folder names, tidy tables); only
tables, figures and the claims page turn them into words, through this module. Method and dataset
names, their order and the methods' roles come from `sparsyfed.catalog`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from sparsyfed import catalog

# Display order = the order of rows in tables and of legend entries in figures.
METHODS: dict[str, str] = {m.id: m.name for m in catalog.METHODS}
DATASETS: dict[str, str] = {d.id: d.name for d in catalog.DATASETS}

# The dense reference every method is compared with (drawn as a dashed line, never as a sparse method).
REFERENCE = catalog.with_role(catalog.REFERENCE)[0]
# The method the paper proposes (the claims page compares it with dense and the baselines).
PROPOSED = catalog.with_role(catalog.PROPOSED)[0]
# The paper's Table 1 compares the proposed method with the baselines (ablations are Table 2's business).
TABLE1_METHODS = catalog.with_role(catalog.BASELINE, catalog.PROPOSED)
# Methods a "beats every baseline" claim compares SparsyFed against.
BASELINES = catalog.with_role(catalog.BASELINE)
# Table 2's ablation: the proposed method with activation pruning fixed off.
NO_ACTIVATION_PRUNING = catalog.variant_of(PROPOSED, activation_pruning=False)

IID_ALPHA = 1000.0

# The source label of every number taken from the authors (see paper_numbers.csv).
AUTHORS_SOURCE = "authors, submission-time notebooks (Sep 2024)"


def method_name(method: str) -> str:
    """'topk' -> 'Top-K'; unknown ids are shown as they are."""
    return METHODS.get(method, str(method))


def dataset_name(dataset: str) -> str:
    """'cifar10' -> 'CIFAR-10'; unknown ids are shown as they are."""
    return DATASETS.get(dataset, str(dataset))


def alpha_label(alpha: float) -> str:
    """1000 -> '1000 (IID)', 0.1 -> '0.1'."""
    if alpha is None or (isinstance(alpha, float) and math.isnan(alpha)):
        return "?"
    text = f"{float(alpha):g}"
    return f"{text} (IID)" if float(alpha) == IID_ALPHA else text


def sparsity_label(sparsity: float) -> str:
    """0.995 -> '99.5 %'."""
    if sparsity is None or (isinstance(sparsity, float) and math.isnan(sparsity)):
        return "?"
    return f"{100 * float(sparsity):.4g} %"


def _ordered(values: Iterable, order: Iterable) -> list:
    order = list(order)
    values = list(dict.fromkeys(v for v in values if not _isnan(v)))
    known = [v for v in order if v in values]
    return known + sorted((v for v in values if v not in order), key=str)


def _isnan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


def order_methods(methods: Iterable[str]) -> list[str]:
    """Unique method ids in display order (unknown ids last, alphabetically)."""
    return _ordered(methods, METHODS)


def order_datasets(datasets: Iterable[str]) -> list[str]:
    """Unique dataset ids in display order (unknown ids last, alphabetically)."""
    return _ordered(datasets, DATASETS)


def order_alphas(alphas: Iterable[float]) -> list[float]:
    """Unique alphas from most to least homogeneous (1000, 1, 0.1), as the paper lists them."""
    return sorted({float(a) for a in alphas if not _isnan(float(a))}, reverse=True)


def order_sparsities(sparsities: Iterable[float]) -> list[float]:
    """Unique sparsities, ascending."""
    return sorted({float(s) for s in sparsities if not _isnan(float(s))})
