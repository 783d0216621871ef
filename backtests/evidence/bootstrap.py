"""Bootstrap intervals for means of overlapping windows: blocks of days, clusters of episodes.

Forward returns over ``h`` days measured on consecutive days share ``h - 1``
days: they are not independent, and an interval that treats them as such is
far too narrow. Two resampling schemes keep that dependence:

* :func:`block_bootstrap_means` (every day's forward value, the unconditional
  distribution): a moving-block bootstrap (Kunsch, 1989) with blocks of
  ``b`` consecutive values; a resample is ``ceil(n / b)`` blocks drawn with
  replacement, and its mean is the mean of the drawn blocks' means. Blocks
  as long as the window (``b = h``) keep only part of the overlap's
  autocorrelation (about two thirds of the variance of a mean of
  overlapping sums); the event studies use ``b = 3h`` (:data:`BLOCK_WINDOWS`).
* :func:`cluster_bootstrap_means` (forward values after a signal's episodes):
  episodes whose windows overlap (starts fewer than ``h`` days apart, chained)
  form one cluster; a resample draws as many clusters as there are, with
  replacement, and averages every episode of the drawn clusters.

Both return the means of ``draws`` resamples (fixed ``seed``);
:func:`percentile_interval` turns them into an interval. A plain percentile
interval of a mean of few resampling units (5-20 clusters of episodes) runs
narrow; :func:`expanded_level` widens it as Hesterberg (2015, "What teachers
should know about the bootstrap") proposes: the percentile interval at level
``2 * Phi(sqrt(k / (k - 1)) * t_{k-1}(1 - alpha / 2)) - 1`` for ``k`` units.

Measured coverage of nominal 90% intervals on simulated data
(``tests/backtests/evidence/test_bootstrap.py``, 300-400 trials each, so
about +-2 points of noise): plain percentile 81% (10 clusters) to 85% (40);
expanded 86-90% (10-40 clusters); blocks of ``3h`` with the expansion over
``n / b`` blocks, 85-91% (6,000-25,000 days).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = [
    "BLOCK_WINDOWS",
    "expanded_level",
    "block_bootstrap_means",
    "cluster_bootstrap_means",
    "episode_clusters",
    "percentile_interval",
]

BLOCK_WINDOWS = 3
"""Block length of the unconditional bootstrap, in windows (``b = 3h``)."""


def episode_clusters(positions: npt.ArrayLike, horizon: int) -> np.ndarray:
    """A cluster number per episode: starts fewer than ``horizon`` days apart share one (chained).

    Parameters
    ----------
    positions
        The episodes' start positions on the calendar, increasing.
    horizon
        The window length in days (at least 1).
    """
    starts = np.asarray(positions, dtype=np.int64)
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}")
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64)
    if np.any(np.diff(starts) <= 0):
        raise ValueError("episode positions must be strictly increasing")
    breaks = np.concatenate([[0], (np.diff(starts) >= horizon).astype(np.int64)])
    return np.cumsum(breaks)


def cluster_bootstrap_means(
    values: npt.ArrayLike, clusters: npt.ArrayLike, *, draws: int, seed: int
) -> np.ndarray:
    """Means of ``draws`` resamples of whole clusters (empty when fewer than 2 clusters).

    Parameters
    ----------
    values
        One value per episode (finite).
    clusters
        The cluster of each episode (:func:`episode_clusters`).
    draws, seed
        How many resamples, from which seed.
    """
    data = np.asarray(values, dtype=float)
    groups = np.asarray(clusters, dtype=np.int64)
    if data.shape != groups.shape:
        raise ValueError("values and clusters must have the same length")
    labels, inverse = np.unique(groups, return_inverse=True)
    count = len(labels)
    if count < 2:
        return np.zeros(0)
    sums = np.bincount(inverse, weights=data, minlength=count)
    sizes = np.bincount(inverse, minlength=count).astype(float)
    picks = np.random.default_rng(seed).integers(0, count, size=(draws, count))
    means: np.ndarray = sums[picks].sum(axis=1) / sizes[picks].sum(axis=1)
    return means


def block_bootstrap_means(
    values: npt.ArrayLike, *, block: int, draws: int, seed: int
) -> np.ndarray:
    """Means of ``draws`` moving-block resamples of ``values`` (empty when too short).

    Parameters
    ----------
    values
        Consecutive observations (finite), e.g. every day's forward return.
    block
        Block length, the window of overlap (at least 1).
    draws, seed
        How many resamples, from which seed.

    Returns
    -------
    numpy.ndarray
        One mean per resample; empty when ``values`` hold fewer than two blocks.
    """
    data = np.asarray(values, dtype=float)
    if block < 1:
        raise ValueError(f"block must be at least 1, got {block}")
    count = len(data)
    starts = count - block + 1
    if count < 2 * block:
        return np.zeros(0)
    cumulative = np.concatenate([[0.0], np.cumsum(data)])
    block_means = (cumulative[block:] - cumulative[:-block]) / block
    blocks = math.ceil(count / block)
    rng = np.random.default_rng(seed)
    means = np.empty(draws)
    for first in range(0, draws, 256):  # bounded memory whatever the length
        size = min(256, draws - first)
        picks = rng.integers(0, starts, size=(size, blocks))
        means[first : first + size] = block_means[picks].mean(axis=1)
    return means


def percentile_interval(means: npt.ArrayLike, level: float) -> tuple[float, float]:
    """The central ``level`` interval of bootstrap ``means`` (NaNs when there are none)."""
    data = np.asarray(means, dtype=float)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if len(data) == 0:
        return math.nan, math.nan
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(data, [tail, 1.0 - tail])
    return float(low), float(high)


def expanded_level(level: float, units: int) -> float:
    """The percentile level that gives a ``level`` interval of a mean of ``units`` resampled
    units (Hesterberg's expanded percentile interval); ``level`` itself below 2 units.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if units < 2:
        return level
    quantile = float(stats.t.ppf(0.5 + level / 2.0, units - 1)) * math.sqrt(units / (units - 1))
    return min(2.0 * float(stats.norm.cdf(quantile)) - 1.0, 0.999)
