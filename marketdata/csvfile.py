"""Strict reading of one-series-per-file CSVs (the offline pack, user series).

Requires UTF-8 text (a leading byte-order mark is allowed) whose first
non-blank line is a header row: first column ``date`` (ISO ``YYYY-MM-DD``),
each column named once, the named value column present. Produces a float
series indexed by date, missing values (empty cells) dropped; blank lines
are skipped. Any unparsable date or a date outside 1800-01-01..2199-12-31,
non-numeric or infinite value, duplicate or out-of-order date, a row with
more fields than the header, a NUL byte or bytes that are not UTF-8 is a
:class:`~macropatch.marketdata.errors.DataError` naming the file and line.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from macropatch.marketdata.errors import DataError
from macropatch.marketdata.files import CSV_LIMIT_BYTES, Unreadable, read_regular_bytes
from macropatch.marketdata.interrupts import deferred_interrupts

__all__ = ["EARLIEST_DATE", "LATEST_DATE", "file_digest", "read_series_csv", "read_user_series"]

_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"  # ASCII digits only (``\d`` matches any script)

#: Dates outside this range are typos in the year (and year 0 is no date at all).
EARLIEST_DATE = dt.date(1800, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)

#: The name given to a field past the last header column (it never is a header name).
_EXTRA = "\x00extra"

#: Longest cell text quoted in a message.
_SHOWN = 60


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _shown(text: object) -> str:
    """A cell as a message quotes it: escaped, on one line, at most :data:`_SHOWN` characters."""
    text = str(text)
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")


_HEADER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ .;%()/+-]{0,39}")


def _found_header(cell: str) -> str:
    """What the first header cell was, quoted only when it looks like a column name: the
    first line of a file that is no CSV (a key, a letter) is not echoed.
    """
    if _HEADER_NAME.fullmatch(cell.strip()):
        return f"found {cell.strip()!r}"
    return "the first line is not a CSV header"


@dataclass(frozen=True)
class _Table:
    """The header and the non-blank rows of a CSV file, every cell a string."""

    header: list[str]
    rows: pd.DataFrame
    dates: pd.Series  # the first column, stripped
    lines: np.ndarray  # the file line of each row


def _read_text(path: Path, where: str) -> str:
    try:
        raw = read_regular_bytes(Path(path), limit=CSV_LIMIT_BYTES)
    except Unreadable as reason:
        if reason.kind == "missing":
            raise DataError(f"{where}: file not found") from None
        if reason.kind == "error":
            raise DataError(f"{where}: cannot read ({reason.detail})") from None
        raise DataError(f"{where}: {reason.detail}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"{where}: not a UTF-8 text file (line {line}: byte 0x{raw[error.start]:02x})"
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DataError(f"{where}: line {line}: NUL byte (not a text file)")
    return text


def _row_lines(text: str, header_line: int, rows: int) -> np.ndarray:
    """The file line of each row the CSV parser produced after the header (it skips blank
    and whitespace-only lines).
    """
    first = header_line + 1
    if not re.search(r"[\r\n][ \t]*[\r\n]", text):  # no blank line (and no CRLF)
        return np.arange(rows) + first
    body = re.split(r"\r\n|\r|\n", text)[header_line:]
    lines = np.array([first + n for n, line in enumerate(body) if line.strip(" \t")], dtype=int)
    # a quoted field spanning lines would shift them: then count rows instead
    return lines[:rows] if len(lines) >= rows else np.arange(rows) + first


def _header(text: str, where: str) -> tuple[list[str], int]:
    """The header row (the first non-blank line) and its line number, checked.

    Raises
    ------
    DataError
        On malformed CSV, no header, a first column other than ``date``, or a
        column name given twice (or twice but for case).
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                header = row
                break
    except csv.Error as error:
        raise DataError(f"{where}: line {reader.line_num}: malformed CSV ({error})") from None
    if header is None:
        raise DataError(f"{where}: empty file (no header row)")
    header_line = reader.line_num
    if header[0].strip().lower() != "date":
        raise DataError(f"{where}: first column must be 'date' ({_found_header(header[0])})")
    folded = [name.strip().casefold() for name in header]
    repeated = [position for position, name in enumerate(folded) if name in folded[:position]]
    if repeated:
        second = header[repeated[0]]
        earlier = header[folded.index(folded[repeated[0]])]
        if earlier == second:
            raise DataError(f"{where}: line {header_line}: column {_shown(second)} appears twice")
        raise DataError(
            f"{where}: line {header_line}: columns {_shown(earlier)} and {_shown(second)} differ "
            "only in case: which one is meant?"
        )
    return header, header_line


def _read_table(path: Path, where: str) -> _Table:
    text = _read_text(path, where)
    header, header_line = _header(text, where)
    try:
        # pandas' parser reads the text through a Python callback, and turns a Ctrl-C there
        # into a "malformed CSV" error: hold Ctrl-C until the parse is over.
        with warnings.catch_warnings(), deferred_interrupts():
            # the first row longer than the names: pandas would drop the fields past them
            warnings.simplefilter("error", pd.errors.ParserWarning)
            rows = pd.read_csv(
                io.StringIO(text),
                header=None,
                names=[*header, _EXTRA],
                skiprows=header_line,
                index_col=False,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=True,
            )
    except pd.errors.ParserWarning:
        line = _row_lines(text, header_line, 1)[0]
        raise DataError(
            f"{where}: line {line}: more fields than the header's {len(header)}"
        ) from None
    except pd.errors.EmptyDataError:
        rows = pd.DataFrame(columns=[*header, _EXTRA], dtype=str)
    except pd.errors.ParserError as error:
        message = str(error).strip().splitlines()[-1]
        if match := re.search(r"Expected \d+ fields in line (\d+), saw (\d+)", message):
            raise DataError(
                f"{where}: line {match.group(1)}: {match.group(2)} fields, "
                f"the header has {len(header)}"
            ) from None
        raise DataError(f"{where}: malformed CSV ({message})") from None
    lines = _row_lines(text, header_line, len(rows))
    dates = rows.iloc[:, 0].str.strip()
    no_date = (dates == "").to_numpy()
    if no_date.any():  # a line of empty fields (",,") is blank too
        blank = no_date & (rows.iloc[:, 1:] == "").all(axis=1).to_numpy()
        rows, dates, lines = rows[~blank], dates[~blank], lines[~blank]
    extra = (rows[_EXTRA] != "").to_numpy()
    if extra.any():
        first = int(np.argmax(extra))
        raise DataError(
            f"{where}: line {lines[first]}: more fields than the header's {len(header)}"
        )
    return _Table(header=header, rows=rows.drop(columns=_EXTRA), dates=dates, lines=lines)


def _dates(text: pd.Series, lines: np.ndarray, where: str, what: str) -> pd.Series:
    """Parse stripped ISO dates (empty cells stay NaT); a bad or implausible one names its line."""
    empty = (text == "").to_numpy()
    well_formed = text.str.match(_ISO_DATE).to_numpy(dtype=bool)
    parsed = pd.to_datetime(text.where(well_formed), format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna().to_numpy() & ~empty
    if bad.any():
        first = int(np.argmax(bad))
        raise DataError(
            f"{where}: line {lines[first]}: unparsable {what} {_shown(text.iloc[first])}"
        )
    outside = (
        (parsed < pd.Timestamp(EARLIEST_DATE)) | (parsed > pd.Timestamp(LATEST_DATE))
    ).to_numpy(dtype=bool)
    if outside.any():
        first = int(np.argmax(outside))
        raise DataError(
            f"{where}: line {lines[first]}: {what} {text.iloc[first]} is outside "
            f"{EARLIEST_DATE}..{LATEST_DATE}"
        )
    return parsed


def _series(table: _Table, column: str, where: str) -> pd.Series:
    if column not in table.header:
        columns = ", ".join(_shown(name) for name in table.header)
        raise DataError(f"{where}: no column {column!r} (columns: {columns})")
    frame, lines = table.rows, table.lines
    if frame.empty:
        raise DataError(f"{where}: no data rows")

    no_date = (table.dates == "").to_numpy()
    if no_date.any():
        raise DataError(f"{where}: line {lines[int(np.argmax(no_date))]}: unparsable date ''")
    dates = _dates(table.dates, lines, where, "date")

    raw_values = frame[column].str.strip()
    empty = (raw_values == "").to_numpy()
    values = pd.to_numeric(raw_values.where(~empty), errors="coerce")
    bad_value = (values.isna().to_numpy() & ~empty) | ~np.isfinite(values.fillna(0.0).to_numpy())
    if bad_value.any():
        first = int(np.argmax(bad_value))
        raise DataError(
            f"{where}: line {lines[first]}: non-numeric value {_shown(raw_values.iloc[first])} "
            f"in column {column!r}"
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


def read_series_csv(path: Path, column: str, *, label: str | None = None) -> pd.Series:
    """Read column ``column`` of the CSV at ``path`` as a date-indexed float series.

    ``label`` names the file in messages (defaults to the path).
    """
    where = label or str(path)
    return _series(_read_table(Path(path), where), column, where)


def read_user_series(path: Path, *, label: str | None = None) -> tuple[pd.Series, pd.Series | None]:
    """A user-supplied series: columns ``date,value`` and optionally ``release_date``.

    Produces the values (date-indexed) and, when the file has the column,
    the release date of each value (NaT where empty). A release date before
    its observation date is an error naming the line.
    """
    where = label or str(path)
    table = _read_table(Path(path), where)
    values = _series(table, "value", where)
    if "release_date" not in table.header:
        return values, None
    lines = table.lines
    parsed = _dates(table.rows["release_date"].str.strip(), lines, where, "release_date")
    observed = pd.to_datetime(table.dates, format="%Y-%m-%d")
    early = (parsed < observed).fillna(False).to_numpy(dtype=bool)
    if early.any():
        first = int(np.argmax(early))
        raise DataError(
            f"{where}: line {lines[first]}: release_date {parsed.iloc[first].date()} is before "
            "the observation date"
        )
    released = pd.Series(parsed.to_numpy(), index=pd.DatetimeIndex(observed, name="date"))
    return values, released.reindex(values.index)
