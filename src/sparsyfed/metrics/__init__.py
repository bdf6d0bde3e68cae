"""Per-round metrics of SPEC section 5: pure functions on state dicts and tensors.

The engine calls the two round-level entry points in `rounds`: `client_metrics` once per client and
`round_metrics` once per round. The other modules hold the building blocks.
"""

from sparsyfed.metrics.rounds import NON_COLUMN_KEYS, client_metrics, round_metrics

__all__ = ["NON_COLUMN_KEYS", "client_metrics", "round_metrics"]
