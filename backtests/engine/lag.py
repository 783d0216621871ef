"""The execution lag: a decision made at the close of day t trades at the close of t + lag.

This module is its one owner. :func:`decision_row` says which decision row
trades on a day; the numba kernel calls it day by day, and
:func:`executed_rows` / :func:`executed_frame` (the vectorbt adapter, the
bench's bt comparison) apply it to whole arrays. The decisions of the last
``lag`` rows are never traded; before day ``lag`` nothing trades.

Requires decision rows on the trading calendar (rows = days) and a lag in
trading days (``>= 0``; 0 trades at the decision's own close, an optimistic
convention). Produces the rows in force at each day's close.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd

__all__ = ["DEFAULT_EXECUTION_LAG", "decision_row", "executed_frame", "executed_rows"]

DEFAULT_EXECUTION_LAG = 1
"""Decide at the close of t, trade at the close of t + 1."""


@numba.njit(cache=True)
def decision_row(day, execution_lag):  # type: ignore[no-untyped-def]  # numba: ints or int arrays
    """The decision row traded at the close of ``day`` (negative: none yet).

    Parameters
    ----------
    day
        A day's position on the trading calendar (an int, or an int array).
    execution_lag
        Trading days between a decision and its trade.

    Returns
    -------
    int or numpy.ndarray
        ``day - execution_lag``.
    """
    return day - execution_lag


def executed_rows(values: np.ndarray, execution_lag: int) -> np.ndarray:
    """The decision rows as traded: each row moved ``execution_lag`` rows later.

    Parameters
    ----------
    values
        Decision rows along the second-to-last axis (days x assets, or
        variants x days x assets).
    execution_lag
        Trading days between a decision and its trade (``>= 0``).

    Returns
    -------
    numpy.ndarray
        A float array of the same shape: row ``day`` holds decision row
        :func:`decision_row` ``(day, execution_lag)``, NaN where there is none.
    """
    days = values.shape[-2]
    rows = decision_row(np.arange(days, dtype=np.int64), np.int64(execution_lag))
    traded = rows >= 0
    executed = np.full(values.shape, np.nan, dtype=np.float64)
    executed[..., traded, :] = values[..., rows[traded], :]
    return executed


def executed_frame(targets: pd.DataFrame, execution_lag: int) -> pd.DataFrame:
    """:func:`executed_rows` of a frame of decision rows (rows = trading days)."""
    return pd.DataFrame(
        executed_rows(targets.to_numpy(dtype=np.float64, na_value=np.nan), execution_lag),
        index=targets.index,
        columns=targets.columns,
    )
