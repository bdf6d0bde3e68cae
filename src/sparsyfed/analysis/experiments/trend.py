"""A straight-line trend with its interval: ordinary least squares of y on x, the slope's t interval and
the confidence band of the fitted mean.

For n points (x, y) with residual std s (n − 2 degrees of freedom), the fitted mean at x0 is
a + b x0 with the two-sided CI_LEVEL band a + b x0 ± t(1 − (1 − level) / 2, n − 2) · s · √(1/n +
(x0 − x̄)² / Sxx), and the slope b ± t · s / √Sxx. The band is of the line (the mean), not of a new
point; at an x0 outside the measured range it holds only if the relation stays a straight line there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sparsyfed.analysis.stats import CI_LEVEL

MIN_POINTS = 3  # a band needs a residual std: n − 2 ≥ 1


@dataclass(frozen=True)
class Line:
    """A least-squares line y = intercept + slope · x over n points, with what its intervals need."""

    slope: float
    intercept: float
    n: int
    x_mean: float
    sxx: float  # Σ (x − x̄)²
    resid_std: float  # √(SSE / (n − 2)); NaN below MIN_POINTS
    t: float  # t(1 − (1 − level) / 2, n − 2); NaN below MIN_POINTS
    x_min: float
    x_max: float
    level: float = CI_LEVEL

    @property
    def slope_lo(self) -> float:
        return self.slope - self._slope_half()

    @property
    def slope_hi(self) -> float:
        return self.slope + self._slope_half()

    def _slope_half(self) -> float:
        return self.t * self.resid_std / math.sqrt(self.sxx) if self.sxx > 0 else math.nan

    def predict(self, x0: float) -> tuple[float, float, float]:
        """(fitted mean, band low, band high) at x0."""
        mean = self.intercept + self.slope * x0
        if self.sxx <= 0:
            return mean, math.nan, math.nan
        half = self.t * self.resid_std * math.sqrt(1.0 / self.n + (x0 - self.x_mean) ** 2 / self.sxx)
        return mean, mean - half, mean + half

    def beyond(self, x0: float) -> float:
        """How far x0 lies outside the fitted x range (0 inside), in units of x."""
        return max(self.x_min - x0, x0 - self.x_max, 0.0)


def fit_line(x: Iterable[float], y: Iterable[float], level: float = CI_LEVEL) -> Line | None:
    """The least-squares line of the finite (x, y) pairs; None below two points or two distinct x."""
    x, y = np.asarray(list(x), dtype=float), np.asarray(list(y), dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    if n < 2 or np.unique(x).size < 2:
        return None
    x_mean = float(x.mean())
    sxx = float(((x - x_mean) ** 2).sum())
    slope = float(((x - x_mean) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * x_mean)
    if n < MIN_POINTS:
        resid, t = math.nan, math.nan
    else:
        from scipy.stats import t as student_t  # ~1 s to import; only a fit needs it

        resid = math.sqrt(float(((y - intercept - slope * x) ** 2).sum()) / (n - 2))
        t = float(student_t.ppf(1.0 - (1.0 - level) / 2.0, n - 2))
    return Line(slope, intercept, n, x_mean, sxx, resid, t, float(x.min()), float(x.max()), level)
