"""A backtest: strategy + prices + schedule + costs + execution lag -> result.

Requires a strategy, the prices of its assets and of the cash asset on the
trading calendar, a rebalance schedule, costs and an execution lag.
Produces a :class:`~macropatch.backtests.engine.result.Result`. Timing: the strategy decides on
closes up to day t; the schedule keeps the decision dates; the engine trades
at the close of day t + lag.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from macropatch.backtests.engine.adapter import run_backtest
from macropatch.backtests.engine.attribution import excess_contribution
from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.lag import executed_frame
from macropatch.backtests.engine.result import Result
from macropatch.backtests.engine.schedule import Rebalance, apply_schedule
from macropatch.marketdata.errors import UserError
from macropatch.signals.base import SignalResult
from macropatch.strategies.base import CASH, MarketView, Strategy

__all__ = ["backtest", "unknown_on_execution"]


def unknown_on_execution(
    scheduled: pd.DataFrame, signals: Mapping[str, SignalResult], execution_lag: int
) -> pd.Series:
    """Per execution date, the signals unknown on its decision day (comma-separated).

    The decision rows of ``scheduled`` go through the same execution lag as
    the weights (:func:`~macropatch.backtests.engine.lag.executed_frame`), so
    each mark sits on the row of the weights it explains.
    """
    decided = scheduled.notna().any(axis=1).to_numpy()
    positions = np.where(decided, np.arange(len(scheduled), dtype=float), np.nan)
    executed = executed_frame(
        pd.DataFrame({"decision": positions}, index=scheduled.index), execution_lag
    )["decision"]
    unknown = {
        name: result.fired.reindex(scheduled.index).isna().to_numpy()
        for name, result in signals.items()
    }
    marks = [
        ""
        if not np.isfinite(position)
        else ",".join(name for name, flags in unknown.items() if flags[int(position)])
        for position in executed.to_numpy()
    ]
    return pd.Series(marks, index=scheduled.index, name="unknown_signals", dtype=object)


def backtest(
    *,
    name: str,
    strategy: Strategy,
    prices: pd.DataFrame,
    rebalance: Rebalance,
    costs: Costs,
    execution_lag: int = 1,
    config_hash: str = "",
    signals: Mapping[str, SignalResult] | None = None,
) -> Result:
    """Backtest ``strategy`` under the label ``name``.

    ``signals`` holds the evaluated signals by registered name; the strategy
    sees those it declares.
    """
    assets = list(strategy.assets)
    columns = [*assets, CASH]
    available = signals or {}
    missing = [signal for signal in strategy.signals if signal not in available]
    if missing:
        raise UserError(f"strategy {name!r} needs signal {missing[0]!r}, which was not evaluated")
    view = MarketView(
        prices=prices[assets], signals={signal: available[signal] for signal in strategy.signals}
    )
    targets = strategy.target_weights(view)
    scheduled = apply_schedule(targets[columns], rebalance)
    result = run_backtest(
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
    if strategy.signals:
        marks = unknown_on_execution(
            scheduled, {name: available[name] for name in strategy.signals}, execution_lag
        )
        result = dataclasses.replace(
            result,
            unknown_signals=marks.reindex(result.weights.index),
            signals=tuple(strategy.signals),
        )
    if not strategy.hedges or result.holdings is None:
        return result
    contribution = excess_contribution(
        result.holdings,
        prices[columns],
        strategy.hedges,
        cash=CASH,
        against=strategy.hedged_against,
    ).rename(name)
    return dataclasses.replace(result, hedge_contribution=contribution)
