"""Every trigger of an experiment over the longest history its inputs allow, and its event study.

Requires the experiment's signals and the places data come from. Produces one
:class:`~macropatch.backtests.evidence.events.EventStudy` per signal with data,
on the trading days of the S&P 500 price index (from 1927 in the pack): the
signals are evaluated point-in-time on that calendar, so each reaches as far
back as its own inputs do (the 10-year yield to 1962, Shiller's monthly
series to 1871), not only to the experiment's start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from macropatch.backtests.evidence.document import AS_CONFIGURED
from macropatch.backtests.evidence.events import (
    EventSettings,
    EventStudy,
    Measure,
    PanelSeries,
    event_study,
)
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.panel import build_price_panel
from macropatch.marketdata.progress import NoProgress, Progress
from macropatch.marketdata.sources import DataSources
from macropatch.signals.base import Signal, SignalResult
from macropatch.signals.evaluate import evaluate_signals
from macropatch.signals.report_readings import alternative_readings

__all__ = [
    "CALENDAR",
    "MARKET",
    "PANEL",
    "StudiedTrigger",
    "TriggerHistory",
    "study_triggers",
]

CALENDAR = "sp500"
"""The calendar of the studies: the S&P 500 price index's trading days."""

MARKET = "sp500"
"""The market whose drawdowns a trigger should precede (the price index: no dividends)."""

PANEL: tuple[tuple[str, str, Measure], ...] = (
    ("S&P 500", "sp500", Measure.RETURN),
    ("small caps", "iwm", Measure.RETURN),
    ("Nasdaq Composite", "nasdaq", Measure.RETURN),
    ("high-yield spread", "hy_oas", Measure.CHANGE),
    ("10-year yield", "dgs10", Measure.CHANGE),
    ("gold", "gld", Measure.RETURN),
    ("cash", "cash", Measure.RETURN),
)
"""The forward panel: label, catalog series, how it moves. Prices spliced with their proxies
(IWM before 2000 is the Russell 2000 price index; GLD before 2004 gold futures); rates and
spreads carried at most :data:`RATE_CARRY_DAYS` trading days over a gap."""

RATE_CARRY_DAYS = 5


@dataclass(frozen=True, kw_only=True)
class StudiedTrigger:
    """One reading of a trigger on the long calendar, and its event study."""

    key: str
    """``name`` for the signal as configured, ``name: reading`` for a report reading."""
    reading: str
    result: SignalResult
    study: EventStudy


@dataclass(frozen=True, kw_only=True)
class TriggerHistory:
    """The studies (each signal as configured, then the report's readings of it), the signals
    on the long calendar, and how the panel was built.
    """

    studied: tuple[StudiedTrigger, ...]
    results: tuple[SignalResult, ...]
    calendar: str
    first_day: pd.Timestamp
    last_day: pd.Timestamp
    panel: tuple[PanelSeries, ...]
    notes: tuple[str, ...]


def _panel(sources: DataSources) -> tuple[tuple[PanelSeries, ...], pd.Series, list[str]]:
    """The forward panel on the calendar, the market's level, and notes on series left out."""
    prices = [series for _label, series, measure in PANEL if measure is Measure.RETURN]
    notes: list[str] = []
    available = []
    for series in prices:
        try:
            sources.load(series)
        except UserError as error:
            notes.append(f"event studies: {series} left out of the panel ({error})")
        else:
            available.append(series)
    frame = build_price_panel(sources, available, calendar=CALENDAR).prices
    calendar = pd.DatetimeIndex(frame.index)
    panel = []
    for label, series, measure in PANEL:
        if measure is Measure.RETURN:
            if series not in frame:
                continue
            values = frame[series]
        else:
            try:
                raw = sources.load(series).values.dropna()
            except UserError as error:
                notes.append(f"event studies: {series} left out of the panel ({error})")
                continue
            union = raw.index.union(calendar)
            values = raw.reindex(union).ffill(limit=RATE_CARRY_DAYS).reindex(calendar)
            values[calendar > raw.index[-1]] = float("nan")
        panel.append(PanelSeries(label=label, series=series, measure=measure, values=values))
    market = frame[MARKET] if MARKET in frame else pd.Series(float("nan"), index=calendar)
    return tuple(panel), market, notes


def study_triggers(
    signals: Iterable[Signal],
    sources: DataSources,
    *,
    settings: EventSettings | None = None,
    progress: Progress | None = None,
) -> TriggerHistory:
    """The event study of every signal with data, and of each of the report's readings of it
    (:func:`~macropatch.signals.report_readings.alternative_readings`), on the longest
    history their inputs allow.
    """
    progress = progress or NoProgress()
    configured = list(signals)
    readings = [
        *((signal.name, AS_CONFIGURED, signal) for signal in configured),
        *(
            (f"{signal.name}: {label}", label, signal)
            for label, signal in alternative_readings(configured)
        ),
    ]
    with progress.task("Studying the triggers", total=len(readings) + 1) as task:
        panel, market, notes = _panel(sources)
        calendar = pd.DatetimeIndex(market.index)
        task.advance()
        results, signal_notes = evaluate_signals(
            [signal for _key, _label, signal in readings], sources, calendar
        )
        studied = []
        for (key, label, _signal), result in zip(readings, results, strict=True):
            if result.fired.notna().any():
                study = event_study(result, panel=panel, market=market, settings=settings)
                studied.append(StudiedTrigger(key=key, reading=label, result=result, study=study))
            task.advance()
    return TriggerHistory(
        studied=tuple(studied),
        results=tuple(results),
        calendar=CALENDAR,
        first_day=pd.Timestamp(calendar[0]),
        last_day=pd.Timestamp(calendar[-1]),
        panel=panel,
        notes=(*notes, *signal_notes),
    )
