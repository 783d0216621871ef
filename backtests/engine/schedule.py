"""Rebalancing schedules: on which decision dates a strategy's targets are acted on.

A strategy states its desired weights every trading day. A schedule keeps
the rows of the days on which the portfolio is rebalanced and blanks the
others (a NaN row means "no rebalance that day" to the engine).

Requires a frame of daily targets on the trading calendar (a sorted, unique
:class:`pandas.DatetimeIndex`). Produces the same frame with the rows that
are not decision dates set to NaN. It never moves data in time: the engine
applies the execution lag.
"""

from __future__ import annotations

import enum

import numba
import numpy as np
import pandas as pd

__all__ = ["CHANGE_TOLERANCE", "Rebalance", "apply_schedule", "decision_dates", "schedule_rows"]

CHANGE_TOLERANCE = 1e-12
"""Two target weights closer than this are the same weight for ``ON_CHANGE``."""


class Rebalance(enum.Enum):
    """When the portfolio trades to its targets.

    The values are the lower-case names used in experiment files.
    """

    ONCE = "once"
    """Buy and hold: trade on the first decision date only."""
    WEEKLY = "weekly"
    """The last trading day of each calendar week (Monday to Sunday)."""
    MONTHLY = "monthly"
    """The last trading day of each calendar month."""
    QUARTERLY = "quarterly"
    """The last trading day of each calendar quarter."""
    ON_CHANGE = "on_change"
    """Every day whose targets differ from the previous day's targets."""


_PERIOD_OF = {
    Rebalance.WEEKLY: "W-SUN",
    Rebalance.MONTHLY: "M",
    Rebalance.QUARTERLY: "Q-DEC",
}


def _require_calendar(index: pd.Index) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(f"a schedule needs a DatetimeIndex, got {type(index).__name__}")
    if not index.is_unique or not index.is_monotonic_increasing:
        raise ValueError("a schedule needs a sorted index without duplicate dates")
    return index


def decision_dates(index: pd.DatetimeIndex, rebalance: Rebalance) -> pd.DatetimeIndex:
    """The decision dates of a calendar schedule over a trading calendar.

    Parameters
    ----------
    index
        The trading calendar, sorted and without duplicates.
    rebalance
        Any schedule but :attr:`Rebalance.ON_CHANGE`, which depends on the
        targets (use :func:`apply_schedule`).

    Returns
    -------
    pandas.DatetimeIndex
        ``ONCE``: the first day. ``WEEKLY``, ``MONTHLY``, ``QUARTERLY``: the
        first day, so that the portfolio is invested from the start, and the
        last day of ``index`` in each week, month or quarter. The last period
        of ``index`` counts even when the calendar ends before the period
        does: its last day present in ``index`` is a decision date.
    """
    index = _require_calendar(index)
    if not isinstance(rebalance, Rebalance):
        raise ValueError(f"rebalance must be a Rebalance, got {rebalance!r}")
    if rebalance is Rebalance.ON_CHANGE:
        raise ValueError("ON_CHANGE decision dates depend on the targets: use apply_schedule")
    if len(index) == 0:
        return index[:0]
    is_decision = np.zeros(len(index), dtype=bool)
    is_decision[0] = True
    if rebalance is not Rebalance.ONCE:
        naive = index.tz_localize(None) if index.tz is not None else index
        periods = naive.to_period(_PERIOD_OF[rebalance]).asi8
        is_decision[:-1] |= periods[:-1] != periods[1:]
        is_decision[-1] = True
    return index[is_decision]


_PERIOD_ENDS: dict[Rebalance, tuple[pd.DatetimeIndex, np.ndarray]] = {}


def _period_ends(index: pd.DatetimeIndex, rebalance: Rebalance) -> np.ndarray:
    """Whether each day of ``index`` is a decision date of ``rebalance`` (kept for the last
    calendar seen: a sweep applies one schedule to thousands of variants).
    """
    cached = _PERIOD_ENDS.get(rebalance)
    if cached is not None and cached[0] is index:
        return cached[1]
    mask = index.isin(decision_dates(index, rebalance))
    _PERIOD_ENDS[rebalance] = (index, mask)
    return mask


def _changed_rows(values: np.ndarray) -> np.ndarray:
    """Rows that differ from the row before (the first row counts as changed)."""
    changed = np.ones(len(values), dtype=bool)
    if len(values) < 2:
        return changed
    current, previous = values[1:], values[:-1]
    current_missing, previous_missing = np.isnan(current), np.isnan(previous)
    with np.errstate(invalid="ignore"):
        moved = np.abs(current - previous) > CHANGE_TOLERANCE
    differs = (current_missing != previous_missing) | (moved & ~current_missing & ~previous_missing)
    changed[1:] = differs.any(axis=1)
    return changed


def apply_schedule(targets: pd.DataFrame, rebalance: Rebalance) -> pd.DataFrame:
    """Keep the target rows of decision dates, blank the others.

    Parameters
    ----------
    targets
        Desired weights every trading day: rows on the trading calendar,
        one column per asset. A row of NaN means the strategy has no
        targets yet (a warm-up) or none that day.
    rebalance
        The schedule.

    Returns
    -------
    pandas.DataFrame
        A copy of ``targets`` in which every row that is not a decision date
        is NaN. The schedule starts on the first row that holds weights, so
        a warm-up does not delay the first trade to the next period end:

        * ``ONCE``: that first row only;
        * ``WEEKLY``, ``MONTHLY``, ``QUARTERLY``: that first row and the last
          trading day of each week, month or quarter after it;
        * ``ON_CHANGE``: that first row and every row that differs from the
          row before it (weights further apart than :data:`CHANGE_TOLERANCE`,
          or NaN on one day only; NaN equals NaN).

        A decision date on which the strategy has no targets stays NaN.
    """
    index = _require_calendar(targets.index)
    if not isinstance(rebalance, Rebalance):
        raise ValueError(f"rebalance must be a Rebalance, got {rebalance!r}")
    values = targets.to_numpy(dtype=np.float64, na_value=np.nan)
    holds_weights = ~np.isnan(values).all(axis=1)
    keep = np.zeros(len(index), dtype=bool)
    if holds_weights.any():
        start = int(np.argmax(holds_weights))
        if rebalance is Rebalance.ON_CHANGE:
            keep[start:] = _changed_rows(values[start:])
        elif rebalance is not Rebalance.ONCE:
            # A period's last day does not depend on where the schedule starts, so the
            # decision dates of the whole calendar serve every start.
            keep[start:] = _period_ends(index, rebalance)[start:]
        keep[start] = True
    scheduled = values.copy()
    scheduled[~keep] = np.nan
    return pd.DataFrame(scheduled, index=targets.index, columns=targets.columns)


@numba.njit(cache=True)
def _rows_differ(table: np.ndarray, first: int, second: int) -> bool:
    """Whether table row ``second`` differs from row ``first`` as ``ON_CHANGE`` reads a change."""
    for column in range(table.shape[1]):
        before, after = table[first, column], table[second, column]
        if np.isnan(before) != np.isnan(after):
            return True
        if not np.isnan(before) and abs(after - before) > CHANGE_TOLERANCE:
            return True
    return False


@numba.njit(cache=True, parallel=True)
def _scheduled_rows(
    rows: np.ndarray, table: np.ndarray, period_end: np.ndarray, on_change: bool
) -> np.ndarray:
    """:func:`schedule_rows`' pass over every variant (variants in parallel)."""
    variants, days = rows.shape
    holds = np.zeros(len(table), dtype=np.bool_)
    for row in range(len(table)):
        for column in range(table.shape[1]):
            holds[row] = holds[row] or not np.isnan(table[row, column])
    scheduled = np.full((variants, days), -1, dtype=np.int32)
    for variant in numba.prange(variants):
        started = False
        for day in range(days):
            row = rows[variant, day]
            if not started:
                started = holds[row]
                keep = started
            elif on_change:
                previous = rows[variant, day - 1]
                keep = row != previous and _rows_differ(table, previous, row)
            else:
                keep = period_end[day]
            if keep:
                scheduled[variant, day] = row
    return scheduled


def schedule_rows(
    rows: np.ndarray, table: np.ndarray, index: pd.DatetimeIndex, rebalance: Rebalance
) -> np.ndarray:
    """:func:`apply_schedule` for many variants whose daily targets are rows of one table.

    Parameters
    ----------
    rows
        Variants by days: the row of ``table`` holding each variant's targets each day.
    table
        Target rows (rows by assets; a row of NaN holds no targets).
    index, rebalance
        The trading calendar and the schedule, as for :func:`apply_schedule`.

    Returns
    -------
    numpy.ndarray
        Variants by days (int32): ``rows`` on the decision dates, -1 on the other
        days. Variant ``v`` decides on the days :func:`apply_schedule` keeps of
        ``table[rows[v]]``, by the same rules, in one compiled pass.
    """
    index = _require_calendar(index)
    if not isinstance(rebalance, Rebalance):
        raise ValueError(f"rebalance must be a Rebalance, got {rebalance!r}")
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.shape[1] != len(index):
        raise ValueError(f"rows must be variants by {len(index)} days, got {rows.shape}")
    if rows.size and (rows.min() < 0 or rows.max() >= len(table)):
        raise ValueError(f"rows must be rows of the table (0 to {len(table) - 1})")
    if rebalance in (Rebalance.ONCE, Rebalance.ON_CHANGE):
        period_end = np.zeros(len(index), dtype=bool)
    else:
        period_end = np.asarray(_period_ends(index, rebalance), dtype=bool)
    return _scheduled_rows(  # type: ignore[no-any-return]
        rows.astype(np.int32, copy=False),
        np.ascontiguousarray(table, dtype=np.float64),
        period_end,
        rebalance is Rebalance.ON_CHANGE,
    )
