"""Top-K (SPEC 4.2): dense local training, then global magnitude pruning of every upload to sparsity s.

Pruned weights get gradients again next round, so they can regrow; the server's FedAvg is plain, so
the global model is the union of the clients' supports and can be much denser than s.
"""

from __future__ import annotations

from sparsyfed.methods.base import Method, RoundContext, SparseParams, State
from sparsyfed.sparse.pruning import global_magnitude_prune


class TopK(Method):
    """Plain layers; `postprocess_upload` keeps the (1 - s) P largest-|w| prunable entries."""

    Params = SparseParams

    def postprocess_upload(self, state: State, ctx: RoundContext) -> State:
        """Client side: global magnitude pruning to exactly round(s * P) zeros. Returns a new state."""
        return global_magnitude_prune(state, ctx.prunable, self.params.sparsity)
