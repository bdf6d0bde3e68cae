"""The ClientApp: a node is the client with its `partition-id` (`sparsyfed.flower.client`)."""

from sparsyfed.flower.client import client_app as app

__all__ = ["app"]
