"""A shipped reference: pack a finished grid (analysis/reference/pack.py), review it (rebuild every output from
the shipped tables and compare; the `review` target runs it whole, tests/workflow/test_review_workflow.py),
verify it (sparsyfed/analysis/reference/verify.py: rerun runs and compare them exactly).

The tiny grid of tests/conftest.py is run once and packed (`tiny_reference`); a test that changes a
reference changes a copy.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
import yaml

from sparsyfed import record
from sparsyfed.analysis.collect import collect, read_table
from sparsyfed.analysis.outputs import PAPER_FIGURE_FILES
from sparsyfed.analysis.reference.pack import DIFFERS as FILE_DIFFERS
from sparsyfed.analysis.reference.pack import EQUAL, MISSING, NOT_SHIPPED, add_experiments, compare, pack, review
from sparsyfed.analysis.reference.verify import DIFFERS, EQUIVALENT, IDENTICAL, Reference, judge, verify
from sparsyfed.cli import main
from sparsyfed.errors import UserError
from sparsyfed.grid import Grid

REPO = Path(__file__).resolve().parents[1]
CAPTIONS = REPO / "workflow" / "report"
POINT = "fashion_mnist/alpha0.1/sparsyfed/s0.9/seed2"


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_of(reference: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(reference, tmp_path / "reference"))


def table_bytes(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


# ---------------------------------------------------------------- pack


def run_experiment(results: Path, config: dict, experiment: str) -> None:
    """Make the runs of `experiment` that are not the grid's own, as `run_tiny_grid` makes the grid's."""
    from sparsyfed.config import load_config
    from sparsyfed.grid import write_settings
    from sparsyfed.runner import run

    for run_dir, planned in Grid(config).experiment_runs(experiment).items():
        if planned.in_grid:
            continue
        write_settings(results / run_dir / "settings.yaml", planned.settings)
        cfg = load_config(results / run_dir / "settings.yaml",
                          [f"partition={results / planned.settings['partition']}", "threads=1"])
        run(cfg, results / run_dir, progress=False)


def corrected_setup(tiny_reference, tmp_path: Path, behaviour: str) -> tuple[Path, dict, Path]:
    """A copy of the tiny grid's results and its config with the `corrected` experiment of one behaviour:
    (results folder, config, config file)."""
    results = tmp_path / "work"
    shutil.copytree(tiny_reference["results"], results)
    config = yaml.safe_load(tiny_reference["config"].read_text())
    config["experiments"] = {"corrected": {"behaviours": [behaviour], "datasets": None, "alphas": None,
                                           "sparsities": None, "seeds": None}}
    config_file = tmp_path / "tiny.yaml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return results, config, config_file


def test_pack_ships_an_experiment_and_review_rebuilds_its_outputs(tiny_reference, tmp_path):
    """`--experiments corrected`: the experiment's runs (its corrected runs beside the grid's own as-ran runs)
    are collected into experiments/corrected/tables and its table is built into paper_figures; review rebuilds
    it equal, and a changed experiment table makes it differ. An unfinished experiment is refused."""
    results, config, config_file = corrected_setup(tiny_reference, tmp_path, "shortcuts")
    with pytest.raises(UserError, match="--experiments: corrected's run .* has not finished"):
        pack(results, config_file, 60.0, tmp_path / "reference", CAPTIONS, "pack", experiments=("corrected",))
    run_experiment(results, config, "corrected")

    ref = pack(results, config_file, 60.0, tmp_path / "reference", CAPTIONS, "pack", experiments=("corrected",))
    runs = read_table(ref / "experiments" / "corrected" / "tables", "runs")
    # SparsyFed and ZeroFL corrected, and as ran: SparsyFed's are the grid's own runs, ZeroFL's are not in the grid
    assert len(runs) == 8 and runs["run_dir"].str.startswith("results/runs/").sum() == 2
    for ext in ("csv", "md", "tex"):
        assert (ref / "paper_figures" / f"corrected.{ext}").stat().st_size > 0
    assert "| `experiments/<experiment>/tables/` |" in (ref / "README.md").read_text()
    assert "experiments/" not in (tiny_reference["reference"] / "README.md").read_text()  # none packed there
    result = review(ref, tmp_path / "review", CAPTIONS)
    assert not result.failures and len(result.checks) == len(PAPER_FIGURE_FILES) + 3

    runs_file = ref / "experiments" / "corrected" / "tables" / "runs.csv"
    runs["final_test_acc"] = runs["final_test_acc"] + 0.01
    runs.to_csv(runs_file, index=False)
    changed = review(ref, tmp_path / "review2", CAPTIONS)
    assert {c.name for c in changed.failures} >= {"corrected.csv", "corrected.md"}


def test_an_experiment_added_to_a_packed_reference_is_packed_as_with_the_grid(tiny_reference, tmp_path):
    """`reference-add`: an experiment packed into a packed reference from its own runs (the grid's run folders
    gone, but for those it shares) gives every file that packing it with the grid gives, but README.md and
    provenance.json, which name the command that added it; packed again with no run folder at all (its runs
    from its packed tables, the shared ones from the grid's), every file stays the same."""
    results, config, config_file = corrected_setup(tiny_reference, tmp_path, "shortcuts")
    run_experiment(results, config, "corrected")
    together = pack(results, config_file, 60.0, tmp_path / "together", CAPTIONS, "pack",
                    gzip_over=tiny_reference["gzip_over"], experiments=("corrected",))
    later = pack(results, config_file, 60.0, tmp_path / "later", CAPTIONS, "pack",
                 gzip_over=tiny_reference["gzip_over"])
    shared = {d for d in Grid(config).experiment_runs("corrected") if d.startswith("results/runs/")}
    for run_dir in Grid(config).run_dirs():
        if run_dir not in shared:
            shutil.rmtree(results / run_dir)
    with pytest.raises(UserError, match="--experiments: unknown experiment 'nope'"):
        add_experiments(later, results, ("nope",), "add")
    command = "sparsyfed reference-add --experiments corrected"
    add_experiments(later, results, ("corrected",), command, gzip_over=tiny_reference["gzip_over"])

    made = {name: data for name, data in files(later).items() if name not in ("README.md", "provenance.json")}
    assert made == {name: data for name, data in files(together).items()
                    if name not in ("README.md", "provenance.json")}
    provenance = json.loads((later / "provenance.json").read_text())
    assert provenance["command"] == "pack" and provenance["experiments"]["corrected"]["command"] == command
    assert provenance["experiments"]["corrected"]["runs"] == 8
    assert json.loads((together / "provenance.json").read_text())["experiments"]["corrected"]["command"] == "pack"
    readme = (later / "README.md").read_text()
    assert f"The corrected experiment was packed into it later, with\n\n```bash\n{command}\n```" in readme
    assert readme.replace(readme[readme.index("\nThe corrected experiment"):readme.index("\nDo not edit")], "") \
        .replace(str(later.name), "together") == (together / "README.md").read_text()
    assert not review(later, tmp_path / "review", CAPTIONS).failures
    files_before = files(later)

    # packed again from the reference alone: its own runs from its tables, the shared ones from the grid's
    shutil.rmtree(results / "results")
    (results / "results").mkdir()
    add_experiments(later, results, ("corrected",), command, gzip_over=tiny_reference["gzip_over"])
    assert files(later) == files_before

    shutil.rmtree(later / "experiments" / "corrected")  # its own runs neither here nor packed: refused
    with pytest.raises(UserError, match="--experiments: corrected's run .* has not finished"):
        add_experiments(later, results, ("corrected",), "add", gzip_over=tiny_reference["gzip_over"])


def test_an_experiment_is_packed_in_parts(tiny_reference, tmp_path):
    """`reference-add --partial`: with half of an experiment's own runs finished, those are packed and the
    others are runs.csv rows of status "missing" (the pages count them, the README says so); a later add from a
    folder holding only the rest gives the tables of the whole experiment packed at once."""
    results, config, config_file = corrected_setup(tiny_reference, tmp_path, "shortcuts")
    run_experiment(results, config, "corrected")
    gzip_over = tiny_reference["gzip_over"]
    together = pack(results, config_file, 60.0, tmp_path / "together", CAPTIONS, "pack", gzip_over=gzip_over,
                    experiments=("corrected",))
    parts = pack(results, config_file, 60.0, tmp_path / "parts", CAPTIONS, "pack", gzip_over=gzip_over)
    own = [d for d, run in Grid(config).experiment_runs("corrected").items() if not run.in_grid]
    first, rest = tmp_path / "first", tmp_path / "rest"
    for folder, absent in ((first, own[::2]), (rest, own[1::2])):
        shutil.copytree(results, folder)
        for run_dir in absent:
            shutil.rmtree(folder / run_dir)

    with pytest.raises(UserError, match="has not finished; .* with --partial"):
        add_experiments(parts, first, ("corrected",), "add", gzip_over=gzip_over)
    assert main(["reference-add", "--reference", str(parts), "--results", str(first), "--experiments", "corrected",
                 "--partial"]) == 0
    runs = read_table(parts / "experiments" / "corrected" / "tables", "runs")
    assert sorted(runs.loc[runs["status"] == record.MISSING, "run_dir"]) == sorted(own[::2])
    assert json.loads((parts / "provenance.json").read_text())["experiments"]["corrected"]["runs_missing"] == len(
        own[::2])
    assert f"{len(runs) - len(own[::2])} of its {len(runs)} runs had finished" in (parts / "README.md").read_text()
    table = (parts / "paper_figures" / "corrected.md").read_text()
    assert "†" in table and "are missing (not finished when packed)" in table

    add_experiments(parts, rest, ("corrected",), "add", gzip_over=gzip_over)
    for name in record.TIDY_TABLES:  # the same values (a column the missing rows left empty is read as float)
        pd.testing.assert_frame_equal(read_table(parts / "experiments" / "corrected" / "tables", name),
                                      read_table(together / "experiments" / "corrected" / "tables", name),
                                      check_dtype=False)
    assert files(parts)["paper_figures/corrected.csv"] == files(together)["paper_figures/corrected.csv"]
    assert "packed in part" not in (parts / "README.md").read_text()


def test_pack_writes_the_reference_layout(tiny_reference):
    ref = tiny_reference["reference"]
    assert {"README.md", "config.yaml", "provenance.json"} <= set(files(ref))
    assert sorted(p.name for p in (ref / "paper_figures").iterdir()) == sorted(PAPER_FIGURE_FILES)
    assert (ref / "config.yaml").read_bytes() == tiny_reference["config"].read_bytes()
    # each tidy table once, gzipped exactly when it is over the size limit
    tables = sorted(p.name for p in (ref / "tables").iterdir())
    assert sorted(name.split(".")[0] for name in tables) == sorted(record.TIDY_TABLES)
    for name in tables:
        size = len(table_bytes(ref / "tables" / name))
        assert name.endswith(".gz") == (size > tiny_reference["gzip_over"]), (name, size)
    assert any(n.endswith(".csv.gz") for n in tables) and any(n.endswith(".csv") for n in tables)

    prov = json.loads((ref / "provenance.json").read_text())
    runs = read_table(ref / "tables", "runs")
    assert (prov["scale"], prov["runs"], prov["runs_ok"], prov["elapsed_s"]) == ("tiny test grid", 6, 6, 60.0)
    assert prov["run_wall_s"] == pytest.approx(runs["wall_s"].sum())
    assert prov["analysis"]["matplotlib"] == matplotlib.__version__ and prov["command"] == tiny_reference["command"]
    assert prov["machine"]["cores"] >= 1 and prov["runs_recorded"]["threads"] == ["1"]
    readme = (ref / "README.md").read_text()
    assert readme.startswith("# Shipped results of the tiny test grid\n\nScale: **tiny test grid**: ")
    assert "--point fashion_mnist/alpha0.1/sparsyfed/s0.9/seed1" in readme and "$" not in readme


def test_the_readme_shows_the_commands_for_its_folder():
    """reference/ is checked by the workflow's targets; another folder (reference-fsdd/) by the CLI, named."""
    from sparsyfed.analysis.reference.pack import _readme_commands

    point = "fsdd/alpha1000/sparsyfed/s0.9/seed5378"
    own = _readme_commands("reference", point, ["capacity"])
    assert own["review_command"] == "snakemake --cores all review"
    assert own["verify_commands"].splitlines()[0].startswith("snakemake --cores all verify ")
    assert "sparsyfed verify --reference reference --experiment capacity --k 2 " in own["verify_commands"]
    other = _readme_commands("reference-fsdd", point, [])
    assert other["review_command"] == "sparsyfed review --reference reference-fsdd --out results/review"
    lines = other["verify_commands"].splitlines()
    assert [line.split("#")[0].strip() for line in lines] == [
        "sparsyfed verify --reference reference-fsdd", "sparsyfed verify --reference reference-fsdd --k 5 --seed 1",
        f"sparsyfed verify --reference reference-fsdd --point {point}"]
    assert "snakemake" not in "".join(other.values())


def test_packed_tables_are_the_workflows(tiny_reference, tmp_path, monkeypatch):
    """The packed tables are byte for byte what the workflow's collect rule writes for the same runs."""
    config = yaml.safe_load(tiny_reference["config"].read_text())
    grid = Grid(config)
    monkeypatch.chdir(tiny_reference["results"])  # the collect rule names run folders from the workflow's folder
    collect(grid.run_dirs(), grid.partitions(), tmp_path / "tables", scale=config["scale"])
    packed = tiny_reference["reference"] / "tables"
    for name in record.TIDY_TABLES:
        shipped = next(packed.glob(f"{name}.csv*"))
        assert table_bytes(shipped) == (tmp_path / "tables" / f"{name}.csv").read_bytes(), name
    runs = read_table(packed, "runs")
    assert set(runs[record.SCALE]) == {"tiny test grid"}
    assert runs["run_dir"].str.startswith("results/runs/fashion_mnist/alpha0.1/").all()


def test_pack_is_reproducible_and_replaces_the_folder(tiny_reference, tmp_path):
    out = copy_of(tiny_reference["reference"], tmp_path)
    before = files(out)
    (out / "paper_figures" / "old_figure.png").write_bytes(b"from an earlier pack")
    pack(tiny_reference["results"], tiny_reference["config"], 60.0, out, CAPTIONS, tiny_reference["command"],
         gzip_over=tiny_reference["gzip_over"])
    assert files(out) == before
    assert not list(tmp_path.glob(".reference.*"))  # no staging folder left behind


def test_pack_refuses_an_unfinished_grid_or_another_config(tiny_reference, tmp_path):
    config = yaml.safe_load(tiny_reference["config"].read_text())
    args = (tiny_reference["results"], tmp_path / "c.yaml", 60.0, tmp_path / "out", CAPTIONS, "cmd")
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({**config, "run": {**config["run"], "lr": 0.4}}))
    with pytest.raises(UserError, match=r"is not the config .*summary.json ran \(lr: 0.4 in the config, 0.5 in"):
        pack(*args)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({**config, "grid": {**config["grid"], "seeds": [1, 2, 3]}}))
    with pytest.raises(UserError, match=r"3 of the 9 runs .* have not finished \(first: .*/seed3\)"):
        pack(*args)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- review


def test_compare_reports_figures_of_another_matplotlib_as_expected(tmp_path):
    shipped, rebuilt = tmp_path / "shipped", tmp_path / "rebuilt"
    for folder, text in ((shipped, "a"), (rebuilt, "b")):
        folder.mkdir()
        for name in ("regrowth.png", "table1.md", "claims.md"):
            (folder / name).write_text(text if name != "claims.md" else "same")
    (rebuilt / "report.md").write_text("new")
    made = sorted(rebuilt.iterdir())
    same = compare(shipped, made, {"analysis": {"matplotlib": matplotlib.__version__}})
    assert {c.name: (c.status, c.expected) for c in same} == {
        "claims.md": (EQUAL, False), "regrowth.png": (FILE_DIFFERS, False), "table1.md": (FILE_DIFFERS, False),
        "report.md": (NOT_SHIPPED, False)}
    older = {c.name: c for c in compare(shipped, made, {"analysis": {"matplotlib": "3.0.0"}})}
    assert older["regrowth.png"].expected and "3.0.0 in the reference" in older["regrowth.png"].note
    assert not older["table1.md"].expected  # a table never differs because of matplotlib
    gone = compare(shipped, [rebuilt / "claims.md"], {})
    assert {c.name: c.status for c in gone}["table1.md"] == MISSING


# ---------------------------------------------------------------- verify


def test_verify_reruns_drawn_points_exactly(tiny_reference, tmp_path):
    lines = []
    checks = verify(tiny_reference["reference"], tmp_path / "v", k=2, seed=0, threads=2, say=lines.append)
    assert [c.result for c in checks] == [IDENTICAL, IDENTICAL], checks
    compared = len(record.ROUND_COLUMNS) - len(record.TIMING_COLUMNS) + 1  # + status
    assert all((c.rounds, c.columns, c.differing) == (3, compared, 0) for c in checks)
    assert all(c.numerics.startswith("same fingerprint ") for c in checks)
    assert [line.split(":")[0] for line in lines if line.startswith("[")] == \
        [f"[1/2] {checks[0].point}", "[1/2] fingerprints", f"[1/2] {checks[0].point}", f"[2/2] {checks[1].point}",
         f"[2/2] {checks[1].point}"]
    assert lines[-1].startswith("verify: 2 of 2 runs identical to the shipped ones, 0 equivalent under other "
                                "numerics, 0 differ")
    table = pd.read_csv(tmp_path / "v" / "verify.csv")
    assert list(table["point"]) == [c.point for c in checks] and set(table["result"]) == {IDENTICAL}


def test_verify_judges_a_run_of_other_numerics_by_the_seed_spread(tiny_reference, tmp_path, capsys):
    """A shipped run whose fingerprint is not this host's, and whose bits differ (its train_loss moved in the last
    digits, as on another instruction set), is judged by the seed spread: "equivalent", both fingerprints
    printed."""
    ref = copy_of(tiny_reference["reference"], tmp_path)
    path = next((ref / "tables").glob("runs.csv*"))
    runs = pd.read_csv(path, dtype=str, keep_default_na=False)
    runs["prov_fingerprint_hash"] = "0123456789abcdef"
    runs["prov_fingerprint_aten_capability"] = "AVX512"
    runs.to_csv(path, index=False)
    path = next((ref / "tables").glob("rounds.csv*"))
    rounds = pd.read_csv(path, dtype=str, keep_default_na=False)
    rounds["train_loss"] = [repr(float(x) * (1 + 1e-7)) for x in rounds["train_loss"]]
    rounds.to_csv(path, index=False)
    code = main(["verify", "--reference", str(ref), "--point", POINT, "--threads", "1", "--out", str(tmp_path / "v")])
    out = capsys.readouterr().out
    assert code == 0
    assert "fingerprints: shipped hash 0123456789abcdef" in out and "; here hash " in out
    different = "different numerics: aten_capability AVX512 shipped, AVX2 here"
    assert f"{POINT}: {EQUIVALENT} ({different}) (final test_acc" in out
    assert "1 equivalent under other numerics, 0 differ" in out


def _cell(shift: float = 0.0) -> pd.DataFrame:
    """Per-round rows of a cell of three seeds: test accuracy evaluated at rounds 2 and 4."""
    rows = []
    for seed, acc in ((1, 0.80), (2, 0.82), (3, 0.84)):
        for rnd in (1, 2, 3, 4):
            evaluated = rnd in (2, 4)
            rows.append({"status": "ok", "seed": seed, "round": rnd, "train_loss": 1.0 / rnd,
                         "global_sparsity": 0.9, "test_acc": acc + rnd / 100 + shift if evaluated else float("nan")})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("numerics, shift, verdict", [
    ("", 0.0, IDENTICAL),
    ("", 1e-9, DIFFERS),  # same fingerprint: any difference is one
    ("aten_capability AVX512 shipped, AVX2 here", 0.0, IDENTICAL),  # the same bits, whatever the fingerprints
    ("aten_capability AVX512 shipped, AVX2 here", 1e-9, EQUIVALENT),
    ("aten_capability AVX512 shipped, AVX2 here", 0.01, EQUIVALENT),  # half-width: 4.30 * 0.02 * 1.15 = 0.099
    ("aten_capability AVX512 shipped, AVX2 here", 0.15, DIFFERS),
], ids=["same", "same-fingerprint-perturbed", "other-numerics-same-bits", "other-numerics", "within-spread",
        "outside-spread"])
def test_judge_says_identical_equivalent_or_differs(numerics, shift, verdict):
    cell = _cell()
    shipped = cell[cell["seed"] == 1].drop(columns="seed").reset_index(drop=True)
    rerun = shipped.copy()
    rerun["test_acc"] += shift
    result, difference, _, differing = judge(shipped, rerun, cell, numerics)
    assert result == verdict, difference
    assert (differing == 0) == (verdict != DIFFERS)
    if verdict == IDENTICAL:
        assert difference == ("bit for bit, under other numerics (aten_capability AVX512 shipped, AVX2 here)"
                              if numerics else "")
    elif numerics:
        assert "n = 3 shipped seeds" in difference


def test_the_draw_is_seeded_and_covers_every_shipped_run(tiny_reference):
    ref = Reference(tiny_reference["reference"])
    assert len(ref.shipped_runs()) == 6 and ref.experiments == []
    assert ref.choose(3, 0) == ref.choose(3, 0)
    assert {r.name for k in range(10) for r in ref.choose(1, k)} != {ref.choose(1, 0)[0].name}
    assert ref.choose(6, 5) == ref.shipped_runs()
    assert ref.run(POINT).name == POINT and ref.run("fashion_mnist/alpha0.10/sparsyfed/s0.90/seed2").name == POINT
    with pytest.raises(UserError, match="--experiment: .* holds no runs of 'capacity' \\(packed: none\\)"):
        ref.choose(1, 0, "capacity")


def test_verify_reruns_the_runs_of_a_packed_experiment(tiny_reference, tmp_path):
    """An experiment packed with the reference: its own runs are drawn with --experiment or named by folder, rerun
    with the settings the experiment gives them (here ZeroFL with its conv threshold corrected) and judged bit for
    bit against the experiment's tables; their cell is the experiment's runs with the same settings but the seed."""
    results, config, config_file = corrected_setup(tiny_reference, tmp_path, "conv_threshold")
    run_experiment(results, config, "corrected")
    folder = pack(results, config_file, 60.0, tmp_path / "reference", CAPTIONS, "pack", experiments=("corrected",))

    ref = Reference(folder)
    own = ref.shipped_runs("corrected")
    assert ref.experiments == ["corrected"] and len(ref.shipped_runs()) == 6
    # ZeroFL as ran (not in the grid) and corrected, SparsyFed corrected (as ran: the grid's own runs), 2 seeds each
    assert len(own) == 6 and all(r.name.startswith("experiments/corrected/runs/") for r in own)
    zerofl = next(r for r in own if "-corrected/" in r.name and "/zerofl/" in r.name)
    as_ran = next(r for r in own if "/grid/" in r.name and "/zerofl/" in r.name and r.settings["seed"] == 1)
    assert zerofl.settings["method_params"] != as_ran.settings["method_params"]
    cell = ref.cell_rows(zerofl)
    assert cell["run_dir"].nunique() == 2 and set(cell["seed"]) == {1, 2}  # its seeds, not the grid's as-ran runs
    assert ref.run(f"results/{zerofl.name}") == zerofl

    lines = []
    checks = verify(folder, tmp_path / "v", k=1, seed=0, points=[zerofl.name], threads=2, say=lines.append)
    assert [(c.point, c.result) for c in checks] == [(zerofl.name, IDENTICAL)], lines
    drawn = verify(folder, tmp_path / "v2", k=2, seed=0, experiment="corrected", threads=2, say=lines.append)
    assert [c.result for c in drawn] == [IDENTICAL, IDENTICAL] and all(c.point in {r.name for r in own} for c in drawn)
    assert any("(drawn with seed 0 from the 6 of corrected's own runs)" in line for line in lines)


def test_verify_names_the_round_and_column_of_an_altered_value(tiny_reference, tmp_path, capsys):
    ref = copy_of(tiny_reference["reference"], tmp_path)
    path = next((ref / "tables").glob("rounds.csv*"))
    rounds = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = rounds.index[(rounds["method"] == "sparsyfed") & (rounds["seed"] == "2") & (rounds["round"] == "2")][0]
    original = rounds.loc[row, "train_loss"]
    altered = repr(float(original) + 1e-9)
    rounds.loc[row, "train_loss"] = altered
    rounds.to_csv(path, index=False)  # gzipped again when the name ends in .gz
    code = main(["verify", "--reference", str(ref), "--point", POINT, "--threads", "1", "--out", str(tmp_path / "v")])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{POINT}: {DIFFERS} at round 2, column train_loss: shipped {altered}, rerun {original} (1 value differ" \
        in out
    assert "verify: 0 of 1 runs identical to the shipped ones, 0 equivalent under other numerics, 1 differ" in out


@pytest.mark.parametrize("argv, message", [
    (["verify", "--reference", "{tmp}/none"], "--reference: {tmp}/none not found"),
    (["verify", "--reference", "{ref}", "--point", "fashion_mnist/alpha0.1/zerofl/s0.9/seed1"],
     "--point: fashion_mnist/alpha0.1/zerofl/s0.9/seed1 is not a run of {ref}/config.yaml's grid"),
    (["verify", "--reference", "{ref}", "--point", "sparsyfed-0.9"], "--point: 'sparsyfed-0.9' is not named like"),
    (["verify", "--reference", "{ref}", "--k", "7"], "--k: 7 exceeds the 6 runs"),
    (["verify", "--reference", "{ref}", "--k", "0"], "--k: must be >= 1"),
    (["review", "--reference", "{tmp}/none", "--out", "{tmp}/o"], "--reference: {tmp}/none not found"),
    (["review", "--reference", "{tmp}", "--out", "{tmp}/o"], "--reference: {tmp} has no config.yaml"),
    (["reference-pack", "--results", "{tmp}", "--config", "{config}", "--elapsed-s", "5", "--out", "{tmp}/r"],
     "--results: {tmp} has no results/runs"),
    (["reference-pack", "--results", "{results}", "--config", "{config}", "--elapsed-s", "5", "--out", "{repo}"],
     "--out: {repo} exists and is not a reference folder"),
    (["reference-pack", "--results", "{results}", "--config", "{tmp}/c.yaml", "--elapsed-s", "5", "--out", "{tmp}/r"],
     "--config: {tmp}/c.yaml not found"),
    (["reference-pack", "--results", "{results}", "--config", "{config}", "--elapsed-s", "0", "--out", "{tmp}/r"],
     "--elapsed-s: must be > 0"),
    (["reference-add", "--reference", "{tmp}/none", "--results", "{results}", "--experiments", "corrected"],
     "--reference: {tmp}/none not found"),
    (["reference-add", "--reference", "{ref}", "--results", "{tmp}", "--experiments", "corrected"],
     "--results: {tmp} has no results/"),
], ids=["no-reference", "not-in-grid", "bad-point", "k-too-large", "k-zero", "review-no-reference",
        "review-not-a-reference", "pack-no-results", "pack-out-not-a-reference", "pack-no-config", "pack-elapsed",
        "add-no-reference", "add-no-results"])
def test_bad_input_is_a_one_line_error(argv, message, tiny_reference, tmp_path, capsys):
    names = {"tmp": tmp_path, "ref": tiny_reference["reference"], "results": tiny_reference["results"],
             "config": tiny_reference["config"], "repo": REPO}
    code = main([a.format(**names) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("sparsyfed: error: "), err
    assert message.format(**names) in err


# ---------------------------------------------------------------- the report


def test_report_shows_every_output_with_its_caption(tiny_reference):
    folder = tiny_reference["reference"] / "paper_figures"
    page = (folder / "report.md").read_text()
    lines = page.splitlines()
    assert lines[0] == "# SparsyFed reproduction: the report"
    cores = json.loads((folder.parent / "provenance.json").read_text())["machine"]["cores"]
    assert re.fullmatch(r"Scale: \*\*tiny test grid\*\*: Fashion-MNIST with small_cnn; 10 clients × 20 samples, 3 per "
                        r"round; 3 rounds; 2 seeds; 6 runs, all finished\. Compute: \d+ s of runs \(sum of their wall "
                        rf"times\), 60 s elapsed on {cores} cores\.", lines[2]), lines[2]
    # the claim verdicts, one row per claim
    assert sum(line.startswith(f"| {n} | ") for n in range(1, 6) for line in lines) == 5
    # every linked file exists beside the page
    links = re.findall(r"\]\(([^)]+)\)", page)
    assert links and all((folder / link).is_file() for link in links)
    for name in ("table1", "table2", "paper_comparison", "paper_shape"):
        assert f"[{name}.csv]({name}.csv)" in page and f"[{name}.tex]({name}.tex)" in page
        body = (folder / f"{name}.md").read_text().splitlines()
        assert "\n".join("##" + line if line.startswith("#") else line for line in body) in page  # headings deeper
        first_words = " ".join((CAPTIONS / f"{name}.rst").read_text().split()[:6])
        assert first_words in page
    for name in ("accuracy_vs_sparsity", "mask_iou", "partitions"):
        assert f"]({name}.png)" in page and f"[{name}.pdf]({name}.pdf)" in page
    assert "### Mask IoU\n" in page
    assert "- elapsed wall time of the whole grid: 60 s" in page and f"`{tiny_reference['command']}`" in page


@pytest.mark.parametrize("folder", ["reference", "reference-fsdd"])
def test_the_shipped_reference_reviews_equal(tmp_path, folder):
    """A shipped reference folder as committed: every output rebuilt from its tables equals the shipped file, so a
    change that alters an output cannot land without repacking (`sparsyfed reference-pack`)."""
    result = review(REPO / folder, tmp_path / "review", REPO / "workflow" / "report")
    assert not result.failures, [(c.name, c.status, c.note) for c in result.failures]
    shipped = {p.name for p in (REPO / folder / "paper_figures").iterdir()}
    assert {c.name for c in result.checks} == shipped and set(PAPER_FIGURE_FILES) <= shipped  # every file checked
