"""Twin arithmetic on hand-sized frames: what the signals add, net of costs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from macropatch.backtests.engine.backtest import backtest
from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.schedule import Rebalance
from macropatch.backtests.evidence.twins import (
    SignalAttribution,
    active_return,
    attribute_signals,
    held_quiet,
)
from macropatch.strategies.benchmarks import SpyBuyAndHold
from macropatch.strategies.long_volatility import Hedge, LongVolatility
from tests.strategies.views import signal_result

DAYS = pd.bdate_range("2020-01-01", periods=260, name="date")
RNG = np.random.default_rng(11)
PRICES = pd.DataFrame(
    {
        "spy": 100 * np.cumprod(1 + RNG.normal(0.0004, 0.01, len(DAYS))),
        "vixy": 20 * np.cumprod(1 + RNG.normal(-0.002, 0.04, len(DAYS))),
        "cash": 100 * np.cumprod(np.full(len(DAYS), 1 + 0.02 / 252)),
    },
    index=DAYS,
)
STRATEGY = LongVolatility(hedge=Hedge.VIX_FUND, vix_fund_weight=0.05, cheap_multiplier=3.0)


def _settings(flags: list[bool | None]) -> dict[str, Any]:
    """What both simulators are given: the strategy, its prices, schedule, costs, lag, signal."""
    return {
        "strategy": STRATEGY,
        "prices": PRICES,
        "rebalance": Rebalance.MONTHLY,
        "costs": Costs(fees=0.0005, slippage=0.0002),
        "execution_lag": 1,
        "signals": {"vix_cheap": signal_result("vix_cheap", flags, DAYS)},
    }


def _attribution(flags: list[bool | None]) -> SignalAttribution:
    return attribute_signals(label="hedged", **_settings(flags))


def test_a_signal_that_never_fires_adds_exactly_nothing() -> None:
    found = _attribution([False] * len(DAYS))
    assert (found.twin.active == 0.0).all()
    assert found.twin.annual_return == 0.0
    assert math.isnan(found.twin.t_statistic)


def test_a_firing_signal_adds_the_difference_of_the_two_books() -> None:
    flags: list[bool | None] = [day.month in (3, 4, 9) for day in DAYS]
    found = _attribution(flags)
    twin = found.twin
    assert twin.active.abs().sum() > 0
    assert twin.annual_return == pytest.approx(twin.active.mean() * 252)
    assert twin.tracking_error == pytest.approx(twin.active.std(ddof=1) * math.sqrt(252))
    assert twin.information_ratio == pytest.approx(twin.annual_return / twin.tracking_error)
    # one signal read: its contribution is the whole twin comparison
    (only,) = found.contributions.values()
    pd.testing.assert_series_equal(only.active, twin.active)
    assert "over the twin" in twin.line()


def test_unknown_days_are_not_quiet_days_but_the_twin_never_fires() -> None:
    """The twin holds the signal quiet every day, unknown days included."""
    result = signal_result("vix_cheap", [None, True, False] * 10, DAYS[:30])
    quiet = held_quiet(result)
    assert quiet.fired.dtype == "boolean" and not quiet.fired.any() and quiet.fired.notna().all()
    assert quiet.value.equals(result.value)


def test_a_strategy_without_signals_is_its_own_twin() -> None:
    found = attribute_signals(
        label="spy",
        strategy=SpyBuyAndHold(),
        prices=PRICES,
        rebalance=Rebalance.MONTHLY,
        costs=Costs(),
        execution_lag=1,
        signals={},
    )
    assert found.contributions == {} and (found.twin.active == 0.0).all()


def test_active_return_uses_the_common_days_only() -> None:
    a = pd.Series([0.01, 0.02, 0.03], index=DAYS[:3])
    b = pd.Series([0.0, 0.01], index=DAYS[1:3])
    found = active_return(a, b)
    assert list(found.active) == pytest.approx([0.02, 0.02])
    with pytest.raises(ValueError, match="fewer than 2"):
        active_return(a.iloc[:1], b)


def test_the_kernel_path_is_the_vectorbt_engine() -> None:
    flags: list[bool | None] = [day.month in (3, 4, 9) for day in DAYS]
    found = _attribution(flags)
    engine = backtest(name="hedged", **_settings(flags))
    np.testing.assert_allclose(found.returns.to_numpy(), engine.returns.to_numpy(), atol=1e-12)
