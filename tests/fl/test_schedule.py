import math

import numpy as np

from sparsyfed.fl.schedule import client_seed, lr_at, sample_clients


def test_lr_schedule_is_exponential_from_lr0_to_lr_end():
    T = 700
    assert math.isclose(lr_at(T, 0.5, 0.01, T), 0.01)
    assert math.isclose(lr_at(350, 0.5, 0.01, T), 0.5 * (0.01 / 0.5) ** 0.5)  # geometric midpoint
    ratios = [lr_at(t + 1, 0.5, 0.01, T) / lr_at(t, 0.5, 0.01, T) for t in (1, 100, 699)]
    assert np.allclose(ratios, (0.01 / 0.5) ** (1 / T))  # constant decay factor per round
    assert lr_at(1, 0.5, 0.01, T) < 0.5


def test_sampling_is_seeded_and_without_replacement():
    a = sample_clients(5378, 3, 100, 10)
    assert len(set(a.tolist())) == 10 and a.min() >= 0 and a.max() < 100
    assert np.array_equal(a, sample_clients(5378, 3, 100, 10))
    assert not np.array_equal(a, sample_clients(5378, 4, 100, 10))
    assert not np.array_equal(a, sample_clients(9421, 3, 100, 10))


def test_client_seeds_differ_by_round_and_client():
    seeds = {client_seed(1, r, c) for r in range(5) for c in range(5)}
    assert len(seeds) == 25


def test_lr_horizon_stretches_the_schedule():
    # A 10-round run with the 700-round schedule trains at the paper's round-10 rate.
    assert math.isclose(lr_at(10, 0.5, 0.01, 700), 0.5 * 0.02 ** (10 / 700))
    assert lr_at(10, 0.5, 0.01, 700) > 0.47
    assert math.isclose(lr_at(10, 0.5, 0.01, 10), 0.01)
