"""Data-quality checks of one series: gaps, spikes, non-positive prices, staleness.

Requires a :class:`~macropatch.marketdata.series.SeriesData` (values in canonical units,
indexed by observation date). Produces a list of :class:`Finding`, each with a
:class:`Severity`: a **hard** finding makes a run refuse the series (unless
``--allow-dirty``), a **warning** is only reported.

The checks, with limits that follow the series' kind, frequency and units
(see :func:`limits_for`) and that the catalog may override per series
(``quality = {...}``, :class:`~macropatch.marketdata.catalog.QualityOverrides`):

- **gap**: calendar days between two observations beyond the frequency's
  limit (daily: more than 7 is a warning, more than 30 hard; monthly 45 and
  100; quarterly 135 and 300); the days of known US market closures inside a
  gap (1933's bank holiday, September 2001...) do not count.
- **spike**: one observation's move beyond a limit. Prices move relatively
  (daily: more than 25% a warning, more than 50% hard; monthly and quarterly
  50% and 100%; the VIX 100% and 300%; spot oil 40% and 100%); rates and
  macro statistics in percent move in level (daily rates: 1.5 and 5
  percentage points, monthly 5 and 15; statistics 5 and 25); other macro
  statistics grow (100% and 1000%, between positive values only);
  periodic returns are checked by their own size (daily 15% and 50%). An
  indicator (0 or 1) is not checked.
- **non_positive**: a price at or below zero (hard; a warning where the
  catalog allows it).
- **stale**: the last observation, once knowable, is older than the series'
  staleness limit on the reference day (a warning; only when one is given).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from macropatch.marketdata.catalog import Frequency, Kind, SeriesSpec
from macropatch.marketdata.series import SeriesData
from macropatch.marketdata.units import canonical_units

__all__ = [
    "KNOWN_CLOSURES",
    "Check",
    "Finding",
    "Limits",
    "Move",
    "Severity",
    "check_gaps",
    "check_non_positive",
    "check_series",
    "check_spikes",
    "check_stale",
    "hard_findings",
    "limits_for",
    "summarise",
]


class Check(enum.Enum):
    """What a finding is about."""

    GAP = "gap"
    SPIKE = "spike"
    NON_POSITIVE = "non_positive"
    STALE = "stale"


class Severity(enum.Enum):
    """A hard finding stops a run; a warning is only reported."""

    WARNING = "warning"
    HARD = "hard"


class Move(enum.Enum):
    """How the spike check measures one observation's move."""

    RELATIVE = "relative"  # |v[t] - v[t-1]| / |v[t-1]|: prices
    GROWTH = "growth"  # the same between two positive values only: statistics that may be <= 0
    LEVEL = "level"  # |v[t] - v[t-1]|: rates and percentages (fractions)
    VALUE = "value"  # |v[t]|: the value is itself a return


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One problem found in one series."""

    series_id: str
    check: Check
    severity: Severity
    date: pd.Timestamp
    detail: str

    def describe(self) -> str:
        """``spike on 2014-12-05 (+49.9% in one observation ...)``."""
        return f"{self.check.value} on {self.date.date()} ({self.detail})"


@dataclass(frozen=True, kw_only=True)
class Limits:
    """The limits the checks apply to one series (defaults merged with catalog overrides).

    ``move`` is None when the series has no spike check (an indicator);
    ``non_positive`` the severity of a value at or below zero, None when it
    is not checked (rates, spreads and returns may be negative).
    """

    move: Move | None
    spike_warning: float
    spike_hard: float
    gap_warning_days: int
    gap_hard_days: int
    non_positive: Severity | None


#: Multi-day closures of the US markets: (first day, last day, why). Days inside a gap that
#: fall in one of them do not count towards the gap.
KNOWN_CLOSURES: tuple[tuple[pd.Timestamp, pd.Timestamp, str], ...] = (
    (pd.Timestamp("1914-07-31"), pd.Timestamp("1914-12-11"), "World War I"),
    (pd.Timestamp("1933-03-04"), pd.Timestamp("1933-03-14"), "bank holiday"),
    (pd.Timestamp("2001-09-11"), pd.Timestamp("2001-09-14"), "September 11"),
    (pd.Timestamp("2012-10-29"), pd.Timestamp("2012-10-30"), "Hurricane Sandy"),
)

_GAP_DAYS = {
    Frequency.DAILY: (7, 30),
    Frequency.WEEKLY: (14, 60),
    Frequency.MONTHLY: (45, 100),
    Frequency.QUARTERLY: (135, 300),
}
_DAILY_OR_WEEKLY = (Frequency.DAILY, Frequency.WEEKLY)

#: The VIX and spot oil legitimately move far more in a day than a fund does.
_PRICE_SPIKES_BY_UNITS = {"index_points": (1.0, 3.0), "usd_per_barrel": (0.4, 1.0)}


def _default_spikes(spec: SeriesSpec) -> tuple[Move | None, float, float]:
    fast = spec.frequency in _DAILY_OR_WEEKLY
    if spec.kind is Kind.PRICE:
        if spec.units in _PRICE_SPIKES_BY_UNITS:
            return Move.RELATIVE, *_PRICE_SPIKES_BY_UNITS[spec.units]
        return (Move.RELATIVE, 0.25, 0.5) if fast else (Move.RELATIVE, 0.5, 1.0)
    if spec.kind is Kind.RATE:
        return (Move.LEVEL, 0.015, 0.05) if fast else (Move.LEVEL, 0.05, 0.15)
    if spec.kind is Kind.RETURN:
        return (Move.VALUE, 0.15, 0.5) if fast else (Move.VALUE, 0.3, 1.0)
    if spec.units == "indicator":
        return None, float("inf"), float("inf")
    if canonical_units(spec.units) == "fraction":
        return Move.LEVEL, 0.05, 0.25
    return Move.GROWTH, 1.0, 10.0


def limits_for(spec: SeriesSpec) -> Limits:
    """The limits of ``spec``: the defaults for its kind, frequency and units, then its
    catalog overrides.
    """
    move, spike_warning, spike_hard = _default_spikes(spec)
    gap_warning, gap_hard = _GAP_DAYS[spec.frequency]
    overrides = spec.quality
    spike_warning = overrides.spike_warning or spike_warning
    spike_hard = max(overrides.spike_hard or spike_hard, spike_warning)
    gap_warning = overrides.gap_warning_days or gap_warning
    gap_hard = max(overrides.gap_hard_days or gap_hard, gap_warning)
    non_positive = None
    if spec.kind is Kind.PRICE:
        non_positive = Severity.WARNING if overrides.allow_non_positive else Severity.HARD
    return Limits(
        move=move,
        spike_warning=spike_warning,
        spike_hard=spike_hard,
        gap_warning_days=gap_warning,
        gap_hard_days=gap_hard,
        non_positive=non_positive,
    )


def _severity(size: float, warning: float, hard: float) -> Severity | None:
    if size > hard:
        return Severity.HARD
    if size > warning:
        return Severity.WARNING
    return None


def _closed_days(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Days of known closures strictly between two observation dates."""
    days = 0
    for first, last, _ in KNOWN_CLOSURES:
        low, high = max(first, start + pd.Timedelta(days=1)), min(last, end - pd.Timedelta(days=1))
        if low <= high:
            days += (high - low).days + 1
    return days


def check_gaps(series_id: str, values: pd.Series, limits: Limits) -> list[Finding]:
    """A finding per stretch without observations longer than the limits allow."""
    dates = pd.DatetimeIndex(values.dropna().index)
    if len(dates) < 2:
        return []
    spans = np.diff(dates.to_numpy(dtype="datetime64[D]").astype(np.int64))
    findings = []
    for position in map(int, np.flatnonzero(spans > limits.gap_warning_days)):
        before, after = pd.Timestamp(dates[position]), pd.Timestamp(dates[position + 1])
        days = int(spans[position]) - _closed_days(before, after)
        severity = _severity(days, limits.gap_warning_days, limits.gap_hard_days)
        if severity is None:
            continue
        findings.append(
            Finding(
                series_id=series_id,
                check=Check.GAP,
                severity=severity,
                date=before,
                detail=f"no observation between {before.date()} and {after.date()}, "
                f"{int(spans[position])} days (limit {limits.gap_warning_days})",
            )
        )
    return findings


def _moves(values: pd.Series, move: Move) -> np.ndarray:
    array = values.to_numpy(dtype=float)
    if move is Move.VALUE:
        result: np.ndarray = np.abs(array)
        return result
    change = np.abs(np.diff(array, prepend=np.nan))
    if move is Move.LEVEL:
        return change
    previous = np.abs(np.concatenate([[np.nan], array[:-1]]))
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = change / previous
    relative[(previous == 0) & (change == 0)] = 0.0
    if move is Move.GROWTH:  # a flow that turns negative has no growth rate
        before = np.concatenate([[np.nan], array[:-1]])
        relative[(before <= 0) | (array <= 0)] = np.nan
    moved: np.ndarray = relative
    return moved


def _describe_move(values: pd.Series, position: int, move: Move) -> str:
    array = values.to_numpy(dtype=float)
    now = array[position]
    if move is Move.VALUE:
        return f"a return of {now:+.1%} in one observation"
    before = array[position - 1]
    if move is Move.LEVEL:
        return f"{(now - before) * 100:+.2f} points in one observation ({before:.4g} to {now:.4g})"
    if before == 0:  # no relative move from zero: say what happened
        return f"from 0 to {now:.6g} in one observation (a move from zero has no percentage)"
    text = f"{(now - before) / abs(before):+.1%} in one observation ({before:.6g} to {now:.6g})"
    if position + 1 < len(array) and before != 0:
        back = abs(array[position + 1] / before - 1)
        if back < 0.05:
            text += "; back to the earlier level at the next one (a bad print?)"
    return text


def check_spikes(series_id: str, values: pd.Series, limits: Limits) -> list[Finding]:
    """A finding per observation that moves beyond the limits."""
    values = values.dropna()
    if limits.move is None or values.empty:
        return []
    sizes = _moves(values, limits.move)
    findings = []
    for position in map(int, np.flatnonzero(np.nan_to_num(sizes, nan=0.0) > limits.spike_warning)):
        severity = _severity(sizes[position], limits.spike_warning, limits.spike_hard)
        assert severity is not None
        findings.append(
            Finding(
                series_id=series_id,
                check=Check.SPIKE,
                severity=severity,
                date=pd.Timestamp(values.index[position]),
                detail=_describe_move(values, position, limits.move),
            )
        )
    return findings


def check_non_positive(series_id: str, values: pd.Series, limits: Limits) -> list[Finding]:
    """One finding for all the values at or below zero of a price series."""
    values = values.dropna()
    if limits.non_positive is None:
        return []
    bad = values[values <= 0]
    if bad.empty:
        return []
    count = f"{len(bad)} values" if len(bad) > 1 else "1 value"
    return [
        Finding(
            series_id=series_id,
            check=Check.NON_POSITIVE,
            severity=limits.non_positive,
            date=pd.Timestamp(bad.index[0]),
            detail=f"{count} at or below zero, the first {bad.iloc[0]:.6g}",
        )
    ]


def check_stale(data: SeriesData, as_of: dt.date) -> list[Finding]:
    """A warning when the last observation, once knowable, is older than the staleness
    limit on ``as_of``.
    """
    values = data.values.dropna()
    if values.empty:
        return []
    knowable = pd.Timestamp(data.availability()[-1])
    limit = knowable + pd.Timedelta(days=data.spec.stale_after_days)
    if pd.Timestamp(as_of) <= limit:
        return []
    last = pd.Timestamp(values.index[-1])
    return [
        Finding(
            series_id=data.spec.id,
            check=Check.STALE,
            severity=Severity.WARNING,
            date=last,
            detail=f"last observation {last.date()} (knowable {knowable.date()}), "
            f"over {data.spec.stale_after_days} days old on {as_of}",
        )
    ]


def check_series(data: SeriesData, *, as_of: dt.date | None = None) -> list[Finding]:
    """Every check of one series, in date order within each check; ``stale`` only when a
    reference day ``as_of`` is given.
    """
    limits = limits_for(data.spec)
    series_id, values = data.spec.id, data.values
    findings = [
        *check_non_positive(series_id, values, limits),
        *check_gaps(series_id, values, limits),
        *check_spikes(series_id, values, limits),
    ]
    if as_of is not None:
        findings.extend(check_stale(data, as_of))
    return findings


def hard_findings(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that stop a run."""
    return [finding for finding in findings if finding.severity is Severity.HARD]


def summarise(findings: Sequence[Finding]) -> str:
    """``2 hard findings, 5 warnings (spike 4, gap 3)``: counts by severity and check."""
    hard = len(hard_findings(findings))
    warnings = len(findings) - hard
    by_check: dict[str, int] = {}
    for finding in findings:
        by_check[finding.check.value] = by_check.get(finding.check.value, 0) + 1
    counts = ", ".join(f"{check} {count}" for check, count in by_check.items())
    text = (
        f"{hard} hard finding{'' if hard == 1 else 's'}, "
        f"{warnings} warning{'' if warnings == 1 else 's'}"
    )
    return f"{text} ({counts})" if counts else text
