"""Where a run's series come from: the store, then the pack, then live.

:class:`DataSources` resolves a series id to values in canonical units. The
order is fixed: the local store first, then the offline pack (when one is
configured), then the live provider named in the catalog (unless live access
is off). Synthetic series are derived from their inputs, resolved the same
way. A series that no place can supply is a
:class:`~macropatch.marketdata.errors.MissingSeriesError` naming the series, the places
tried and the command that fixes it.

Every series located (not derived) goes through the data-quality checks of
:mod:`macropatch.marketdata.quality`, here and only here: one with a hard finding is
refused with a :class:`DirtyDataError` naming the series, the check, the
date and the fix, unless ``allow_dirty`` is set, in which case it is used and
:meth:`DataSources.dirty_notes` says so. The store is read once, in one short
read-only connection, the first time a series is looked up there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field

import pandas as pd

from macropatch.marketdata.catalog import Catalog, Kind, SeriesSpec
from macropatch.marketdata.derived import derive
from macropatch.marketdata.errors import MissingSeriesError, UserError
from macropatch.marketdata.pack import Pack, read_declared_file
from macropatch.marketdata.providers import fetch_fred, fetch_yahoo
from macropatch.marketdata.quality import Finding, check_series, hard_findings
from macropatch.marketdata.series import Provenance, SeriesData
from macropatch.marketdata.store import Store
from macropatch.marketdata.units import to_canonical

__all__ = [
    "OFFLINE_ENVIRONMENT_VARIABLE",
    "DataSources",
    "DirtyDataError",
    "fetch_live",
    "offline_from_environment",
]

OFFLINE_ENVIRONMENT_VARIABLE = "MACROPATCH_OFFLINE"


class DirtyDataError(UserError):
    """A series a run would use fails a hard data-quality check."""


def _where(item: SeriesData) -> str:
    return f"{item.provenance.source} {item.provenance.location}"


def offline_from_environment() -> bool:
    """True when ``MACROPATCH_OFFLINE`` is set to a true value."""
    return os.environ.get(OFFLINE_ENVIRONMENT_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


def values_digest(values: pd.Series) -> str:
    """SHA-256 of a series' dates and values."""
    digest = hashlib.sha256()
    digest.update(values.index.to_numpy(dtype="datetime64[ns]").view("i8").tobytes())
    digest.update(values.to_numpy(dtype=float).tobytes())
    return digest.hexdigest()


def fetch_live(spec: SeriesSpec) -> SeriesData:
    """Download ``spec`` from its live provider (yfinance or FRED)."""
    if spec.yfinance:
        raw, source, location = (
            fetch_yahoo(spec.yfinance, series_id=spec.id),
            "yfinance",
            spec.yfinance,
        )
    elif spec.fred:
        raw, source, location = fetch_fred(spec.fred, series_id=spec.id), "fred", spec.fred
    else:
        raise MissingSeriesError(f"series {spec.id!r} has no live source in the catalog")
    values = to_canonical(raw, spec.units).rename(spec.id)
    provenance = Provenance(
        source=source,
        location=location,
        fetched_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        content_hash=values_digest(values),
    )
    return SeriesData(spec=spec, values=values, provenance=provenance)


def _dated_for(spec: SeriesSpec, item: SeriesData) -> pd.Series:
    """An input of a derived series, dated so that the derived series' own lag is honest.

    A derived *level* (a rate: the T-bill rate extended by its monthly
    average) is daily with its own publication lag; an input published
    later than that (a monthly average, knowable after its month ends) is
    re-dated to its availability less the derived lag, so it is never
    knowable early. Derived prices keep their inputs' observation dates.
    """
    if spec.kind is not Kind.RATE:
        return item.values
    lag = pd.Timedelta(days=spec.publication_lag_days)
    dates = pd.DatetimeIndex(item.availability()) - lag
    redated = pd.Series(item.values.to_numpy(), index=dates.rename("date"), name=item.values.name)
    return redated[~redated.index.duplicated(keep="last")]


@dataclass
class DataSources:
    """Resolve series ids in the order store, pack, live.

    Parameters
    ----------
    catalog
        The series catalog.
    store
        The local store, or None to skip it.
    pack
        The offline pack, or None.
    live
        Whether to try the live providers last.
    allow_dirty
        Use series that fail a hard data-quality check (and say so in
        :meth:`dirty_notes`) instead of refusing them.
    """

    catalog: Catalog
    store: Store | None = None
    pack: Pack | None = None
    live: bool = False
    allow_dirty: bool = False
    _cache: dict[str, SeriesData] = field(default_factory=dict, repr=False)
    _stored: dict[str, SeriesData] | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list, repr=False)
    dirty: dict[str, list[Finding]] = field(default_factory=dict, repr=False)
    """The hard findings of each dirty series used (only with ``allow_dirty``)."""

    def load(self, series_id: str) -> SeriesData:
        """Values of ``series_id`` from the first place that has them."""
        if series_id in self._cache:
            return self._cache[series_id]
        spec = self.catalog[series_id]
        if spec.derive is not None:
            data = self._derive(spec)
        else:
            data = self._locate(spec)
            self._check(data)
        self._cache[series_id] = data
        return data

    def _check(self, data: SeriesData) -> None:
        """Refuse (or, with ``allow_dirty``, record) a series with a hard finding."""
        hard = hard_findings(check_series(data))
        if not hard:
            return
        if not self.allow_dirty:
            first = hard[0]
            others = len(hard) - 1
            more = f" and {others} more hard finding{'s' if others > 1 else ''}" if others else ""
            raise DirtyDataError(
                f"series {data.spec.id!r} ({_where(data)}) fails the {first.check.value} check "
                f"on {first.date.date()} ({first.detail}){more}: pass --allow-dirty to use it "
                "anyway, or fix the file and import it again (`macropatch data check` lists "
                "the findings)"
            )
        self.dirty[data.spec.id] = hard

    def dirty_notes(self) -> list[str]:
        """One note per dirty series used: what fails, where from (empty when none)."""
        notes = []
        for series_id, hard in self.dirty.items():
            item = self._cache.get(series_id)
            source = f" ({_where(item)})" if item is not None else ""
            findings = "; ".join(finding.describe() for finding in hard[:3])
            more = f"; and {len(hard) - 3} more" if len(hard) > 3 else ""
            notes.append(
                f"dirty data used (--allow-dirty): {series_id}{source} fails "
                f"{len(hard)} hard check{'s' if len(hard) > 1 else ''}: {findings}{more}"
            )
        return notes

    def _stored_series(self, series_id: str) -> SeriesData | None:
        """``series_id`` from the store, which is read whole the first time (one short
        read-only connection, not one per series).
        """
        assert self.store is not None
        if self._stored is None:
            self._stored = self.store.read_all(self.catalog)
        return self._stored.get(series_id)

    def _locate(self, spec: SeriesSpec) -> SeriesData:
        tried: list[str] = []
        if self.store is not None:
            stored = self._stored_series(spec.id)
            if stored is not None:
                return stored
            tried.append(f"the store ({self.store.path})")
        if spec.file is not None:
            return read_declared_file(spec)
        if self.pack is not None:
            if self.pack.has(spec):
                return self.pack.read(spec)
            tried.append(
                f"the pack ({self.pack.root}/{spec.pack_file})"
                if spec.pack_file
                else "the pack (no file)"
            )
        if self.live and spec.live_source is not None:
            try:
                return fetch_live(spec)
            except UserError as error:
                tried.append(f"live {spec.live_source} ({error})")
        elif spec.live_source is not None:
            tried.append(f"live {spec.live_source} (off)")
        if not tried:
            tried.append("nothing configured")
        fix = "`macropatch data import DIR` (a pack folder)"
        if spec.live_source is not None:
            fix += f" or `macropatch data pull {spec.id}`"
        raise MissingSeriesError(
            f"series {spec.id!r} is not available; tried {'; '.join(tried)}; run {fix}"
        )

    def _derive(self, spec: SeriesSpec) -> SeriesData:
        assert spec.derive is not None
        inputs = [self.load(series_id) for series_id in spec.derive.series]
        values = derive(
            spec.derive.method, [_dated_for(spec, item) for item in inputs], spec.derive.parameters
        ).rename(spec.id)
        digest = hashlib.sha256(
            "".join(item.provenance.content_hash for item in inputs).encode()
        ).hexdigest()
        provenance = Provenance(
            source="derived",
            location=f"{spec.derive.method}({', '.join(spec.derive.series)})",
            fetched_at=max(item.provenance.fetched_at for item in inputs),
            content_hash=digest,
        )
        return SeriesData(spec=spec, values=values, provenance=provenance)

    def loaded(self) -> list[SeriesData]:
        """Every series loaded so far (inputs of derived series included), by id."""
        return [self._cache[series_id] for series_id in sorted(self._cache)]
