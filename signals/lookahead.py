"""The look-ahead check every signal passes: the future cannot change the past.

Requires a signal and the catalog entries of the series it reads. Produces
nothing when the signal passes; :class:`LookAheadError` naming the signal and
the first date whose output changed when it does not.

The check (:func:`check_no_lookahead`) evaluates the signal on synthetic
histories of its inputs, shaped by each entry's kind, frequency and units
(:func:`synthetic_history`), then again at several cut dates with every input
value not yet knowable at the cut (observed after it, or published after it)
changed. An honest signal's outputs up to the cut are unchanged; a signal that
reads ahead (a negative shift, a centred window, a full-sample statistic)
changes them. The built-in signals pass it in the test suite; every signal a
plugin brings passes it when loaded; ``mp.check_no_lookahead`` runs it in a
notebook.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from macropatch.marketdata.catalog import Catalog, Frequency, Kind, Label, SeriesSpec
from macropatch.marketdata.errors import MissingSeriesError, UserError
from macropatch.marketdata.series import Provenance, SeriesData
from macropatch.signals.base import Signal

__all__ = [
    "LookAheadError",
    "MemorySources",
    "changed_after",
    "check_no_lookahead",
    "synthetic_history",
]

#: The synthetic histories' span, and the calendar the signal is evaluated on.
START, END = pd.Timestamp("2012-01-02"), pd.Timestamp("2021-12-31")
CALENDAR = pd.bdate_range("2013-01-01", END, name="date")


class LookAheadError(UserError):
    """A signal's output on some date depends on data not yet knowable on that date."""


class MemorySources:
    """Series held in memory (canonical units, indexed by observation date), by catalog id."""

    def __init__(self, series: Mapping[str, pd.Series], catalog: Catalog) -> None:
        self.catalog = catalog
        self._series = dict(series)

    def load(self, series_id: str) -> SeriesData:
        """The series ``series_id`` (``MissingSeriesError`` when it was not given)."""
        spec = self.catalog[series_id]
        if series_id not in self._series:
            raise MissingSeriesError(f"series {series_id!r} is not available")
        values = self._series[series_id]
        values.index = pd.DatetimeIndex(values.index, name="date")
        return SeriesData(
            spec=spec,
            values=values.astype(float).rename(series_id),
            provenance=Provenance(source="memory", location="", fetched_at="", content_hash=""),
        )


def synthetic_history(
    spec: SeriesSpec,
    rng: np.random.Generator,
    *,
    start: pd.Timestamp = START,
    end: pd.Timestamp = END,
) -> pd.Series:
    """A random history shaped like ``spec``'s series: its frequency and labels, a random
    walk for prices, small returns, and positive levels near a plausible scale otherwise.
    """
    if spec.frequency is Frequency.DAILY:
        dates = pd.bdate_range(start, end)
    else:
        step = {Frequency.WEEKLY: "W-SUN", Frequency.MONTHLY: "MS", Frequency.QUARTERLY: "QS"}[
            spec.frequency
        ]
        dates = pd.date_range(start, end, freq=step)
        if spec.label is Label.PERIOD_END:
            dates = spec.period_end(dates)
    steps = rng.normal(0.0, 0.02, len(dates))
    if spec.kind is Kind.PRICE:
        values = 100.0 * np.exp(np.cumsum(steps))
    elif spec.kind is Kind.RETURN:
        values = steps / 2
    else:
        scale = (
            30.0
            if spec.id == "vix"
            else (300.0 if spec.units not in {"fraction", "percent"} else 0.04)
        )
        values = scale * np.exp(np.cumsum(steps))
    return pd.Series(values, index=dates)


def changed_after(
    series: Mapping[str, pd.Series],
    catalog: Catalog,
    cutoff: pd.Timestamp,
    rng: np.random.Generator,
) -> dict[str, pd.Series]:
    """``series`` with every value not yet knowable on ``cutoff`` multiplied by a random factor."""
    changed = {}
    for series_id, values in series.items():
        spec = catalog[series_id]
        unknown_yet = (values.index > cutoff) | (
            spec.availability(pd.DatetimeIndex(values.index)) > cutoff
        )
        copy = values.copy()
        copy[unknown_yet] = copy[unknown_yet] * rng.uniform(0.3, 3.0, int(unknown_yet.sum()))
        changed[series_id] = copy
    return changed


def _first_difference(before: pd.Series, after: pd.Series) -> pd.Timestamp | None:
    left = before.astype("object").where(before.notna(), None)
    right = after.astype("object").where(after.notna(), None)
    differs = [
        day
        for day, one, other in zip(before.index, left, right, strict=True)
        if not (one is None and other is None)
        and (
            one is None or other is None or not np.isclose(float(one), float(other), rtol=0, atol=0)
        )
    ]
    return pd.Timestamp(differs[0]) if differs else None


def check_no_lookahead(
    signal: Signal,
    *,
    catalog: Catalog,
    cuts: int = 6,
    seed: int = 0,
    histories: Mapping[str, pd.Series] | None = None,
    calendar: pd.DatetimeIndex | None = None,
) -> None:
    """Refuse ``signal`` when data not yet knowable on a date change its output on that date.

    Parameters
    ----------
    signal
        The signal to check.
    catalog
        Where its input series are described (kind, frequency, publication lag).
    cuts
        How many cut dates, spread over the calendar's later four fifths.
    seed
        Seed of the synthetic histories and of the changes.
    histories, calendar
        Input histories and a calendar to use instead of the synthetic ones.

    Raises
    ------
    LookAheadError
        Naming the signal, the cut date and the first date whose value or firing changed.
    """
    rng = np.random.default_rng(seed)
    days = pd.DatetimeIndex(calendar if calendar is not None else CALENDAR, name="date")
    inputs = (
        dict(histories)
        if histories is not None
        else {series_id: synthetic_history(catalog[series_id], rng) for series_id in signal.inputs}
    )
    before = signal.evaluate(MemorySources(inputs, catalog), days)
    positions = np.linspace(len(days) // 5, len(days) - 2, cuts).astype(int)
    for position in positions:
        cutoff = pd.Timestamp(days[position])
        after = signal.evaluate(
            MemorySources(changed_after(inputs, catalog, cutoff, rng), catalog), days
        )
        for what, left, right in (
            ("value", before.value, after.value),
            ("firing", before.fired, after.fired),
        ):
            first = _first_difference(left.loc[:cutoff], right.loc[:cutoff])
            if first is not None:
                raise LookAheadError(
                    f"signal {signal.name!r} looks ahead: its {what} on {first.date()} changed "
                    f"when only data not yet knowable on {cutoff.date()} changed (a negative "
                    "shift, a centred window or a full-sample statistic reads the future)"
                )
