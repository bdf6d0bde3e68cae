"""The simulation engine: rounds, sampling, local training, evaluation, checkpoints. It sees a method
only through `methods.base.Method` (the caller builds it) and averages with `sparsyfed.state.fedavg`."""
