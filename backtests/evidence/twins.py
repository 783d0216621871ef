"""Neutral twins: a strategy against itself with its signals held quiet.

Requires a strategy, the prices, its rebalance schedule, costs, execution lag
and the evaluated signals it reads. Produces the strategy's
:class:`ActiveReturn` against its neutral twin (the same strategy, schedule,
costs and lag, every signal it reads held quiet: never firing), and each
signal's marginal contribution (the strategy against itself with that one
signal held quiet). A signal-driven strategy is a static mix plus tilts; the
twin is the mix, so the active return is what the signals add, net of the
costs of trading on them.

Active return ``a_t = r_t - r_twin_t`` per day. Reported: its annualised
mean (252 days), tracking error (annualised standard deviation, ddof 1),
information ratio (their ratio), the Newey-West t-statistic of its mean
(:func:`~macropatch.backtests.metrics.newey_west.newey_west_t`) and its
probabilistic Sharpe ratio against zero
(:func:`~macropatch.backtests.sweep.overfitting.probabilistic_sharpe_ratio`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.kernel import simulate_cube
from macropatch.backtests.engine.schedule import Rebalance, apply_schedule
from macropatch.backtests.metrics.newey_west import newey_west_t
from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR
from macropatch.backtests.sweep.overfitting import probabilistic_sharpe_ratio
from macropatch.marketdata.errors import UserError
from macropatch.signals.base import SignalResult
from macropatch.strategies.base import CASH, MarketView, Strategy

__all__ = ["ActiveReturn", "SignalAttribution", "active_return", "attribute_signals", "held_quiet"]


def held_quiet(result: SignalResult) -> SignalResult:
    """The signal never firing: quiet on every day of its calendar (its values kept)."""
    return result.held_quiet()


@dataclass(frozen=True, kw_only=True)
class ActiveReturn:
    """A return series against a reference (its twin), in the statistics of the module docstring."""

    active: pd.Series
    annual_return: float
    tracking_error: float
    information_ratio: float
    t_statistic: float
    psr: float

    def line(self, what: str = "the signals") -> str:
        """One plain sentence: ``"the signals add 0.40%/yr over the twin, t = 0.9: ..."``."""
        verb = "add" if self.annual_return >= 0 else "cost"
        judged = (
            "distinguishable from noise"
            if math.isfinite(self.t_statistic) and abs(self.t_statistic) >= 2.0
            else "indistinguishable from noise"
        )
        return (
            f"{what} {verb} {abs(self.annual_return):.2%}/yr over the twin, "
            f"t = {self.t_statistic:.1f}: {judged}"
        )


def active_return(returns: pd.Series, reference: pd.Series) -> ActiveReturn:
    """``returns`` against ``reference`` on the days both have.

    Raises
    ------
    ValueError
        When the two share fewer than 2 days.
    """
    both = pd.concat([returns, reference], axis=1, join="inner").dropna()
    if len(both) < 2:
        raise ValueError("the two return series share fewer than 2 days")
    active = (both.iloc[:, 0] - both.iloc[:, 1]).rename("active")
    values = active.to_numpy(dtype=float)
    mean = float(values.mean()) * PERIODS_PER_YEAR
    error = float(values.std(ddof=1)) * math.sqrt(PERIODS_PER_YEAR)
    ratio = mean / error if error > 0 else math.nan
    return ActiveReturn(
        active=active,
        annual_return=mean,
        tracking_error=error,
        information_ratio=ratio,
        t_statistic=newey_west_t(values),
        psr=probabilistic_sharpe_ratio(values) if error > 0 else math.nan,
    )


@dataclass(frozen=True, kw_only=True)
class SignalAttribution:
    """A strategy against its twin, and each signal's marginal contribution."""

    strategy: str
    returns: pd.Series
    """The strategy's daily returns, from the kernel (the engine's to 1e-12)."""
    twin: ActiveReturn
    contributions: dict[str, ActiveReturn]
    """Per signal read: the strategy against itself with that signal held quiet."""


def attribute_signals(
    *,
    label: str,
    strategy: Strategy,
    prices: pd.DataFrame,
    rebalance: Rebalance,
    costs: Costs,
    execution_lag: int,
    signals: Mapping[str, SignalResult],
) -> SignalAttribution:
    """Run ``strategy``, its neutral twin and one variant per signal held quiet, side by side.

    The variants go through the returns-only kernel in one call
    (:func:`~macropatch.backtests.engine.kernel.simulate_cube`, equal to the
    vectorbt engine to 1e-12), each with the strategy's schedule, costs and lag.

    Parameters
    ----------
    label
        The strategy's label in the run.
    strategy, prices, rebalance, costs, execution_lag, signals
        As for :func:`~macropatch.backtests.engine.backtest.backtest`.

    Returns
    -------
    SignalAttribution
        Empty contributions for a strategy that reads no signal (its twin is
        itself: zero active return).
    """
    read = list(strategy.signals)
    quiet_sets: list[set[str]] = [set(), set(read), *({name} for name in read)]
    columns = [*strategy.assets, CASH]
    cube = np.stack([_targets(strategy, prices, rebalance, signals, quiet) for quiet in quiet_sets])
    returns, _ = simulate_cube(
        cube, prices=prices[columns], costs=costs, execution_lag=execution_lag, cash_asset=CASH
    )
    series = [pd.Series(row, index=prices.index) for row in returns]
    full, twin = series[0], series[1]
    contributions = {
        name: active_return(full, variant) for name, variant in zip(read, series[2:], strict=True)
    }
    return SignalAttribution(
        strategy=label,
        returns=full.rename(label),
        twin=active_return(full, twin),
        contributions=contributions,
    )


def _targets(
    strategy: Strategy,
    prices: pd.DataFrame,
    rebalance: Rebalance,
    signals: Mapping[str, SignalResult],
    quiet: set[str],
) -> np.ndarray:
    """The strategy's scheduled targets (days x assets and cash) with ``quiet`` held quiet."""
    missing = [name for name in strategy.signals if name not in signals]
    if missing:
        raise UserError(f"strategy {strategy.name!r} needs signal {missing[0]!r}, not evaluated")
    view = MarketView(
        prices=prices[list(strategy.assets)],
        signals={
            name: held_quiet(signals[name]) if name in quiet else signals[name]
            for name in strategy.signals
        },
    )
    targets = strategy.target_weights(view)[[*strategy.assets, CASH]]
    scheduled = apply_schedule(targets, rebalance)
    return scheduled.to_numpy(dtype=np.float64, na_value=np.nan)
