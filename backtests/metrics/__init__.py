"""Performance metrics, defined in one place: 252 trading days a year, rf = 0.

Requires daily returns (fractions). Produces the statistics of one series
(:func:`.performance.measure`) or of every column of a returns matrix at once
(:func:`.columns.measure_columns`), with the same definitions; and the
Newey-West t-statistic of a mean (:mod:`.newey_west`).
"""

from __future__ import annotations

from macropatch.backtests.metrics.columns import COLUMN_METRICS, column_statistic, measure_columns
from macropatch.backtests.metrics.newey_west import newey_west_lags, newey_west_t
from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR, Performance, measure

__all__ = [
    "COLUMN_METRICS",
    "PERIODS_PER_YEAR",
    "Performance",
    "column_statistic",
    "measure",
    "measure_columns",
    "newey_west_lags",
    "newey_west_t",
]
