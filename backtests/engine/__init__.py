"""The simulators: target weights and prices in, returns and trades out.

Requires target weights (rows = decision dates), prices and costs. Produces a
:class:`~macropatch.backtests.engine.result.Result` (the vectorbt adapter,
:mod:`.adapter`, and :func:`.backtest.backtest`) or a returns matrix (the
numba kernel, :mod:`.kernel`). The execution lag has one owner,
:mod:`.lag`. The adapter and :mod:`.backtest` import vectorbt, so they are
imported by name, never from this package's namespace: the sweep's workers
import the kernel without vectorbt.
"""

from __future__ import annotations

from macropatch.backtests.engine.conventions import MissingPriceError
from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.result import Result, ResultSet
from macropatch.backtests.engine.schedule import Rebalance, apply_schedule, decision_dates

__all__ = [
    "Costs",
    "MissingPriceError",
    "Rebalance",
    "Result",
    "ResultSet",
    "apply_schedule",
    "decision_dates",
]
