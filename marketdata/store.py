"""The local store: an embedded DuckDB database of imported series.

Location: ``$MACROPATCH_HOME/store.duckdb`` when ``MACROPATCH_HOME`` is set,
else ``store.duckdb`` in the user's cache folder (``~/.cache/macropatch`` on
Linux). Each :meth:`Store.write` is one transaction: either every series of
the batch is replaced, or (on any error, or if the process dies) none is and
the earlier data stay intact. Each stored value keeps its provenance: the
import it came from (source, location, fetched-at, content hash).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from platformdirs import user_cache_dir

from marketdata.catalog import Catalog
from marketdata.errors import UserError
from marketdata.series import Provenance, SeriesData

__all__ = ["HOME_ENVIRONMENT_VARIABLE", "Store", "StoredSeries", "default_store_path"]

HOME_ENVIRONMENT_VARIABLE = "MACROPATCH_HOME"

_SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS import_ids START 1;
CREATE TABLE IF NOT EXISTS imports (
    import_id BIGINT PRIMARY KEY,
    series_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    fetched_at VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    row_count BIGINT NOT NULL,
    first_date DATE NOT NULL,
    last_date DATE NOT NULL
);
CREATE TABLE IF NOT EXISTS observations (
    series_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    value DOUBLE NOT NULL,
    release_date DATE,
    import_id BIGINT NOT NULL,
    PRIMARY KEY (series_id, date)
);
CREATE TABLE IF NOT EXISTS current_imports (
    series_id VARCHAR PRIMARY KEY,
    import_id BIGINT NOT NULL
);
"""


def default_store_path() -> Path:
    """Where the store lives unless told otherwise."""
    home = os.environ.get(HOME_ENVIRONMENT_VARIABLE, "").strip()
    base = Path(home).expanduser() if home else Path(user_cache_dir("macropatch"))
    return base / "store.duckdb"


@dataclass(frozen=True, kw_only=True)
class StoredSeries:
    """A row of ``macropatch data status``."""

    series_id: str
    source: str
    location: str
    first_date: dt.date
    last_date: dt.date
    rows: int
    imported_at: dt.datetime


class Store:
    """The DuckDB store. Opening it creates the file and schema if needed."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    @contextmanager
    def _connect(self, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        if read_only and not self.exists:
            raise UserError(f"no store at {self.path} yet (run `macropatch data import` first)")
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise UserError(
                    f"cannot create the store folder {self.path.parent}: {error.strerror}"
                ) from None
        try:
            connection = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as error:
            raise UserError(
                f"cannot open the store {self.path}: {str(error).splitlines()[0]}"
            ) from None
        try:
            if not read_only:
                connection.execute(_SCHEMA)
            yield connection
        finally:
            connection.close()

    def write(self, batch: Iterable[SeriesData]) -> list[str]:
        """Replace the stored values of every series in ``batch``, in one transaction."""
        items = list(batch)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self._connect(read_only=False) as connection:
            connection.execute("BEGIN TRANSACTION")
            try:
                for item in items:
                    values = item.values.dropna()
                    if values.empty:
                        raise UserError(f"series {item.spec.id!r}: nothing to store (no values)")
                    (import_id,) = connection.execute("SELECT nextval('import_ids')").fetchone()  # type: ignore[misc]
                    connection.execute(
                        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            import_id,
                            item.spec.id,
                            item.provenance.source,
                            item.provenance.location,
                            item.provenance.fetched_at,
                            item.provenance.content_hash,
                            now,
                            len(values),
                            values.index[0].date(),
                            values.index[-1].date(),
                        ],
                    )
                    released = (
                        pd.DatetimeIndex(item.release_dates.reindex(values.index))
                        if item.release_dates is not None
                        else pd.DatetimeIndex([pd.NaT] * len(values))
                    )
                    frame = pd.DataFrame(
                        {
                            "series_id": item.spec.id,
                            "date": pd.DatetimeIndex(values.index).date,
                            "value": values.to_numpy(dtype=float),
                            "release_date": pd.Series(released).dt.date.to_numpy(),
                            "import_id": import_id,
                        }
                    )
                    connection.execute(
                        "DELETE FROM observations WHERE series_id = ?", [item.spec.id]
                    )
                    connection.register("incoming", frame)
                    connection.execute(
                        "INSERT INTO observations "
                        "SELECT series_id, date, value, release_date::DATE, import_id FROM incoming"
                    )
                    connection.unregister("incoming")
                    connection.execute(
                        "INSERT OR REPLACE INTO current_imports VALUES (?, ?)",
                        [item.spec.id, import_id],
                    )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return [item.spec.id for item in items]

    def read(self, catalog: Catalog, series_id: str) -> SeriesData | None:
        """The stored values of ``series_id``, or None if it was never imported."""
        if not self.exists:
            return None
        spec = catalog[series_id]
        with self._connect(read_only=True) as connection:
            if not _has_schema(connection):
                return None
            meta = connection.execute(
                "SELECT i.source, i.location, i.fetched_at, i.content_hash FROM current_imports c "
                "JOIN imports i USING (import_id) WHERE c.series_id = ?",
                [series_id],
            ).fetchone()
            if meta is None:
                return None
            frame = connection.execute(
                "SELECT date, value, release_date FROM observations WHERE series_id = ? ORDER BY date",
                [series_id],
            ).df()
        index = pd.DatetimeIndex(pd.to_datetime(frame["date"]), name="date")
        values = pd.Series(frame["value"].to_numpy(dtype=float), index=index, name=series_id)
        provenance = Provenance(
            source=meta[0], location=meta[1], fetched_at=meta[2], content_hash=meta[3]
        )
        released = pd.Series(pd.to_datetime(frame["release_date"]).to_numpy(), index=index)
        return SeriesData(
            spec=spec,
            values=values,
            provenance=provenance,
            release_dates=None if released.isna().all() else released,
        )

    def status(self) -> list[StoredSeries]:
        """One row per stored series, from its current import."""
        if not self.exists:
            return []
        with self._connect(read_only=True) as connection:
            if not _has_schema(connection):
                return []
            rows = connection.execute(
                "SELECT c.series_id, i.source, i.location, i.first_date, i.last_date, i.row_count, i.imported_at "
                "FROM current_imports c JOIN imports i USING (import_id) ORDER BY c.series_id"
            ).fetchall()
        return [
            StoredSeries(
                series_id=row[0],
                source=row[1],
                location=row[2],
                first_date=row[3],
                last_date=row[4],
                rows=int(row[5]),
                imported_at=row[6],
            )
            for row in rows
        ]


def _has_schema(connection: duckdb.DuckDBPyConnection) -> bool:
    found = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'current_imports'"
    ).fetchone()
    return bool(found and found[0])
