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
(:func:`~macropatch.backtests.evidence.statistics.newey_west_t`) and its
probabilistic Sharpe ratio against zero
(:func:`~macropatch.backtests.sweep.overfitting.probabilistic_sharpe_ratio`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from macropatch.backtests.engine.backtest import backtest
from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.schedule import Rebalance
from macropatch.backtests.evidence.statistics import newey_west_t
from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR
from macropatch.backtests.sweep.overfitting import probabilistic_sharpe_ratio
from macropatch.signals.base import SignalResult
from macropatch.strategies.base import Strategy

__all__ = ["ActiveReturn", "SignalAttribution", "active_return", "attribute_signals", "held_quiet"]


def held_quiet(result: SignalResult) -> SignalResult:
    """The signal never firing: quiet on every day of its calendar (its values kept)."""
    quiet = pd.Series(False, index=result.fired.index, dtype="boolean", name=result.fired.name)
    return dataclasses.replace(result, fired=quiet)


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
    """Backtest ``strategy``, its neutral twin and one variant per signal held quiet.

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

    def run(quiet: Iterable[str]) -> pd.Series:
        silenced = set(quiet)
        view = {
            name: held_quiet(result) if name in silenced else result
            for name, result in signals.items()
        }
        return backtest(
            name=label,
            strategy=strategy,
            prices=prices,
            rebalance=rebalance,
            costs=costs,
            execution_lag=execution_lag,
            signals=view,
        ).returns

    full = run(())
    read = list(strategy.signals)
    twin = run(read) if read else full
    contributions = {name: active_return(full, run([name])) for name in read}
    return SignalAttribution(
        strategy=label, twin=active_return(full, twin), contributions=contributions
    )
