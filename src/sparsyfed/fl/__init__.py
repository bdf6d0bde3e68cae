"""The simulation engine: rounds, sampling, local training, evaluation, checkpoints. It sees a method
only through `methods.base.Method` (the caller builds it, e.g. `sparsyfed.runner`); model states and
FedAvg come from `sparsyfed.state`, below both."""
