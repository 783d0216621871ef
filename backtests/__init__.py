"""The backtest stage: strategy + prices + schedule + costs + execution lag -> results.

vectorbt is imported by :mod:`backtests.engine` only.
"""

from backtests.backtest import backtest
from backtests.costs import Costs
from backtests.engine import MissingPriceError, run_backtest
from backtests.metrics import PERIODS_PER_YEAR, Performance, measure
from backtests.result import Result, ResultSet
from backtests.schedule import Rebalance, apply_schedule, decision_dates

__all__ = [
    "PERIODS_PER_YEAR",
    "Costs",
    "MissingPriceError",
    "Performance",
    "Rebalance",
    "Result",
    "ResultSet",
    "apply_schedule",
    "backtest",
    "decision_dates",
    "measure",
    "run_backtest",
]
