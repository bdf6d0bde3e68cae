"""SparsyFed and every baseline of the catalogue as a Flower app (optional extra `flower`).

    strategy.MethodStrategy   a Flower `Strategy`: the engine's client sampling, the method's
                              aggregation and server-side hooks, the engine's per-round measurements
    client.client_app         a `ClientApp`: the engine's local session with the method's client hooks
    server.server_app         a `ServerApp` running one run of `sparsyfed run`'s settings
    codec                     models sent sparse where that is cheaper, priced as the engine prices them
    settings                  Flower's run config -> the project's `RunConfig`

`flower_app/` in the repository is the Flower app (`flwr run flower_app`) built from these.
"""

try:
    import flwr  # noqa: F401
except ImportError:
    raise ImportError("sparsyfed.flower needs Flower: pip install -e '.[flower]' (the `flower` extra)") from None
