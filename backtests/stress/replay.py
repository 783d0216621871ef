"""Historical crisis replay: how each strategy lived through past stress windows.

Requires daily returns (fractions) on a ``DatetimeIndex``, one column per
strategy, and stress windows (:class:`Window`). Produces one row per window and
strategy: the compounded return, the deepest drawdown and the lowest point
inside the window, and how many trading days the strategy took, after that
low, to get back to where it stood when the window began.

Timing, as in ``macropatch.reports.crises``: a window runs from the close of its start
day (the S&P 500's closing peak; that day's own return is excluded, wealth is
1 at its close) to the close of its end day (the trough, included). Recovery
is followed past the window's end through the rest of the data. Each column is
read on its own days: missing values (a strategy not yet live) are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from macropatch.marketdata.errors import UserError

__all__ = [
    "DEFAULT_REPLAY_WINDOWS",
    "RECOVERY_TOLERANCE",
    "Window",
    "WindowMeasure",
    "coverage_problem",
    "measure_window",
    "replay",
]

RECOVERY_TOLERANCE = 1e-12
"""Wealth within this of 1.0 counts as back at the window's start (rounding of products)."""

_COLUMNS = ["return", "max_drawdown", "trough_date", "days_to_recover", "recovered"]


@dataclass(frozen=True)
class Window:
    """A named stress window, from a closing peak to a closing trough.

    Attributes
    ----------
    name
        How results name it (``"2020 Covid crash"``).
    start
        The peak day: its own return is not part of the window.
    end
        The trough day, included.
    """

    name: str
    start: date
    end: date

    def __post_init__(self) -> None:
        """Refuse a window that does not start before it ends."""
        if not self.start < self.end:
            raise ValueError(f"window {self.name!r} must start before it ends")


DEFAULT_REPLAY_WINDOWS: tuple[Window, ...] = (
    Window(name="2000-02 dot-com bust", start=date(2000, 3, 24), end=date(2002, 10, 9)),
    Window(name="2007-09 financial crisis", start=date(2007, 10, 9), end=date(2009, 3, 9)),
    Window(name="2011 US downgrade", start=date(2011, 7, 22), end=date(2011, 10, 3)),
    Window(name="2015-16 oil and China", start=date(2015, 5, 21), end=date(2016, 2, 11)),
    Window(name="2018 Q4", start=date(2018, 9, 20), end=date(2018, 12, 24)),
    Window(name="2020 Covid crash", start=date(2020, 2, 19), end=date(2020, 3, 23)),
    Window(name="2022 rate shock", start=date(2022, 1, 3), end=date(2022, 10, 12)),
)
"""S&P 500 closing peak and trough of each crisis (closes checked against the
pack's ``prices/sp500_index_daily.csv``): 1,527.46 to 776.76 (-49%);
1,565.15 to 676.53 (-57%); 1,345.02 to 1,099.23 (-18%, the US downgrade by
S&P; 22 Jul is the last high before the August sell-off, the year's closing
high was 1,363.61 on 29 Apr); 2,130.82 to 1,829.08 (-14%); 2,930.75 to
2,351.10 (-20%); 3,386.15 to 2,237.40 (-34%); 4,796.56 to 3,577.03 (-25%)."""


def replay(returns: pd.DataFrame, windows: Sequence[Window]) -> pd.DataFrame:
    """Replay each window on each column of ``returns``.

    Parameters
    ----------
    returns
        Daily returns, rows = trading days (ascending ``DatetimeIndex``),
        columns = strategies; NaN where a strategy has no value.
    windows
        The windows, with distinct names.

    Returns
    -------
    pandas.DataFrame
        Indexed by (``window``, ``strategy``) in the order of ``windows`` then
        columns, with columns:

        - ``return``: ``prod(1 + r) - 1`` over the days in ``(start, end]``;
        - ``max_drawdown``: deepest fall from the running peak of wealth inside
          the window (wealth 1 at the start's close), a fraction <= 0;
        - ``trough_date``: the day of the lowest wealth in the window (the
          start day when wealth never fell below 1);
        - ``days_to_recover`` (``Int64``): trading days from that low until
          wealth, followed past the window's end, is first back at 1; 0 when
          it never fell below 1; ``<NA>`` when not recovered by the data's end;
        - ``recovered``: whether it did get back (or never fell).

    Raises
    ------
    UserError
        If a window is not fully covered by a column's data (it starts before
        the first day or ends after the last: partly covered windows are
        refused too), or holds fewer than 2 of its days.
    """
    names = [window.name for window in windows]
    if len(set(names)) != len(names):
        raise ValueError("window names must be distinct")
    if not isinstance(returns.index, pd.DatetimeIndex) or not returns.index.is_monotonic_increasing:
        raise ValueError("returns need an ascending DatetimeIndex")
    rows = [
        _replay_one(returns[column].astype(float).dropna(), window, str(column))
        for window in windows
        for column in returns.columns
    ]
    index = pd.MultiIndex.from_arrays(
        [
            [window.name for window in windows for _ in returns.columns],
            [str(column) for _ in windows for column in returns.columns],
        ],
        names=["window", "strategy"],
    )
    table = pd.DataFrame(rows, index=index, columns=_COLUMNS)
    return table.astype(
        {
            "return": float,
            "max_drawdown": float,
            "trough_date": "datetime64[ns]",
            "days_to_recover": "Int64",
            "recovered": bool,
        }
    )


@dataclass(frozen=True, kw_only=True)
class WindowMeasure:
    """What one return series lived through in one window (see :func:`replay` for each field)."""

    total_return: float
    max_drawdown: float
    trough_date: pd.Timestamp
    days_to_recover: int | None
    recovered: bool


def coverage_problem(series: pd.Series, window: Window, *, what: str = "the data") -> str | None:
    """Why ``series`` cannot measure ``window``, or None when it can.

    The one coverage rule of the project's crisis windows: the series (its
    non-missing days) must hold the window's start day or an earlier one
    (wealth is 1 at the start's close) and its end day or a later one, and at
    least 2 days inside. A partly covered window is never measured: its
    return would be some other period's.
    """
    days = pd.DatetimeIndex(series.dropna().index).normalize()
    start, end = pd.Timestamp(window.start), pd.Timestamp(window.end)
    span = f"{days[0].date()} to {days[-1].date()}" if len(days) else "no days"
    if not len(days) or start < days[0] or end > days[-1]:
        return f"is not fully covered by {what}, which run {span}"
    inside = int(((days > start) & (days <= end)).sum())
    if inside < 2:
        return f"holds {inside} days of {what} ({span}); at least 2 are needed"
    return None


def measure_window(series: pd.Series, window: Window) -> WindowMeasure | None:
    """The window as ``series`` lived through it; None when :func:`coverage_problem` says no.

    Missing values are dropped (a strategy not yet live); recovery is
    followed past the window's end through the rest of the data.
    """
    if coverage_problem(series, window) is not None:
        return None
    series = series.astype(float).dropna()
    days = pd.DatetimeIndex(series.index).normalize()
    start, end = pd.Timestamp(window.start), pd.Timestamp(window.end)
    positions = np.flatnonzero((days > start) & (days <= end))
    first, length = positions[0], len(positions)
    wealth = np.cumprod(1.0 + series.to_numpy()[first:])  # from the window's first day on
    path = np.concatenate(([1.0], wealth[:length]))  # the start's close, then the window
    drawdown = float((path / np.maximum.accumulate(path)).min() - 1.0)
    low = int(path.argmin())
    total = float(path[-1] - 1.0)
    if path[low] >= 1.0 - RECOVERY_TOLERANCE:
        return WindowMeasure(
            total_return=total, max_drawdown=drawdown, trough_date=start, days_to_recover=0,
            recovered=True,
        )  # fmt: skip
    trough = low - 1  # position in `wealth`
    back = np.flatnonzero(wealth[trough + 1 :] >= 1.0 - RECOVERY_TOLERANCE)
    recovery = int(back[0]) + 1 if len(back) else None
    return WindowMeasure(
        total_return=total,
        max_drawdown=drawdown,
        trough_date=days[first + trough],
        days_to_recover=recovery,
        recovered=recovery is not None,
    )


def _replay_one(series: pd.Series, window: Window, column: str) -> list[object]:
    """``_COLUMNS`` for one column in one window."""
    problem = coverage_problem(series, window, what=f"the returns of {column!r}")
    if problem is not None:
        raise UserError(
            f"window {window.name!r} ({window.start} to {window.end}) {problem}; "
            "partly covered windows are not replayed"
        )
    measure = measure_window(series, window)
    assert measure is not None
    return [
        measure.total_return,
        measure.max_drawdown,
        measure.trough_date,
        measure.days_to_recover,
        measure.recovered,
    ]
