"""Learning-rate schedule and seeded sampling (SPEC section 1)."""

from __future__ import annotations

import numpy as np


def lr_at(round: int, lr0: float, lr_end: float, horizon: int) -> float:
    """lr(t) = lr0 * (lr_end / lr0) ** (t / H) for rounds t = 1, 2, ...: lr(H) = lr_end.

    H is the run's number of rounds T unless the config sets `lr_horizon` (a short run with the
    schedule of a longer one: with H = 700, round 10 trains at 0.47, as the paper's run does).
    """
    return lr0 * (lr_end / lr0) ** (round / horizon)


def sample_clients(seed: int, round: int, num_clients: int, k: int) -> np.ndarray:
    """The K clients of `round`, uniform without replacement; a pure function of (seed, round)."""
    rng = np.random.default_rng([seed, round])
    return np.sort(rng.choice(num_clients, size=k, replace=False))


def client_seed(seed: int, round: int, client: int) -> int:
    """Seed of one client's local shuffling, derived from (run seed, round, client id)."""
    return int(np.random.SeedSequence([seed, round, client]).generate_state(1)[0])
