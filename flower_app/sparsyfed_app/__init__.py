"""SparsyFed and its baselines as a Flower app: the components of `sparsyfed.flower`."""
