"""Overfitting statistics: probabilistic and deflated Sharpe ratios, and the PBO.

From the papers, not from vectorbt or quantstats (both mix excess and
non-excess kurtosis): Bailey and Lopez de Prado (2012) for the probabilistic
Sharpe ratio (PSR), (2014) for the deflated Sharpe ratio (DSR), and Bailey,
Borwein, Lopez de Prado and Zhu (2015) for combinatorially symmetric
cross-validation (CSCV) and the probability of backtest overfitting (PBO).

Conventions, for the observed returns ``r_1 .. r_T`` (rf = 0):

- Sharpe ratios are **per period** (not annualised): ``mean(r) / std(r,
  ddof=1)``, the project's annualised Sharpe ratio over ``sqrt(252)``;
- skewness ``m3 / m2 ** 1.5`` and kurtosis ``m4 / m2 ** 2``, with central
  moments ``m_k = mean((r - mean(r)) ** k)``. Kurtosis is **non-excess**:
  3 for a normal distribution;
- one return series drops missing values (as :mod:`macropatch.backtests.metrics.performance` does)
  and refuses infinite ones; a returns matrix must be complete.

Requires return series or matrices (pandas or numpy; columns are variants).
Produces probabilities in [0, 1] and a :class:`BacktestOverfitting`.
"""

from __future__ import annotations

import enum
import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TypeAlias

import numpy as np
import pandas as pd

__all__ = [
    "EULER_MASCHERONI",
    "MAXIMUM_COMBINATIONS",
    "BacktestOverfitting",
    "PerformanceMetric",
    "deflated_sharpe_ratio",
    "deflated_sharpe_ratio_from_moments",
    "distinct_columns",
    "expected_maximum_sharpe",
    "probabilistic_sharpe_ratio",
    "probabilistic_sharpe_ratio_from_moments",
    "probability_of_backtest_overfitting",
    "sharpe_ratios_per_period",
]

EULER_MASCHERONI = 0.5772156649015329
"""The Euler-Mascheroni constant, gamma."""

MAXIMUM_COMBINATIONS = 1_000_000
"""Most CSCV combinations computed (C(22, 11) = 705,432 fits; C(24, 12) does not)."""

_NORMAL = NormalDist()
_CHUNK = 1024  # combinations per vectorised batch

Returns: TypeAlias = pd.Series | pd.DataFrame | np.ndarray | Sequence[float]


class PerformanceMetric(enum.Enum):
    """How CSCV ranks variants; both come from block sums, sums of squares and counts."""

    SHARPE = "sharpe"
    """Per-period Sharpe ratio, ``mean / std(ddof=1)``."""
    MEAN = "mean"
    """Mean return per period."""


@dataclass(frozen=True, kw_only=True, eq=False)
class BacktestOverfitting:
    """The outcome of CSCV over a returns matrix.

    Attributes
    ----------
    probability
        The PBO: the share of combinations whose logit is ``<= 0``.
    logits
        One logit ``ln(w / (1 - w))`` per combination, ``w = rank / (N + 1)``.
    combinations, blocks, metric
        ``C(blocks, blocks / 2)``, the number of row blocks, the ranking metric.
    selected_variants, selected_in_sample, selected_out_of_sample
        Per combination: the column position of the in-sample best variant and
        its metric in and out of sample.
    degradation_slope, degradation_intercept
        Least-squares line of out-of-sample on in-sample metric of the selected
        variants (NaN when the in-sample values do not vary).
    probability_of_loss
        Share of combinations whose selected variant loses out of sample.
    """

    probability: float
    logits: np.ndarray
    combinations: int
    blocks: int
    metric: PerformanceMetric
    selected_variants: np.ndarray
    selected_in_sample: np.ndarray
    selected_out_of_sample: np.ndarray
    degradation_slope: float
    degradation_intercept: float
    probability_of_loss: float

    def __post_init__(self) -> None:
        """Make the result's arrays read-only, as the result is frozen."""
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)  # a frozen result keeps its arrays too


def distinct_columns(returns_matrix: Returns) -> np.ndarray:
    """Positions of the columns of a days x variants matrix that are not exact repeats of an
    earlier column (bit for bit, NaN included), in column order.

    Each column is hashed (BLAKE2b) and compared bit for bit only with earlier columns of
    the same hash, so no copy of the matrix is made.

    Variants whose returns are identical are one trial, not several: counting them twice
    inflates the deflated Sharpe ratio's trial count and leaves CSCV's choice of the best
    among equals to floating-point rounding. Keep the first of each group.
    """
    matrix = np.asarray(returns_matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"returns_matrix must be 2-dimensional, got {matrix.ndim} dimensions")
    kept: list[int] = []
    seen: dict[bytes, list[int]] = {}
    for position in range(matrix.shape[1]):
        column = np.ascontiguousarray(matrix[:, position])  # a view when columns are contiguous
        digest = hashlib.blake2b(column.data, digest_size=16).digest()
        group = seen.setdefault(digest, [])
        if not any(np.array_equal(column.view(np.uint64), matrix[:, earlier].view(np.uint64))
                   for earlier in group):  # fmt: skip
            group.append(position)
            kept.append(position)
    return np.array(kept, dtype=np.int64)


def sharpe_ratios_per_period(returns_matrix: Returns) -> np.ndarray:
    """Per-period Sharpe ratio of each column (rf = 0), e.g. the trials of a sweep."""
    values = np.asarray(returns_matrix, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"returns_matrix must be 2-dimensional, got {values.ndim} dimensions")
    return np.array([_moments(column)[0] for column in values.T])


def probabilistic_sharpe_ratio(returns: Returns, *, benchmark_sharpe: float = 0.0) -> float:
    """Probability that the true Sharpe ratio of ``returns`` exceeds ``benchmark_sharpe``.

    ``benchmark_sharpe`` is per period. See
    :func:`probabilistic_sharpe_ratio_from_moments` for the formula.
    """
    return probabilistic_sharpe_ratio_from_moments(
        *_moments(returns), benchmark_sharpe=benchmark_sharpe
    )


def probabilistic_sharpe_ratio_from_moments(
    sharpe: float, periods: int, skewness: float, kurtosis: float, *, benchmark_sharpe: float = 0.0
) -> float:
    """PSR from precomputed moments (Bailey and Lopez de Prado, 2012).

    ``PSR = Phi((SR - SR*) * sqrt(T - 1) / sqrt(1 - g3 * SR + (g4 - 1) / 4 * SR ** 2))``

    ``sharpe`` ``SR`` and ``benchmark_sharpe`` ``SR*`` are per period (not
    annualised); ``periods`` ``T`` counts the returns (at least 2); ``skewness``
    is ``g3``; ``kurtosis`` ``g4`` is **non-excess**, 3 for normal returns
    (excess kurtosis, 0 for normal returns, would understate the Sharpe
    ratio's variance). Raises ValueError for a non-finite input, ``T < 2``,
    ``g4 < 1`` or a variance term that is not positive.
    """
    if not all(map(math.isfinite, (sharpe, skewness, kurtosis, benchmark_sharpe))):
        raise ValueError(
            f"sharpe, skewness, kurtosis and benchmark_sharpe must be finite, got {sharpe}, "
            f"{skewness}, {kurtosis}, {benchmark_sharpe}"
        )
    if periods < 2:
        raise ValueError(f"periods must be at least 2, got {periods}")
    if kurtosis < 1.0:
        raise ValueError(f"kurtosis must be non-excess (normal = 3, never below 1), got {kurtosis}")
    variance_term = 1.0 - skewness * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if variance_term <= 0.0:
        raise ValueError(
            f"1 - skewness * sharpe + (kurtosis - 1) / 4 * sharpe ** 2 = {variance_term} "
            "is not positive; these moments cannot come from one return series"
        )
    statistic = (sharpe - benchmark_sharpe) * math.sqrt(periods - 1) / math.sqrt(variance_term)
    return _NORMAL.cdf(statistic)


def expected_maximum_sharpe(trials_variance: float, trials: float) -> float:
    """Expected maximum of ``trials`` independent Sharpe ratios of mean 0.

    ``sqrt(V) * ((1 - gamma) * Phi^-1(1 - 1 / N) + gamma * Phi^-1(1 - 1 / (N e)))``
    (Bailey and Lopez de Prado, 2014), with ``gamma`` the Euler-Mascheroni
    constant. ``trials_variance`` ``V`` is the variance of the trials' Sharpe
    ratios, in the units of the result (per period here); ``trials`` ``N`` may
    be an effective, non-integer number of independent trials, at least 2.
    """
    if not math.isfinite(trials_variance) or trials_variance < 0.0:
        raise ValueError(f"trials_variance must be finite and >= 0, got {trials_variance}")
    if not math.isfinite(trials) or trials < 2:
        raise ValueError(f"trials must be at least 2, got {trials}")
    first = _NORMAL.inv_cdf(1.0 - 1.0 / trials)
    second = _NORMAL.inv_cdf(1.0 - 1.0 / (trials * math.e))
    mixed = (1.0 - EULER_MASCHERONI) * first + EULER_MASCHERONI * second
    return math.sqrt(trials_variance) * mixed


def deflated_sharpe_ratio(returns: Returns, *, trial_sharpes: Returns) -> float:
    """DSR of ``returns``, the selected one of the trials (Bailey and Lopez de Prado, 2014).

    ``trial_sharpes`` holds the per-period Sharpe ratio of every trial,
    the selected one included (see :func:`sharpe_ratios_per_period`); their
    variance (``ddof=1``) and count set the benchmark of the PSR.
    """
    trials = np.asarray(trial_sharpes, dtype=float).ravel()
    if trials.size < 2 or not np.isfinite(trials).all():
        raise ValueError(f"trial_sharpes needs at least 2 finite values, got {trials.size} values")
    return deflated_sharpe_ratio_from_moments(
        *_moments(returns), trials_variance=float(trials.var(ddof=1)), trials=trials.size
    )


def deflated_sharpe_ratio_from_moments(
    sharpe: float,
    periods: int,
    skewness: float,
    kurtosis: float,
    *,
    trials_variance: float,
    trials: float,
) -> float:
    """DSR from precomputed numbers: the PSR against ``expected_maximum_sharpe``.

    Conventions as in :func:`probabilistic_sharpe_ratio_from_moments`:
    per-period Sharpe ratios, non-excess ``kurtosis`` (normal = 3);
    ``trials_variance`` is the variance (``ddof=1``) of the trials' per-period
    Sharpe ratios and ``trials`` their (effective) number.
    """
    benchmark = expected_maximum_sharpe(trials_variance, trials)
    return probabilistic_sharpe_ratio_from_moments(
        sharpe, periods, skewness, kurtosis, benchmark_sharpe=benchmark
    )


def probability_of_backtest_overfitting(
    returns_matrix: Returns,
    *,
    blocks: int = 16,
    metric: PerformanceMetric = PerformanceMetric.SHARPE,
) -> BacktestOverfitting:
    """PBO by combinatorially symmetric cross-validation (Bailey et al., 2015).

    The ``T`` rows are cut into ``blocks`` (``S``, even) contiguous blocks, in
    time order; their sizes differ by one row at most when ``S`` does not divide
    ``T`` (the earlier blocks are the longer). Every choice of ``S / 2`` blocks
    is once the in-sample set, the other blocks the out-of-sample set. In each,
    the variant with the best in-sample ``metric`` (the first column on a tie)
    gets its out-of-sample rank ``r`` among the ``N`` variants (1 = worst; ties
    share their mean rank), ``w = r / (N + 1)`` and the logit
    ``ln(w / (1 - w))``. The PBO is the share of logits ``<= 0``: the paper
    integrates the logit distribution over ``(-inf, 0]``, so a selection that
    lands exactly on the out-of-sample median (possible for odd ``N``) counts
    as overfit.

    Metrics come from per-block sums and sums of squares of each variant: the
    cost grows with ``C(S, S / 2) * N``, not with ``T``. Raises ValueError for
    odd or too many ``blocks``, fewer than 2 variants, fewer rows than blocks,
    a missing or infinite value.
    """
    if not isinstance(metric, PerformanceMetric):
        raise TypeError(f"metric must be a PerformanceMetric, got {metric!r}")
    values = _validated_matrix(returns_matrix, blocks, metric)
    rows, variants = values.shape
    counts = np.full(blocks, float(rows // blocks))
    counts[: rows % blocks] += 1.0  # the earlier blocks take the remainder, one row each
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(int)
    offset = values.mean(axis=0)
    centred = values - offset  # block sums of centred values keep the variance accurate
    sums = np.add.reduceat(centred, starts, axis=0)
    squares = np.add.reduceat(centred**2, starts, axis=0)
    chosen = np.array(list(itertools.combinations(range(blocks), blocks // 2)))
    membership = np.zeros((len(chosen), blocks))
    membership[np.arange(len(chosen))[:, None], chosen] = 1.0
    logits, selected, inside, outside = [], [], [], []
    for first in range(0, len(membership), _CHUNK):
        in_sample = membership[first : first + _CHUNK]
        out_of_sample = 1.0 - in_sample
        in_metric = _block_metric(in_sample, (sums, squares, counts, offset), metric)
        out_metric = _block_metric(out_of_sample, (sums, squares, counts, offset), metric)
        best = np.argmax(in_metric, axis=1)
        index = np.arange(len(best))
        best_out = out_metric[index, best][:, None]
        rank = (out_metric < best_out).sum(axis=1) + ((out_metric == best_out).sum(axis=1) + 1) / 2
        logits.append(np.log(rank) - np.log(variants + 1 - rank))
        selected.append(best)
        inside.append(in_metric[index, best])
        outside.append(best_out[:, 0])
    logit_values = np.concatenate(logits)
    in_values, out_values = np.concatenate(inside), np.concatenate(outside)
    slope, intercept = _line(in_values, out_values)
    return BacktestOverfitting(
        probability=float(np.mean(logit_values <= 0.0)),
        logits=logit_values,
        combinations=len(membership),
        blocks=blocks,
        metric=metric,
        selected_variants=np.concatenate(selected),
        selected_in_sample=in_values,
        selected_out_of_sample=out_values,
        degradation_slope=slope,
        degradation_intercept=intercept,
        probability_of_loss=float(np.mean(out_values < 0.0)),
    )


def _moments(returns: Returns) -> tuple[float, int, float, float]:
    """Per-period Sharpe ratio, count, skewness and non-excess kurtosis of one series."""
    values = np.asarray(returns, dtype=float)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(f"returns must be one series, got shape {values.shape}")
    values = values[~np.isnan(values)]
    if not np.isfinite(values).all():
        raise ValueError("returns hold an infinite value")
    if values.size < 2:
        raise ValueError(f"returns need at least 2 values, got {values.size}")
    deviations = values - values.mean()
    second = float(np.mean(deviations**2))
    if second == 0.0:
        raise ValueError("returns are constant: their Sharpe ratio is undefined")
    sharpe = float(values.mean() / values.std(ddof=1))
    skewness = float(np.mean(deviations**3)) / second**1.5
    kurtosis = float(np.mean(deviations**4)) / second**2
    return sharpe, int(values.size), skewness, kurtosis


def _validated_matrix(
    returns_matrix: Returns, blocks: int, metric: PerformanceMetric
) -> np.ndarray:
    """The returns matrix as floats (rows = periods, columns = variants), fit for CSCV."""
    values = np.asarray(returns_matrix, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"returns_matrix must be 2-dimensional, got {values.ndim} dimensions")
    if values.shape[1] < 2:
        raise ValueError(
            f"returns_matrix needs at least 2 variants (columns), got {values.shape[1]}"
        )
    missing = int(np.isnan(values).sum())
    if missing:
        raise ValueError(f"returns_matrix holds {missing} missing (NaN) values; fill or drop them")
    if not np.isfinite(values).all():
        raise ValueError("returns_matrix holds an infinite value")
    rows = len(values)
    if isinstance(blocks, bool) or not isinstance(blocks, int | np.integer):
        raise ValueError(f"blocks must be an integer, got {blocks!r}")
    if blocks < 2 or blocks % 2:
        raise ValueError(f"blocks must be an even integer of at least 2, got {blocks}")
    if (combinations := math.comb(blocks, blocks // 2)) > MAXIMUM_COMBINATIONS:
        raise ValueError(f"blocks={blocks} gives {combinations:,} combinations; 22 blocks at most")
    if rows < blocks:
        raise ValueError(f"returns_matrix has {rows} rows, fewer than the {blocks} blocks")
    if metric is PerformanceMetric.SHARPE and blocks // 2 * (rows // blocks) < 2:
        raise ValueError(f"{rows} rows leave fewer than 2 per half for a Sharpe ratio")
    return values


def _block_metric(
    membership: np.ndarray, aggregates: tuple[np.ndarray, ...], metric: PerformanceMetric
) -> np.ndarray:
    """Metric per (combination, variant) from the blocks each combination takes.

    ``aggregates`` holds per block and variant the sums and sums of squares of
    the centred returns, the block sizes and the variants' means (the offset).
    """
    sums, squares, counts, offset = aggregates
    count = (membership @ counts)[:, None]
    total = membership @ sums
    centred_mean = total / count
    if metric is PerformanceMetric.MEAN:
        result: np.ndarray = centred_mean + offset
        return result
    variance = np.maximum((membership @ squares - total * centred_mean) / (count - 1.0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = (centred_mean + offset) / np.sqrt(variance)
    return np.where(np.isnan(sharpe), 0.0, sharpe)  # no return and no risk: 0


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope and intercept of ``y`` on ``x``; NaN when ``x`` is constant."""
    finite = np.isfinite(x) & np.isfinite(y)
    x, y = x[finite], y[finite]
    spread = float(np.sum((x - x.mean()) ** 2)) if x.size else 0.0
    slope = float(np.sum((x - x.mean()) * (y - y.mean()))) / spread if spread else math.nan
    return slope, float(y.mean() - slope * x.mean()) if spread else math.nan
