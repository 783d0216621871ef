"""The objective of a sweep: the statistic its variants are ranked by.

Requires a daily returns matrix (one column per variant). Produces one score
per column, higher is better, computed by
:func:`~macropatch.backtests.metrics.columns.column_statistic` with the same
definitions as every metric of the project.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line reads the enum without importing pandas
    import pandas as pd

__all__ = ["Objective"]


class Objective(enum.Enum):
    """The statistic a sweep ranks its variants by; higher is better for each.

    The value is the statistic's name in :func:`~macropatch.backtests.metrics.columns.measure_columns`.
    """

    SHARPE = "sharpe"
    """Annualised Sharpe ratio, ``mean / std(ddof=1) * sqrt(252)``."""
    SORTINO = "sortino"
    """Annualised Sortino ratio (downside deviation over all returns)."""
    CAGR = "cagr"
    """Compound annual growth rate, 252 observations a year."""
    CALMAR = "calmar"
    """CAGR over the absolute maximum drawdown."""
    MAX_DRAWDOWN = "max_drawdown"
    """Maximum drawdown (<= 0, so the shallowest ranks first)."""

    def score(self, returns: pd.DataFrame) -> pd.Series:
        """Score every column of a returns matrix, computing only this statistic.

        Parameters
        ----------
        returns
            Daily returns, one column per variant, on a DatetimeIndex. Missing
            values are skipped per column.

        Returns
        -------
        pandas.Series
            One score per column (index = ``returns.columns``), named after
            the statistic; NaN or infinite where :func:`~macropatch.backtests.metrics.columns.measure_columns` is.

        Raises
        ------
        TypeError, ValueError
            As :func:`~macropatch.backtests.metrics.columns.measure_columns`.
        """
        from macropatch.backtests.metrics.columns import column_statistic

        return column_statistic(returns, self.value)
