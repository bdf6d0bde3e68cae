"""The SLURM path for real: the workflow through `--profile profiles/slurm` on a running cluster
(`scripts/slurm-local-cluster.sh` brings one up on this machine), and the faults of a cluster.

    tiny grid, one run per SLURM job      every output, every run ok, every job through sbatch
    tiny grid, 8 runs per job, a crash    group jobs sized from their runs; the crashed run is
                                          recorded as failed and the grid, tables, figures complete
    a run cancelled with scancel          resumes from its checkpoint when the workflow restarts
    a run killed at its time limit        retried by the profile, resumes from its checkpoint

The interrupted runs end with exactly the numbers of a run never interrupted (timing aside).
Slow (minutes): runs only with SPARSYFED_SLURM_TESTS=1; then a cluster that does not answer is a
failure, never a skip. Each Snakemake call runs in its own temporary folder (`--directory`).
"""

from __future__ import annotations

import functools
import math
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml

REPO = Path(__file__).resolve().parents[2]
SNAKEFILE = REPO / "Snakefile"
PROFILE = REPO / "profiles" / "slurm"
TINY = REPO / "tests" / "workflow" / "config_tiny.yaml"
HOOKS = REPO / "tests" / "hooks"  # injected_faults.py: crashes and delays the runs a variable names


def faults_env(**variables: str) -> dict[str, str]:
    """The environment of a workflow whose runs load the injected faults (tests/hooks/injected_faults.py)
    and misbehave as `variables` (its SPARSYFED_TEST_* variables) say; SLURM jobs inherit it."""
    path = os.pathsep.join(filter(None, [str(HOOKS), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "SPARSYFED_HOOKS": "injected_faults", **variables}


# Attempts a run under a 1-minute limit may take. Each attempt loses its start-up (Python, torch, the data:
# 10-40 s when other jobs share the cores) before it trains; the profile's 2 retries are enough on an idle
# machine, 6 on one whose cores are busy (CI runs other work beside these tests).
RETRIES_UNDER_LOAD = 6
ENABLE = "SPARSYFED_SLURM_TESTS"
# The plugin's first look at sacct comes 40 s after a job ends by default: right for a busy
# cluster, most of the wall time of these tests.
FAST_POLL = ["--slurm-init-seconds-before-status-checks", "2", "--seconds-between-status-checks", "2"]
TIMING = ["round_wall_s"]
RUN = "results/runs/fashion_mnist/alpha0.1/sparsyfed/s0.9/seed5378"  # the one run of fault_config

pytestmark = pytest.mark.skipif(
    os.environ.get(ENABLE) != "1",
    reason=f"SLURM tests: start a cluster (as root: scripts/slurm-local-cluster.sh) and set {ENABLE}=1")


@functools.cache
def _sinfo() -> tuple[int, str]:
    """(CPUs of the cluster's smallest node, '') or (0, why no cluster answers); asked once."""
    try:
        out = subprocess.run(["sinfo", "-h", "-o", "%c"], check=False, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 0, str(exc)
    if out.returncode != 0 or not out.stdout.strip():
        return 0, out.stderr.strip() or "no nodes"
    return min(int(c.rstrip("+")) for c in out.stdout.split()), ""


def cluster_cpus() -> int:
    """CPUs of the cluster's nodes (the smallest); fails the test when no cluster answers."""
    cpus, why = _sinfo()
    if not cpus:
        pytest.fail(f"{ENABLE}=1 but no SLURM cluster answers (sinfo: {why}); start one with "
                    f"scripts/slurm-local-cluster.sh (as root), or unset {ENABLE}")
    return cpus


def snakemake_cmd(workdir: Path, *args: str, slurm: bool = True) -> list[str]:
    profile = ["--profile", str(PROFILE), *FAST_POLL] if slurm else ["--cores", "1"]
    return [sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE), "--directory", str(workdir),
            *profile, *args]


def snakemake(workdir: Path, *args: str, slurm: bool = True, env: dict | None = None,
              timeout: float = 900) -> subprocess.CompletedProcess:
    """Snakemake on the project's Snakefile in `workdir` (through the SLURM profile unless `slurm=False`)."""
    return subprocess.run(snakemake_cmd(workdir, *args, slurm=slurm), check=False, cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)


def slurm_jobs(output: str) -> list[dict]:
    """The SLURM jobs of one Snakemake call (all named by its 'SLURM run ID'), as sacct sees them."""
    match = re.search(r"SLURM run ID: (\S+)", output)
    assert match, output[-3000:]
    since = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    fields = ["JobIDRaw", "State", "Comment", "AllocCPUS", "ReqMem", "Timelimit", "Elapsed"]
    out = subprocess.run(["sacct", "-X", "-n", "-P", "-S", since, "--name", match.group(1), "-o", ",".join(fields)],
                         capture_output=True, text=True, timeout=60, check=True)
    return [dict(zip(fields, line.split("|"), strict=True)) for line in out.stdout.splitlines() if line.strip()]


def minutes(slurm_time: str) -> float:
    """'[D-]HH:MM:SS' (sacct's Timelimit, Elapsed) -> minutes."""
    days, _, clock = slurm_time.rpartition("-")
    h, m, s = (int(x) for x in clock.split(":"))
    return int(days or 0) * 1440 + h * 60 + m + s / 60


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table that Snakemake prints before it starts, as {rule: count}."""
    table = output[output.index("Job stats:"):].splitlines()[3:]
    counts = {}
    for line in table:
        match = re.match(r"^(\S+)\s+(\d+)$", line.strip())
        if not match:
            break
        counts[match.group(1)] = int(match.group(2))
    return counts


def local_job_counts(output: str) -> dict[str, int]:
    """Jobs Snakemake ran in its own process ('localrule NAME:' in its log), as {rule: count}: the
    local rules (`all`, each run's settings file), which never become SLURM jobs."""
    counts: dict[str, int] = {}
    for name in re.findall(r"^localrule (\S+):$", output, flags=re.M):
        counts[name] = counts.get(name, 0) + 1
    return counts


def job_name(comment: str) -> str:
    """The rule or group in the plugin's job comment: 'rule_<name>' or 'rule_<name>_wildcards_<values>'
    (a group job's name is '<group>_<rules>', e.g. 'sim_simulate')."""
    return comment.removeprefix("rule_").split("_wildcards_")[0]


def check_outputs(work: Path) -> pd.DataFrame:
    """Every tidy table, paper table, figure and the claims page exist; returns runs.csv."""
    from sparsyfed.analysis.outputs import FIGURES, TABLE_NAMES

    wanted = [work / "results" / "tables" / f"{t}.csv" for t in ("rounds", "runs", "layers", "mask_iou", "partitions")]
    wanted += [work / "paper_figures" / f"{t}.{ext}" for t in TABLE_NAMES for ext in ("csv", "md", "tex")]
    wanted += [work / "paper_figures" / f"{f}.{ext}" for f in FIGURES for ext in ("pdf", "png")]
    wanted += [work / "paper_figures" / "claims.md"]
    missing = [str(p.relative_to(work)) for p in wanted if not p.is_file() or p.stat().st_size == 0]
    assert not missing
    return pd.read_csv(work / "results" / "tables" / "runs.csv")


def grid_size(config_path: Path) -> int:
    grid = yaml.safe_load(config_path.read_text())["grid"]
    per_seed = sum(1 if m == "dense" else len(grid["sparsities"]) for m in grid["methods"])
    return per_seed * len(grid["alphas"]) * len(grid["seeds"])


# ---------------------------------------------------------------- the grid


def test_tiny_grid_one_run_per_job(tmp_path):
    """The profile as it is: every job of the tiny grid is its own SLURM job (a run is a group of
    one, `sim=1`); every output is made and every run is ok."""
    cluster_cpus()
    result = snakemake(tmp_path, "--configfile", str(TINY))
    assert result.returncode == 0, result.stdout[-4000:]

    runs = check_outputs(tmp_path)
    assert len(runs) == grid_size(TINY)
    assert (runs["status"] == "ok").all(), runs[["method", "sparsity", "status", "error"]]
    # One SLURM job per job of the plan but the local ones (`all`, the settings files); each COMPLETED.
    local = local_job_counts(result.stdout)
    assert local == {"all": 1, "settings": len(runs)}
    planned = {rule: n - local.get(rule, 0) for rule, n in job_counts(result.stdout).items() if rule != "total"}
    planned = {rule: n for rule, n in planned.items() if n}
    planned["sim_simulate"] = planned.pop("simulate")
    jobs = slurm_jobs(result.stdout)
    assert [j["State"] for j in jobs] == ["COMPLETED"] * sum(planned.values()), jobs
    assert pd.Series([job_name(j["Comment"]) for j in jobs]).value_counts().to_dict() == planned
    assert {int(j["AllocCPUS"]) for j in jobs} == {1}


def test_grouped_grid_with_a_crashing_run(tmp_path):
    """8 runs per SLURM job (`--group-components sim=8`, as wide as a node: `--cores`): a group
    job asks for the threads and memory of the runs it runs side by side and the summed runtime
    of its waves. One run crashes in training (SPARSYFED_TEST_CRASH): it is recorded as failed,
    its group job still succeeds, and the rest of the grid, the tables and the figures complete."""
    cpus = cluster_cpus()
    per_group = 8
    env = faults_env(SPARSYFED_TEST_CRASH="method=zerofl,sparsity=0.99,round=1")
    result = snakemake(tmp_path, "--configfile", str(TINY), "--group-components", f"sim={per_group}",
                       "--cores", str(cpus), env=env)
    assert result.returncode == 0, result.stdout[-4000:]

    runs = check_outputs(tmp_path)
    failed = runs[runs["status"] != "ok"]
    assert len(runs) == grid_size(TINY)
    assert failed[["method", "sparsity", "status"]].values.tolist() == [["zerofl", 0.99, "failed"]]
    assert "InjectedCrash" in failed["error"].iloc[0]
    assert "†" in (tmp_path / "paper_figures" / "table1.md").read_text()  # the cell is marked
    claims = (tmp_path / "paper_figures" / "claims.md").read_text()
    assert "zerofl" in claims.split("## Runs that failed, diverged or are missing")[1].split("##")[0]

    jobs = slurm_jobs(result.stdout)
    assert all(j["State"] == "COMPLETED" for j in jobs), jobs
    groups = [j for j in jobs if job_name(j["Comment"]) == "sim_simulate"]
    assert [j for j in jobs if "simulate" in j["Comment"]] == groups  # every run went in a group
    sizes = [per_group] * (len(runs) // per_group) + ([len(runs) % per_group] if len(runs) % per_group else [])
    planned = job_counts(result.stdout)
    local = sum(local_job_counts(result.stdout).values())
    assert len(jobs) == planned["total"] - local - planned["simulate"] + len(sizes)
    sim = yaml.safe_load(TINY.read_text())["resources"]["simulate"]
    expected = sorted((min(n, cpus), min(n, cpus) * sim["mem_mb"], math.ceil(n / min(n, cpus)) * sim["runtime"])
                      for n in sizes)
    asked = sorted((int(j["AllocCPUS"]), int(j["ReqMem"].rstrip("Mn")), round(minutes(j["Timelimit"])))
                   for j in groups)
    assert asked == expected


# ---------------------------------------------------------------- faults


def fault_config(path: Path, rounds: int, runtime: int) -> Path:
    """One sparsyfed run with a checkpoint every round; `rounds` and the time limit as given.
    200 samples per client make a round last a fraction of a second on one core."""
    config = yaml.safe_load(TINY.read_text())
    config["datasets"][0]["rounds"] = rounds
    config["grid"].update(methods=["sparsyfed"], sparsities=[0.9])
    config["partition"]["samples_per_client"] = 200
    config["run"].update(eval_every=rounds, mask_every=rounds, checkpoint_every=1)
    config["resources"]["simulate"]["runtime"] = runtime
    path.write_text(yaml.safe_dump(config))
    return path


def reference_run(config: Path, workdir: Path) -> subprocess.Popen:
    """The same run, never interrupted, on this machine (no SLURM), started in the background at
    the lowest CPU priority, so that it slows the SLURM jobs it runs beside as little as it can."""
    cmd = ["nice", "-n", "19", *snakemake_cmd(workdir, f"{RUN}/summary.json", "--configfile", str(config), slurm=False)]
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def assert_same_numbers(run_dir: Path, reference: subprocess.Popen, reference_dir: Path) -> None:
    out, _ = reference.communicate(timeout=900)
    assert reference.returncode == 0, out[-3000:]
    for table in ("rounds.csv", "layers.csv"):
        ours = pd.read_csv(run_dir / table).drop(columns=TIMING, errors="ignore")
        theirs = pd.read_csv(reference_dir / table).drop(columns=TIMING, errors="ignore")
        pd.testing.assert_frame_equal(ours, theirs, check_exact=True)


def test_cancelled_run_resumes_from_its_checkpoint(tmp_path):
    """scancel a run once it has a checkpoint; the workflow, started again, resumes it (the rounds
    before the checkpoint keep their recorded timings) and it ends with the uninterrupted numbers.

    The executor plugin (2.8) takes sacct's "CANCELLED by <uid>" for a running job and would wait
    for ever, so Snakemake is stopped with Ctrl-C (SIGINT) as a user would (docs/slurm.md)."""
    cluster_cpus()
    config = fault_config(tmp_path / "config.yaml", rounds=40, runtime=10)
    reference = reference_run(config, tmp_path / "reference")
    work = tmp_path / "work"
    target = f"{RUN}/summary.json"
    # --retries 0: the cancelled job fails this call instead of being resubmitted by it.
    log = tmp_path / "first.log"
    with open(log, "w") as sink:
        first = subprocess.Popen(snakemake_cmd(work, target, "--retries", "0", "--configfile", str(config)),
                                 cwd=REPO, stdout=sink, stderr=subprocess.STDOUT,
                                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    checkpoint = work / RUN / "checkpoint.pt"
    deadline = time.monotonic() + 600
    while not checkpoint.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert checkpoint.exists(), "the run never wrote a checkpoint: " + log.read_text()[-3000:]
    run_id = re.search(r"SLURM run ID: (\S+)", log.read_text()).group(1)
    running = subprocess.run(["squeue", "-h", "--name", run_id, "-o", "%i|%k"], capture_output=True, text=True,
                             check=True).stdout
    job = [line.split("|")[0] for line in running.splitlines() if "simulate" in line]
    assert len(job) == 1, running
    subprocess.run(["scancel", job[0]], check=True)
    while "CANCELLED" not in subprocess.run(["sacct", "-n", "-X", "-j", job[0], "-o", "State"],
                                            check=False, capture_output=True, text=True).stdout:
        assert time.monotonic() < deadline, f"job {job[0]} was never cancelled"
        time.sleep(0.5)
    if first.poll() is None:
        first.send_signal(signal.SIGINT)
    first.wait(timeout=300)
    out = log.read_text()
    assert first.returncode != 0, out[-3000:]
    assert [j["State"].split()[0] for j in slurm_jobs(out) if "simulate" in j["Comment"]] == ["CANCELLED"]
    assert not (work / RUN / "summary.json").exists()
    saved = torch.load(checkpoint, weights_only=False)["round"]
    assert 1 <= saved < 40
    before = pd.read_csv(work / RUN / "rounds.csv").head(saved)

    again = snakemake(work, target, "--configfile", str(config))
    assert again.returncode == 0, again.stdout[-4000:]
    assert [j["State"] for j in slurm_jobs(again.stdout)] == ["COMPLETED"]
    after = pd.read_csv(work / RUN / "rounds.csv")
    pd.testing.assert_frame_equal(after.head(saved), before, check_exact=True)  # resumed, not restarted
    assert not checkpoint.exists()
    assert_same_numbers(work / RUN, reference, tmp_path / "reference" / RUN)


def test_run_at_its_time_limit_is_retried_and_resumes(tmp_path):
    """A run of 34 rounds, each made to last over 2.5 s (SPARSYFED_TEST_ROUND_DELAY, so whatever
    the CPU load), under a 1-minute limit: SLURM kills it (TIMEOUT, 60 to 90 s after its start:
    limits are checked every 30 s), `--retries` resubmit it and it resumes from its checkpoint each
    time, ending with the uninterrupted numbers. Started afresh each time, a run of over 90 s of
    rounds could never finish in attempts that SLURM ends within 90 s. How many attempts it takes
    depends on the machine's load (RETRIES_UNDER_LOAD); that it times out at least once and ends
    resumed does not. 34 rounds, not more: a retry that ends its run within seconds of its own kill
    is marked TIMEOUT too, its summary is removed and the next attempt starts afresh (docs/slurm.md
    section 5); with 40 rounds the second attempt ended there, attempt after attempt, on a loaded
    machine, while 34 leave it about 20 s to spare."""
    cluster_cpus()
    config = fault_config(tmp_path / "config.yaml", rounds=34, runtime=1)
    reference = reference_run(config, tmp_path / "reference")  # no delay: the numbers are the same
    work = tmp_path / "work"
    result = snakemake(work, f"{RUN}/summary.json", "--configfile", str(config),
                       "--retries", str(RETRIES_UNDER_LOAD), env=faults_env(SPARSYFED_TEST_ROUND_DELAY="2.5"))
    assert result.returncode == 0, result.stdout[-4000:]

    attempts = [j for j in slurm_jobs(result.stdout) if "simulate" in j["Comment"]]
    states = [j["State"] for j in attempts]
    assert states[-1] == "COMPLETED" and set(states[:-1]) == {"TIMEOUT"}, attempts
    assert all(j["Timelimit"] == "00:01:00" for j in attempts)
    assert_same_numbers(work / RUN, reference, tmp_path / "reference" / RUN)
