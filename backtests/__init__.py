"""The backtest stage: target weights and prices in, results out.

vectorbt is imported by :mod:`backtests.engine` only.
"""

from backtests.costs import Costs
from backtests.engine import run_backtest
from backtests.result import Result, ResultSet
from backtests.schedule import Rebalance, apply_schedule, decision_dates

__all__ = [
    "Costs",
    "Rebalance",
    "Result",
    "ResultSet",
    "apply_schedule",
    "decision_dates",
    "run_backtest",
]
