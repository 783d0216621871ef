"""The backtest stage: strategy + prices + schedule + costs + execution lag -> results.

vectorbt is imported by :mod:`backtests.engine` only, and only when the engine
(``run_backtest``, ``backtest``) is first used: the sweep's workers, which run
the returns-only kernel, never load it.
"""

from __future__ import annotations

import importlib
from typing import Any

from backtests.conventions import MissingPriceError
from backtests.costs import Costs
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

_LAZY = {"backtest": "backtests.backtest", "run_backtest": "backtests.engine"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'backtests' has no attribute {name!r}")
