"""Statistics of a daily series whose observations overlap or cluster: Newey-West.

Requires a series of numbers (daily active returns, say). Produces the
t-statistic of its mean with the Newey-West (1987) long-run variance: the
autocovariances up to ``lags`` weighted by the Bartlett kernel
``1 - l / (lags + 1)``, so that autocorrelated returns (a tilt held for
months) are not counted as independent days.

``t = mean / sqrt(S / T)`` with ``S = g0 + 2 * sum_{l=1..L} (1 - l/(L+1)) g_l``
and ``g_l = (1/T) * sum_{t>l} (x_t - mean)(x_{t-l} - mean)``. The default
``L`` is ``floor(4 * (T / 100) ** (2 / 9))`` (Newey and West, 1994).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["newey_west_lags", "newey_west_t"]


def newey_west_lags(observations: int) -> int:
    """The usual automatic lag count, ``floor(4 * (T / 100) ** (2 / 9))``."""
    if observations < 1:
        raise ValueError(f"need at least one observation, got {observations}")
    return int(math.floor(4.0 * (observations / 100.0) ** (2.0 / 9.0)))


def newey_west_t(values: npt.ArrayLike, lags: int | None = None) -> float:
    """The t-statistic of the mean of ``values`` with a Newey-West standard error.

    Parameters
    ----------
    values
        The observations, in time order; missing values are dropped.
    lags
        Autocovariances counted (default :func:`newey_west_lags`).

    Returns
    -------
    float
        ``mean / sqrt(S / T)``; NaN when the long-run variance is not
        positive (a constant series) or fewer than 2 observations remain.
    """
    series = np.asarray(values, dtype=float).ravel()
    series = series[~np.isnan(series)]
    count = len(series)
    if count < 2:
        return math.nan
    if not np.isfinite(series).all():
        raise ValueError("values must be finite")
    lags = newey_west_lags(count) if lags is None else lags
    if lags < 0:
        raise ValueError(f"lags must be zero or more, got {lags}")
    centred = series - series.mean()
    variance = float(centred @ centred) / count
    for lag in range(1, min(lags, count - 1) + 1):
        weight = 1.0 - lag / (lags + 1)
        variance += 2.0 * weight * float(centred[lag:] @ centred[:-lag]) / count
    if not variance > 0.0:
        return math.nan
    return float(series.mean() / math.sqrt(variance / count))
