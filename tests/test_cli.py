import subprocess
import sys


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
    out = sparsyfed("partition", "--dataset", "fashion_mnist", "--alpha", "1000", "--clients", "10", "--samples-per-client", "16",
                    "--data-root", str(fmnist_root), "--out", str(part))
    assert out.returncode == 0 and part.exists(), out.stderr
    out = sparsyfed("run", "--set", f"data_root={fmnist_root}", "model=small_cnn", "num_clients=10",
                    "clients_per_round=2", "samples_per_client=16", "rounds=2", f"partition={part}",
                    "alpha=1000", "--out", str(tmp_path / "run"), "--quiet")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "run" / "summary.json").exists()
