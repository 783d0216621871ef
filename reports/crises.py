"""Which patch did what, in which crisis: returns by stress window and by calendar year.

Requires daily returns (a :class:`pandas.Series` on a ``DatetimeIndex``, as in
:class:`macropatch.backtests.engine.result.Result`). Produces plain numbers for
``summary.json``: the compounded return and the deepest drawdown of a strategy
inside each stress window (:data:`DEFAULT_WINDOWS`), its compounded
calendar-year returns, and the correlation of the strategies' daily returns.

A stress window runs from the S&P 500's closing peak to its closing trough.
Its return compounds the daily returns dated after the peak day and up to and
including the trough day: what a holder lived through from the close of the
peak to the close of the trough.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from macropatch.backtests.engine.result import ResultSet
from macropatch.backtests.stress.replay import DEFAULT_REPLAY_WINDOWS, Window, measure_window

__all__ = [
    "DEFAULT_WINDOWS",
    "StressWindow",
    "annual_returns",
    "correlations",
    "stress_windows",
    "window_max_drawdown",
    "window_returns",
]


StressWindow = Window
"""A named market crisis, from the S&P 500's closing peak (its own return not part of
the window) to its closing trough (included): :class:`macropatch.backtests.stress.replay.Window`."""

DEFAULT_WINDOWS: tuple[StressWindow, ...] = DEFAULT_REPLAY_WINDOWS
"""The crises shown on index.html by default: the stress tests' replay windows
(:data:`macropatch.backtests.stress.replay.DEFAULT_REPLAY_WINDOWS`), so both pages show the same crises;
an experiment's ``[stress] windows`` replace them on both."""


def window_returns(returns: pd.Series, window: StressWindow) -> float | None:
    """Compounded return of ``returns`` inside a stress window.

    Parameters
    ----------
    returns
        Daily returns (fractions) on a ``DatetimeIndex``; NaN is no observation.
    window
        The window: returns dated after ``window.start``, up to and including
        ``window.end``.

    Returns
    -------
    float or None
        ``prod(1 + r) - 1`` over the window; ``None`` when the data do not
        cover the whole window (the stress tests' rule,
        :func:`~macropatch.backtests.stress.replay.coverage_problem`).
    """
    measure = measure_window(_checked(returns), window)
    return None if measure is None else measure.total_return


def window_max_drawdown(returns: pd.Series, window: StressWindow) -> float | None:
    """Deepest fall from a running peak inside a stress window (fraction, <= 0).

    The running peak starts at the wealth held at the close of the peak day, so
    the first loss inside the window counts. ``None`` as in :func:`window_returns`.
    """
    measure = measure_window(_checked(returns), window)
    return None if measure is None else measure.max_drawdown


def stress_windows(
    returns: pd.Series, windows: Sequence[StressWindow] = DEFAULT_WINDOWS
) -> dict[str, dict[str, float | str | None]]:
    """``{window name: {"return": ..., "max_drawdown": ..., "start": ..., "end": ...}}`` in
    the order of ``windows`` (dates ISO, the peak and the trough).
    """
    return {
        window.name: {
            "return": window_returns(returns, window),
            "max_drawdown": window_max_drawdown(returns, window),
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
        }
        for window in windows
    }


def annual_returns(returns: pd.Series) -> dict[str, float]:
    """Compounded return of each calendar year in the data, ``{"2021": 0.12, ...}``.

    The first and last years count only the days the data hold.
    """
    clean = returns.astype(float).dropna()
    if clean.empty:
        return {}
    years = pd.DatetimeIndex(clean.index).year
    grouped = clean.add(1.0).groupby(years).prod() - 1.0
    return {str(year): float(value) for year, value in grouped.items()}


def correlations(results: ResultSet) -> dict[str, dict[str, float | str | None]]:
    """Pearson correlation of the strategies' daily returns, on the days both have.

    Returns
    -------
    dict
        ``{name: {name: value}}`` in run order; ``None`` where a strategy's
        returns do not vary (cash) and the correlation is not defined.
    """
    matrix = results.returns().astype(float).corr(method="pearson")
    return {
        row: {column: _finite(matrix.loc[row, column]) for column in results.names}
        for row in results.names
    }


def _checked(returns: pd.Series) -> pd.Series:
    if not isinstance(returns.index, pd.DatetimeIndex):
        raise TypeError(f"returns {returns.name!r} need a DatetimeIndex")
    return returns


def _finite(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None
