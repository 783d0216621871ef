"""The Signal base: the report's triggers, computed only from what was knowable.

A signal is a frozen, keyword-only dataclass whose fields are its parameters
(thresholds, windows). It declares the catalog series it reads
(:attr:`Signal.inputs`) and implements one :meth:`Signal.compute`.

The base class, not the subclass, makes the output point-in-time:

1. each input observation is placed on its **availability date** (its real
   release date when the data carry one, else the end of its period plus the
   catalog's publication lag);
2. on every day of the trading calendar, an input shows the last value
   available on or before that day (carried forward), or NaN once that value
   is older than the series' staleness limit, or before its first one;
3. :meth:`compute` receives these daily, knowable series and must use only
   causal operations on them (trailing windows, lags); the property test in
   ``tests/signals`` checks every registered signal for look-ahead.

Output (:class:`SignalResult`): a daily ``value``, the ``threshold`` it is
compared with, and ``fired`` (True, False, or missing = unknown: an input is
missing or stale). Names carry their parameters: ``ten_year_above[threshold=0.05]``.
Rates, spreads and shares are fractions (0.05 = 5%), as everywhere in macropatch.
"""

from __future__ import annotations

import abc
import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np
import pandas as pd

from macropatch.marketdata.catalog import Catalog
from macropatch.marketdata.errors import MissingSeriesError
from macropatch.marketdata.parameters import check_parameters
from macropatch.marketdata.pointintime import knowable_on
from macropatch.marketdata.series import SeriesData

__all__ = [
    "Family",
    "Signal",
    "SignalResult",
    "SignalState",
    "SeriesSource",
    "knowable_on",
]


class SeriesSource(Protocol):
    """Where a signal's inputs come from (:class:`macropatch.marketdata.sources.DataSources`)."""

    catalog: Catalog

    def load(self, series_id: str) -> SeriesData:
        """The values of one catalog series (MissingSeriesError when no place has it)."""


class Family(enum.Enum):
    """The report's families of triggers (MISSION.md)."""

    RATES = "rates and bond vigilantes"
    CREDIT = "credit and zombie companies"
    CONSUMER = "consumer (K shape)"
    DOLLAR_GOLD = "dollar and gold"
    AI_CAPEX = "AI capex"
    VOLATILITY = "volatility"
    COMPOSITE = "composite"


class SignalState(enum.Enum):
    """A signal's state on one day."""

    FIRED = "fired"
    QUIET = "quiet"
    UNKNOWN = "unknown"  # an input is missing, stale or not yet long enough
    NO_DATA = "no data"  # an optional user series was never imported


@dataclass(frozen=True, kw_only=True)
class SignalResult:
    """A signal over the trading calendar.

    Attributes
    ----------
    name
        Output name with parameters, e.g. ``ten_year_above[threshold=0.05]``.
    signal
        The signal that produced it.
    value
        The measured quantity per day (NaN when unknown).
    fired
        Per day: True, False, or NA (unknown). Nullable boolean dtype.
    threshold
        What ``value`` is compared with (None when the rule is not a level).
    last_data
        Per day: the latest observation date among the inputs knowable that day.
    missing
        Optional series that were never supplied (the result is then all unknown).
    """

    name: str
    signal: Signal
    value: pd.Series
    fired: pd.Series
    threshold: float | None
    last_data: pd.Series
    missing: tuple[str, ...] = ()
    known: pd.Series | None = None
    """A composite's components known per day (None for other signals)."""
    components: int = 0
    """How many components a composite has (0 for other signals)."""
    input_dates: pd.DataFrame | None = None
    """Per day and input series: the date of the latest observation knowable that day."""
    input_stale: pd.DataFrame | None = None
    """Per day and input series: True when that observation is too old to use (or none yet)."""

    @classmethod
    def unavailable(
        cls, signal: Signal, calendar: pd.DatetimeIndex, series: tuple[str, ...]
    ) -> SignalResult:
        """A result unknown throughout (state "no data") because ``series`` could not be loaded."""
        return cls(
            name=signal.output_name(),
            signal=signal,
            value=pd.Series(np.nan, index=calendar),
            fired=pd.Series(pd.NA, index=calendar, dtype="boolean"),
            threshold=signal.chart_threshold(),
            last_data=pd.Series(pd.NaT, index=calendar),
            missing=series,
        )

    def held_quiet(self) -> SignalResult:
        """The signal never firing: quiet on every day of its calendar (its values kept).

        A strategy reading it then holds its neutral weights: the neutral twin.
        """
        quiet = pd.Series(False, index=self.fired.index, dtype="boolean", name=self.fired.name)
        return dataclasses.replace(self, fired=quiet)

    def coverage_on(self, day: pd.Timestamp) -> str:
        """``"4 of 8 known"`` for a composite on ``day``; empty for other signals."""
        if self.known is None or not self.components:
            return ""
        position = self.known.index.searchsorted(day, side="right") - 1
        count = int(self.known.iloc[position]) if position >= 0 else 0
        return f"{count} of {self.components} known"

    def describe_on(self, day: pd.Timestamp) -> str:
        """The state on ``day`` in words, with a composite's coverage: ``"quiet, 4 of 8 known"``."""
        coverage = self.coverage_on(day)
        state = self.state_on(day).value
        return f"{state}, {coverage}" if coverage else state

    def state_on(self, day: pd.Timestamp) -> SignalState:
        """The state on ``day`` (the last calendar day on or before it)."""
        if self.missing:
            return SignalState.NO_DATA
        position = self.fired.index.searchsorted(day, side="right") - 1
        if position < 0:
            return SignalState.UNKNOWN
        flag = self.fired.iloc[position]
        if pd.isna(flag):
            return SignalState.UNKNOWN
        return SignalState.FIRED if bool(flag) else SignalState.QUIET


def _shown(value: object) -> object:
    """A parameter as an output name shows it: an enum by its value."""
    return value.value if isinstance(value, enum.Enum) else value


@dataclass(frozen=True, kw_only=True)
class Signal(abc.ABC):
    """Base class of every signal. Subclasses add their parameters as fields."""

    #: Registered name, used in experiment files (``[signals.<name>]``).
    name: ClassVar[str]
    family: ClassVar[Family]
    #: One line: what fires it, in the report's words.
    summary: ClassVar[str]

    def __post_init__(self) -> None:
        """Check every parameter against its type and bounds (``ValueError`` naming it).

        A subclass with a rule that ties fields together extends this and
        calls ``super().__post_init__()`` first.
        """
        check_parameters(self)

    @property
    @abc.abstractmethod
    def inputs(self) -> tuple[str, ...]:
        """Catalog ids of the series read."""

    def chart_threshold(self) -> float | None:
        """The level ``value`` is compared with, drawn on charts.

        By convention a signal whose rule is a level names that field
        ``threshold``; others return None (or override this).
        """
        level = getattr(self, "threshold", None)
        return float(level) if isinstance(level, int | float) else None

    @abc.abstractmethod
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        """``(value, fired)`` per day from the inputs as knowable each day.

        ``fired`` may hold True/False/NaN; NaN (or a NaN ``value``) means unknown.
        Only causal operations: trailing windows and positive shifts.
        """

    def bound_to(self, signals: Mapping[str, Signal]) -> Signal:
        """The signal reading the other signals it is made of as configured in ``signals``
        (by registered name). A plain signal reads no other signal: itself.
        """
        return self

    def components_known(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, int] | None:
        """For a composite: per day, how many of its components are known, and how many it
        has. None for a plain signal.
        """
        return None

    def output_name(self) -> str:
        """``name[param=value,...]`` (an enum parameter by its value, as in experiment files)."""
        parameters = ",".join(
            f"{item.name}={_shown(getattr(self, item.name))}" for item in dataclasses.fields(self)
        )
        return f"{self.name}[{parameters}]"

    def evaluate(self, sources: SeriesSource, calendar: pd.DatetimeIndex) -> SignalResult:
        """Run the signal over ``calendar`` on data from ``sources`` (point-in-time).

        A user-supplied series that was never imported gives a result that is
        unknown throughout (state "no data"), never an exception.
        """
        days = pd.DatetimeIndex(calendar, name="date")
        knowable: dict[str, pd.Series] = {}
        observed: dict[str, pd.Series] = {}
        stale: dict[str, pd.Series] = {}
        missing: list[str] = []
        for series_id in self.inputs:
            try:
                data = sources.load(series_id)
            except MissingSeriesError:
                if not sources.catalog[series_id].user_supplied:
                    raise
                missing.append(series_id)
                continue
            knowable[series_id], observed[series_id] = knowable_on(data, days)
            stale[series_id] = knowable[series_id].isna()
        if missing:
            return SignalResult.unavailable(self, days, tuple(missing))
        value, fired = self.compute(knowable)
        value = value.reindex(days).astype(float)
        flags = pd.Series(fired.reindex(days), dtype="object")
        unknown_mask = value.isna().to_numpy() | flags.isna().to_numpy()
        result = pd.Series(flags.where(~unknown_mask).astype("boolean"), index=days)
        dates = pd.DataFrame(observed, index=days)
        last_data = dates.max(axis=1) if observed else pd.Series(pd.NaT, index=days)
        coverage = self.components_known(knowable)
        return SignalResult(
            name=self.output_name(),
            signal=self,
            value=value.rename(self.output_name()),
            fired=result.rename(self.output_name()),
            threshold=self.chart_threshold(),
            last_data=last_data,
            known=None if coverage is None else coverage[0].reindex(days, fill_value=0),
            components=0 if coverage is None else coverage[1],
            input_dates=dates,
            input_stale=pd.DataFrame(stale, index=days),
        )
