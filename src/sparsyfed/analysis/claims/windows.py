"""Steady-state windows: the rounds of each run a per-round quantity is averaged over before a claim
judges it.

Round 1 is never steady (every method but FLASH downloads the dense initial model), and for several
rounds after it the global model's sparsity still moves (in the reference grid Top-K at α = 0.1 and a
90 % target dips to 76.6 % in round 4 and settles near 89.4 %). Claims 4 and 5 are judged on JUDGED,
the last third of each run's rounds; the claims page shows the verdict on every window of WINDOWS.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from sparsyfed.analysis.collect import GRID
from sparsyfed.analysis.stats import ok_values

FIRST_STEADY_ROUND = 2  # round 1 downloads the dense initial model


@dataclass(frozen=True)
class Window:
    """The last `share` of a run's T rounds (rounded up, at least one round, never round 1 of a longer run)."""

    name: str
    share: float  # 1 keeps rounds 2–T, 0 keeps round T only

    def first_round(self, last: int) -> int:
        """The first round kept in a run whose last round is `last`."""
        kept = max(1, math.ceil(self.share * last - 1e-9))
        return min(int(last), max(FIRST_STEADY_ROUND, int(last) - kept + 1))

    def span(self, lasts: Iterable[int]) -> str:
        """'rounds 21–30' for the runs' last rounds `lasts` (several spans when the runs differ)."""
        spans = [f"{self.first_round(t)}–{t}" if self.first_round(t) < t else f"{t}"
                 for t in sorted({int(t) for t in lasts})]
        if not spans:
            return "no rounds"
        return ("rounds " if len(spans) > 1 or "–" in spans[0] else "round ") + ", ".join(spans)

    def label(self, lasts: Iterable[int]) -> str:
        """'last third (rounds 21–30)'."""
        return f"{self.name} ({self.span(lasts)})"


AFTER_ROUND_1 = Window("every round after the first", 1.0)
LAST_HALF = Window("last half", 0.5)
LAST_THIRD = Window("last third", 1 / 3)
LAST_ROUND = Window("last round", 0.0)
JUDGED = LAST_THIRD
WINDOWS = (AFTER_ROUND_1, LAST_HALF, LAST_THIRD, LAST_ROUND)


def last_rounds(rounds: pd.DataFrame) -> list[int]:
    """The distinct last rounds of the finished runs in `rounds`."""
    ok = ok_values(rounds, "round")
    return sorted({int(t) for t in ok.groupby(GRID, dropna=False)["round"].max()}) if len(ok) else []


def _in_window(frame: pd.DataFrame, window: Window) -> pd.DataFrame:
    last = frame.groupby(GRID, dropna=False)["round"].transform("max")
    first = last.map(lambda t: window.first_round(int(t)))
    return frame[frame["round"] >= first]


def window_means(rounds: pd.DataFrame, column: str, window: Window, scale: float = 1.0) -> pd.DataFrame:
    """Per finished run (GRID): the mean of `column` * `scale` over the run's rounds in `window`."""
    frame = ok_values(rounds, column, scale)
    if frame.empty:
        return pd.DataFrame(columns=GRID + [column])
    return _in_window(frame, window).groupby(GRID, dropna=False)[column].mean().reset_index()


def run_minimum(rounds: pd.DataFrame, column: str, scale: float = 1.0) -> pd.DataFrame:
    """Per finished run (GRID): the minimum of `column` * `scale` over rounds FIRST_STEADY_ROUND–T."""
    frame = ok_values(rounds, column, scale)
    frame = frame[frame["round"] >= FIRST_STEADY_ROUND] if len(frame) else frame
    if frame.empty:
        return pd.DataFrame(columns=GRID + [column])
    return frame.groupby(GRID, dropna=False)[column].min().reset_index()
