"""Performance metrics, defined in one place: 252 trading days a year, rf = 0.

Every number the project prints (the command line, ``summary.json``, the
comparison page) comes from :func:`measure`, and the quantstats tearsheet shows
the same numbers: the definitions below reproduce quantstats 0.0.86
(``periods=252``, ``rf=0``, compounded) to floating-point rounding, without
importing it (quantstats lives behind ``macropatch.reports.tearsheet`` only).

Requires a daily return series (fraction; 0.01 = 1%) on a trading calendar
(a :class:`pandas.DatetimeIndex`). Produces a :class:`Performance`.

Definitions, for the observed (non-missing) returns ``r_1 .. r_n``:

- total return: ``prod(1 + r) - 1``;
- CAGR: ``(1 + total return) ** (252 / n) - 1``. The year count is the number
  of *observations* over 252, not calendar time (quantstats' convention), so a
  series with gaps or with weekends counts fewer years than the calendar does;
- volatility: sample standard deviation (``ddof=1``) times ``sqrt(252)``;
- Sharpe ratio (rf = 0): ``mean(r) / std(r, ddof=1) * sqrt(252)``;
- Sortino ratio (rf = 0): ``mean(r) / d * sqrt(252)`` with the downside
  deviation ``d = sqrt(sum(min(r, 0) ** 2) / n)``: the squares of the losses
  over the count of *all* observations (Red Rock Capital's definition, which
  quantstats follows), not the standard deviation of the losses;
- maximum drawdown: the lowest ``wealth / running peak - 1``, negative or 0,
  where wealth starts at 1.0 *before* the first return, so a loss on the
  first day counts as a drawdown;
- Calmar ratio: ``CAGR / |maximum drawdown|``;
- worst month: the lowest compounded calendar-month return (a partial first
  or last month counts as a month);
- turnover: mean daily turnover times 252 (traded value over NAV per year);
- hedge cost: minus the mean daily return the hedges added beyond cash
  (:func:`macropatch.backtests.engine.attribution.excess_contribution`) times 252: the premium
  paid for the insurance less what it paid out, per year, as a share of NAV.
  Positive is a cost; negative means the hedges earned more than they cost.

Degenerate input follows quantstats: with zero volatility the Sharpe ratio is
NaN (zero mean) or infinite; a constant non-zero series has a standard
deviation of about 1e-19 from rounding, hence a huge finite Sharpe ratio;
without losses the Sortino ratio is NaN; without a drawdown the Calmar ratio
is infinite (NaN when the CAGR is 0 too). :meth:`Performance.to_dict` turns
every non-finite number into ``None`` (JSON ``null``).

Differences from quantstats, deliberate:

- quantstats guesses whether a series holds prices or returns (all values
  >= 0 with one above 1 reads as prices); here the input is always returns;
- missing values are dropped before measuring (quantstats skips them in
  every statistic used here, so the numbers agree); infinite values raise
  instead of being read as missing.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date
from typing import cast

import numpy as np
import pandas as pd

__all__ = [
    "PERIODS_PER_YEAR",
    "Performance",
    "annualised_turnover",
    "annualised_volatility",
    "cagr",
    "drawdown_series",
    "equity_curve",
    "hedge_cost",
    "max_drawdown",
    "measure",
    "sharpe_ratio",
    "sortino_ratio",
    "total_return",
    "worst_month",
]

PERIODS_PER_YEAR = 252
"""Trading days per year: the one annualisation convention of the project."""

_SQRT_PERIODS = float(np.sqrt(PERIODS_PER_YEAR))


@dataclass(frozen=True, kw_only=True)
class Performance:
    """Headline statistics of one daily return series (rf = 0, 252 days a year).

    Attributes
    ----------
    cagr
        Compound annual growth rate (fraction), years = observations / 252.
    volatility
        Annualised standard deviation of daily returns (fraction).
    sharpe
        Annualised Sharpe ratio with a risk-free rate of 0.
    sortino
        Annualised Sortino ratio with a risk-free rate of 0.
    max_drawdown
        Deepest fall from a running peak (fraction, <= 0; -0.25 = -25%).
    calmar
        CAGR over the absolute maximum drawdown.
    turnover
        Annualised turnover: mean daily traded value over NAV times 252;
        NaN when no turnover was given.
    worst_month
        Lowest compounded calendar-month return (fraction).
    hedge_cost
        Net cost of the hedges per year (fraction of NAV; positive is a
        cost); NaN for a strategy without hedges.
    total_return
        Compounded return over the whole period (fraction).
    start, end
        First and last date measured.
    days
        Number of daily returns measured.
    """

    cagr: float
    volatility: float
    sharpe: float
    sortino: float
    max_drawdown: float
    calmar: float
    turnover: float
    worst_month: float
    total_return: float
    start: date
    end: date
    days: int
    hedge_cost: float = math.nan

    def to_dict(self) -> dict[str, float | int | str | None]:
        """The statistics as JSON-ready values.

        Returns
        -------
        dict
            Field name to value: dates as ISO strings (``2020-01-31``),
            non-finite numbers (NaN, infinities) as ``None``.
        """
        out: dict[str, float | int | str | None] = {}
        for name, value in asdict(self).items():
            if isinstance(value, date):
                out[name] = value.isoformat()
            elif isinstance(value, bool | int):
                out[name] = int(value)
            else:
                number = float(value)
                out[name] = number if math.isfinite(number) else None
        return out


def measure(
    returns: pd.Series,
    *,
    turnover: pd.Series | None = None,
    hedge_contribution: pd.Series | None = None,
) -> Performance:
    """Measure a daily return series.

    Parameters
    ----------
    returns
        Daily returns (fraction) on a :class:`pandas.DatetimeIndex`. Missing
        values are skipped; at least one return must remain.
    turnover
        Traded value over NAV per day (both sides). ``None`` leaves
        :attr:`Performance.turnover` NaN.
    hedge_contribution
        Per day, the return the hedges added beyond cash. ``None`` (no
        hedges) leaves :attr:`Performance.hedge_cost` NaN.

    Returns
    -------
    Performance
        The statistics defined in this module's docstring.

    Raises
    ------
    TypeError
        If the index is not a :class:`pandas.DatetimeIndex`.
    ValueError
        If no return is left once missing values are dropped, or one is
        infinite.
    """
    clean = _clean(returns)
    growth = cagr(clean)
    drawdown = max_drawdown(clean)
    return Performance(
        cagr=growth,
        volatility=annualised_volatility(clean),
        sharpe=sharpe_ratio(clean),
        sortino=sortino_ratio(clean),
        max_drawdown=drawdown,
        calmar=_divide(growth, abs(drawdown)),
        turnover=math.nan if turnover is None else annualised_turnover(turnover),
        worst_month=worst_month(clean),
        total_return=total_return(clean),
        start=pd.Timestamp(clean.index[0]).date(),
        end=pd.Timestamp(clean.index[-1]).date(),
        days=len(clean),
        hedge_cost=math.nan if hedge_contribution is None else hedge_cost(hedge_contribution),
    )


def total_return(returns: pd.Series) -> float:
    """Compounded return over the whole series: ``prod(1 + r) - 1``."""
    clean = _clean(returns)
    return _product(clean.add(1.0)) - 1.0


def cagr(returns: pd.Series) -> float:
    """Compound annual growth rate, counting 252 observations as one year.

    Terminal wealth below zero (only reachable with a return below -100%)
    has no real growth rate: NaN.
    """
    clean = _clean(returns)
    wealth = (_product(clean.add(1.0)) - 1.0) + 1.0  # as quantstats: 1 + (prod - 1)
    if wealth < 0:
        return math.nan
    years = clean.count() / PERIODS_PER_YEAR
    return float(np.abs(wealth) ** (1.0 / years) - 1.0)


def annualised_volatility(returns: pd.Series) -> float:
    """Sample standard deviation (``ddof=1``) of daily returns times ``sqrt(252)``."""
    clean = _clean(returns)
    return float(clean.std(ddof=1) * _SQRT_PERIODS)


def sharpe_ratio(returns: pd.Series) -> float:
    """Annualised Sharpe ratio with rf = 0: ``mean / std(ddof=1) * sqrt(252)``."""
    clean = _clean(returns)
    return _divide(float(clean.mean()), float(clean.std(ddof=1))) * _SQRT_PERIODS


def sortino_ratio(returns: pd.Series) -> float:
    """Annualised Sortino ratio with rf = 0; NaN without losses.

    The downside deviation is ``sqrt(sum of squared losses / number of
    returns)``: gains count in the denominator as zeros.
    """
    clean = _clean(returns)
    downside = float(np.sqrt((clean[clean < 0] ** 2).sum() / clean.count()))
    if downside == 0:
        return math.nan
    return float(clean.mean()) / downside * _SQRT_PERIODS


def equity_curve(returns: pd.Series) -> pd.Series:
    """Wealth per day from 1.0 invested before the first return."""
    clean = _clean(returns)
    # Written as 1 + (cumprod - 1), as quantstats builds its prices, so the
    # drawdowns below agree with it to the last bit.
    return 1.0 + (clean.add(1.0).cumprod() - 1.0)


def drawdown_series(returns: pd.Series) -> pd.Series:
    """Fall from the running peak per day (fraction, <= 0).

    The peak starts at the 1.0 held before the first return, so a first-day
    loss is a drawdown.
    """
    wealth = equity_curve(returns)
    drawdown = wealth / wealth.cummax().clip(lower=1.0) - 1.0
    return drawdown.where(drawdown != 0, 0.0)


def max_drawdown(returns: pd.Series) -> float:
    """Deepest fall from a running peak (fraction, <= 0; 0.0 without a loss)."""
    wealth = equity_curve(returns)
    values = np.concatenate(([1.0], wealth.to_numpy(dtype=float)))
    return float((values / np.maximum.accumulate(values)).min() - 1.0)


def worst_month(returns: pd.Series) -> float:
    """Lowest compounded calendar-month return."""
    clean = _clean(returns)
    index = pd.DatetimeIndex(clean.index)
    monthly = clean.add(1.0).groupby([index.year, index.month]).prod() - 1.0
    return float(monthly.min())


def annualised_turnover(turnover: pd.Series) -> float:
    """Mean daily turnover (traded value over NAV) times 252; NaN when empty."""
    values = pd.to_numeric(turnover, errors="raise").dropna()
    if values.empty:
        return math.nan
    return float(values.mean() * PERIODS_PER_YEAR)


def hedge_cost(contribution: pd.Series) -> float:
    """Minus the mean daily hedge contribution times 252 (a cost is positive); NaN when empty."""
    values = pd.to_numeric(contribution, errors="raise").dropna()
    if values.empty:
        return math.nan
    return -float(values.mean()) * PERIODS_PER_YEAR


def _clean(returns: pd.Series) -> pd.Series:
    """Returns as floats without missing values; refuse what cannot be measured."""
    if not isinstance(returns, pd.Series):
        raise TypeError(f"returns must be a pandas Series, got {type(returns).__name__}")
    if not isinstance(returns.index, pd.DatetimeIndex):
        raise TypeError(
            f"returns {returns.name!r} need a DatetimeIndex, got {type(returns.index).__name__}"
        )
    values = returns.astype(float).dropna()
    if values.empty:
        raise ValueError(f"returns {returns.name!r} hold no value to measure")
    if not np.isfinite(values.to_numpy()).all():
        raise ValueError(f"returns {returns.name!r} hold an infinite value")
    return values


def _product(values: pd.Series) -> float:
    """Product of a series, by pandas as quantstats computes it."""
    return float(cast(float, values.prod()))


def _divide(numerator: float, denominator: float) -> float:
    """IEEE division: x / 0 is +-inf and 0 / 0 is NaN, as numpy gives quantstats."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / np.float64(denominator))
