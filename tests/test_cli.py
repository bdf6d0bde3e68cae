import subprocess
import sys
from pathlib import Path

import pytest


def sparsyfed(*args):
    return subprocess.run([sys.executable, "-m", "sparsyfed.cli", *args], capture_output=True, text=True)


def test_help_lists_commands_and_settings():
    out = sparsyfed("run", "--help")
    assert out.returncode == 0
    for word in ("--config", "--set", "--out", "method", "sparsity", "alpha", "example"):
        assert word in out.stdout


def test_bad_value_is_one_line_and_nonzero(tmp_path):
    out = sparsyfed("run", "--set", "alpha=-3", "--out", str(tmp_path / "o"))
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "alpha" in out.stderr
    assert not (tmp_path / "o").exists()


def test_bad_config_file(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("rounds: [1, 2\n")
    out = sparsyfed("run", "--config", str(cfg), "--out", str(tmp_path / "o"))
    assert out.returncode == 2 and "not valid YAML" in out.stderr and out.stderr.count("\n") == 1


def test_run_and_partition_end_to_end(tmp_path, fmnist_root):
    part = tmp_path / "p.npz"
    out = sparsyfed("partition", "--dataset", "fashion_mnist", "--alpha", "1000", "--clients", "10",
                    "--samples-per-client", "16", "--data-root", str(fmnist_root), "--out", str(part))
    assert out.returncode == 0 and part.exists(), out.stderr
    out = sparsyfed("run", "--set", f"data_root={fmnist_root}", "model=small_cnn", "num_clients=10",
                    "clients_per_round=2", "samples_per_client=16", "rounds=2", f"partition={part}",
                    "alpha=1000", "--out", str(tmp_path / "run"), "--quiet")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "run" / "summary.json").exists()


def _bad_outs(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    a_folder = tmp_path / "a_folder"
    a_folder.mkdir()
    return a_file, a_folder


# (command and arguments, whether its --out is a folder)
COMMANDS = [
    (["run", "--set", "rounds=1"], True),
    (["partition", "--dataset", "mnist", "--alpha", "1"], False),
    (["data", "--dataset", "mnist"], False),
    (["collect", "--runs", "nowhere/cifar10/alpha0.1/dense/s0/seed1"], True),
    (["table", "table1", "--tables", "nowhere"], True),
    (["figure", "regrowth", "--tables", "nowhere"], True),
    (["claims", "--tables", "nowhere"], False),
]


@pytest.mark.parametrize("command, folder", COMMANDS, ids=[c[0][0] for c in COMMANDS])
@pytest.mark.parametrize("case", ["wrong kind", "under a file", "unwritable"])
def test_every_bad_out_is_one_line_and_nothing_is_written(tmp_path, capsys, command, folder, case):
    from sparsyfed.cli import main

    a_file, a_folder = _bad_outs(tmp_path)
    out = {"wrong kind": a_file if folder else a_folder, "under a file": a_file / "x",
           "unwritable": Path("/proc/sparsyfed-test/x")}[case]
    before = sorted(tmp_path.rglob("*"))
    assert main([*command, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sparsyfed: error: --out: ") and err.count("\n") == 1, err
    assert sorted(tmp_path.rglob("*")) == before


def test_run_help_lists_every_setting_and_every_catalogue_id():
    import dataclasses

    from sparsyfed import catalog
    from sparsyfed.config import RunConfig

    out = sparsyfed("run", "--help").stdout
    for field in dataclasses.fields(RunConfig):
        assert f"{field.name} [" in out, field.name
    for entries in (catalog.METHODS, catalog.DATASETS, catalog.MODELS):
        assert " | ".join(catalog.ids(entries)) in out
    assert "sparsyfed: activation_pruning" not in out  # a variant's fixed parameter is not offered
    assert "sparsyfed_noact: beta, conv_threshold, convert_shortcuts" in out.replace("\n" + " " * 28, " ")
