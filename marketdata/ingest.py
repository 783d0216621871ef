"""Filling the store: import a pack, pull live series, report what the store holds.

Each :func:`import_pack` or :func:`pull_live` reads and checks every series
first and then writes them all in one store transaction, so a bad file or a
failed download leaves the earlier data intact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from marketdata.catalog import Catalog, load_catalog
from marketdata.csvfile import file_digest, read_user_series
from marketdata.errors import UserError
from marketdata.pack import Pack
from marketdata.progress import NoProgress, Progress
from marketdata.series import Provenance, SeriesData
from marketdata.sources import fetch_live
from marketdata.store import Store
from marketdata.units import to_canonical

__all__ = [
    "IngestReport",
    "StatusRow",
    "catalog_status",
    "import_pack",
    "import_user_series",
    "pull_live",
]


@dataclass(frozen=True, kw_only=True)
class IngestReport:
    """What an import or pull wrote."""

    store: Path
    imported: tuple[str, ...]
    absent: tuple[str, ...] = ()


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
    store.write(batch)
    return IngestReport(
        store=store.path, imported=tuple(item.spec.id for item in batch), absent=absent
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
    store.write(batch)
    return IngestReport(store=store.path, imported=tuple(item.spec.id for item in batch))


def import_user_series(
    series_id: str, path: Path, store: Store, *, catalog: Catalog | None = None
) -> IngestReport:
    """Store an optional user-supplied series from ``path`` (``date,value[,release_date]``)."""
    catalog = catalog or load_catalog()
    spec = catalog[series_id]
    if not spec.user_supplied:
        optional = ", ".join(sorted(s.id for s in catalog.values() if s.user_supplied))
        raise UserError(
            f"series {series_id!r} is not a user-supplied series (those are: {optional})"
        )
    raw, released = read_user_series(Path(path), label=str(path))
    values = to_canonical(raw, spec.units).rename(series_id)
    provenance = Provenance(
        source="user",
        location=str(Path(path).name),
        fetched_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        content_hash=file_digest(Path(path)),
    )
    store.write(
        [SeriesData(spec=spec, values=values, provenance=provenance, release_dates=released)]
    )
    return IngestReport(store=store.path, imported=(series_id,))


def catalog_status(
    store: Store, *, today: dt.date, catalog: Catalog | None = None
) -> list[StatusRow]:
    """One row per catalog series: stored, derived at run time, or missing."""
    catalog = catalog or load_catalog()
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
                    source=f"{row.source}:{row.location}",
                    first_date=str(row.first_date),
                    last_date=str(row.last_date),
                    rows=str(row.rows),
                    stale="stale" if stale else "fresh",
                )
            )
        elif spec.user_supplied:
            rows.append(
                StatusRow(
                    series_id=series_id,
                    source="optional, not imported (macropatch data import-series)",
                    first_date="",
                    last_date="",
                    rows="0",
                    stale="",
                )
            )
        elif spec.derive is not None:
            rows.append(
                StatusRow(
                    series_id=series_id,
                    source=f"derived: {spec.derive.method}({', '.join(spec.derive.inputs)})",
                    first_date="",
                    last_date="",
                    rows="",
                    stale="",
                )
            )
        else:
            rows.append(
                StatusRow(
                    series_id=series_id,
                    source="missing",
                    first_date="",
                    last_date="",
                    rows="0",
                    stale="",
                )
            )
    return rows
