"""Faults injected into runs, for the tests: a round hook (sparsyfed.fl.round_hooks) that this module registers
when imported, inert unless an environment variable asks for it.

Tests of a grid on a real scheduler (tests/slurm/) need runs that misbehave on purpose. With this folder on
PYTHONPATH and SPARSYFED_HOOKS=injected_faults, every `sparsyfed run` imports this module, and then:

    SPARSYFED_TEST_CRASH="method=zerofl,sparsity=0.99,round=1"
        every run matching all the given settings raises `InjectedCrash` (a RuntimeError) at the
        start of that round. `round` is required; the other keys are run settings (`sparsyfed
        run --help`), each value read as YAML and compared with the run's.
    SPARSYFED_TEST_ROUND_DELAY=2.5
        every round of every run sleeps that many seconds first: a run of a known wall time
        whatever the CPU load (to meet a SLURM time limit); the numbers do not change.

Unset or empty: nothing happens.
"""

from __future__ import annotations

import os
from time import sleep

import yaml

from sparsyfed.config import RunConfig
from sparsyfed.errors import UserError
from sparsyfed.fl import round_hooks

CRASH = "SPARSYFED_TEST_CRASH"
DELAY = "SPARSYFED_TEST_ROUND_DELAY"


class InjectedCrash(RuntimeError):
    """The crash asked for by SPARSYFED_TEST_CRASH."""


def parse_crash(spec: str) -> tuple[int, dict]:
    """`"key=value,...,round=R"` -> (R, {key: value}); a malformed spec is a UserError."""
    settings = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"{CRASH}: {item!r} is not key=value (e.g. {CRASH}='method=zerofl,round=1')")
        settings[key.strip()] = yaml.safe_load(value.strip())
    rnd = settings.pop("round", None)
    if not isinstance(rnd, int) or isinstance(rnd, bool) or rnd < 1:
        raise UserError(f"{CRASH}: needs round=<round number >= 1>, got {spec!r}")
    unknown = sorted(set(settings) - set(RunConfig.__dataclass_fields__))
    if unknown:
        raise UserError(f"{CRASH}: unknown run setting(s) {', '.join(unknown)} in {spec!r}")
    return rnd, settings


def parse_delay(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise UserError(f"{DELAY}: must be a number of seconds >= 0, got {text!r}")
    return seconds


def inject(cfg: RunConfig, rnd: int) -> None:
    """Delay and/or crash round `rnd` of the run `cfg` as the environment asks (see above)."""
    delay = os.environ.get(DELAY, "").strip()
    if delay:
        sleep(parse_delay(delay))
    spec = os.environ.get(CRASH, "").strip()
    if spec:
        crash_round, settings = parse_crash(spec)
        if rnd == crash_round and all(getattr(cfg, key) == value for key, value in settings.items()):
            raise InjectedCrash(f"crash injected by {CRASH}={spec!r} in round {rnd}")


if inject not in round_hooks.HOOKS:
    round_hooks.HOOKS.append(inject)
