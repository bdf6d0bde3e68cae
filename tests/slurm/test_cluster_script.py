"""`scripts/slurm-local-cluster.sh` on a machine restored from a snapshot: /run keeps the daemons'
pid files, the daemons are gone, and an old pid may now belong to another process. The script
must start every daemon again and must not take (or kill) the stranger for one of its daemons.

Runs first among the SLURM tests (file order) and leaves the cluster up for them; root only.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "slurm-local-cluster.sh"
ENABLE = "SPARSYFED_SLURM_TESTS"
DAEMONS = ("slurmd", "slurmctld", "slurmdbd", "mariadbd", "munged")
PID_FILES = {"mariadbd": Path("/run/mysqld/sparsyfed.pid"), "slurmctld": Path("/run/sparsyfed-slurm/slurmctld.pid")}

pytestmark = [
    pytest.mark.skipif(os.environ.get(ENABLE) != "1", reason=f"SLURM tests: set {ENABLE}=1 (root)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the cluster script runs as root"),
]


def test_the_cluster_comes_up_after_a_restore_with_stale_and_reused_pids():
    subprocess.run([str(SCRIPT)], check=True, capture_output=True, timeout=150)
    for name in DAEMONS:  # gone without a word, as in a restore: pid files stay behind
        subprocess.run(["pkill", "-9", "-x", name], check=False)
    time.sleep(1)
    stranger = subprocess.Popen(["sleep", "600"])
    try:
        for path in PID_FILES.values():  # an old pid now used by an unrelated process
            path.write_text(f"{stranger.pid}\n")
        up = subprocess.run([str(SCRIPT)], check=False, capture_output=True, text=True, timeout=150)
        assert up.returncode == 0, up.stdout + up.stderr
        assert stranger.poll() is None, "the script killed a process that only reused a daemon's pid"
        status = subprocess.run([str(SCRIPT), "status"], check=False, capture_output=True, text=True)
        assert status.returncode == 0, status.stdout
        for name, path in PID_FILES.items():
            pid = int(path.read_text())
            assert pid != stranger.pid and Path(f"/proc/{pid}/comm").read_text().strip() == name
    finally:
        stranger.kill()
        stranger.wait()
