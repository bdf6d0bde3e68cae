"""The ServerApp: one run of `sparsyfed run`'s settings (`sparsyfed.flower.server`)."""

from sparsyfed.flower.server import server_app as app

__all__ = ["app"]
