"""A signal read on one day as a user needs it: how fresh, how far from firing, which way.

Requires a :class:`~macropatch.signals.base.SignalResult`. Produces a
:class:`Reading` on a day:

- the **binding input**: the input whose latest knowable observation is the
  oldest that day (the freshness of a signal is that of its stalest input,
  not of its freshest);
- the **distance** to the threshold in the value's units (``value -
  threshold``; positive = on the firing side for a rule "above"), and the
  value's **percentile** among every known value up to that day (its own
  history, point-in-time);
- the **trend**: the change of the value over the last ``trend_days``
  trading days (default 63, a quarter).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from macropatch.marketdata.catalog import Catalog
from macropatch.signals.base import Signal, SignalResult, SignalState

__all__ = ["TREND_DAYS", "Reading", "point_in_time", "read_on", "why_not_known"]

TREND_DAYS = 63
"""Trading days over which the trend is measured (a quarter)."""


@dataclass(frozen=True, kw_only=True)
class Reading:
    """A signal on one day (NaN where unknown; None where there is no such input)."""

    day: pd.Timestamp
    value: float
    threshold: float | None
    distance: float
    percentile: float
    trend: float
    binding_series: str | None
    binding_date: pd.Timestamp | None

    def freshness(self) -> str:
        """``"dgs10 2026-01-21"``: the stalest input and its last observation."""
        if self.binding_series is None:
            return ""
        when = "no data" if self.binding_date is None else str(self.binding_date.date())
        return f"{self.binding_series} {when}"


def read_on(result: SignalResult, day: pd.Timestamp, *, trend_days: int = TREND_DAYS) -> Reading:
    """The reading of ``result`` on ``day`` (the last calendar day on or before it)."""
    values = result.value.loc[:day]
    value = float(values.iloc[-1]) if len(values) else math.nan
    known = values.dropna().to_numpy(dtype=float)
    percentile = float(np.mean(known <= value)) if len(known) and math.isfinite(value) else math.nan
    earlier = float(values.iloc[-1 - trend_days]) if len(values) > trend_days else math.nan
    threshold = result.threshold
    binding_series, binding_date = _binding(result, day)
    return Reading(
        day=pd.Timestamp(values.index[-1]) if len(values) else pd.Timestamp(day),
        value=value,
        threshold=threshold,
        distance=value - threshold if threshold is not None else math.nan,
        percentile=percentile,
        trend=value - earlier,
        binding_series=binding_series,
        binding_date=binding_date,
    )


def _binding(result: SignalResult, day: pd.Timestamp) -> tuple[str | None, pd.Timestamp | None]:
    """The input that limits the signal on ``day``: when the signal is known, the input in use
    with the oldest latest observation; when it is unknown, an input that is stale or has no
    data yet (the oldest of those).
    """
    if result.missing:
        return result.missing[0], None
    dates, stale = result.input_dates, result.input_stale
    if dates is None or dates.shape[1] == 0:
        return None, None
    rows = dates.loc[:day]
    if rows.empty:
        return str(dates.columns[0]), None
    latest = rows.iloc[-1]
    unusable = (
        stale.loc[:day].iloc[-1].astype(bool)
        if stale is not None
        else pd.Series(False, index=latest.index)
    )
    known = result.state_on(day) in {SignalState.FIRED, SignalState.QUIET}
    candidates = latest[~unusable] if known and not unusable.all() else latest[unusable]
    if candidates.empty:
        candidates = latest
    if candidates.isna().any():
        return str(candidates[candidates.isna()].index[0]), None
    series = str(pd.to_datetime(candidates).idxmin())
    return series, pd.Timestamp(candidates[series])


def point_in_time(signal: Signal, catalog: Catalog) -> bool:
    """False when ``signal`` reads a series its publisher re-estimates (``revised`` in the
    catalog): its history is then not what was knowable at the time.
    """
    return not any(catalog[series].revised for series in signal.inputs if series in catalog)


def why_not_known(result: SignalResult, day: pd.Timestamp, catalog: Catalog) -> str | None:
    """Why ``result`` is not known on ``day``, in one line (None when it is known)."""
    state = result.state_on(day)
    if state in {SignalState.FIRED, SignalState.QUIET}:
        return None
    reading = read_on(result, day)
    series = reading.binding_series
    if series is None:
        return f"{result.signal.name}: unknown (its window is not yet full)"
    if state is SignalState.NO_DATA:
        return (
            f"{result.signal.name}: no data: {series} was never imported "
            f"(macropatch data import-series {series} FILE.csv)"
        )
    if reading.binding_date is None:
        return f"{result.signal.name}: unknown: {series} has no observation knowable yet"
    limit = catalog[series].stale_after_days if series in catalog else None
    stale = f", too old to use after {limit} days" if limit is not None else ""
    return (
        f"{result.signal.name}: unknown: the last observation of {series} is dated "
        f"{reading.binding_date.date()}{stale}"
    )
