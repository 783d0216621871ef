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

import numpy as np
import pandas as pd

__all__ = ["CHANGE_TOLERANCE", "Rebalance", "apply_schedule", "decision_dates"]

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
