"""Three-way verdicts from t intervals: what a claim needs of an estimate, one judged comparison, and
how comparisons combine into a claim's verdict.

A comparison is supported when its whole interval lies on the claim's side of the threshold,
contradicted when the whole interval lies on the other side, and inconclusive when the interval
touches or straddles the threshold or has too few seeds to exist. The verdict is the data's:
the rule only says which side counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sparsyfed.analysis.stats import CI_LEVEL, MIN_N, Interval

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
INCONCLUSIVE = "inconclusive"
VERDICTS = (SUPPORTED, CONTRADICTED, INCONCLUSIVE)

COMBINE_RULE = ("supported if every judged comparison is supported, contradicted if any is contradicted, "
                "otherwise inconclusive")
INTERVAL_RULE = (f"{100 * CI_LEVEL:g} % two-sided Student-t interval over seeds, mean ± t · std / √n with "
                 f"t = t(1 − {(1 - CI_LEVEL) / 2:g}, n − 1) and the sample std (ddof = 1); at least {MIN_N} "
                 "seeds. Each interval is at this level on its own (no correction for the number of comparisons)")


@dataclass(frozen=True)
class Need:
    """What a claim needs of an estimate: `op` is '<' or '>' (than `value`) or 'within' [`value`, `upper`]."""

    op: str
    value: float
    upper: float = math.nan

    def text(self, spec: str, unit: str) -> str:
        if self.op == "within":
            return f"within [{self.value:{spec}}, {self.upper:{spec}}]{unit}"
        return f"{self.op} {self.value:{spec}}{unit}"

    def judge(self, ci: Interval) -> tuple[str, str]:
        """(verdict, why) of interval `ci` against this need."""
        if ci.n < MIN_N or not (math.isfinite(ci.lo) and math.isfinite(ci.hi)):
            return INCONCLUSIVE, (f"n = {ci.n}: too few seeds for an interval" if ci.n < MIN_N
                                  else "the interval is not finite")
        if self.op == "within":
            if ci.lo >= self.value and ci.hi <= self.upper:
                return SUPPORTED, "the interval lies inside"
            if ci.hi < self.value or ci.lo > self.upper:
                return CONTRADICTED, "the interval lies outside"
            return INCONCLUSIVE, "the interval crosses an edge"
        above = ci.lo > self.value
        below = ci.hi < self.value
        if (above and self.op == ">") or (below and self.op == "<"):
            return SUPPORTED, "the interval lies on the claim's side"
        if above or below:
            return CONTRADICTED, "the interval lies on the other side"
        return INCONCLUSIVE, "the interval straddles the threshold"


@dataclass(frozen=True)
class Check:
    """One judged comparison: `where` (the cell), `what` (the estimate, e.g. 'dense − SparsyFed'),
    `test` (e.g. 'paired t'), its interval, what the claim needs, and how to print the numbers."""

    where: str
    what: str
    test: str
    ci: Interval
    need: Need
    spec: str = ".2f"  # format of the numbers
    unit: str = ""     # e.g. " pp", "×"

    @property
    def verdict(self) -> str:
        return self.need.judge(self.ci)[0]

    @property
    def why(self) -> str:
        return self.need.judge(self.ci)[1]

    def estimate(self) -> str:
        """'paired t over n = 3 seeds: dense − SparsyFed = 1.20 pp (std 0.40, t = 4.30), 95 % CI [0.21, 2.19]'."""
        c, f, u = self.ci, self.spec, self.unit
        if c.n == 0:
            return f"{self.what}: no finished seeds"
        if c.n < MIN_N:
            return f"{self.what} = {c.mean:{f}}{u} from n = 1 seed (no interval)"
        return (f"{self.test} over n = {c.n} seeds: {self.what} = {c.mean:{f}}{u} (std {c.std:{f}}, "
                f"t = {c.t:.3f}), {100 * c.level:g} % CI [{c.lo:{f}}, {c.hi:{f}}]{u}")

    def sentence(self) -> str:
        """The estimate, what the claim needs and the verdict, in words a reviewer can check by hand."""
        return (f"{self.where}: {self.estimate()}; the claim needs {self.need.text(self.spec, self.unit)} "
                f"→ **{self.verdict}** ({self.why})")


def combine(checks: Sequence[Check]) -> tuple[str, str]:
    """(verdict, reason) of a claim from its judged comparisons, by COMBINE_RULE."""
    if not checks:
        return INCONCLUSIVE, "nothing to judge"
    counts = {v: sum(c.verdict == v for c in checks) for v in VERDICTS}
    tally = (f"{counts[SUPPORTED]} of {len(checks)} comparison{'s' if len(checks) != 1 else ''} supported, "
             f"{counts[CONTRADICTED]} contradicted, {counts[INCONCLUSIVE]} inconclusive")
    if counts[CONTRADICTED]:
        return CONTRADICTED, tally
    if counts[INCONCLUSIVE]:
        few = sum(c.ci.n < MIN_N for c in checks if c.verdict == INCONCLUSIVE)
        wide = counts[INCONCLUSIVE] - few
        parts = ([f"{wide} interval{'s' if wide != 1 else ''} across the threshold"] if wide else []) + (
            [f"{few} with fewer than {MIN_N} seeds"] if few else [])
        return INCONCLUSIVE, f"{tally}: {' and '.join(parts)}"
    return SUPPORTED, tally


@dataclass(frozen=True)
class Variant:
    """A claim's verdict under one choice the page shows (a window, a reading of the claim); `judged`
    marks the choice the claim's verdict is taken under."""

    label: str
    verdict: str
    reason: str
    judged: bool = False

    def sentence(self) -> str:
        return f"{self.label}{', judged' if self.judged else ''}: **{self.verdict}** ({self.reason})"


def variant(label: str, checks: Sequence[Check], judged: bool = False) -> Variant:
    """The Variant of `checks` combined by COMBINE_RULE."""
    return Variant(label, *combine(checks), judged)
