"""Strict reading of one-series-per-file CSVs (the offline pack, user series).

Requires a header row whose first column is ``date`` (ISO ``YYYY-MM-DD``) and
the named value column. Produces a float series indexed by date, missing
values (empty cells) dropped. Any unparsable date, non-numeric value,
duplicate or out-of-order date is a :class:`~marketdata.errors.DataError`
naming the file and line.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from marketdata.errors import DataError

__all__ = ["file_digest", "read_series_csv", "read_user_series"]

_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_series_csv(path: Path, column: str, *, label: str | None = None) -> pd.Series:
    """Read column ``column`` of the CSV at ``path`` as a date-indexed float series.

    ``label`` names the file in messages (defaults to the path).
    """
    where = label or str(path)
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            encoding="utf-8",
        )
    except FileNotFoundError:
        raise DataError(f"{where}: file not found") from None
    except UnicodeDecodeError:
        raise DataError(f"{where}: not a UTF-8 text file") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{where}: empty file (no header row)") from None
    except pd.errors.ParserError as error:
        raise DataError(f"{where}: malformed CSV ({str(error).strip().splitlines()[-1]})") from None
    except OSError as error:
        raise DataError(f"{where}: cannot read ({error.strerror})") from None

    if len(frame.columns) == 0 or str(frame.columns[0]).strip().lower() != "date":
        raise DataError(f"{where}: first column must be 'date' (found {str(frame.columns[0])!r})")
    if column not in frame.columns:
        raise DataError(
            f"{where}: no column {column!r} (columns: {', '.join(map(str, frame.columns))})"
        )
    if frame.empty:
        raise DataError(f"{where}: no data rows")

    lines = np.arange(len(frame)) + 2  # header is line 1
    raw_dates = frame.iloc[:, 0].str.strip()
    bad_format = ~raw_dates.str.match(_ISO_DATE)
    dates = pd.to_datetime(raw_dates.where(~bad_format), format="%Y-%m-%d", errors="coerce")
    bad_date = dates.isna().to_numpy()
    if bad_date.any():
        first = int(np.argmax(bad_date))
        raise DataError(f"{where}: line {lines[first]}: unparsable date {raw_dates.iloc[first]!r}")

    raw_values = frame[column].str.strip()
    empty = (raw_values == "").to_numpy()
    values = pd.to_numeric(raw_values.where(~empty), errors="coerce")
    bad_value = (values.isna().to_numpy() & ~empty) | ~np.isfinite(values.fillna(0.0).to_numpy())
    if bad_value.any():
        first = int(np.argmax(bad_value))
        raise DataError(
            f"{where}: line {lines[first]}: non-numeric value {raw_values.iloc[first]!r} in column {column!r}"
        )

    index = pd.DatetimeIndex(dates)
    duplicated = np.asarray(index.duplicated())
    if duplicated.any():
        first = int(np.argmax(duplicated))
        raise DataError(f"{where}: line {lines[first]}: duplicate date {index[first].date()}")
    steps = np.diff(index.asi8)
    if (steps < 0).any():
        first = int(np.argmax(steps < 0)) + 1
        raise DataError(
            f"{where}: line {lines[first]}: date {index[first].date()} is out of order (dates must be sorted)"
        )

    series = pd.Series(values.to_numpy(dtype=float), index=index.rename("date"), name=column)
    series = series[~empty]
    if series.empty:
        raise DataError(f"{where}: column {column!r} holds no values")
    return series


def read_user_series(path: Path, *, label: str | None = None) -> tuple[pd.Series, pd.Series | None]:
    """A user-supplied series: columns ``date,value`` and optionally ``release_date``.

    Produces the values (date-indexed) and, when the file has the column,
    the release date of each value (NaT where empty). A release date before
    its observation date is an error naming the line.
    """
    where = label or str(path)
    values = read_series_csv(path, "value", label=where)
    header = pd.read_csv(path, nrows=0, encoding="utf-8").columns
    if "release_date" not in header:
        return values, None
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    lines = np.arange(len(raw)) + 2
    text = raw["release_date"].str.strip()
    empty = (text == "").to_numpy()
    parsed = pd.to_datetime(
        text.where(~empty & text.str.match(_ISO_DATE)), format="%Y-%m-%d", errors="coerce"
    )
    bad = parsed.isna().to_numpy() & ~empty
    if bad.any():
        first = int(np.argmax(bad))
        raise DataError(
            f"{where}: line {lines[first]}: unparsable release_date {text.iloc[first]!r}"
        )
    observed = pd.to_datetime(raw.iloc[:, 0].str.strip(), format="%Y-%m-%d")
    early = (parsed < observed).fillna(False).to_numpy(dtype=bool)
    if early.any():
        first = int(np.argmax(early))
        raise DataError(
            f"{where}: line {lines[first]}: release_date {text.iloc[first]} is before the observation date"
        )
    released = pd.Series(parsed.to_numpy(), index=pd.DatetimeIndex(observed, name="date"))
    return values, released.reindex(values.index)
