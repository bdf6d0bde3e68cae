"""LDA (Dirichlet) label partitions, exactly as SPEC section 2 says, fully seeded.

1. every client gets the same number n of training samples (default floor(N_train / N));
2. each client draws a class distribution p ~ Dirichlet(alpha * 1);
3. its samples are drawn class by class from p without replacement (no sample is given twice
   across clients); when a class runs out its probability is set to 0 and p renormalised;
4. its local test shard (m = floor(N_test / N)) is drawn from the test set the same way, same p.

The authors drew the Dirichlet vectors unseeded; here one `np.random.Generator` built from the
partition seed drives everything, so a partition is a pure function of (labels, alpha, N, seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sparsyfed.errors import UserError
from sparsyfed.io import atomic_path


@dataclass(frozen=True)
class Partition:
    """Every client's train and test indices (rows = clients) and their class-count tables."""

    train_indices: np.ndarray  # (N, n) int64 indices into the training set
    test_indices: np.ndarray  # (N, m) int64 indices into the test set
    class_counts: np.ndarray  # (N, C) training samples per class per client
    test_class_counts: np.ndarray  # (N, C)
    dataset: str
    alpha: float
    seed: int

    @property
    def num_clients(self) -> int:
        return self.train_indices.shape[0]


class _ClassPools:
    """Shuffled per-class index pools, consumed from the front without replacement."""

    def __init__(self, labels: np.ndarray, num_classes: int, rng: np.random.Generator):
        self.pools = [rng.permutation(np.flatnonzero(labels == c)) for c in range(num_classes)]
        self.used = np.zeros(num_classes, dtype=np.int64)

    def remaining(self) -> np.ndarray:
        return np.array([len(p) for p in self.pools]) - self.used

    def draw(self, p: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw n samples with class probabilities p, zeroing exhausted classes and renormalising."""
        counts = np.zeros(len(p), dtype=np.int64)
        p = p.copy()
        while (need := n - counts.sum()) > 0:
            free = self.remaining() - counts
            p[free <= 0] = 0.0
            if p.sum() <= 0:  # every class the client wants is exhausted: renormalise over the rest
                p = (free > 0).astype(np.float64)
            extra = rng.multinomial(need, p / p.sum())
            counts += np.minimum(extra, free)
        picked = []
        for c in np.flatnonzero(counts):
            start = self.used[c]
            picked.append(self.pools[c][start : start + counts[c]])
            self.used[c] += counts[c]
        return np.concatenate(picked), counts


def lda_partition(train_labels: np.ndarray, test_labels: np.ndarray, num_clients: int, alpha: float,
                  seed: int, samples_per_client: int | None = None, num_classes: int | None = None,
                  dataset: str = "") -> Partition:
    """Split a labelled train and test set among `num_clients` clients with LDA(alpha).

    Parameters
    ----------
    train_labels, test_labels : int arrays of shape (N_train,), (N_test,).
    num_clients : N.
    alpha : Dirichlet concentration (> 0); 1000 is about IID, 0.1 strongly skewed.
    seed : partition seed (the paper's is 1337).
    samples_per_client : n; default and maximum floor(N_train / N). The test shard keeps the
        same fraction of the test set: m = floor(n * N_test / N_train).
    """
    if not (isinstance(alpha, (int, float)) and alpha > 0 and np.isfinite(alpha)):
        raise UserError(f"alpha: must be a positive number, got {alpha!r}")
    if not (isinstance(num_clients, int) and num_clients >= 1):
        raise UserError(f"num_clients: must be a positive integer, got {num_clients!r}")
    train_labels, test_labels = np.asarray(train_labels), np.asarray(test_labels)
    max_n = len(train_labels) // num_clients
    if max_n < 1:
        raise UserError(f"num_clients: {num_clients} clients but only {len(train_labels)} training samples; "
                        "use fewer clients")
    n = max_n if samples_per_client is None else samples_per_client
    if not (1 <= n <= max_n):
        raise UserError(f"samples_per_client: must be in [1, {max_n}] for {num_clients} clients, got {n}")
    m = (n * len(test_labels)) // len(train_labels)
    num_classes = num_classes or int(max(train_labels.max(), test_labels.max()) + 1)

    rng = np.random.default_rng(seed)
    train_pools = _ClassPools(train_labels, num_classes, rng)
    test_pools = _ClassPools(test_labels, num_classes, rng)
    train_idx = np.zeros((num_clients, n), dtype=np.int64)
    test_idx = np.zeros((num_clients, m), dtype=np.int64)
    counts = np.zeros((num_clients, num_classes), dtype=np.int64)
    test_counts = np.zeros((num_clients, num_classes), dtype=np.int64)
    for client in range(num_clients):
        p = rng.dirichlet(np.full(num_classes, float(alpha)))
        p = np.nan_to_num(p, nan=0.0)  # tiny alphas can underflow to all zeros
        if p.sum() <= 0:
            p = np.eye(num_classes)[rng.integers(num_classes)]
        train_idx[client], counts[client] = train_pools.draw(p, n, rng)
        if m:
            test_idx[client], test_counts[client] = test_pools.draw(p, m, rng)
    return Partition(train_idx, test_idx, counts, test_counts, dataset, float(alpha), int(seed))


def save_partition(part: Partition, path: str | Path) -> None:
    """Write the partition as one .npz (atomically)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, train_indices=part.train_indices, test_indices=part.test_indices,
                 class_counts=part.class_counts, test_class_counts=part.test_class_counts,
                 dataset=np.array(part.dataset), alpha=np.array(part.alpha), seed=np.array(part.seed),
                 num_clients=np.array(part.num_clients))


def load_partition(path: str | Path) -> Partition:
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            return Partition(z["train_indices"], z["test_indices"], z["class_counts"], z["test_class_counts"],
                             str(z["dataset"]), float(z["alpha"]), int(z["seed"]))
    except FileNotFoundError:
        raise UserError(f"partition: file {path} not found; create it with `sparsyfed partition`") from None
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"partition: {path} is not a valid partition file ({exc}); "
                        "recreate it with `sparsyfed partition`") from None
