"""The backtest wiring: strategy targets, the schedule and the engine together."""

import numpy as np
import pandas as pd
import pytest

from macropatch.backtests.engine.backtest import backtest
from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.schedule import Rebalance
from macropatch.strategies import CASH, SixtyForty, SpyBuyAndHold


def prices(days: int = 90) -> pd.DataFrame:
    index = pd.bdate_range("2021-01-01", periods=days, name="date")
    rng = np.random.default_rng(7)
    spy = 100 * np.cumprod(1 + rng.normal(0.0005, 0.01, days))
    ief = 100 * np.cumprod(1 + rng.normal(0.0001, 0.003, days))
    cash = 100 * (1 + 0.0001) ** np.arange(days)
    return pd.DataFrame({"spy": spy, "ief": ief, CASH: cash}, index=index)


def test_monthly_schedule_trades_the_day_after_each_month_end() -> None:
    result = backtest(
        name="sixty_forty",
        strategy=SixtyForty(),
        prices=prices(),
        rebalance=Rebalance.MONTHLY,
        costs=Costs(fees=0.0005, slippage=0.0002),
    )
    executed = list(result.weights.index)
    # decided on 2021-01-01 (first day), 01-29, 02-26, 03-31; executed one trading day later
    assert executed[:4] == [
        pd.Timestamp(day) for day in ("2021-01-04", "2021-02-01", "2021-03-01", "2021-04-01")
    ]
    assert np.allclose(result.weights.sum(axis=1), 1.0)
    assert result.parameters["rebalance"] == "monthly" and result.parameters["equity_weight"] == 0.6


def test_buy_and_hold_trades_once_and_drifts() -> None:
    frame = prices()
    result = backtest(
        name="spy",
        strategy=SpyBuyAndHold(),
        prices=frame,
        rebalance=Rebalance.ONCE,
        costs=Costs(fees=0.0, slippage=0.0),
    )
    assert len(result.weights) == 1
    # without costs, after the purchase the NAV follows SPY exactly
    growth = result.value.iloc[-1] / result.value.iloc[1]
    assert growth == pytest.approx(frame["spy"].iloc[-1] / frame["spy"].iloc[1], rel=1e-12)
