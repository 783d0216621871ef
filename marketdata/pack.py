"""The offline pack: a folder of CSV files, one series per file, first column ``date``.

Requires the pack folder (``--pack DIR`` or ``MACROPATCH_PACK``) laid out as
``../shared/data`` is (``etf/``, ``rates/``, ``credit/``...). Produces
:class:`~macropatch.marketdata.series.SeriesData` in canonical units (see
:mod:`macropatch.marketdata.units`), with the file and its SHA-256 as provenance.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from macropatch.marketdata.catalog import SeriesSpec
from macropatch.marketdata.csvfile import file_digest, read_series_csv
from macropatch.marketdata.errors import DataError, MissingSeriesError, UserError
from macropatch.marketdata.series import Provenance, SeriesData
from macropatch.marketdata.units import to_canonical

__all__ = ["PACK_ENVIRONMENT_VARIABLE", "Pack", "pack_from_environment", "read_declared_file"]

PACK_ENVIRONMENT_VARIABLE = "MACROPATCH_PACK"


class Pack:
    """Read access to an offline pack folder."""

    def __init__(self, root: Path) -> None:
        try:
            root = Path(root).expanduser()
        except RuntimeError:  # ``~someone`` whose home is unknown
            raise UserError(f"pack folder {root}: cannot find that home folder") from None
        if not root.exists():
            raise UserError(
                f"pack folder {root} does not exist (pass --pack DIR or set {PACK_ENVIRONMENT_VARIABLE})"
            )
        if not root.is_dir():
            raise UserError(f"pack folder {root} is not a folder")
        self.root = root.resolve()

    def __repr__(self) -> str:
        """``Pack('/path/to/pack')``."""
        return f"Pack({str(self.root)!r})"

    def has(self, spec: SeriesSpec) -> bool:
        """Whether the pack holds something at the file name of ``spec`` (a folder or a
        broken link there is then refused by :meth:`read`, naming the file, rather than
        passed over as if the pack lacked it).
        """
        return spec.pack_file is not None and os.path.lexists(self.root / spec.pack_file)

    def read(self, spec: SeriesSpec) -> SeriesData:
        """Read ``spec`` from its pack file."""
        if spec.pack_file is None or spec.pack_column is None:
            raise MissingSeriesError(f"series {spec.id!r} has no file in the offline pack")
        path = self.root / spec.pack_file
        if not os.path.lexists(path):
            raise MissingSeriesError(
                f"pack {self.root} lacks {spec.pack_file} (series {spec.id!r})"
            )
        if path.is_symlink() and not path.exists():
            raise DataError(
                f"{spec.pack_file}: a link to {os.readlink(path)}, which does not exist"
            )
        return _read_csv_series(
            spec, path, spec.pack_column, source="pack", location=spec.pack_file
        )


def _read_csv_series(
    spec: SeriesSpec, path: Path, column: str, *, source: str, location: str
) -> SeriesData:
    """Column ``column`` of the CSV at ``path`` as ``spec``'s series, in canonical units,
    with the file's modification time and SHA-256 as provenance.
    """
    raw = read_series_csv(path, column, label=location)
    values = to_canonical(raw, spec.units).rename(spec.id)
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    provenance = Provenance(
        source=source,
        location=location,
        fetched_at=modified.isoformat(timespec="seconds"),
        content_hash=file_digest(path),
    )
    return SeriesData(spec=spec, values=values, provenance=provenance)


def read_declared_file(spec: SeriesSpec) -> SeriesData:
    """A series an experiment declares with its own CSV file (``spec.file``)."""
    if spec.file is None:
        raise MissingSeriesError(f"series {spec.id!r} has no file of its own")
    path = Path(spec.file)
    if not path.is_file():
        raise MissingSeriesError(f"series {spec.id!r}: its file {path} does not exist")
    return _read_csv_series(
        spec, path, spec.file_column or "value", source="file", location=str(path)
    )


def pack_from_environment(explicit: Path | None = None) -> Pack | None:
    """The pack given explicitly, else by ``MACROPATCH_PACK``, else None."""
    if explicit is not None:
        return Pack(explicit)
    configured = os.environ.get(PACK_ENVIRONMENT_VARIABLE, "").strip()
    return Pack(Path(configured)) if configured else None
