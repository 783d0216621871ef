"""The metrics of :mod:`macropatch.backtests.metrics.performance` for every column of a returns matrix at once.

A parameter sweep yields a daily returns matrix (rows = trading days on a
:class:`pandas.DatetimeIndex`, columns = variants, often a column
:class:`pandas.MultiIndex` named after the parameters). Calling
:func:`macropatch.backtests.metrics.performance.measure` once per column is too slow for a thousand
variants; :func:`measure_columns` computes the same statistics with numpy
reductions over all columns together, and :func:`column_statistic` only one
of them (what a sweep's objective ranks by).

Requires a returns matrix (fraction; 0.01 = 1%) on a DatetimeIndex.
Produces one row of statistics, or one score, per column.

Conventions are those of :func:`macropatch.backtests.metrics.performance.measure` (252 days a year,
rf = 0, quantstats' definitions), and so are the degenerate cases: NaN Sharpe
ratio for a flat column, a huge finite one for a constant non-zero column,
NaN Sortino ratio without losses, infinite or NaN Calmar ratio without a
drawdown, NaN volatility and Sharpe ratio for a single return. Each sum,
product and running product is taken over the same numbers in the same order
as pandas takes it for one series (each column is reduced from contiguous
memory, so numpy sums it pairwise exactly as it sums a lone series; month
products are sequential, as pandas' groupby takes them), so the results agree
with :func:`~macropatch.backtests.metrics.performance.measure` bit for bit, except for a few units of
rounding in the Sortino ratio (its loss sum also adds the gains as zeros), the
CAGR and Calmar ratio (numpy's vectorised power) and, with missing values, the
turnover.

Missing values are skipped per column, as :func:`~macropatch.backtests.metrics.performance.measure`
drops them: the columns are grouped by their pattern of missing rows and each
group is reduced as one complete block (a complete matrix is a single block).
A column without any value, or with an infinite value, raises ``ValueError``.
"""

from __future__ import annotations

import warnings
from functools import cached_property

import numpy as np
import pandas as pd

from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR

__all__ = ["COLUMN_METRICS", "column_statistic", "measure_columns"]

COLUMN_METRICS = (
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "worst_month",
    "total_return",
    "days",
)
"""The statistics of :func:`measure_columns`, named as the fields of
:class:`macropatch.backtests.metrics.performance.Performance` (``turnover`` is added when given)."""

_SQRT_PERIODS = float(np.sqrt(PERIODS_PER_YEAR))
_COLUMNS_PER_CHUNK = 256


def column_statistic(returns: pd.DataFrame, name: str) -> pd.Series:
    """One statistic of :func:`measure_columns` for every column, computing only that one.

    Parameters
    ----------
    returns
        Daily returns, one column per variant, on a DatetimeIndex. Missing
        values are skipped per column.
    name
        One of :data:`COLUMN_METRICS` other than ``"days"``.

    Returns
    -------
    pandas.Series
        One value per column (index = ``returns.columns``), named ``name``;
        NaN or infinite where :func:`measure_columns` is.

    Raises
    ------
    TypeError, ValueError
        As :func:`measure_columns`.
    """
    values = _statistics(returns, (name,))[name]
    return pd.Series(values, index=returns.columns, name=name, dtype=float)


def measure_columns(
    returns: pd.DataFrame, *, turnover: pd.DataFrame | pd.Series | None = None
) -> pd.DataFrame:
    """Measure every column of a returns matrix as :func:`~macropatch.backtests.metrics.performance.measure` does.

    Parameters
    ----------
    returns
        Daily returns (fraction), one column per variant, on a
        :class:`pandas.DatetimeIndex`. Missing values are skipped per column.
    turnover
        Traded value over NAV per day, with the same columns as ``returns``
        (its own rows, as :func:`~macropatch.backtests.metrics.performance.measure` takes them);
        or a Series already annualised, indexed by the columns of ``returns`` (a
        sweep keeps no daily turnover). ``None`` leaves out the ``turnover`` column.

    Returns
    -------
    pandas.DataFrame
        One row per column of ``returns`` (index = ``returns.columns``, a
        MultiIndex kept) and the columns of :data:`COLUMN_METRICS`, with
        ``turnover`` (mean daily turnover times 252; NaN for a column without
        values) before ``worst_month`` when given. ``days`` counts the
        non-missing returns.

    Raises
    ------
    TypeError
        If ``returns`` is not a DataFrame on a DatetimeIndex.
    ValueError
        If a column holds no value or an infinite one, or the turnover
        columns differ from the returns columns.
    """
    statistics = _statistics(returns, COLUMN_METRICS)
    table = pd.DataFrame(
        {name: statistics[name] for name in COLUMN_METRICS if name != "days"},
        index=returns.columns,
        dtype=float,
    )
    table["days"] = statistics["days"].astype(np.int64)
    if turnover is not None:
        table.insert(COLUMN_METRICS.index("worst_month"), "turnover", _turnover(returns, turnover))
    return table


def _statistics(returns: pd.DataFrame, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The named statistics per column, gathered from the blocks of complete columns."""
    values = _values(returns)
    out = {name: np.full(values.shape[1], np.nan) for name in names}
    for block in _blocks(values, pd.DatetimeIndex(returns.index), returns.columns):
        for name in names:
            out[name][block.columns] = getattr(block, name)
    return out


def _values(returns: pd.DataFrame) -> np.ndarray:
    """The matrix as column-contiguous floats; refuse what cannot be measured."""
    if not isinstance(returns, pd.DataFrame):
        raise TypeError(f"returns must be a pandas DataFrame, got {type(returns).__name__}")
    if not isinstance(returns.index, pd.DatetimeIndex):
        raise TypeError(f"returns need a DatetimeIndex, got {type(returns.index).__name__}")
    values = np.asfortranarray(returns.to_numpy(dtype=float, na_value=np.nan))
    infinite = np.isinf(values).any(axis=0)
    if infinite.any():
        label = returns.columns[int(np.argmax(infinite))]
        raise ValueError(f"returns {label!r} hold an infinite value")
    return values


def _blocks(values: np.ndarray, index: pd.DatetimeIndex, labels: pd.Index) -> list[_Block]:
    """Group the columns by their missing rows: each group is a complete block."""
    missing = np.isnan(values)
    if not missing.any():
        if values.shape[1] and not values.shape[0]:
            raise ValueError(f"returns {labels[0]!r} hold no value to measure")
        return [_Block(np.arange(values.shape[1]), values, index)] if values.shape[1] else []
    empty = missing.all(axis=0)
    if empty.any():
        raise ValueError(f"returns {labels[int(np.argmax(empty))]!r} hold no value to measure")
    # One pass over the distinct patterns of missing rows, not over the columns:
    # each column's pattern, packed to bits, is one opaque key for np.unique.
    patterns = np.ascontiguousarray(np.packbits(missing, axis=0).T)
    keys = patterns.view(np.dtype((np.void, patterns.shape[1]))).ravel()
    _, groups = np.unique(keys, return_inverse=True)
    groups = groups.ravel()
    blocks = []
    for group in range(int(groups.max()) + 1):
        columns = np.flatnonzero(groups == group)
        rows = ~missing[:, columns[0]]
        block = np.asfortranarray(values[:, columns][rows])
        blocks.append(_Block(columns, block, index[rows]))
    return blocks


class _Block:
    """Columns observed on the same rows: a complete, column-contiguous matrix.

    Each statistic is a lazily computed array, one value per column, so a
    score computes only what it needs and a full measure shares the pieces.
    """

    def __init__(self, columns: np.ndarray, values: np.ndarray, index: pd.DatetimeIndex):
        self.columns = columns
        self.values = values
        self.index = index
        self.count = values.shape[0]

    @cached_property
    def days(self) -> np.ndarray:
        return np.full(self.values.shape[1], self.count, dtype=float)

    @cached_property
    def mean(self) -> np.ndarray:
        # pandas' nanmean: pairwise sum over a float count.
        result: np.ndarray = self.values.sum(axis=0) / np.float64(self.count)
        return result

    @cached_property
    def standard_deviation(self) -> np.ndarray:
        # pandas' two-pass nanvar with ddof=1; NaN for a single return.
        if self.count < 2:
            return np.full(self.values.shape[1], np.nan)
        squares = np.asfortranarray((self.mean - self.values) ** 2)
        result: np.ndarray = np.sqrt(squares.sum(axis=0) / np.float64(self.count - 1))
        return result

    @cached_property
    def volatility(self) -> np.ndarray:
        return self.standard_deviation * _SQRT_PERIODS

    @cached_property
    def sharpe(self) -> np.ndarray:
        return _divide(self.mean, self.standard_deviation) * _SQRT_PERIODS

    @cached_property
    def sortino(self) -> np.ndarray:
        losses = np.asfortranarray(np.minimum(self.values, 0.0) ** 2)
        downside = np.sqrt(losses.sum(axis=0) / self.count)
        ratio = _divide(self.mean, downside) * _SQRT_PERIODS
        return np.where(downside == 0, np.nan, ratio)

    @cached_property
    def total_return(self) -> np.ndarray:
        result: np.ndarray = (self.values + 1.0).prod(axis=0) - 1.0
        return result

    @cached_property
    def cagr(self) -> np.ndarray:
        wealth = self.total_return + 1.0
        years = self.count / PERIODS_PER_YEAR
        # Scalar powers, as measure() takes them: numpy's vectorised power may round the
        # last bit differently, which a near-zero total return turns into a visible error.
        growth = np.array(
            [
                float(np.float64(abs(value)) ** np.float64(1.0 / span)) - 1.0
                for value, span in zip(
                    wealth.tolist(), np.broadcast_to(years, wealth.shape).tolist(), strict=True
                )
            ]
        ).reshape(wealth.shape)
        return np.where(wealth < 0, np.nan, growth)

    @cached_property
    def max_drawdown(self) -> np.ndarray:
        # In chunks of columns, to bound the memory of the running products.
        return np.concatenate(
            [
                _max_drawdown(self.values[:, start : start + _COLUMNS_PER_CHUNK])
                for start in range(0, self.values.shape[1], _COLUMNS_PER_CHUNK)
            ]
        )

    @cached_property
    def calmar(self) -> np.ndarray:
        return _divide(self.cagr, np.abs(self.max_drawdown))

    @cached_property
    def worst_month(self) -> np.ndarray:
        # Products over calendar months in row order, as pandas' groupby prod.
        months = np.asarray(self.index.year * 12 + self.index.month)
        order = np.argsort(months, kind="stable")
        growth = self.values + 1.0
        if (order != np.arange(self.count)).any():
            growth = np.asfortranarray(growth[order])
        ordered = months[order]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        monthly = np.multiply.reduceat(growth, starts, axis=0) - 1.0
        result: np.ndarray = np.fmin.reduce(monthly, axis=0)
        return result


def _max_drawdown(values: np.ndarray) -> np.ndarray:
    """Deepest fall from a running peak per column, wealth from 1.0 before the first return."""
    wealth = np.empty((values.shape[0] + 1, values.shape[1]), order="F")
    wealth[0] = 1.0
    np.cumprod(values + 1.0, axis=0, out=wealth[1:])
    wealth[1:] -= 1.0  # as 1 + (cumprod - 1), the way backtests.metrics.performance builds wealth
    wealth[1:] += 1.0
    peak = np.maximum.accumulate(wealth, axis=0)
    with np.errstate(invalid="ignore"):
        result: np.ndarray = (wealth / peak).min(axis=0) - 1.0
        return result


def _turnover(returns: pd.DataFrame, turnover: pd.DataFrame | pd.Series) -> np.ndarray:
    """Mean daily turnover per column times 252; NaN for a column without values."""
    if isinstance(turnover, pd.Series):
        if not turnover.index.equals(returns.columns):
            raise ValueError("annualised turnover must be indexed by the columns of returns")
        return turnover.to_numpy(dtype=float, na_value=np.nan)
    if not isinstance(turnover, pd.DataFrame):
        raise TypeError(f"turnover must be a pandas DataFrame, got {type(turnover).__name__}")
    if not turnover.columns.equals(returns.columns):
        raise ValueError("turnover must have the same columns as returns, in the same order")
    values = np.asfortranarray(turnover.to_numpy(dtype=float, na_value=np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mean of an empty column: NaN
        result: np.ndarray = np.nanmean(values, axis=0) * PERIODS_PER_YEAR
        return result


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """IEEE division: x / 0 is +-inf and 0 / 0 is NaN, as in :mod:`macropatch.backtests.metrics.performance`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(numerator / denominator)
