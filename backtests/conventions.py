"""What every simulator of the project shares: the starting value, the weight-sum
tolerance and the error for a missing price. Kept apart from :mod:`backtests.engine`
so that the sweep's workers need not import vectorbt."""

from __future__ import annotations

from marketdata.errors import DataError

__all__ = ["INITIAL_VALUE", "WEIGHT_SUM_TOLERANCE", "MissingPriceError"]

INITIAL_VALUE = 1.0
"""Net asset value on the first day."""

WEIGHT_SUM_TOLERANCE = 1e-9
"""How far a target row's sum may be from 1."""


class MissingPriceError(DataError, ValueError):
    """An asset has no usable price on a day it is held or traded (a data gap)."""
