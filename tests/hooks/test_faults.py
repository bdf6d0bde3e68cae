"""The faults the SLURM tests inject (tests/hooks/injected_faults.py), through the engine's round hooks
(sparsyfed.fl.round_hooks): a crash of chosen runs in a chosen round, a delay per round."""

import json
import os
import subprocess
import sys
from pathlib import Path

import injected_faults
import pandas as pd
import pytest
from injected_faults import CRASH, DELAY, InjectedCrash, inject, parse_crash, parse_delay

from sparsyfed.config import RunConfig, load_config
from sparsyfed.errors import UserError
from sparsyfed.fl import round_hooks
from sparsyfed.runner import run

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def only_this_hook(monkeypatch):
    """Importing injected_faults registered its hook for the whole process: each test here sees exactly
    that hook, every other test none."""
    monkeypatch.setattr(round_hooks, "HOOKS", [inject])
    yield
    if inject in round_hooks.HOOKS:  # pragma: no cover (monkeypatch restores the list it replaced)
        round_hooks.HOOKS.remove(inject)


@pytest.fixture
def sleeps(monkeypatch):
    """The seconds each sleep of injected_faults was asked for (nothing sleeps)."""
    calls = []
    monkeypatch.setattr(injected_faults, "sleep", calls.append)
    return calls


def test_inert_without_the_variables(monkeypatch, sleeps):
    monkeypatch.delenv(CRASH, raising=False)
    monkeypatch.delenv(DELAY, raising=False)
    inject(RunConfig(method="zerofl"), 1)
    monkeypatch.setenv(CRASH, "  ")
    monkeypatch.setenv(DELAY, "")
    inject(RunConfig(method="zerofl"), 1)
    assert sleeps == []


def test_crashes_only_matching_runs_in_that_round(monkeypatch):
    monkeypatch.setenv(CRASH, "method=zerofl, sparsity=0.99, round=2")
    match = RunConfig(method="zerofl", sparsity=0.99)
    with pytest.raises(InjectedCrash, match="round 2"):
        inject(match, 2)
    inject(match, 1)
    inject(match, 3)
    inject(RunConfig(method="zerofl", sparsity=0.9), 2)
    inject(RunConfig(method="topk", sparsity=0.99), 2)


def test_delay_sleeps_every_round(monkeypatch, sleeps):
    monkeypatch.setenv(DELAY, "2.5")
    inject(RunConfig(), 1)
    inject(RunConfig(method="topk"), 7)
    assert sleeps == [2.5, 2.5]


@pytest.mark.parametrize("parse, spec, words", [
    (parse_crash, "method=zerofl", [CRASH, "round="]),
    (parse_crash, "method=zerofl,round=0", [CRASH, "round="]),
    (parse_crash, "round=one", [CRASH, "round="]),
    (parse_crash, "method,round=1", [CRASH, "'method'", "key=value"]),
    (parse_crash, "methd=zerofl,round=1", [CRASH, "methd"]),
    (parse_delay, "-1", [DELAY, "'-1'"]),
    (parse_delay, "soon", [DELAY, "'soon'"]),
    (parse_delay, "nan", [DELAY, "'nan'"]),
])
def test_bad_value_is_one_line_naming_the_variable(parse, spec, words):
    with pytest.raises(UserError) as err:
        parse(spec)
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_a_crashed_run_is_recorded_as_failed(tiny_run, tmp_path, monkeypatch, sleeps):
    """Through the engine's round loop: the run stops in the named round and, recorded, says why;
    the delay is applied once per round."""
    monkeypatch.setenv(CRASH, "method=topk,round=3")
    monkeypatch.setenv(DELAY, "0.5")
    summary = run(load_config(None, tiny_run + ["method=topk"]), tmp_path / "run", on_error="record", progress=False)
    assert summary["status"] == "failed" and "InjectedCrash" in summary["error"] and CRASH in summary["error"]
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["status"] == "failed"
    assert list(pd.read_csv(tmp_path / "run" / "rounds.csv")["round"]) == [1, 2]  # checkpointed before round 3
    assert sleeps == [0.5] * 3
    with pytest.raises(InjectedCrash):
        run(load_config(None, tiny_run + ["method=topk"]), tmp_path / "raise", progress=False)
    other = run(load_config(None, tiny_run + ["method=dense"]), tmp_path / "other", progress=False)
    assert other["status"] == "ok"


def test_sparsyfed_run_loads_the_hooks_the_environment_names(tmp_path, tiny_run):
    """`sparsyfed run` in its own process: SPARSYFED_HOOKS names the module, PYTHONPATH finds it, the crash
    stops the run; a name that does not import is one line naming the variable, exit 2."""
    env = {**os.environ, "PYTHONPATH": str(HERE), round_hooks.ENV: "injected_faults",
           CRASH: "method=topk,round=2"}
    cmd = [sys.executable, "-m", "sparsyfed.cli", "run", "--set", *tiny_run, "method=topk", "--quiet",
           "--record-failure", "--out", str(tmp_path / "run")]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "failed" and "InjectedCrash" in summary["error"]

    env[round_hooks.ENV] = "no_such_hooks"
    cmd[cmd.index("--out") + 1] = str(tmp_path / "other")
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 2 and round_hooks.ENV in result.stderr and "no_such_hooks" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "other" / "summary.json").exists()
