"""The signals of a run, kept among its files so its pages can be drawn again.

Requires the run's :class:`macropatch.signals.base.SignalResult` list. Produces

- ``signals/values.csv``: the measured value of every signal per day (NaN
  when unknown), one column per output name;
- ``signals/fired.csv``: per day ``1`` (fired), ``0`` (quiet) or empty
  (unknown);
- ``signals/last_data.csv``: per day, the date of the latest observation
  knowable among the signal's inputs;
- ``signals/known.csv``: per day, how many components of each composite
  signal were known (one column per composite);
- records for ``summary.json`` (:func:`signal_records`): each signal's
  registered name and parameters, family, threshold, the optional series it
  missed and its state on the last day.

:func:`read_signal_history` turns the files and the records back into
results: the signal is rebuilt from the registry with its parameters, so the
dashboard drawn again is the one the run drew. Values are written at full
precision (shortest round-trip form).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from macropatch.marketdata.catalog import Catalog
from macropatch.marketdata.errors import UserError
from macropatch.reports.documents import SignalRecord
from macropatch.reports.exports import read_dated_csv
from macropatch.signals.base import SignalResult
from macropatch.signals.readings import point_in_time, read_on
from macropatch.signals.registry import build_signal

__all__ = [
    "SIGNAL_FILES",
    "read_signal_history",
    "signal_records",
    "write_signal_history",
]

#: The files of ``<out>/signals/``.
SIGNAL_FILES = ("values.csv", "fired.csv", "last_data.csv", "known.csv")


def _parameters(result: SignalResult) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in dataclasses.fields(result.signal):
        if not item.init:
            continue
        value = getattr(result.signal, item.name)
        values[item.name] = value.value if isinstance(value, enum.Enum) else value
    return values


def signal_records(
    results: Sequence[SignalResult], end: pd.Timestamp, *, catalog: Catalog | None = None
) -> list[SignalRecord]:
    """What ``summary.json`` says of each signal on ``end``: its state, and its reading
    (:func:`~macropatch.signals.readings.read_on`); ``catalog`` tells which inputs are
    re-estimated by their publishers (none without it).
    """
    records = []
    for result in results:
        reading = read_on(result, end)
        last = result.last_data.loc[:end].dropna()
        records.append(
            SignalRecord(
                name=result.name,
                signal=result.signal.name,
                parameters=_parameters(result),
                family=result.signal.family.value,
                threshold=result.threshold,
                missing=list(result.missing),
                state=result.state_on(end).value,
                components=result.components,
                coverage=result.coverage_on(end),
                last_data=None if last.empty else pd.Timestamp(last.iloc[-1]).date().isoformat(),
                distance=reading.distance,
                percentile=reading.percentile,
                trend=reading.trend,
                stalest_input=reading.binding_series,
                stalest_date=None
                if reading.binding_date is None
                else reading.binding_date.date().isoformat(),
                point_in_time=True if catalog is None else point_in_time(result.signal, catalog),
            )
        )
    return records


def _frame(results: Sequence[SignalResult], column: str) -> pd.DataFrame:
    series = {
        result.name: getattr(result, column)
        for result in results
        if getattr(result, column) is not None
    }
    if column == "fired":
        series = {name: flags.astype("Int8") for name, flags in series.items()}
    if column == "last_data":
        series = {
            name: pd.to_datetime(dates).dt.strftime("%Y-%m-%d") for name, dates in series.items()
        }
    frame = pd.DataFrame(series, index=results[0].value.index if results else None)
    frame.index = pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d")
    return frame


def write_signal_history(results: Sequence[SignalResult], folder: Path) -> list[Path]:
    """Write :data:`SIGNAL_FILES` into ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    columns = ("value", "fired", "last_data", "known")
    for name, column in zip(SIGNAL_FILES, columns, strict=True):
        path = folder / name
        _frame(results, column).to_csv(path, index_label="date")
        written.append(path)
    return written


def _read(folder: Path, name: str) -> pd.DataFrame:
    return read_dated_csv(folder / name, purpose="the run's signals cannot be drawn again")


def read_signal_history(folder: Path, records: Sequence[SignalRecord]) -> list[SignalResult]:
    """The run's signal results, from its ``signals/`` folder and its summary records."""
    values, fired, last_data, known = (_read(folder, name) for name in SIGNAL_FILES)
    results = []
    for record in records:
        name, components = record.name, record.components
        for frame, file in zip((values, fired, last_data, known), SIGNAL_FILES, strict=True):
            if name not in frame.columns and (file != "known.csv" or components):
                raise UserError(f"{folder / file} has no column for signal {name!r}")
        try:
            signal = build_signal(record.signal, record.parameters)
        except ValueError as error:
            raise UserError(f"summary.json: signal {name!r} cannot be rebuilt: {error}") from None
        index = pd.DatetimeIndex(values.index, name="date")
        results.append(
            SignalResult(
                name=name,
                signal=signal,
                value=values[name].astype(float).rename(name),
                fired=fired[name].astype("boolean").reindex(index).rename(name),
                threshold=record.threshold,
                last_data=pd.to_datetime(last_data[name]).reindex(index),
                missing=tuple(record.missing),
                known=known[name].astype(int).reindex(index) if components else None,
                components=components,
            )
        )
    return results
