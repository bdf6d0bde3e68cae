"""t intervals, seed pairing and three-way verdicts, against hand computations.

t quantiles (two-sided 95 %): t(0.975, 1) = 12.706204736, t(0.975, 2) = 4.302652730, t(0.975, 4) = 2.776445105.
"""

import math

import pandas as pd
import pytest

from sparsyfed.analysis.claims.verdicts import (
    CONTRADICTED,
    INCONCLUSIVE,
    SUPPORTED,
    Check,
    Need,
    combine,
)
from sparsyfed.analysis.stats import pair_by_seed, seed_stats, t_interval


def test_t_interval_by_hand():
    # 1, 2, 3, 4, 5: mean 3, std sqrt(2.5) = 1.5811, half-width 2.7764 * 1.5811 / sqrt(5) = 1.9632
    ci = t_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (ci.mean, ci.n) == (3.0, 5)
    assert ci.std == pytest.approx(math.sqrt(2.5))
    assert ci.t == pytest.approx(2.776445105)
    assert ci.lo == pytest.approx(3.0 - 2.776445105 * math.sqrt(2.5) / math.sqrt(5))
    assert ci.hi == pytest.approx(3.0 + 1.963243, abs=1e-6)


def test_t_interval_two_values_and_too_few():
    ci = t_interval([1.0, 3.0, float("nan")])  # NaN dropped: mean 2, std sqrt(2), half-width 12.7062
    assert ci.n == 2 and ci.lo == pytest.approx(2 - 12.706204736) and ci.hi == pytest.approx(2 + 12.706204736)
    one = t_interval([7.0])
    assert one.mean == 7.0 and one.n == 1 and math.isnan(one.std) and math.isnan(one.lo)
    assert t_interval([]).n == 0 and math.isnan(t_interval([]).mean)
    same = t_interval([4.0, 4.0])  # no seed noise: the interval is the point
    assert (same.lo, same.hi) == (4.0, 4.0)


def test_seed_stats_holds_the_interval():
    runs = pd.DataFrame({"dataset": "d", "alpha": 0.1, "method": "m", "sparsity": 0.9, "seed": [1, 2, 3],
                         "status": ["ok", "ok", "failed"], "final_test_acc": [0.87, 0.89, float("nan")]})
    row = seed_stats(runs, scale=100.0).iloc[0]
    assert row["mean"] == pytest.approx(88.0) and row["n"] == 2 and row["n_bad"] == 1
    assert row["ci_lo"] == pytest.approx(88.0 - 12.706204736) and row["ci_hi"] == pytest.approx(88.0 + 12.706204736)


def test_pair_by_seed_keeps_only_seeds_both_finished():
    a = pd.DataFrame({"dataset": "d", "alpha": 0.1, "seed": [1, 2, 3], "v": [1.0, 2.0, float("nan")]})
    b = pd.DataFrame({"dataset": "d", "alpha": 0.1, "seed": [2, 3, 4], "v": [5.0, 6.0, 7.0]})
    pairs = pair_by_seed(a, b, ["dataset", "alpha"], "v")
    assert pairs[["seed", "v_a", "v_b"]].values.tolist() == [[2, 2.0, 5.0]]


def _check(values, need):
    return Check("here", "x", "t", t_interval(values), need)


@pytest.mark.parametrize("values, need, verdict", [
    ([0.5, 0.3, 0.7], Need("<", 2.0), SUPPORTED),          # [0.003, 0.997]
    ([0.5, 0.3, 0.7], Need(">", 2.0), CONTRADICTED),
    ([0.5, 0.3, 0.7], Need("<", 0.5), INCONCLUSIVE),       # straddles
    ([0.5, 0.3, 0.7], Need(">", 0.0), SUPPORTED),
    ([0.5], Need("<", 2.0), INCONCLUSIVE),                 # one seed
    ([2.0, 2.0], Need("<", 2.0), INCONCLUSIVE),            # touches the threshold
    ([1.0, 1.0], Need("within", 0.9, 1.1), SUPPORTED),
    ([3.5, 3.5], Need("within", 0.9, 1.1), CONTRADICTED),
    ([1.0, 1.2], Need("within", 0.9, 1.1), INCONCLUSIVE),  # [-0.17, 2.37] crosses both edges
])
def test_need_judges_the_whole_interval(values, need, verdict):
    assert _check(values, need).verdict == verdict


def test_combine_rule():
    s, c, i = (_check([0.5, 0.3, 0.7], Need("<", 2.0)), _check([0.5, 0.3, 0.7], Need(">", 2.0)),
               _check([0.5], Need("<", 2.0)))
    assert combine([s, s])[0] == SUPPORTED
    assert combine([s, i])[0] == INCONCLUSIVE and "1 with fewer than 2 seeds" in combine([s, i])[1]
    assert combine([s, i, c])[0] == CONTRADICTED  # any contradiction decides
    assert combine([])[0] == INCONCLUSIVE
