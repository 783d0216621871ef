"""The local store: an embedded DuckDB database of imported series.

Location: ``$MACROPATCH_HOME/store.duckdb`` when ``MACROPATCH_HOME`` is set,
else ``store.duckdb`` in the user's cache folder (``~/.cache/macropatch`` on
Linux). Each :meth:`Store.write` is one transaction: either every series of
the batch is replaced, or (on any error, or if the process dies) none is and
the earlier data stay intact. Each stored value keeps its provenance: the
import it came from (source, location, fetched-at, content hash).

**Several processes.** DuckDB lets one process write a database file, or
several read it, and refuses any other open with a lock error. Opening the
store waits instead: it retries with a short backoff (50 ms, doubling up to
1 s) until a timeout (60 s; ``MACROPATCH_STORE_TIMEOUT`` seconds overrides
it), tells its ``on_wait`` callable once that it is waiting, and on timeout
raises :class:`StoreBusyError`. Connections are held only as long as a read or
a write takes: :meth:`Store.read_all` reads every stored series in one short
read-only connection, so a run never keeps the store open while it computes.

**Damage.** A file that is not a DuckDB database, is truncated or garbled is
detected when the store is opened (every opening reads all of its tables,
whose blocks DuckDB checksums) and answered with :class:`StoreDamagedError`,
which names ``macropatch data rebuild``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from platformdirs import user_cache_dir

from macropatch.marketdata.catalog import Catalog, SeriesSpec
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.interrupts import deferred_interrupts, interrupt_received
from macropatch.marketdata.locks import BusyError, busy_messages, hold_lock, wait_until
from macropatch.marketdata.series import Provenance, SeriesData

__all__ = [
    "DEFAULT_STORE_TIMEOUT_SECONDS",
    "HOME_ENVIRONMENT_VARIABLE",
    "STORE_TIMEOUT_ENVIRONMENT_VARIABLE",
    "RecordedImport",
    "Store",
    "StoreBusyError",
    "StoreDamagedError",
    "StoredSeries",
    "default_store_path",
    "store_timeout_from_environment",
]

HOME_ENVIRONMENT_VARIABLE = "MACROPATCH_HOME"
STORE_TIMEOUT_ENVIRONMENT_VARIABLE = "MACROPATCH_STORE_TIMEOUT"
#: Seconds an opening of the store waits for another process to let go of it.
DEFAULT_STORE_TIMEOUT_SECONDS = 60.0


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

#: Reading every column of every table makes DuckDB verify each block's checksum.
_VERIFY = (
    "SELECT count(*), sum(hash(series_id, date, value, release_date, import_id)) FROM observations",
    "SELECT count(*), sum(hash(columns(*))) FROM imports",
    "SELECT count(*), sum(hash(columns(*))) FROM current_imports",
)

#: Words of DuckDB's messages for a file it cannot make sense of.
_DAMAGE_MARKERS = (
    "not a valid duckdb database",
    "could not read enough bytes",
    "corrupt",
    "checksum",
    "invalid wal",
)


StoreBusyError = BusyError
"""Another process held the store for longer than the timeout."""


class StoreDamagedError(UserError):
    """The store file is not a readable DuckDB database."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"the store {path} is damaged ({reason}); "
            "rebuild it with: macropatch data rebuild [PACK]"
        )
        self.path = path
        self.reason = reason


def default_store_path() -> Path:
    """Where the store lives unless told otherwise."""
    home = os.environ.get(HOME_ENVIRONMENT_VARIABLE, "").strip()
    try:
        base = Path(home).expanduser() if home else Path(user_cache_dir("macropatch"))
    except RuntimeError as error:  # MACROPATCH_HOME=~someone without a home directory
        raise UserError(f"{HOME_ENVIRONMENT_VARIABLE}={home}: {error}") from None
    return base / "store.duckdb"


def store_timeout_from_environment() -> float:
    """Seconds to wait for a busy store: ``MACROPATCH_STORE_TIMEOUT``, else 60."""
    text = os.environ.get(STORE_TIMEOUT_ENVIRONMENT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_STORE_TIMEOUT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not (seconds >= 0 and np.isfinite(seconds)):
        raise UserError(
            f"{STORE_TIMEOUT_ENVIRONMENT_VARIABLE}: {text!r} is not a number of seconds (>= 0)"
        )
    return seconds


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


@dataclass(frozen=True, kw_only=True)
class RecordedImport:
    """The provenance of a series' current values, as the imports table records it."""

    series_id: str
    source: str
    location: str
    content_hash: str


def _first_line(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    for prefix in ("IO Error: ", "Error: "):
        text = text.removeprefix(prefix)
    return text


def _is_disk_full(error: BaseException) -> bool:
    text = str(error).lower()
    return "no space left" in text or "disk is full" in text or "disk full" in text


def _is_interruption(error: BaseException) -> bool:
    """Whether DuckDB stopped a query because of a Ctrl-C (it says so with a RuntimeError or
    its InterruptException).
    """
    interrupt = getattr(duckdb, "InterruptException", ())
    if interrupt and isinstance(error, interrupt):
        return True
    if not isinstance(error, duckdb.Error | RuntimeError):
        return False
    # A Ctrl-C inside a Python callback of DuckDB's (scanning a registered data frame)
    # comes back as a DuckDB error quoting the KeyboardInterrupt's traceback.
    text = str(error)
    return "KeyboardInterrupt" in text or "interrupted" in text.lower() or interrupt_received()


def _is_lock_conflict(error: duckdb.Error) -> bool:
    return isinstance(error, duckdb.IOException) and "could not set lock" in str(error).lower()


def _is_damage(error: duckdb.Error) -> bool:
    text = str(error).lower()
    if any(marker in text for marker in _DAMAGE_MARKERS):
        return True
    damage_types = (
        duckdb.InternalException,
        duckdb.FatalException,
        duckdb.SerializationException,
    )
    return isinstance(error, damage_types) or type(error) is duckdb.Error


class Store:
    """The DuckDB store. Opening it for a write creates the file and schema if needed.

    Parameters
    ----------
    path
        The database file (default: :func:`default_store_path`).
    timeout_seconds
        How long an opening waits for another process (default:
        :func:`store_timeout_from_environment`, read when the store is opened).
    on_wait
        Called once, with a one-line message, the first time an opening has to
        wait; the store itself never prints.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        timeout_seconds: float | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.timeout_seconds = timeout_seconds
        self.on_wait = on_wait
        self._wait_announced = False
        self._write_depth = 0

    def __repr__(self) -> str:
        """``Store('/path/to/store.duckdb')``."""
        return f"Store({str(self.path)!r})"

    @property
    def exists(self) -> bool:
        """Whether the store file exists; something else at its path is a ``UserError``
        (a folder there used to read as an empty store).
        """
        if self.path.is_file():
            return True
        if self.path.is_symlink() and not self.path.exists():
            raise UserError(f"the store {self.path} is a link to nothing; remove it")
        if self.path.exists():
            raise UserError(
                f"the store {self.path} is a folder (or another non-file), not a DuckDB file; "
                f"move it away or set {HOME_ENVIRONMENT_VARIABLE}"
            )
        return False

    @property
    def wal_path(self) -> Path:
        """DuckDB's write-ahead log beside the database file."""
        return self.path.with_name(self.path.name + ".wal")

    def _timeout(self) -> float:
        return (
            self.timeout_seconds
            if self.timeout_seconds is not None
            else store_timeout_from_environment()
        )

    def _announce(self, message: str) -> None:
        """Tell ``on_wait`` once per store that an opening waits."""
        if not self._wait_announced:
            self._wait_announced = True
            if self.on_wait is not None:
                self.on_wait(message)

    def _open(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A connection, once no other process holds a conflicting lock."""

        def attempt() -> duckdb.DuckDBPyConnection | None:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.Error as error:
                if not _is_lock_conflict(error):
                    raise self._translate(error) from None
            return None

        timeout = self._timeout()
        waiting, gave_up = busy_messages(str(self.path), timeout, prefix="store busy")
        return wait_until(
            attempt, timeout=timeout, waiting=waiting, gave_up=gave_up, on_wait=self._announce
        )

    def _make_folder(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(
                f"cannot create the store folder {self.path.parent}: {error.strerror}"
            ) from None

    @property
    def lock_path(self) -> Path:
        """The lock file every writer of this store holds (``store.duckdb.lock``)."""
        return self.path.with_name(self.path.name + ".lock")

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's write lock for the block: no other macropatch process writes,
        imports or rebuilds this store meanwhile (readers go on reading). Re-entrant.

        The first holder also removes what a killed rebuild left beside the store
        (``store.duckdb.rebuilding-*``): holding the lock, nobody else is building one.
        """
        if self._write_depth:
            self._write_depth += 1
            try:
                yield
            finally:
                self._write_depth -= 1
            return
        self._make_folder()
        with hold_lock(
            self.lock_path,
            timeout=self._timeout(),
            what=str(self.path),
            prefix="store busy",
            on_wait=self._announce,
        ):
            self._write_depth = 1
            try:
                for leftover in self.path.parent.glob(f"{self.path.name}.rebuilding-*"):
                    leftover.unlink(missing_ok=True)
                yield
            finally:
                self._write_depth = 0

    def _commit_failed(self, error: duckdb.Error) -> UserError:
        """A commit that failed wrote nothing; a full disk is said in those words."""
        if _is_disk_full(error):
            return UserError(
                f"the disk holding {self.path.parent} is full: nothing was written to the store"
            )
        return UserError(f"cannot write the store {self.path}: {_first_line(error)}")

    def _translate(self, error: duckdb.Error) -> UserError:
        if _is_disk_full(error):
            return UserError(
                f"the disk holding {self.path.parent} is full: nothing was written to the store"
            )
        reason = " ".join(_first_line(error).replace(f'"{self.path}"', "").split())
        if _is_damage(error):
            return StoreDamagedError(self.path, reason)
        return UserError(f"cannot use the store {self.path}: {reason}")

    @contextmanager
    def _connect(
        self, *, read_only: bool, verify: bool = True
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        exists = self.exists  # something other than a file at the path is an error, always
        if read_only and not exists:
            raise UserError(f"no store at {self.path} yet (run `macropatch data import` first)")
        if not read_only:
            self._make_folder()
        connection = self._open(read_only=read_only)
        try:
            try:
                if not read_only:
                    connection.execute(_SCHEMA)
                if verify and _has_schema(connection):
                    for query in _VERIFY:
                        connection.execute(query).fetchall()
                yield connection
            except (duckdb.Error, RuntimeError) as error:
                if _is_interruption(error):  # DuckDB's answer to a Ctrl-C during a query
                    raise KeyboardInterrupt from None
                if not isinstance(error, duckdb.Error):
                    raise
                raise self._translate(error) from None
        finally:
            with suppress(duckdb.Error):
                connection.close()

    def create(self) -> None:
        """Create the file and its (empty) tables if they do not exist."""
        with self.writing(), self._connect(read_only=False):
            pass

    def write(self, batch: Iterable[SeriesData]) -> list[str]:
        """Replace the stored values of every series in ``batch``, in one transaction."""
        items = list(batch)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self.writing(), self._connect(read_only=False) as connection:
            connection.execute("BEGIN TRANSACTION")
            try:
                for item in items:
                    _write_one(connection, item, now)
            except BaseException as error:
                # DuckDB may have ended a failed transaction itself: nothing to roll back.
                with suppress(duckdb.Error, RuntimeError):
                    connection.execute("ROLLBACK")
                if _is_interruption(error):
                    raise KeyboardInterrupt from None
                raise
            # A Ctrl-C cannot cut the commit: it is all or nothing, and the message says which.
            with deferred_interrupts(
                f"the write had been committed: {len(items)} series stored in {self.path}"
            ):
                try:
                    connection.execute("COMMIT")
                except duckdb.Error as error:
                    raise self._commit_failed(error) from None
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
        return _series(spec, meta, frame)

    def read_all(self, catalog: Catalog) -> dict[str, SeriesData]:
        """Every stored series the catalog knows, by id, read in one short read-only
        connection (empty when there is no store yet).
        """
        if not self.exists:
            return {}
        with self._connect(read_only=True) as connection:
            if not _has_schema(connection):
                return {}
            metas = connection.execute(
                "SELECT c.series_id, i.source, i.location, i.fetched_at, i.content_hash "
                "FROM current_imports c JOIN imports i USING (import_id)"
            ).fetchall()
            frame = connection.execute(
                "SELECT series_id, date, value, release_date FROM observations "
                "ORDER BY series_id, date"
            ).df()
        if frame.empty:  # the schema, and no series yet (a first import was interrupted)
            return {}
        identifiers = frame["series_id"].to_numpy(dtype=object)
        names, starts = np.unique(identifiers, return_index=True)
        bounds = dict(zip(names, zip(starts, [*starts[1:], len(frame)], strict=True), strict=True))
        found = {}
        for series_id, *meta in metas:
            if series_id not in catalog or series_id not in bounds:
                continue
            first, last = bounds[series_id]
            part = frame.iloc[first:last].reset_index(drop=True)
            found[series_id] = _series(catalog[series_id], tuple(meta), part)
        return found

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

    def recorded_imports(self) -> list[RecordedImport]:
        """The provenance of every stored series, read without checking the values'
        blocks, so that the records of a damaged store can often still be read.
        """
        if not self.exists:
            return []
        with self._connect(read_only=True, verify=False) as connection:
            if not _has_schema(connection):
                return []
            rows = connection.execute(
                "SELECT c.series_id, i.source, i.location, i.content_hash FROM current_imports c "
                "JOIN imports i USING (import_id) ORDER BY c.series_id"
            ).fetchall()
        return [
            RecordedImport(series_id=row[0], source=row[1], location=row[2], content_hash=row[3])
            for row in rows
        ]

    def damage(self) -> str | None:
        """Why the store cannot be used, or None when it opens and reads (or does not exist)."""
        if not self.exists:
            return None
        try:
            with self._connect(read_only=True):
                pass
        except StoreDamagedError as error:
            return error.reason
        return None

    def replace_with(self, new_file: Path, *, damaged: bool) -> Path | None:
        """Put ``new_file`` (a closed DuckDB file) in the store's place, keeping the old
        file (and its write-ahead log) aside.

        The old file stays as ``store.duckdb.damaged-<UTC timestamp>`` (or
        ``.previous-<timestamp>`` when it was not damaged); nothing is deleted.
        The old file is first linked under its new name and the new file then
        renamed over the store's name in one step, so the store's path holds a
        whole database at every moment, even if the process is killed in the
        middle. Runs under the write lock; a healthy store is checkpointed
        first (so it has no write-ahead log to keep apart). Returns where the
        old file went (None if there was none).
        """
        with self.writing():
            if not self.exists:
                os.replace(new_file, self.path)
                return None
            if not damaged:
                with self._connect(read_only=False, verify=False) as connection:
                    connection.execute("CHECKPOINT")
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            label = "damaged" if damaged else "previous"
            aside = self.path.with_name(f"{self.path.name}.{label}-{stamp}")
            counter = 1
            while aside.exists():
                counter += 1
                aside = self.path.with_name(f"{self.path.name}.{label}-{stamp}-{counter}")
            with deferred_interrupts(f"the store {self.path} had been replaced"):
                _keep_aside(self.path, aside)
                wal = self.wal_path
                if wal.exists():
                    _keep_aside(wal, aside.with_name(aside.name + ".wal"))
                    wal.unlink()
                os.replace(new_file, self.path)
            return aside


def _keep_aside(source: Path, target: Path) -> None:
    """``target`` becomes a second name of ``source`` (a copy where links are not allowed)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _write_one(connection: duckdb.DuckDBPyConnection, item: SeriesData, now: dt.datetime) -> None:
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
    connection.execute("DELETE FROM observations WHERE series_id = ?", [item.spec.id])
    connection.register("incoming", frame)
    connection.execute(
        "INSERT INTO observations "
        "SELECT series_id, date, value, release_date::DATE, import_id FROM incoming"
    )
    connection.unregister("incoming")
    connection.execute(
        "INSERT OR REPLACE INTO current_imports VALUES (?, ?)", [item.spec.id, import_id]
    )


def _series(spec: SeriesSpec, meta: tuple[Any, ...], frame: pd.DataFrame) -> SeriesData:
    """A :class:`SeriesData` from its provenance row and its ``date, value, release_date`` rows."""
    index = pd.DatetimeIndex(pd.to_datetime(frame["date"]), name="date")
    values = pd.Series(frame["value"].to_numpy(dtype=float), index=index, name=spec.id)
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


def _has_schema(connection: duckdb.DuckDBPyConnection) -> bool:
    found = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'current_imports'"
    ).fetchone()
    return bool(found and found[0])
