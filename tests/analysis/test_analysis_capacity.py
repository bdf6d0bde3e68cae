"""The capacity ladder's analysis (analysis/experiments/capacity.py and trend.py, figures/capacity_trend.py) on tidy
tables written by hand, with the trend's numbers worked out by hand.

The ladder: resnet_small at widths 1, 2, 4 with P = 1000 · width² prunable weights, 6 rounds, α = 0.1,
seeds 1, 2, 3; dense, SparsyFed, Top-K and ZeroFL at 90 and 95 %. At 95 % a rung keeps 50 · width² weights,
x = log10(50 · width²). Per seed, dense − SparsyFed = GAP_A + GAP_B · x + OFFSET[seed] (pp) and ZeroFL's
regrowth over SparsyFed's = 10^(RATIO_C + RATIO_D · x + OFFSET[seed] / 10). The offsets sum to 0 at every
width, so least squares gives the slope and intercept exactly, with residual std √(Σ offset² / (n − 2)).
Beside it: a length rung (width 1, 12 rounds) and a model rung (resnet18_cifar, 3 rounds).
"""

import math

import numpy as np
import pandas as pd
import pytest

from sparsyfed.analysis.experiments import capacity, trend
from sparsyfed.analysis.figures import make_figure
from sparsyfed.analysis.paper import reported
from sparsyfed.analysis.paper.tables import write_table
from sparsyfed.grid import LENGTH_RUNG, MODEL_RUNG, WIDTH_RUNG

SEEDS = (1, 2, 3)
OFFSET = {1: -1.0, 2: 0.0, 3: 1.0}
GAP_A, GAP_B = 20.0, -4.0
RATIO_C, RATIO_D = 0.5, 0.25
WIDTHS = (1, 2, 4)
T7 = 2.364624  # t(0.975, 7): 9 points, 7 degrees of freedom


def x_of(width: float) -> float:
    return math.log10(50.0 * width ** 2)


class Ladder:
    """Tidy runs, rounds and layers tables of the capacity experiment, as `collect --variants` writes them."""

    def __init__(self):
        self.runs, self.rounds = [], []

    def add(self, method, seed, *, width=1.0, model="resnet_small", rounds=6, sparsity=0.95, acc=0.9,
            regrowth=0.0, prunable=None, finished=True):
        s = 0.0 if method == "dense" else sparsity
        run_dir = f"runs/{model}-w{width:g}-r{rounds}/alpha0.1/{method}/s{s:g}/seed{seed}"
        grid = dict(dataset="fashion_mnist", model=model, alpha=0.1, method=method, sparsity=s, seed=seed)
        if not finished:  # as `reference-add --partial` packs a run not finished yet (collect.unfinished_run)
            self.runs.append(grid | dict(status="missing", rounds=rounds, width=width, method_params="{}",
                                         run_dir=run_dir, error="not finished when packed"))
            return
        self.runs.append(grid | dict(status="ok", rounds=rounds, rounds_completed=rounds, width=width,
                                     num_prunable=prunable or 1000 * width ** 2, final_test_acc=acc,
                                     method_params="{}", run_dir=run_dir, error=None))
        for r in range(1, rounds + 1):
            self.rounds.append(grid | dict(run_dir=run_dir, status="ok", round=r, global_sparsity=s,
                                           regrowth_local=0.0 if r == 1 else regrowth,
                                           authors_comm_params=1.0, bytes_down=1.0))

    def write(self, folder):
        folder.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(self.runs).to_csv(folder / "runs.csv", index=False)
        pd.DataFrame(self.rounds).to_csv(folder / "rounds.csv", index=False)
        pd.DataFrame(columns=["dataset", "model", "alpha", "method", "sparsity", "seed", "run_dir", "round",
                              "layer", "numel", "density"]).to_csv(folder / "layers.csv", index=False)


def ladder_rung(ladder, width, seed, *, rounds=6, model="resnet_small", methods=("dense", "sparsyfed", "topk",
                                                                                   "zerofl"), finished=True):
    x = x_of(width)
    gap = GAP_A + GAP_B * x + OFFSET[seed]
    ratio = 10 ** (RATIO_C + RATIO_D * x + OFFSET[seed] / 10)
    for method in methods:
        for s in ((0.0,) if method == "dense" else (0.9, 0.95)):
            acc = {"dense": 0.90, "sparsyfed": 0.90 - gap / 100, "topk": 0.5, "zerofl": 0.6}[method]
            regrowth = {"dense": 0.0, "sparsyfed": 10.0, "topk": 50.0, "zerofl": 10.0 * ratio}[method]
            ladder.add(method, seed, width=width, model=model, rounds=rounds, sparsity=s, acc=acc,
                       regrowth=regrowth, prunable=11_163_200 if model == "resnet18_cifar" else None,
                       finished=finished)


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    ladder = Ladder()
    for width in WIDTHS:
        for seed in SEEDS:
            ladder_rung(ladder, width, seed)
    for seed in SEEDS:
        ladder_rung(ladder, 1, seed, rounds=12)
        ladder_rung(ladder, 1, seed, rounds=3, model="resnet18_cifar", methods=("sparsyfed", "topk", "zerofl"))
    folder = tmp_path_factory.mktemp("capacity")
    ladder.write(folder)
    return folder


def test_least_squares_line_and_band_by_hand():
    # x = 0, 1, 2, 3; y = 0, 1, 1, 3: x̄ = 1.5, ȳ = 1.25, Sxx = 5, Sxy = 4.5 -> slope 0.9, intercept -0.1;
    # residuals 0.1, 0.2, -0.7, 0.4 -> SSE 0.70, s = √0.35; t(0.975, 2) = 4.302653
    line = trend.fit_line([0, 1, 2, 3], [0, 1, 1, 3])
    s, t = math.sqrt(0.35), 4.302653
    assert line.slope == pytest.approx(0.9) and line.intercept == pytest.approx(-0.1)
    assert line.resid_std == pytest.approx(s) and line.t == pytest.approx(t, abs=1e-6)
    t = line.t  # the quantile to full precision
    assert (line.slope_lo, line.slope_hi) == pytest.approx((0.9 - t * s / math.sqrt(5), 0.9 + t * s / math.sqrt(5)))
    mean, lo, hi = line.predict(1.5)  # at x̄ the band is ± t · s / √n
    assert (mean, lo, hi) == pytest.approx((1.25, 1.25 - t * s / 2, 1.25 + t * s / 2))
    mean, lo, hi = line.predict(5.0)  # 2 beyond the last x: wider by √(1/4 + 3.5² / 5)
    assert hi - mean == pytest.approx(t * s * math.sqrt(0.25 + 3.5 ** 2 / 5))
    assert line.beyond(5.0) == pytest.approx(2.0) and line.beyond(1.0) == 0.0


def test_a_line_needs_two_distinct_x_and_a_band_three_points():
    assert trend.fit_line([1, 1, 1], [1, 2, 3]) is None and trend.fit_line([1], [2]) is None
    two = trend.fit_line([0, 1], [1, 3])
    assert two.slope == pytest.approx(2.0) and math.isnan(two.predict(0.5)[1]) and math.isnan(two.slope_lo)


def test_rungs_are_told_apart_by_model_width_and_rounds(tables):
    runs = pd.read_csv(tables / "runs.csv")
    frame = capacity.with_rungs(runs)
    kinds = frame.drop_duplicates("rung").set_index("rung")["kind"].to_dict()
    assert kinds == {"resnet_small ×1, 6 rounds": WIDTH_RUNG, "resnet_small ×2, 6 rounds": WIDTH_RUNG,
                     "resnet_small ×4, 6 rounds": WIDTH_RUNG, "resnet_small ×1, 12 rounds": LENGTH_RUNG,
                     "resnet18_cifar ×1, 3 rounds": MODEL_RUNG}
    assert capacity.rung_order(frame)[:3] == [f"resnet_small ×{w}, 6 rounds" for w in WIDTHS]


def test_the_trend_over_widths_by_hand(tables):
    table = pd.read_csv(tables / "runs.csv")
    rounds = pd.read_csv(tables / "rounds.csv")
    layers = pd.read_csv(tables / "layers.csv")
    tidy = capacity.capacity_frame(table, rounds, layers)
    fit = tidy[tidy["row"] == "fit"].set_index(["quantity", "baseline"])
    xs = np.array([x_of(w) for w in WIDTHS])
    sxx = 3 * ((xs - xs.mean()) ** 2).sum()
    x0 = math.log10(0.05 * reported.AUTHORS_PRUNABLE["cifar10"])
    # the gap: exact slope and intercept, residual std √(6 / 7) (offsets -1, 0, 1 at each of 3 widths)
    gap = fit.loc[("gap", "")]
    s = math.sqrt(6 / 7)
    assert (gap["slope"], gap["intercept"], gap["points"], gap["widths"]) == pytest.approx((GAP_B, GAP_A, 9, 3))
    assert gap["slope_hi"] - gap["slope"] == pytest.approx(T7 * s / math.sqrt(sxx), rel=1e-6)
    assert gap["paper_kept"] == pytest.approx(0.05 * 11_164_352)
    assert gap["predicted"] == pytest.approx(GAP_A + GAP_B * x0)
    half = T7 * s * math.sqrt(1 / 9 + (x0 - xs.mean()) ** 2 / sxx)
    assert gap["predicted_hi"] - gap["predicted"] == pytest.approx(half, rel=1e-6)
    assert gap["decades_beyond"] == pytest.approx(x0 - xs.max())
    assert gap["decades_spanned"] == pytest.approx(xs.max() - xs.min())
    # ZeroFL's regrowth ratio, fitted on log10 (offsets / 10): slope RATIO_D; Top-K's ratio is 5 at every width
    zerofl = fit.loc[("ratio", "zerofl")]
    assert (zerofl["slope"], zerofl["intercept"]) == pytest.approx((RATIO_D, RATIO_C))
    assert fit.loc[("ratio", "topk"), "slope"] == pytest.approx(0.0, abs=1e-9)
    assert "predicts" in gap["implication"] and "n = 9 runs at 3 widths" in gap["implication"]
    # per rung: the length and model rungs are shown, not fitted
    rungs = tidy[tidy["row"] == "rung"]
    length = rungs[(rungs["kind"] == LENGTH_RUNG) & (rungs["quantity"] == "gap")].iloc[0]
    assert length["mean"] == pytest.approx(GAP_A + GAP_B * x_of(1)) and length["n"] == 3
    model = rungs[(rungs["kind"] == MODEL_RUNG) & (rungs["baseline"] == "zerofl")].iloc[0]
    assert model["kept"] == pytest.approx(0.05 * 11_163_200)
    assert set(rungs.loc[rungs["kind"] == MODEL_RUNG, "quantity"]) == {"ratio"}  # no dense in that rung


def test_claims_are_judged_per_rung(tables):
    table = pd.read_csv(tables / "runs.csv")
    verdicts = capacity.rung_claims(table, pd.read_csv(tables / "rounds.csv"), pd.read_csv(tables / "layers.csv"))
    # width 1 at 95 % keeps 50 weights: gap = 20 - 4 log10(50) = 13.2 pp > 2: claim 1 contradicted at every width
    assert [verdicts[f"resnet_small ×{w}, 6 rounds"][1].verdict for w in WIDTHS] == ["contradicted"] * 3
    # the model rung has no dense run: claim 1 is not testable there
    assert verdicts["resnet18_cifar ×1, 3 rounds"][1].verdict == "inconclusive"
    # claim 2 needs ZeroFL and Top-K above 100 × SparsyFed: Top-K is at 5 ×
    assert verdicts["resnet_small ×4, 6 rounds"][2].verdict == "contradicted"


def test_capacity_files_and_figure(tables, tmp_path):
    paths = write_table("capacity", tables, tmp_path)
    assert [p.name for p in paths] == ["capacity.csv", "capacity.md", "capacity.tex"]
    page = (tmp_path / "capacity.md").read_text()
    assert "## The trend over widths, carried to the paper's scale" in page and "## The claims along the ladder" in page
    assert "ResNet-18's 558 k kept weights" in page
    figure = make_figure("capacity_trend", tables, tmp_path)
    assert all(p.stat().st_size > 0 for p in figure)


def test_a_ladder_packed_in_part_is_shown_as_incomplete(tmp_path):
    """Width 4 and the length rung not finished (status missing, as `reference-add --partial` packs them), one
    seed of width 2 neither: no prunable count borrowed from another width, no verdict, no line carried."""
    ladder = Ladder()
    for seed in SEEDS:
        ladder_rung(ladder, 1, seed)
        ladder_rung(ladder, 2, seed, finished=seed != 3)
        ladder_rung(ladder, 4, seed, finished=False)
        ladder_rung(ladder, 1, seed, rounds=12, finished=False)
    ladder.write(tmp_path / "tables")
    runs, rounds, layers = (pd.read_csv(tmp_path / "tables" / f"{t}.csv") for t in ("runs", "rounds", "layers"))
    tidy = capacity.capacity_frame(runs, rounds, layers)
    rungs = tidy[tidy["row"] == "rung"].drop_duplicates("rung").set_index("rung")
    assert rungs["prunable"].to_dict() == pytest.approx(
        {"resnet_small ×1, 6 rounds": 1000.0, "resnet_small ×2, 6 rounds": 4000.0,
         "resnet_small ×4, 6 rounds": math.nan, "resnet_small ×1, 12 rounds": 1000.0}, nan_ok=True)
    assert rungs["runs_finished"].tolist() == [21, 14, 0, 0] and set(rungs["runs"]) == {21}
    assert set(rungs.loc["resnet_small ×4, 6 rounds", [f"claim{c}" for c in capacity.JUDGED]]) == {capacity.NOT_RUN}
    assert rungs.loc["resnet_small ×1, 6 rounds", "claim1"] == "contradicted"
    fit = tidy[tidy["row"] == "fit"].set_index(["quantity", "baseline"]).loc[("gap", "")]
    assert (fit["points"], fit["widths"], fit["unfinished"]) == (5, 2, 2 + 6)  # dense and SparsyFed at 95 %
    assert fit["slope"] == pytest.approx(GAP_B, abs=1.0) and math.isnan(fit["predicted"])
    assert "incomplete: 8 of 18 dense and SparsyFed runs not finished" in fit["implication"]
    assert "predicts" not in fit["implication"] and "no conclusion is drawn" in fit["implication"]
    write_table("capacity", tmp_path / "tables", tmp_path)
    page = (tmp_path / "capacity.md").read_text()
    assert "| resnet_small ×4, 6 rounds | width | ? | 0 of 21 | not run | not run | not run | not run |" in page
    assert "| resnet_small ×2, 6 rounds | width | 4,000 | 14 of 21 |" in page
    assert all(p.stat().st_size > 0 for p in make_figure("capacity_trend", tmp_path / "tables", tmp_path))


def test_a_line_is_carried_once_the_runs_it_is_fitted_on_have_finished(tmp_path):
    """Width 4 with dense and SparsyFed finished but Top-K and ZeroFL not: the gap's line is carried to the paper's
    scale exactly as on the whole ladder, the ratios' lines are not."""
    ladder = Ladder()
    for seed in SEEDS:
        for width in WIDTHS:
            ladder_rung(ladder, width, seed, methods=("dense", "sparsyfed"))
            ladder_rung(ladder, width, seed, methods=("topk", "zerofl"), finished=width != 4)
    ladder.write(tmp_path / "tables")
    runs, rounds, layers = (pd.read_csv(tmp_path / "tables" / f"{t}.csv") for t in ("runs", "rounds", "layers"))
    fits = capacity.capacity_frame(runs, rounds, layers).query("row == 'fit'").set_index(["quantity", "baseline"])
    gap = fits.loc[("gap", "")]
    x0 = capacity.paper_x(capacity.GAP_QUANTITY)
    assert gap["unfinished"] == 0 and gap["predicted"] == pytest.approx(GAP_A + GAP_B * x0)
    assert "predicts" in gap["implication"] and "incomplete" not in gap["implication"]
    zerofl = fits.loc[("ratio", "zerofl")]
    assert zerofl["unfinished"] == 3 and math.isnan(zerofl["predicted"])
    assert "incomplete: 3 of 18 ZeroFL and SparsyFed runs not finished" in zerofl["implication"]
    assert all(p.stat().st_size > 0 for p in make_figure("capacity_trend", tmp_path / "tables", tmp_path))
