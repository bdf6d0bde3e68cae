"""The experiments' tables and figure (analysis/experiments/tables.py, figures/beta_sensitivity.py) on run
folders written by hand, every expected number worked out by hand below; and `collect --variants`.

Student-t quantiles used: t(0.975, 2) = 4.302653 (n = 3), t(0.975, 1) = 12.706205 (n = 2).
"""

import json
import math

import pandas as pd
import pytest

from sparsyfed import catalog, record
from sparsyfed.analysis.collect import collect, read_table
from sparsyfed.analysis.experiments.tables import beta_sensitivity, corrected, exponent_label
from sparsyfed.analysis.figures import make_figure
from sparsyfed.analysis.paper.tables import write_table
from sparsyfed.errors import UserError

T2, T1 = 4.302653, 12.706205
SEEDS = (1, 2, 3)
SPARSYFED = {"activation_pruning": True, "beta": 1.25, "conv_threshold": "session", "convert_shortcuts": False,
             "exponent": "fixed", "sparsity": 0.95, "spectral_over": "all", "spectral_scope": "layer",
             "spectral_sigma": "power_iteration"}


def variant(write_run, root, folder, method, alpha, seed, acc, params, *, regrowth=None, beta=None,
            final_sparsity=None, status="ok"):
    """A hand-written run (tests/analysis/conftest.py) of `method` with `params` in `root/folder`, then:
    regrowth_local = `regrowth` in rounds 2-6, layers.csv `beta` = beta(round, layer), the final global sparsity."""
    path = write_run(root / folder, method, alpha, 0.95, seed, acc=acc, status=status)
    summary = json.loads((path / "summary.json").read_text())
    summary["method_params"] = params
    if final_sparsity is not None:
        summary["final"]["global_sparsity"] = final_sparsity
    (path / "summary.json").write_text(json.dumps(summary))
    if status != "ok":
        return path
    if regrowth is not None:
        rounds = pd.read_csv(path / "rounds.csv")
        rounds["regrowth_local"] = [0.0] + [regrowth] * (len(rounds) - 1)
        rounds.to_csv(path / "rounds.csv", index=False)
    layers = pd.read_csv(path / "layers.csv")
    layers["beta"] = [beta(r, layer) if beta else math.nan for r, layer in zip(layers["round"], layers["layer"],
                                                                              strict=True)]
    layers.to_csv(path / "layers.csv", index=False)
    return path


# ---------------------------------------------------------------- the beta sweep

SWEEP_ACC = {"1": (0.60, 0.62, 0.64), "1.25": (0.70, 0.71, 0.75), "2": (0.66, 0.69, 0.69),
             "spectral": (0.65, 0.66, 0.70), "spectral_exact": (0.64, 0.66, 0.70)}


def spectral_beta(rnd, layer):
    """The spectral run's recorded beta: 1.02 + 0.001 * round on fc; the first conv is plain (empty)."""
    return 1.02 + 0.001 * rnd if layer == "fc.weight" else math.nan


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    from conftest import write_run

    root = tmp_path_factory.mktemp("sweep")
    for label, accs in SWEEP_ACC.items():
        for seed, acc in zip(SEEDS, accs, strict=True):
            fixed = not label.startswith("spectral")
            params = SPARSYFED | ({"beta": float(label)} if fixed else catalog.spectral_variant(label).params())
            variant(write_run, root, f"beta{label}", "sparsyfed", 1.0, seed, acc, params,
                    regrowth=5000.0 if label == "1" else 10.0,
                    beta=(lambda r, layer, b=float(label): b) if fixed else spectral_beta,
                    final_sparsity=0.90 if label == "1" else None)
    (root / "betamissing" / "fashion_mnist" / "alpha1" / "sparsyfed" / "s0.95" / "seed1").mkdir(parents=True)
    tables = root / "tables"
    collect([root], [], tables, variants=True)
    return tables


def tidy_row(frame, **key):
    hit = frame
    for k, v in key.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, key
    return hit.iloc[0]


def test_beta_table_by_hand(sweep):
    tidy, blocks = beta_sensitivity(*(read_table(sweep, t) for t in ("runs", "rounds", "layers")))
    assert list(tidy["exponent"]) == ["1", "1.25", "2", "spectral", "spectral_exact"]  # fixed by beta, then spectral
    plain = tidy_row(tidy, exponent="1")
    # accuracies 60, 62, 64: mean 62, sample std 2, 95 % interval 62 ± 4.302653 * 2 / sqrt(3)
    assert plain["acc_mean"] == pytest.approx(62.0) and plain["acc_std"] == pytest.approx(2.0)
    assert plain["acc_n"] == 3
    assert (plain["acc_ci_lo"], plain["acc_ci_hi"]) == pytest.approx((62 - T2 * 2 / 3 ** 0.5, 62 + T2 * 2 / 3 ** 0.5))
    # paired by seed against beta 1.25 (70, 71, 75): differences -10, -9, -11 -> mean -10, std 1
    assert plain["acc_delta_ref"] == pytest.approx(-10.0) and plain["acc_delta_ref_std"] == pytest.approx(1.0)
    assert plain["acc_delta_ref_ci_lo"] == pytest.approx(-10 - T2 / 3 ** 0.5)
    # final global sparsity 90 %, regrowth 5000 in rounds 2-6 (round 1 is left out of the mean)
    assert plain["sparsity_mean"] == pytest.approx(90.0) and plain["regrowth_mean"] == pytest.approx(5000.0)
    ref = tidy_row(tidy, exponent="1.25")
    assert ref["acc_mean"] == pytest.approx(72.0) and ref["acc_std"] == pytest.approx(7 ** 0.5)
    assert ref["acc_delta_ref"] == 0.0 and ref["regrowth_mean"] == pytest.approx(10.0)
    spectral = tidy_row(tidy, exponent="spectral")
    # recorded betas 1.021 ... 1.026 on fc (rounds 1-6), the plain conv left out: mean 1.0235
    assert not spectral["fixed"] and spectral["beta"] == pytest.approx(1.0235)
    assert (spectral["beta_min"], spectral["beta_max"]) == pytest.approx((1.021, 1.026))
    assert spectral["acc_delta_ref"] == pytest.approx(-5.0)  # -5, -5, -5
    assert spectral["acc_delta_ref_std"] == pytest.approx(0.0, abs=1e-9) and spectral["seeds"] == "1 2 3"
    md = "\n".join(" | ".join(str(c.text if hasattr(c, "text") else c) for c in row) for row in blocks[0].rows)
    assert "1 (plain weights) | 62.00 ± 2.00 | [57.03, 66.97] | -10.00 [-12.48, -7.52] | 90.00 ± 0.00 | " \
           "5000.0 ± 0.0 | 3" in md
    assert "spectral β, as ran (per layer, 1-step σ) | 1.0235 (range 1.0210–1.0260)" in md and "(reference)" in md
    assert "spectral β, exact σ | 1.0235" in md  # the variant: its own row and name
    assert any("left out" in note for note in blocks[0].notes)  # the folder without a summary


def test_beta_files_and_figure(sweep, tmp_path):
    paths = write_table("beta_sensitivity", sweep, tmp_path)
    assert [p.name for p in paths] == ["beta_sensitivity.csv", "beta_sensitivity.md", "beta_sensitivity.tex"]
    assert "α = 1, s = 95 %" in paths[1].read_text() and r"\begin{tabular}" in paths[2].read_text()
    pdf, png = make_figure("beta_sensitivity", sweep, tmp_path)
    assert png.stat().st_size > 10_000 and pdf.read_bytes()[:5] == b"%PDF-"


def test_beta_figure_without_runs_says_so(tmp_path):
    collect([tmp_path / "runs" / "cifar10" / "alpha0.1" / "sparsyfed" / "s0.9" / "seed1"], [], tmp_path / "t",
            variants=True)
    pdf, png = make_figure("beta_sensitivity", tmp_path / "t", tmp_path / "f")
    assert png.exists() and pdf.exists()


# ---------------------------------------------------------------- the corrected behaviours

@pytest.fixture(scope="module")
def corr(tmp_path_factory):
    from conftest import write_run

    root = tmp_path_factory.mktemp("corrected")
    for seed, acc in zip(SEEDS, (0.80, 0.82, 0.84), strict=True):
        # as ran: the grid's run, recorded before spectral_scope and spectral_sigma existed (as the reference's
        # grid was): its parameters are read in today's terms (catalog.recorded_params), so it pairs
        variant(write_run, root, "grid", "sparsyfed", 0.1, seed, acc,
                {k: v for k, v in SPARSYFED.items() if k not in catalog.PARAMS_ADDED[catalog.SPARSYFED_CLASS]})
    for seed, acc in zip(SEEDS, (0.81, 0.84, 0.85), strict=True):
        variant(write_run, root, "shortcuts-corrected", "sparsyfed", 0.1, seed, acc,
                SPARSYFED | {"convert_shortcuts": True}, regrowth=0.0)
    for seed, acc in zip(SEEDS, (0.79, 0.83, 0.0), strict=True):  # seed 3 failed
        variant(write_run, root, "conv_threshold-corrected", "sparsyfed", 0.1, seed, acc,
                SPARSYFED | {"conv_threshold": "batch"}, status="ok" if acc else "failed")
    flash = {"mask_scope": "all", "sparsity": 0.95}
    for seed in SEEDS:
        variant(write_run, root, "grid", "flash", 0.1, seed, 0.85, flash)
        variant(write_run, root, "flash_mask-corrected", "flash", 0.1, seed, 0.86, flash | {"mask_scope": "prunable"})
    tables = root / "tables"
    collect([root], [], tables, variants=True)
    return tables


def test_corrected_table_by_hand(corr):
    tidy, blocks = corrected(read_table(corr, "runs"), read_table(corr, "rounds"))
    assert list(zip(tidy["behaviour"], tidy["method"], strict=True)) == [
        ("shortcuts", "sparsyfed"), ("conv_threshold", "sparsyfed"), ("flash_mask", "flash")]
    short = tidy_row(tidy, behaviour="shortcuts")
    # as ran: the 3 grid runs only (the conv_threshold-corrected runs also have convert_shortcuts false,
    # but differ in another parameter); corrected - as ran per seed: +1, +2, +1 -> mean 4/3, std sqrt(1/3)
    assert short["as_ran_acc_n"] == 3 and short["as_ran_acc_mean"] == pytest.approx(82.0)
    assert short["acc_delta"] == pytest.approx(4 / 3) and short["acc_delta_std"] == pytest.approx(3 ** -0.5)
    assert (short["acc_delta_ci_lo"], short["acc_delta_ci_hi"]) == pytest.approx((4 / 3 - T2 / 3, 4 / 3 + T2 / 3))
    # regrowth 10 -> 0 in rounds 2-6: a difference of exactly -10 with every seed
    assert short["regrowth_delta"] == pytest.approx(-10.0) and short["regrowth_delta_ci_hi"] == pytest.approx(-10.0)
    assert (short["as_ran_value"], short["corrected_value"]) == ("false", "true")
    conv = tidy_row(tidy, behaviour="conv_threshold")
    # seed 3 failed: 2 pairs, differences -1, +1 -> mean 0, std sqrt(2), interval 0 ± 12.706205
    assert conv["corrected_n_bad"] == 1 and conv["corrected_bad"] == "failed: 1" and conv["acc_delta_n"] == 2
    assert conv["acc_delta"] == pytest.approx(0.0, abs=1e-9)
    assert conv["acc_delta_ci_hi"] == pytest.approx(T1, rel=1e-6)
    assert tidy_row(tidy, behaviour="flash_mask")["acc_delta"] == pytest.approx(1.0)
    rows = [[getattr(c, "text", c) for c in row] for row in blocks[0].rows]
    assert rows[0][0] == "1x1 shortcut convs: convert_shortcuts false → true" and rows[1][0].startswith("conv cut")
    assert rows[0][7] == f"+1.33 [{4 / 3 - T2 / 3:+.2f}, {4 / 3 + T2 / 3:+.2f}]" and rows[0][11] == "3"
    assert rows[0][9] == "10.0 → 0.0" and rows[1][7] == "+0.00 [-12.71, +12.71]" and rows[1][11] == "2"
    assert blocks[0].rows[1][6].flag == "†"  # the failed run marks its side


def test_experiment_tables_need_variant_tables(grid, tmp_path):
    with pytest.raises(UserError, match="--variants"):
        write_table("corrected", grid["tables"], tmp_path)


# ---------------------------------------------------------------- collect --variants

def test_collect_tells_variants_apart_only_when_asked(corr, tmp_path):
    runs = read_table(corr, "runs")
    assert len(runs) == 15 and runs["run_dir"].is_unique
    for name in ("rounds", "layers", "mask_iou"):
        frame = read_table(corr, name)
        assert list(frame.columns[6:7]) == ["run_dir"] and frame["run_dir"].nunique() == 14  # the failed run: none
    root = corr.parent
    with pytest.raises(UserError, match="same grid point.*--variants"):
        collect([root / "grid", root / "shortcuts-corrected"], [], tmp_path / "t")


def test_collect_reads_layers_written_before_the_later_columns(builders, tmp_path):
    path = builders["write_run"](tmp_path / "runs", "sparsyfed", 0.1, 0.9, 1)
    layers = pd.read_csv(path / "layers.csv")
    assert "beta" not in layers.columns  # as runs wrote them before issue 13
    collect([tmp_path / "runs"], [], tmp_path / "t")
    tidy = read_table(tmp_path / "t", "layers")
    added = list(record.LAYER_COLUMNS_ADDED)
    assert list(tidy.columns[-len(added) - 1:]) == ["regrowth_local", *added] and tidy[added].isna().all().all()


def test_exponent_labels_name_each_spectral_setting():
    assert exponent_label(SPARSYFED | {"beta": 2.0}) == "2"
    for v in catalog.SPECTRAL_VARIANTS:
        assert exponent_label(SPARSYFED | v.params()) == v.id
    assert exponent_label(SPARSYFED | {"exponent": "spectral", "spectral_over": "nonzero"}) == \
        "spectral_layer_power_iteration_nonzero"  # no variant names it: spelt out
    assert exponent_label({"beta": 1.25, "exponent": "spectral_mean"}) == "spectral_mean"  # runs before issue 18
