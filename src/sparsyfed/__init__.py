"""SparsyFed reproducibility pipeline: simulate federated sparse training and rebuild the paper's results."""

__version__ = "0.1.0"
