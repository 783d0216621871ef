"""Filling the store: import a pack, pull live series, rebuild, report what the store holds.

Each :func:`import_pack` or :func:`pull_live` reads and checks every series
first and then writes them all in one store transaction, so a bad file or a
failed download leaves the earlier data intact. Every imported series goes
through the data-quality checks (:mod:`macropatch.marketdata.quality`); the findings
come back in the report (dirty data are stored: a run refuses them later,
unless told ``--allow-dirty``). :func:`rebuild_store` replaces a damaged
store with a fresh one.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from macropatch.marketdata.catalog import Catalog, SeriesSpec, load_catalog
from macropatch.marketdata.csvfile import file_digest, read_user_series
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.pack_summaries import PackSummary, SummaryCache
from macropatch.marketdata.progress import NoProgress, Progress
from macropatch.marketdata.quality import Finding, check_series
from macropatch.marketdata.series import Provenance, SeriesData
from macropatch.marketdata.sources import fetch_live
from macropatch.marketdata.store import Store, StoreDamagedError
from macropatch.marketdata.units import to_canonical

__all__ = [
    "IngestReport",
    "RebuildReport",
    "StatusRow",
    "catalog_status",
    "check_batch",
    "import_pack",
    "import_user_series",
    "pull_live",
    "read_user_file",
    "rebuild_store",
]


@dataclass(frozen=True, kw_only=True)
class IngestReport:
    """What an import or pull wrote."""

    store: Path
    imported: tuple[str, ...]
    absent: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    """What the data-quality checks found in the imported series (staleness as of today)."""


@dataclass(frozen=True, kw_only=True)
class RebuildReport:
    """What :func:`rebuild_store` did."""

    store: Path
    damage: str | None
    """Why the old store was unusable, or None if it was healthy (or absent)."""
    moved_aside: Path | None
    pack: Path | None
    imported: tuple[str, ...]
    user_series: tuple[str, ...]
    """User-supplied series imported again from the files their records name."""
    not_reimported: tuple[str, ...]
    """Why other user-supplied series were not: one phrase each."""
    findings: tuple[Finding, ...] = ()


def check_batch(
    batch: Sequence[SeriesData], *, today: dt.date | None = None
) -> tuple[Finding, ...]:
    """The data-quality findings of every series in ``batch`` (staleness as of ``today``)."""
    day = today or dt.date.today()
    return tuple(finding for item in batch for finding in check_series(item, as_of=day))


@dataclass(frozen=True, kw_only=True)
class StatusRow:
    """One row of ``macropatch data status`` (strings, ready to print)."""

    series_id: str
    source: str
    first_date: str
    last_date: str
    rows: str
    stale: str


def import_pack(
    pack: Pack, store: Store, *, catalog: Catalog | None = None, progress: Progress | None = None
) -> IngestReport:
    """Import every catalog series that has a file in ``pack``."""
    catalog = catalog or load_catalog()
    specs = [spec for spec in catalog.values() if spec.pack_file is not None]
    present = [spec for spec in specs if pack.has(spec)]
    absent = tuple(spec.id for spec in specs if not pack.has(spec))
    if not present:
        raise UserError(
            f"pack {pack.root} holds none of the catalog's files (is it the right folder?)"
        )
    batch: list[SeriesData] = []
    with (progress or NoProgress()).task("Reading pack", len(present)) as task:
        for spec in present:
            batch.append(pack.read(spec))
            task.advance()
    findings = check_batch(batch)  # before the write: after it, nothing is left to do
    store.write(batch)
    return IngestReport(
        store=store.path,
        imported=tuple(item.spec.id for item in batch),
        absent=absent,
        findings=findings,
    )


def pull_live(
    series_ids: Sequence[str],
    store: Store,
    *,
    catalog: Catalog | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Download ``series_ids`` (default: all with a live source) and store them together."""
    catalog = catalog or load_catalog()
    ids = list(series_ids) or [spec.id for spec in catalog.values() if spec.live_source is not None]
    specs = [catalog[series_id] for series_id in ids]
    for spec in specs:
        if spec.live_source is None:
            raise UserError(f"series {spec.id!r} has no live source (only the pack has it)")
    batch = []
    with (progress or NoProgress()).task("Downloading", len(specs)) as task:
        for spec in specs:
            batch.append(fetch_live(spec))
            task.advance()
    findings = check_batch(batch)
    store.write(batch)
    return IngestReport(
        store=store.path, imported=tuple(item.spec.id for item in batch), findings=findings
    )


def read_user_file(
    series_id: str, path: Path, *, catalog: Catalog, declared: Collection[str] = ()
) -> SeriesData:
    """An optional user-supplied series (or one an experiment declares, among ``declared``)
    read from ``path`` (``date,value[,release_date]``); its provenance records the file's
    absolute path, so that a rebuild can read it again.
    """
    spec = catalog[series_id]
    if not spec.user_supplied and series_id not in declared:
        optional = ", ".join(sorted(s.id for s in catalog.values() if s.user_supplied))
        raise UserError(
            f"series {series_id!r} is not a user-supplied series (those are: {optional})"
        )
    raw, released = read_user_series(Path(path), label=str(path))
    values = to_canonical(raw, spec.units).rename(series_id)
    if spec.units == "fraction":
        outside = values[(values < 0.0) | (values > 1.0)]
        if not outside.empty:
            day, value = outside.index[0], outside.iloc[0]
            raise UserError(
                f"{path}: {series_id} on {pd.Timestamp(day).date()} is {value:g}, not a share "
                f"between 0 and 1 (0.42 for 42%): was it given in percent?"
            )
    provenance = Provenance(
        source="user",
        location=str(Path(path).expanduser().absolute()),
        fetched_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        content_hash=file_digest(Path(path)),
    )
    return SeriesData(spec=spec, values=values, provenance=provenance, release_dates=released)


def import_user_series(
    series_id: str,
    path: Path,
    store: Store,
    *,
    catalog: Catalog | None = None,
    declared: Collection[str] = (),
) -> IngestReport:
    """Store an optional user-supplied series (or a declared one, among ``declared``) from
    ``path`` (``date,value[,release_date]``).
    """
    catalog = catalog or load_catalog()
    item = read_user_file(series_id, path, catalog=catalog, declared=declared)
    findings = check_batch([item])
    store.write([item])
    return IngestReport(store=store.path, imported=(series_id,), findings=findings)


def _user_batch(store: Store, catalog: Catalog) -> tuple[list[SeriesData], list[str]]:
    """The user-supplied series the store's records name, read again from their files."""
    try:
        records = [record for record in store.recorded_imports() if record.source == "user"]
    except StoreDamagedError:
        return [], ["the damaged store's import records cannot be read"]
    batch: list[SeriesData] = []
    skipped: list[str] = []
    for record in records:
        path = Path(record.location)
        if record.series_id not in catalog:
            skipped.append(f"{record.series_id} (no longer in the catalog)")
        elif not path.is_absolute() or not path.is_file():
            skipped.append(f"{record.series_id} ({record.location} is gone)")
        else:
            try:
                batch.append(read_user_file(record.series_id, path, catalog=catalog))
            except UserError as error:
                skipped.append(f"{record.series_id} ({error})")
    return batch, skipped


def rebuild_store(
    store: Store,
    pack: Pack | None,
    *,
    catalog: Catalog | None = None,
    progress: Progress | None = None,
) -> RebuildReport:
    """Replace the store with a fresh one holding the pack's series (when a pack is given)
    and the user-supplied series whose recorded files still exist.

    The fresh store is built beside the old one and swapped in only once it is
    complete, so a failure leaves the old file where it was. The old file is
    moved aside (``store.duckdb.damaged-<timestamp>``, or ``.previous-`` when
    it was healthy), never deleted.
    """
    catalog = catalog or load_catalog()
    # The write lock is held from the first read of the old store to the swap: an import
    # started meanwhile waits and then writes into the new store instead of the old one.
    with store.writing():
        damage = store.damage()
        user_batch, not_reimported = _user_batch(store, catalog)
        pack_batch: list[SeriesData] = []
        if pack is not None:
            present = [
                spec for spec in catalog.values() if spec.pack_file is not None and pack.has(spec)
            ]
            with (progress or NoProgress()).task("Reading pack", len(present)) as task:
                for spec in present:
                    pack_batch.append(pack.read(spec))
                    task.advance()
        fresh = Store(
            store.path.with_name(f"{store.path.name}.rebuilding-{os.getpid()}"),
            timeout_seconds=store.timeout_seconds,
        )
        findings = check_batch([*pack_batch, *user_batch])
        try:
            if pack_batch or user_batch:
                fresh.write([*pack_batch, *user_batch])
            else:
                fresh.create()
            moved = store.replace_with(fresh.path, damaged=damage is not None)
        finally:
            for leftover in (fresh.path, fresh.wal_path, fresh.lock_path):
                leftover.unlink(missing_ok=True)
    return RebuildReport(
        store=store.path,
        damage=damage,
        moved_aside=moved,
        pack=pack.root if pack is not None else None,
        imported=tuple(item.spec.id for item in pack_batch),
        user_series=tuple(item.spec.id for item in user_batch),
        not_reimported=tuple(not_reimported),
        findings=findings,
    )


def _bare_row(series_id: str, source: str, *, rows: str) -> StatusRow:
    """A status row with no dates: the series is not stored, or is built at run time."""
    return StatusRow(
        series_id=series_id, source=source, first_date="", last_date="", rows=rows, stale=""
    )


def _status_row(
    series_id: str, spec: SeriesSpec, found: PackSummary, today: dt.date, where: str
) -> StatusRow:
    available = pd.Timestamp(found.last_available)
    stale = pd.Timestamp(today) > available + pd.Timedelta(days=spec.stale_after_days)
    return StatusRow(
        series_id=series_id,
        source=where,
        first_date=found.first_date,
        last_date=found.last_date,
        rows=str(found.rows),
        stale="stale" if stale else "fresh",
    )


def catalog_status(
    store: Store,
    *,
    today: dt.date,
    catalog: Catalog | None = None,
    pack: Pack | None = None,
    summaries: SummaryCache | None = None,
) -> list[StatusRow]:
    """One row per catalog series: where a run would take it from (the store, else the
    ``pack`` when one is given), derived at run time, optional, or missing. Pack files
    are summarised through ``summaries`` (read again only when a file changes).
    """
    catalog = catalog or load_catalog()
    summaries = summaries or SummaryCache(None)
    stored = {row.series_id: row for row in store.status()}
    rows = []
    for series_id, spec in catalog.items():
        if series_id in stored:
            row = stored[series_id]
            available = spec.availability(pd.DatetimeIndex([pd.Timestamp(row.last_date)]))[0]
            stale = pd.Timestamp(today) > available + pd.Timedelta(days=spec.stale_after_days)
            rows.append(
                StatusRow(
                    series_id=series_id,
                    source=f"{row.source}:{row.location} (in the store)",
                    first_date=str(row.first_date),
                    last_date=str(row.last_date),
                    rows=str(row.rows),
                    stale="stale" if stale else "fresh",
                )
            )
        elif pack is not None and spec.pack_file is not None and pack.has(spec):
            try:
                found = summaries.summary(pack, spec)
            except UserError as error:
                rows.append(_bare_row(series_id, f"pack: unreadable ({error})", rows="0"))
                continue
            where = f"pack:{spec.pack_file} (not imported: a run reads it from the pack)"
            rows.append(_status_row(series_id, spec, found, today, where))
        elif spec.user_supplied:
            rows.append(
                _bare_row(
                    series_id, "optional, not imported (macropatch data import-series)", rows="0"
                )
            )
        elif spec.derive is not None:
            rows.append(
                _bare_row(
                    series_id,
                    f"derived: {spec.derive.method}({', '.join(spec.derive.series)})",
                    rows="",
                )
            )
        else:
            hint = "not in the store" + (" or the pack" if pack is not None else "; no pack given")
            rows.append(_bare_row(series_id, f"missing ({hint})", rows="0"))
    summaries.save()
    return rows
