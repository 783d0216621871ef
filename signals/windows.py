"""Small pieces the signals share: parameter checks and causal trailing comparisons."""

from __future__ import annotations

import pandas as pd

from macropatch.marketdata.bounds import check_range, check_window

__all__ = [
    "against_trailing_mean",
    "check_range",
    "check_window",
    "days_ago",
    "ratio_against_trailing_mean",
    "trailing_change",
]


def against_trailing_mean(series: pd.Series, window_days: int) -> pd.Series:
    """``series / trailing mean - 1``; unknown until the window is full (today included). Causal."""
    return series / series.rolling(window_days, min_periods=window_days).mean() - 1.0


def ratio_against_trailing_mean(
    numerator: pd.Series, denominator: pd.Series, window_days: int
) -> pd.Series:
    """The ratio of two prices against its own trailing mean (see :func:`against_trailing_mean`)."""
    return against_trailing_mean(numerator / denominator, window_days)


def days_ago(series: pd.Series, days: int) -> pd.Series:
    """The value ``days`` trading days earlier (a lookback on knowable data, never forward)."""
    if days < 1:
        raise ValueError(f"a lookback needs at least one day, got {days}")
    return series.shift(days)


def trailing_change(series: pd.Series, days: int) -> pd.Series:
    """The change over the last ``days`` trading days."""
    return series - days_ago(series, days)
