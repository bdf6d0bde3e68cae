"""The claims page: each claim's three verdicts on hand-made tidy tables, with the interval values
computed by hand, and the page on the synthetic grid.

t quantiles used below (two-sided 95 %): t(0.975, 1) = 12.7062, t(0.975, 2) = 4.3027.
"""

import math

import pytest
from tidy_by_hand import Tidy

from sparsyfed.analysis.claims import checks, windows
from sparsyfed.analysis.claims.checks import evaluate_claims, write_claims
from sparsyfed.analysis.claims.verdicts import CONTRADICTED, INCONCLUSIVE, SUPPORTED
from sparsyfed.analysis.collect import read_table

T1, T2 = 12.706204736, 4.302652730  # from tables of Student t


def _claim(tidy: Tidy, number: int):
    return {c.number: c for c in evaluate_claims(*tidy.frames())}[number]


# ---------------------------------------------------------------- claim 1: dense − SparsyFed < 2 pp

def _claim1(sf_accs, dense_accs=(80.0, 81.0, 82.0)):
    t = Tidy()
    for seed, (d, s) in enumerate(zip(dense_accs, sf_accs, strict=True), start=1):
        t.add("dense", seed, acc=d).add("sparsyfed", seed, acc=s)
    return _claim(t, 1)


def test_claim1_supported_with_the_interval_by_hand():
    # d = 0.5, 0.3, 0.7: mean 0.5, std 0.2, half-width 4.3027 * 0.2 / sqrt(3) = 0.4968 -> [0.0032, 0.9968] < 2
    result = _claim1((79.5, 80.7, 81.3))
    assert result.verdict == SUPPORTED
    (check,) = result.checks
    assert check.ci.n == 3 and check.ci.mean == pytest.approx(0.5) and check.ci.std == pytest.approx(0.2)
    assert check.ci.t == pytest.approx(T2, rel=1e-6)
    assert check.ci.lo == pytest.approx(0.5 - T2 * 0.2 / math.sqrt(3))
    assert check.ci.hi == pytest.approx(0.5 + T2 * 0.2 / math.sqrt(3))
    assert ("paired t over n = 3 seeds: dense − SparsyFed = 0.50 pp (std 0.20, t = 4.303), 95 % CI [0.00, 1.00] pp; "
            "the claim needs < 2.00 pp → **supported**") in check.sentence()


def test_claim1_contradicted():
    # d = 5.0, 5.2, 4.8: [5 - 0.4968, 5 + 0.4968] lies above 2 pp
    result = _claim1((75.0, 75.8, 77.2))
    assert result.verdict == CONTRADICTED
    assert result.checks[0].ci.lo == pytest.approx(5.0 - T2 * 0.2 / math.sqrt(3))


def test_claim1_inconclusive_when_the_interval_straddles_or_one_seed():
    # d = 1, 3: mean 2, std sqrt(2), half-width 12.7062 * sqrt(2) / sqrt(2) -> [-10.71, 14.71]
    result = _claim1((79.0, 78.0), dense_accs=(80.0, 81.0))
    assert result.verdict == INCONCLUSIVE
    assert result.checks[0].ci.lo == pytest.approx(2 - T1) and result.checks[0].ci.hi == pytest.approx(2 + T1)
    assert "straddles" in result.checks[0].why
    one = _claim1((79.9,), dense_accs=(80.0,))
    assert one.verdict == INCONCLUSIVE and "n = 1" in one.checks[0].why and "fewer than 2 seeds" in one.reason


def test_claim1_dense_pairs_with_sparsyfed_by_seed_only():
    # seed 3 of SparsyFed failed: its dense run is left out, n = 2
    t = Tidy()
    for seed, (d, s) in enumerate(((80.0, 79.5), (81.0, 80.7), (82.0, 0.0)), start=1):
        t.add("dense", seed, acc=d).add("sparsyfed", seed, acc=s, status="ok" if seed < 3 else "failed")
    check = _claim(t, 1).checks[0]
    assert check.ci.n == 2 and check.ci.mean == pytest.approx(0.4)


# ---------------------------------------------------------------- claim 2: baseline − 100 × SparsyFed > 0

def _claim2(topk, sf, **kw):
    t = Tidy()
    for seed, (b, s) in enumerate(zip(topk, sf, strict=True), start=1):
        t.add("topk", seed, regrowth=b).add("sparsyfed", seed, regrowth=s)
    return _claim(t, 2)


def test_claim2_supported_by_hand():
    # d = 5000 - 1000, 5100 - 1000, 4900 - 1000: mean 4000, std 100, half-width 4.3027 * 100 / sqrt(3) = 248.4
    result = _claim2((5000.0, 5100.0, 4900.0), (10.0, 10.0, 10.0))
    assert result.verdict == SUPPORTED
    check = result.checks[0]
    assert check.ci.mean == pytest.approx(4000.0)
    assert check.ci.lo == pytest.approx(4000.0 - T2 * 100.0 / math.sqrt(3))
    assert "Top-K − 100 × SparsyFed = 4,000.0 weights" in check.sentence()


def test_claim2_contradicted_and_inconclusive():
    assert _claim2((5000.0, 5100.0, 4900.0), (100.0, 100.0, 100.0)).verdict == CONTRADICTED  # d = -5000 +- 100
    # d = 1000 - 1100 = -100 and 1200 - 1100 = 100: mean 0, CI [-1797, 1797]
    result = _claim2((1000.0, 1200.0), (11.0, 11.0))
    assert result.verdict == INCONCLUSIVE
    assert result.checks[0].ci.hi == pytest.approx(T1 * 100.0 * math.sqrt(2) / math.sqrt(2))


def _with_layers():
    """SparsyFed regrows 1451 weights a round, all in three plain shortcut convs; Top-K regrows everywhere."""
    sf_layers = {"conv1": ("first", "PowerpropConv2d", 0.0), "block.conv": ("body", "PowerpropConv2d", 0.0),
                 "s1": ("shortcut", "Conv2d", 500.0), "s2": ("shortcut", "Conv2d", 451.0),
                 "s3": ("shortcut", "Conv2d", 500.0), "fc": ("classifier", "PowerpropLinear", 0.0)}
    tk_layers = {"conv1": ("first", "Conv2d", 1000.0), "block.conv": ("body", "Conv2d", 3000.0),
                 "s1": ("shortcut", "Conv2d", 100.0), "s2": ("shortcut", "Conv2d", 100.0),
                 "s3": ("shortcut", "Conv2d", 100.0), "fc": ("classifier", "Linear", 700.0)}
    t = Tidy()
    for seed in (1, 2):
        t.add("sparsyfed", seed, regrowth=1451.0, layers=sf_layers)
        t.add("topk", seed, regrowth=5000.0, layers=tk_layers)
    return t


def test_claim2_says_where_sparsyfeds_regrowth_comes_from():
    result = _claim(_with_layers(), 2)
    # as logged: 5000 - 100 * 1451 < 0 in both seeds (std 0): contradicted, judged on the logged metric
    assert result.verdict == CONTRADICTED
    assert "as logged" in result.scope
    origin = next(line for line in result.shown if line.startswith("Where SparsyFed's regrowth comes from"))
    assert "3 × Conv2d (plain)/shortcut: 1,451.0, 100.0 %" in origin
    assert "PowerpropConv2d/body: 0.0, 0.0 %" in origin
    # without SparsyFed's plain layers (s1-s3) in every method: SparsyFed 0, Top-K 5000 - 300 = 4700
    judged = next(line for line in result.shown if "s = 95 %" in line and line.startswith("Fashion-MNIST"))
    assert "without the layers SparsyFed keeps plain: SparsyFed 0.0, Top-K 4,700.0" in judged
    assert any("3 (Conv2d/shortcut)" in n for n in result.notes)


def test_claim2_on_tables_without_per_layer_columns():
    t = _with_layers()
    runs, rounds, layers = t.frames()
    old = layers[["dataset", "model", "alpha", "method", "sparsity", "seed", "round", "layer", "numel", "density"]]
    result = {c.number: c for c in evaluate_claims(runs, rounds, old)}[2]
    assert result.verdict == CONTRADICTED
    assert any("layers.csv has no per-layer regrowth" in n for n in result.notes)


# ---------------------------------------------------------------- claim 3: SparsyFed − baseline > 0 at α = 0.1

def _claim3(flash, sf=(80.0, 81.0, 82.0)):
    t = Tidy()
    for seed, (f, s) in enumerate(zip(flash, sf, strict=True), start=1):
        t.add("sparsyfed", seed, acc=s).add("flash", seed, acc=f).add("topk", seed, acc=s - 10)
        t.add("sparsyfed", seed, acc=s, alpha=1000.0).add("flash", seed, acc=s + 5, alpha=1000.0)  # not judged
    return _claim(t, 3)


def test_claim3_supported_contradicted_inconclusive():
    # SparsyFed − FLASH = 3, 3, 2.7 (mean 2.9, std 0.173, CI [2.47, 3.33]); SparsyFed − Top-K = 10 exactly
    supported = _claim3((77.0, 78.0, 79.3))
    assert supported.verdict == SUPPORTED and len(supported.checks) == 2
    flash = next(c for c in supported.checks if "FLASH" in c.what)
    assert flash.ci.lo == pytest.approx(2.9 - T2 * math.sqrt(0.03) / math.sqrt(3))
    assert _claim3((83.0, 84.0, 85.3)).verdict == CONTRADICTED  # FLASH ahead by 3 pp in every seed
    # the 0.4 pp case: SparsyFed − FLASH = 1.4 and -0.6, mean 0.4, CI [-12.3, 13.1]
    tight = _claim3((78.6, 81.6), sf=(80.0, 81.0))
    assert tight.verdict == INCONCLUSIVE
    assert next(c for c in tight.checks if "FLASH" in c.what).ci.mean == pytest.approx(0.4)


# ---------------------------------------------------------------- claim 4: communication, steady state

def _claim4(sf_density=(0.05, 0.05), flash_density=None, rounds=10):
    t = Tidy()
    for seed, d in enumerate(sf_density, start=1):
        t.add("dense", seed, rounds=rounds).add("sparsyfed", seed, density=d, rounds=rounds)
        if flash_density is not None:
            t.add("flash", seed, density=flash_density, rounds=rounds)
    return _claim(t, 4)


def test_claim4_supported_when_sparsyfed_sits_at_target_from_round_2():
    # dense: (1 + 1) * 1000 = 2000 a round; SparsyFed: round 1 (1 + 0.05) * 1000 = 1050, then (0.05 + 0.05) * 1000
    # = 100. Steady state (rounds 2-10): 2000 / 100 = 20 > 0.9 * 19.29 = 17.36. Whole run: 20000 / 1950 = 10.26.
    result = _claim4(flash_density=0.05)
    assert result.verdict == SUPPORTED
    dense = next(c for c in result.checks if c.what == "Dense / SparsyFed")
    assert dense.ci.mean == pytest.approx(20.0) and dense.ci.lo == pytest.approx(20.0)
    assert dense.need.value == pytest.approx(0.9 * 19.29)
    assert any("whole run, rounds 1–T, authors_comm_params: dense / SparsyFed 10.3×" in s for s in result.shown)
    flash = next(c for c in result.checks if c.what == "SparsyFed / FLASH")  # 100 / 100 = 1 in [0.873, 1.067]
    assert flash.verdict == SUPPORTED and flash.ci.mean == pytest.approx(1.0)
    assert "FLASH part as SparsyFed / FLASH with a ± 10 % tolerance" in result.scope
    assert "last third of the rounds (rounds 7–10)" in result.scope


def test_claim4_contradicted_and_inconclusive():
    # SparsyFed at density 0.10 from round 2: 2000 / 150 = 13.3 < 17.36
    assert _claim4((0.10, 0.10)).verdict == CONTRADICTED
    # ratios 20 and 2000 / 130 = 15.38: mean 17.69, std 3.26, CI [-11.6, 47.0]
    result = _claim4((0.05, 0.08))
    assert result.verdict == INCONCLUSIVE
    r = (20.0, 2000.0 / 130.0)
    ci = result.checks[0].ci
    assert ci.mean == pytest.approx(sum(r) / 2) and ci.hi == pytest.approx(sum(r) / 2 + T1 * abs(r[0] - r[1]) / 2)
    assert "FLASH did not run, so its part is not judged" in result.scope


def test_claim4_flash_part_contradicted():
    # FLASH at density 0.30 (from round 1): (0.30 + 0.05) * 1000 / 100 = 3.5, outside [0.873, 1.067]
    result = _claim4(flash_density=0.30)
    assert result.verdict == CONTRADICTED
    assert next(c for c in result.checks if "FLASH" in c.what).verdict == CONTRADICTED


def test_claim4_is_judged_on_the_last_third_of_the_rounds():
    # SparsyFed's density is 0.10 in rounds 2-6 and 0.05 in rounds 7-10 (it settles): per round (d + 0.05) * 1000
    # = 150, then 100; dense 2000. Last third (rounds 7-10): 2000 / 100 = 20 > 17.36. Rounds 2-10 would give
    # 2000 / ((5 * 150 + 4 * 100) / 9) = 15.65 < 17.36.
    settling = [1.0] + [0.10] * 5 + [0.05] * 4
    t = Tidy()
    for seed in (1, 2):
        t.add("dense", seed).add("sparsyfed", seed, density=settling)
    result = _claim(t, 4)
    assert result.verdict == SUPPORTED
    assert result.checks[0].ci.mean == pytest.approx(20.0)
    by_window = {v.label: v for v in result.variants}
    assert by_window["last third (rounds 7–10)"].judged
    assert by_window["every round after the first (rounds 2–10)"].verdict == CONTRADICTED
    assert by_window["last round (round 10)"].verdict == SUPPORTED


def test_claim4_flash_part_is_sparsyfed_over_flash():
    # SparsyFed (0.05 + 0.05) * 1000 = 100 a round; FLASH at density 1/9 − 0.05: (1/9) * 1000 = 111.1 a round.
    # SparsyFed / FLASH = 0.9, inside [0.873, 1.067]; read the other way, FLASH / SparsyFed = 1.111, outside.
    result = _claim4(flash_density=1 / 9 - 0.05)
    flash = next(c for c in result.checks if "FLASH" in c.what)
    assert flash.what == "SparsyFed / FLASH"
    assert flash.ci.mean == pytest.approx(0.9) and flash.verdict == SUPPORTED
    assert result.verdict == SUPPORTED
    other = next(line for line in result.shown if "read as FLASH / SparsyFed" in line)
    assert "FLASH / SparsyFed = 1.111×" in other and other.endswith("→ contradicted")
    reading = next(v for v in result.variants if v.label.startswith("FLASH part read as FLASH / SparsyFed"))
    assert reading.verdict == CONTRADICTED and not reading.judged
    assert any("SparsyFed / FLASH = 0.97" in n and "0.97 x of FLASH" in n for n in result.notes)


# ---------------------------------------------------------------- claim 5: global sparsity at α = 0.1, 90 %

def _claim5(topk_levels, zerofl_levels=(0.45, 0.46, 0.44), other_alpha_topk=0.9):
    t = Tidy()
    for seed, (tk, zf) in enumerate(zip(topk_levels, zerofl_levels, strict=True), start=1):
        t.add("sparsyfed", seed, sparsity=0.9, level=0.9).add("topk", seed, sparsity=0.9, level=tk)
        t.add("zerofl", seed, sparsity=0.9, level=zf)
        t.add("sparsyfed", seed, sparsity=0.9, level=0.9, alpha=1000.0)
        t.add("topk", seed, sparsity=0.9, level=other_alpha_topk, alpha=1000.0)  # at target: shown, not judged
    return _claim(t, 5)


def test_claim5_supported_where_reported_other_alphas_not_judged():
    # Top-K shortfall 10, 11, 9 pp: CI [10 - 2.48, 10 + 2.48] > 5; ZeroFL 45, 44, 46 pp; SparsyFed 0 pp < 1
    result = _claim5((0.80, 0.79, 0.81))
    assert result.verdict == SUPPORTED and len(result.checks) == 3
    topk = next(c for c in result.checks if "Top-K" in c.what)
    assert topk.ci.mean == pytest.approx(10.0) and topk.ci.lo == pytest.approx(10.0 - T2 * 1.0 / math.sqrt(3))
    assert all("α = 0.1" in c.where for c in result.checks)
    assert any("α = 1000 (IID)" in s and "not judged" in s and "Top-K" in s for s in result.shown)


def test_claim5_contradicted_and_inconclusive():
    assert _claim5((0.895, 0.895, 0.895)).verdict == CONTRADICTED  # Top-K only 0.5 pp below the target
    # shortfalls 4 and 6 pp: mean 5, CI [5 - 12.7, 5 + 12.7]
    result = _claim5((0.86, 0.84), zerofl_levels=(0.45, 0.46))
    assert result.verdict == INCONCLUSIVE


def test_claim5_is_judged_on_the_settled_level_and_shows_the_dip():
    # Top-K dips to 70 % in rounds 2-4 and settles at 89.5 % (T = 10); ZeroFL sits at 45 %, SparsyFed at 90 %.
    # Settled (last third, rounds 7-10): Top-K 0.5 pp below the 90 % target, not more than 5: contradicted.
    # Rounds 2-10 would give (3 * 20 + 6 * 0.5) / 9 = 7 pp below (supported); the dip is 20 pp (supported).
    dip = [0.85] + [0.70] * 3 + [0.895] * 6
    t = Tidy()
    for seed in (1, 2, 3):
        t.add("sparsyfed", seed, sparsity=0.9, level=0.9).add("topk", seed, sparsity=0.9, level=dip)
        t.add("zerofl", seed, sparsity=0.9, level=0.45)
    result = _claim(t, 5)
    assert result.verdict == CONTRADICTED
    topk = next(c for c in result.checks if "Top-K" in c.what)
    assert topk.ci.mean == pytest.approx(0.5) and topk.verdict == CONTRADICTED
    by_window = {v.label: v for v in result.variants}
    assert by_window["every round after the first (rounds 2–10)"].verdict == SUPPORTED
    assert by_window["last third (rounds 7–10)"].judged
    lowest = next(v for v in result.variants if v.label.startswith("lowest level of each run"))
    assert lowest.verdict == SUPPORTED
    assert any("Top-K's lowest global sparsity = 20.00 pp" in line for line in result.shown)
    assert any("judged on the settled level" in n for n in result.notes)


def test_windows_count_back_from_each_runs_last_round():
    assert [windows.LAST_THIRD.first_round(t) for t in (30, 21, 10, 2, 1)] == [21, 15, 7, 2, 1]
    assert [windows.LAST_HALF.first_round(t) for t in (30, 21)] == [16, 11]
    assert windows.AFTER_ROUND_1.first_round(30) == 2 and windows.LAST_ROUND.first_round(30) == 30
    assert windows.LAST_THIRD.span([30, 21]) == "rounds 15–21, 21–30"


# ---------------------------------------------------------------- rule text, page

def test_rule_text_is_generated_from_the_constants(monkeypatch):
    assert f"{checks.NEGLIGIBLE_DROP_PP:g} pp" in checks.RULE1
    assert "17.36 ×" in checks.RULE4 and "SparsyFed / FLASH within ± 10 % of 0.97 × ([0.873, 1.067] ×)" in checks.RULE4
    assert f"averaged over the {checks.JUDGED.name} of each run's rounds" in checks.RULE4
    assert "α = 0.1, target 90 %" in checks.RULE5 and f"over the {checks.JUDGED.name} of its rounds" in checks.RULE5


def test_not_testable_is_inconclusive_with_the_reason():
    t = Tidy().add("dense", 1).add("sparsyfed", 1, sparsity=0.9)
    results = {c.number: c for c in evaluate_claims(*t.frames())}
    assert results[1].verdict == INCONCLUSIVE
    assert "not testable on this grid: no SparsyFed run at 95 %" in results[1].reason
    assert results[3].verdict == INCONCLUSIVE and "no baseline ran" in results[3].reason
    empty = Tidy().frames()
    assert {c.verdict for c in evaluate_claims(*empty)} == {INCONCLUSIVE}


def test_verdicts_on_the_synthetic_grid(grid):
    tables = grid["tables"]
    results = evaluate_claims(*(read_table(tables, n) for n in ("runs", "rounds", "layers")))
    verdicts = {c.number: c.verdict for c in results}
    # 1: dense − SparsyFed = 1.5 pp in both seeds; 2: Top-K at α 0.1, 95 % has one seed (the other failed);
    # 3: the same Top-K cell; 4: steady-state ratio 20; 5: 90 / 80 / 50 % at α 0.1
    assert verdicts == {1: SUPPORTED, 2: INCONCLUSIVE, 3: INCONCLUSIVE, 4: SUPPORTED, 5: SUPPORTED}


def test_page_states_rule_test_n_and_interval(tmp_path):
    t = Tidy()
    for seed, (d, s) in enumerate(((80.0, 79.5), (81.0, 80.7), (82.0, 81.3)), start=1):
        t.add("dense", seed, acc=d).add("sparsyfed", seed, acc=s)
    t.add("topk", 1, status="failed")
    t.write(tmp_path / "tables")
    text = write_claims(tmp_path / "tables", tmp_path / "claims.md").read_text()
    assert "**Verdict: supported** — 1 of 1 comparison supported, 0 contradicted, 0 inconclusive." in text
    assert "- Claim as tested: SparsyFed at s = 95 % loses less than 2 pp" in text
    assert "dense − SparsyFed = 0.50 pp (std 0.20, t = 4.303), 95 % CI [0.00, 1.00] pp" in text
    assert "supported if every judged comparison is supported, contradicted if any is contradicted" in text
    assert "| 1 | 95 % sparse models" in text and "**inconclusive**" in text
    assert "| failed |" in text
