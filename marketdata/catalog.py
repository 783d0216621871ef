"""The series catalog: what every series is, where it comes from, when it is knowable.

The catalog is data (``catalog.toml`` beside this module), validated here into
frozen :class:`SeriesSpec` values. Each entry declares its kind, frequency,
units, live source (a yfinance ticker or a FRED id), its file in the offline
pack, its publication lag and staleness limit, an optional proxy chain for
history before an ETF existed, and for synthetic series how they are derived
from other series.
"""

from __future__ import annotations

import datetime as dt
import enum
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Strict,
    ValidationError,
    model_validator,
)

from macropatch.marketdata.errors import UserError

__all__ = [
    "series_spec",
    "DEFAULT_CATALOG_PATH",
    "Catalog",
    "Derivation",
    "Frequency",
    "Kind",
    "Label",
    "QualityOverrides",
    "SeriesSpec",
    "load_catalog",
]

DEFAULT_CATALOG_PATH = Path(__file__).with_name("catalog.toml")


class Kind(enum.Enum):
    """What a series measures."""

    PRICE = "price"  # a tradable price or index level; use its returns
    RATE = "rate"  # a yield, spread or policy rate
    MACRO = "macro"  # an economic statistic
    RETURN = "return"  # a periodic return (factor returns)


class Frequency(enum.Enum):
    """How often a series is observed."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class Label(enum.Enum):
    """Which day of its period an observation's date names."""

    PERIOD_START = "period_start"  # FRED and Ken French monthly/quarterly convention
    PERIOD_END = "period_end"


class LagAnchor(enum.Enum):
    """Where a publication lag is counted from."""

    PERIOD_END = "period_end"
    """The end of the observation's own period."""
    QUARTER_END = "quarter_end"
    """The end of the quarter holding the observation: monthly values interpolated from
    quarterly figures (Shiller's earnings) are all known once the quarter's figure is."""


@dataclass(frozen=True, kw_only=True)
class Derivation:
    """How a synthetic series is built from other catalog series.

    ``method`` names a function in :mod:`macropatch.marketdata.derived`; ``inputs`` are
    series ids; ``parameters`` are that method's numeric parameters; ``fitted_to`` is
    the fund a proxy's betas are fitted on (its own data, never its proxies), passed to
    the method after the inputs.
    """

    method: str
    inputs: Annotated[tuple[str, ...], Strict(False)]
    parameters: Mapping[str, float] = field(default_factory=dict)
    fitted_to: str | None = None

    @property
    def series(self) -> tuple[str, ...]:
        """Every series the method reads: the inputs, then the fund fitted to."""
        return (*self.inputs, *((self.fitted_to,) if self.fitted_to else ()))


@dataclass(frozen=True, kw_only=True)
class QualityOverrides:
    """A series' own limits for the data-quality checks (:mod:`macropatch.marketdata.quality`).

    Each field left at ``None`` keeps the default for the series' kind,
    frequency and units. ``spike_warning`` and ``spike_hard`` are in the units
    of the spike measure (a relative move for prices, a change in level for
    rates); ``allow_non_positive`` turns a price at or below zero from a hard
    finding into a warning (WTI settled below zero on 2020-04-20).
    """

    spike_warning: float | None = None
    spike_hard: float | None = None
    gap_warning_days: int | None = None
    gap_hard_days: int | None = None
    allow_non_positive: bool = False


@dataclass(frozen=True, kw_only=True)
class SeriesSpec:
    """One catalog entry.

    Attributes
    ----------
    id
        Lower-case identifier used everywhere (``dgs10``, ``spy``).
    name
        What the series is, in words.
    kind, frequency, units
        ``units`` names the source's units (``percent``, ``usd``...); see
        :mod:`macropatch.marketdata.units` for how they are normalised on the way in.
    label
        Which end of its period an observation's date names.
    yfinance, fred
        Live source: a yfinance ticker or a FRED series id (at most one).
    pack_file, pack_column
        File (relative to the pack folder) and column holding the series.
    file, file_column
        A user's own CSV file (an absolute path) and its column, for a series an
        experiment declares (``[assets.<id>] csv = ...``); read after the store, before
        the pack.
    publication_lag_days
        Calendar days from the end of an observation's period (or of its
        quarter: ``lag_from``) until the value is published, hence knowable;
        chosen to cover the latest regular release seen.
    lag_from
        Where the lag is counted from (:class:`LagAnchor`).
    late_releases
        Real release dates of observations published later than the lag
        allows (government shutdowns): observation date -> release date.
    lag_source
        Where the lag and the late releases come from, in words.
    stale_after_days
        Calendar days after which the last value is too old to use.
    proxies
        Series whose returns stand in before this series' first day, in order.
    derive
        For synthetic series: how to build them (no file, no live source).
    user_supplied
        An optional series the user imports (``macropatch data import-series``);
        signals that need it report "no data" until it exists.
    revised
        The publisher re-estimates the whole history at every release (a model
        estimate such as a term premium): the values are not point-in-time, and
        every page that shows a signal reading it says so.
    quality
        Overrides of the data-quality limits (a ``quality = {...}`` table).
    """

    id: str
    name: str
    kind: Kind
    frequency: Frequency
    units: str
    label: Label = Label.PERIOD_START
    yfinance: str | None = None
    fred: str | None = None
    pack_file: str | None = None
    pack_column: str | None = None
    file: str | None = None
    file_column: str | None = None
    publication_lag_days: int = 0
    lag_from: LagAnchor = LagAnchor.PERIOD_END
    late_releases: Mapping[pd.Timestamp, pd.Timestamp] = field(
        default_factory=lambda: MappingProxyType({})
    )
    lag_source: str = ""
    stale_after_days: int = 10
    proxies: tuple[str, ...] = ()
    derive: Derivation | None = None
    user_supplied: bool = False
    revised: bool = False
    quality: QualityOverrides = field(default_factory=QualityOverrides)
    notes: str = ""

    @property
    def live_source(self) -> str | None:
        """``yfinance:TICKER`` or ``fred:ID``, or None."""
        if self.yfinance:
            return f"yfinance:{self.yfinance}"
        if self.fred:
            return f"fred:{self.fred}"
        return None

    def period_end(self, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """The last day of the period each observation date refers to."""
        if self.label is Label.PERIOD_END or self.frequency is Frequency.DAILY:
            return dates
        offset = {
            Frequency.WEEKLY: pd.offsets.Week(weekday=6),
            Frequency.MONTHLY: pd.offsets.MonthEnd(0),
            Frequency.QUARTERLY: pd.offsets.QuarterEnd(0),
        }[self.frequency]
        return pd.DatetimeIndex(dates + offset)

    def availability(self, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """The first day on which each observation was knowable: the end of its period (or
        quarter) plus the publication lag, or its real release date when that was later.
        """
        ends = self.period_end(pd.DatetimeIndex(dates))
        if self.lag_from is LagAnchor.QUARTER_END:
            ends = pd.DatetimeIndex(ends + pd.offsets.QuarterEnd(0))
        available = ends + pd.Timedelta(days=self.publication_lag_days)
        if not self.late_releases:
            return available
        late = pd.DatetimeIndex([self.late_releases.get(day, pd.NaT) for day in dates])
        return pd.DatetimeIndex(np.where(late > available, late, available))


_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class _QualityEntry(BaseModel):
    """A ``quality = {...}`` table: each limit above zero, warnings at most the hard limits."""

    model_config = _STRICT
    spike_warning: PositiveFloat | None = None
    spike_hard: PositiveFloat | None = None
    gap_warning_days: PositiveInt | None = None
    gap_hard_days: PositiveInt | None = None
    allow_non_positive: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> _QualityEntry:
        for low, high in (("spike_warning", "spike_hard"), ("gap_warning_days", "gap_hard_days")):
            below, above = getattr(self, low), getattr(self, high)
            if below is not None and above is not None and below > above:
                raise ValueError(f"{low} is above {high}")
        return self


class _DerivationEntry(BaseModel):
    model_config = _STRICT
    method: str
    inputs: Annotated[tuple[str, ...], Strict(False)]
    parameters: dict[str, float] = {}
    fitted_to: str | None = None


class _SeriesEntry(BaseModel):
    """One ``[series.<id>]`` table of the catalog file, as written."""

    model_config = _STRICT
    name: str
    kind: Annotated[Kind, Strict(False)]
    frequency: Annotated[Frequency, Strict(False)]
    units: str
    label: Annotated[Label, Strict(False)] = Label.PERIOD_START
    yfinance: str | None = None
    fred: str | None = None
    pack_file: str | None = None
    pack_column: str | None = None
    file: str | None = None
    file_column: str | None = None
    publication_lag_days: NonNegativeInt = 0
    lag_from: Annotated[LagAnchor, Strict(False)] = LagAnchor.PERIOD_END
    late_releases: dict[str, Annotated[dt.date, Strict(False)]] = {}
    lag_source: str = ""
    stale_after_days: NonNegativeInt = 10
    proxies: Annotated[tuple[str, ...], Strict(False)] = ()
    derive: _DerivationEntry | None = None
    user_supplied: bool = False
    revised: bool = False
    quality: _QualityEntry = _QualityEntry()
    notes: str = ""

    @model_validator(mode="after")
    def _one_live_source(self) -> _SeriesEntry:
        if self.yfinance and self.fred:
            raise ValueError("two live sources (yfinance and fred)")
        return self

    def spec(self, series_id: str) -> SeriesSpec:
        """The entry as the frozen :class:`SeriesSpec` the rest of the package reads."""
        try:
            late = {
                pd.Timestamp(day): pd.Timestamp(released)
                for day, released in self.late_releases.items()
            }
        except ValueError:
            raise ValueError("late_releases must map dates to dates") from None
        derive = self.derive
        return SeriesSpec(
            id=series_id,
            name=self.name,
            kind=self.kind,
            frequency=self.frequency,
            units=self.units,
            label=self.label,
            yfinance=self.yfinance or None,
            fred=self.fred or None,
            pack_file=self.pack_file or None,
            pack_column=self.pack_column or None,
            file=self.file or None,
            file_column=self.file_column or None,
            publication_lag_days=self.publication_lag_days,
            lag_from=self.lag_from,
            late_releases=MappingProxyType(late),
            lag_source=self.lag_source,
            stale_after_days=self.stale_after_days,
            proxies=self.proxies,
            derive=None
            if derive is None
            else Derivation(
                method=derive.method,
                inputs=derive.inputs,
                parameters=MappingProxyType(dict(derive.parameters)),
                fitted_to=derive.fitted_to,
            ),
            user_supplied=self.user_supplied,
            revised=self.revised,
            quality=QualityOverrides(**self.quality.model_dump()),
            notes=self.notes,
        )


def _problem(series_id: str, error: ValidationError) -> str:
    """The first problem of a series' table, as one line naming the key."""
    first = error.errors(include_url=False)[0]
    location = [str(part) for part in first["loc"]]
    place = ".".join([series_id, *location[:-1]]) if location else series_id
    key = location[-1] if location else ""
    kind, value = first["type"], first.get("input")
    if kind == "extra_forbidden":
        return f"unknown key {key!r} in {place}"
    if kind == "missing":
        return f"{place} lacks {key!r}"
    if kind == "enum":
        allowed = first.get("ctx", {}).get("expected", "").replace("'", "")
        return f"{place}.{key}: {value!r} is not one of {allowed}"
    if kind == "value_error":
        return f"{place}: {first['ctx']['error']}"
    return f"{place}.{key}: {first['msg'][0].lower()}{first['msg'][1:]}, got {value!r}"


def series_spec(series_id: str, entry: object, where: str) -> SeriesSpec:
    """A catalog entry (one ``[series.<id>]`` table) validated; problems name ``where``."""
    return _spec(series_id, entry, where)


def _spec(series_id: str, entry: object, where: str) -> SeriesSpec:
    try:
        return _SeriesEntry.model_validate(entry).spec(series_id)
    except ValidationError as error:
        raise UserError(f"{where}: {_problem(series_id, error)}") from None
    except ValueError as error:
        raise UserError(f"{where}: series {series_id!r}: {error}") from None


class Catalog(Mapping[str, SeriesSpec]):
    """All known series, by id. Read-only."""

    def __init__(self, specs: Mapping[str, SeriesSpec], *, source: str = "catalog") -> None:
        self._specs = dict(specs)
        self.source = source
        self._check_references()

    def __getitem__(self, series_id: str) -> SeriesSpec:
        """The spec of ``series_id`` (a UserError naming it when unknown)."""
        try:
            return self._specs[series_id]
        except KeyError:
            raise UserError(
                f"unknown series {series_id!r} (not in {self.source}; "
                "`macropatch data status` lists the catalog)"
            ) from None

    def __contains__(self, series_id: object) -> bool:
        """Whether the catalog has ``series_id``."""
        return series_id in self._specs

    def __iter__(self) -> Iterator[str]:
        """The series ids in file order."""
        return iter(self._specs)

    def __len__(self) -> int:
        """How many series."""
        return len(self._specs)

    def with_series(self, specs: Mapping[str, SeriesSpec], *, source: str) -> Catalog:
        """The catalog plus ``specs`` (series an experiment declares); an id the catalog
        already has is refused, naming ``source``.
        """
        taken = [series_id for series_id in specs if series_id in self._specs]
        if taken:
            raise UserError(
                f"{source}: {taken[0]!r} is already a catalog series (use it by name, or "
                "declare the asset under another id)"
            )
        return Catalog({**self._specs, **specs}, source=f"{self.source} + {source}")

    def dependencies(self, series_id: str) -> list[str]:
        """The series itself, its derivation inputs and proxies, recursively, in order.

        A fund a proxy is fitted to counts with its own data only: its proxies (the very
        proxy being fitted) are not followed from there.
        """
        seen: list[str] = []

        def visit(sid: str, trail: tuple[str, ...]) -> None:
            if sid in trail:
                raise UserError(
                    f"{self.source}: cycle in series references: {' -> '.join(trail + (sid,))}"
                )
            if sid in seen:
                return
            spec = self[sid]
            seen.append(sid)
            for child in (*(spec.derive.inputs if spec.derive else ()), *spec.proxies):
                visit(child, trail + (sid,))
            fitted = spec.derive.fitted_to if spec.derive else None
            if fitted and fitted not in seen:
                seen.append(fitted)

        visit(series_id, ())
        return seen

    def _check_references(self) -> None:
        for spec in self._specs.values():
            for ref in (*(spec.derive.series if spec.derive else ()), *spec.proxies):
                if ref not in self._specs:
                    raise UserError(
                        f"{self.source}: series {spec.id!r} refers to unknown series {ref!r}"
                    )
            if (
                spec.derive is None
                and spec.pack_file is None
                and spec.file is None
                and spec.live_source is None
                and not spec.user_supplied
            ):
                raise UserError(
                    f"{self.source}: series {spec.id!r} has no pack file, live source or derivation"
                )
        for sid in self._specs:
            self.dependencies(sid)


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate a catalog TOML file (the packaged one by default)."""
    path = path or DEFAULT_CATALOG_PATH
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"cannot read catalog {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: invalid TOML: {error}") from None
    series = document.get("series")
    if not isinstance(series, Mapping) or not series:
        raise UserError(f"{path}: no [series.<id>] tables")
    specs = {sid: _spec(sid, entry, str(path.name)) for sid, entry in series.items()}
    return Catalog(specs, source=path.name)
