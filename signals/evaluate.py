"""Evaluating many signals at once, for a run or the ``macropatch signals`` command."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from macropatch.marketdata.errors import MissingSeriesError
from macropatch.signals.base import SeriesSource, Signal, SignalResult

__all__ = ["evaluate_signals"]


def evaluate_signals(
    signals: Iterable[Signal], sources: SeriesSource, calendar: pd.DatetimeIndex
) -> tuple[list[SignalResult], list[str]]:
    """Every signal over ``calendar``, and notes on those whose data were missing.

    A signal whose input no place can supply is reported as "no data" with a
    note; it never stops the run.
    """
    results: list[SignalResult] = []
    notes: list[str] = []
    for signal in signals:
        try:
            results.append(signal.evaluate(sources, calendar))
        except MissingSeriesError as error:
            missing = (
                tuple(series_id for series_id in signal.inputs if series_id in str(error))
                or signal.inputs
            )
            notes.append(f"signal {signal.name}: no data ({error})")
            results.append(SignalResult.unavailable(signal, calendar, missing))
    return results, notes
