"""Portable numerics and the numeric fingerprint (sparsyfed.numerics, fl/fingerprint.py).

The committed values were computed on an AMD EPYC with AVX-512 under portable numerics and agree
with a test vector from an AVX2-only machine (issue 16): with portable numerics every x86-64 machine
with AVX2 must compute them bit for bit.
"""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sparsyfed import numerics
from sparsyfed.errors import UserError
from sparsyfed.fl.fingerprint import cpu_description, fingerprint

PORTABLE_HASH = "5463e838f2c13b99"
# `sparsyfed run --set method=sparsyfed sparsity=0.95 rounds=3 num_clients=10 clients_per_round=2
# samples_per_client=200 threads=1` on the full Fashion-MNIST: train_loss of rounds 1-3 (issue 16).
TEST_VECTOR = [2.216250762939453, 2.266369857788086, 2.204623794555664]
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

x86_avx2 = pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64") or "avx2" not in cpu_description()["flags"],
    reason="portable numerics promise the same bits on x86-64 machines with AVX2")


@x86_avx2
def test_the_fingerprint_hash_under_portable_numerics_is_the_committed_one():
    fp = fingerprint("cpu")  # tests/conftest.py puts the test process on portable numerics
    assert (fp["numerics"], fp["aten_capability"], fp["onednn_max_cpu_isa"], fp["mkl_cbwr"]) == \
        ("portable", "AVX2", "AVX2", "AVX2")
    assert fp["hash"] == PORTABLE_HASH


def test_the_fingerprint_describes_the_host():
    fp = fingerprint("cpu")
    assert fp["torch"] == torch.__version__ and fp["cpu_arch"] == platform.machine()
    assert len(fp["hash"]) == 16 and set(fp["hash"]) <= set("0123456789abcdef")


@pytest.mark.skipif("avx512f" not in cpu_description()["flags"],
                    reason="native and portable kernels coincide on CPUs without AVX-512")
def test_numerics_cannot_change_once_torch_computed():
    torch.ones(3).sum()
    try:
        with pytest.raises(UserError, match="numerics: native asked for, but torch computes with"):
            numerics.apply(numerics.NATIVE)
    finally:
        numerics.apply(numerics.PORTABLE)  # what is in force: fine


def test_an_unknown_mode_is_a_one_line_error():
    with pytest.raises(UserError, match="numerics: must be one of native, portable"):
        numerics.apply("avx512")


@x86_avx2
@pytest.mark.skipif(not FASHION_MNIST.exists(), reason="needs Debian's dataset-fashion-mnist")
def test_a_run_reproduces_the_avx2_test_vector(tmp_path):
    """A run started from a clean environment sets the pins itself and records them."""
    out = tmp_path / "run"
    subprocess.run([sys.executable, "-m", "sparsyfed.cli", "run", "--quiet", "--out", str(out), "--set",
                    "method=sparsyfed", "sparsity=0.95", "rounds=3", "num_clients=10", "clients_per_round=2",
                    "samples_per_client=200", "threads=1"], check=True,
                   env={k: v for k, v in os.environ.items() if k not in numerics.PORTABLE_ENV})
    import pandas as pd

    assert pd.read_csv(out / "rounds.csv")["train_loss"].tolist() == TEST_VECTOR
    fp = json.loads((out / "summary.json").read_text())["provenance"]["fingerprint"]
    assert (fp["numerics"], fp["hash"]) == ("portable", PORTABLE_HASH)
