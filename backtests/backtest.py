"""A backtest: strategy + prices + schedule + costs + execution lag -> result.

Requires a strategy, the prices of its assets and of the cash asset on the
trading calendar, a rebalance schedule, costs and an execution lag.
Produces a :class:`~backtests.result.Result`. Timing: the strategy decides on
closes up to day t; the schedule keeps the decision dates; the engine trades
at the close of day t + lag.
"""

from __future__ import annotations

import pandas as pd

from backtests.costs import Costs
from backtests.engine import run_backtest
from backtests.result import Result
from backtests.schedule import Rebalance, apply_schedule
from strategies.base import CASH, MarketView, Strategy

__all__ = ["backtest"]


def backtest(
    *,
    name: str,
    strategy: Strategy,
    prices: pd.DataFrame,
    rebalance: Rebalance,
    costs: Costs,
    execution_lag: int = 1,
    config_hash: str = "",
) -> Result:
    """Backtest ``strategy`` under the label ``name``."""
    assets = list(strategy.assets)
    columns = [*assets, CASH]
    targets = strategy.target_weights(MarketView(prices=prices[assets]))
    scheduled = apply_schedule(targets[columns], rebalance)
    return run_backtest(
        name=name,
        targets=scheduled,
        prices=prices[columns],
        costs=costs,
        execution_lag=execution_lag,
        cash_asset=CASH,
        parameters={
            "strategy": strategy.name,
            "rebalance": rebalance.value,
            **strategy.parameters(),
        },
        config_hash=config_hash,
    )
