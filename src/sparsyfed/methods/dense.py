"""Dense FedAvg (SPEC 4.1): plain local SGD and sample-weighted averaging, no pruning."""

from sparsyfed.methods.base import Method


class Dense(Method):
    """Every hook at Method's default."""
