"""What every simulator of the project shares: the starting value, the weight-sum
tolerance and the error for a missing price. Kept apart from :mod:`macropatch.backtests.engine.adapter`
so that the sweep's workers need not import vectorbt.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from macropatch.backtests.engine.costs import Costs
from macropatch.marketdata.errors import DataError

__all__ = [
    "INITIAL_VALUE",
    "WEIGHT_SUM_TOLERANCE",
    "MissingPriceError",
    "check_lag_and_costs",
    "check_price_calendar",
]

INITIAL_VALUE = 1.0
"""Net asset value on the first day."""

WEIGHT_SUM_TOLERANCE = 1e-9
"""How far a target row's sum may be from 1."""


class MissingPriceError(DataError, ValueError):
    """An asset has no usable price on a day it is held or traded (a data gap)."""


def check_price_calendar(prices: pd.DataFrame) -> None:
    """Raise ``ValueError`` unless ``prices`` has a sorted, unique, non-empty DatetimeIndex and
    unique columns: what every simulator needs of its prices.
    """
    if not isinstance(prices.index, pd.DatetimeIndex):
        raise ValueError(f"prices need a DatetimeIndex, got {type(prices.index).__name__}")
    if not prices.index.is_unique or not prices.index.is_monotonic_increasing:
        raise ValueError("prices need a sorted index without duplicate dates")
    if len(prices.index) == 0:
        raise ValueError("prices are empty: nothing to backtest")
    if not prices.columns.is_unique:
        raise ValueError("prices have duplicate columns")


def check_lag_and_costs(execution_lag: object, costs: object) -> None:
    """Raise ``ValueError`` unless ``execution_lag`` is a whole number of days >= 0 and
    ``costs`` is a :class:`macropatch.backtests.engine.costs.Costs`.
    """
    if isinstance(execution_lag, bool) or not isinstance(execution_lag, int | np.integer):
        raise ValueError(f"execution_lag must be an integer, got {execution_lag!r}")
    if execution_lag < 0:
        raise ValueError(f"execution_lag must be 0 or more trading days, got {execution_lag}")
    if not isinstance(costs, Costs):
        raise ValueError(f"costs must be a Costs, got {costs!r}")
