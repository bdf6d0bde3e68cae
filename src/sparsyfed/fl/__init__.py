"""The simulation engine: rounds, sampling, local training, aggregation, evaluation, checkpoints."""
