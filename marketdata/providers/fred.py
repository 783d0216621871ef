"""FRED series through the public CSV download (no API key).

Requires a FRED series id (``DGS10``, ``DRCCLACBS``) and produces one float
series in the source units, indexed by observation date. FRED labels a
monthly or quarterly observation with the first day of its period; the value
was published later, so the index is *not* an availability date (the Signal
base applies the publication lag).

The CSV looks like this (older files say ``DATE`` instead of
``observation_date``; a ``.`` marks a day without a value)::

    observation_date,DGS10
    2024-01-02,3.95
    2024-01-15,.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import requests

from macropatch.marketdata.errors import ProviderError
from macropatch.marketdata.interrupts import deferred_interrupts

__all__ = ["FRED_CSV_URL", "fetch_fred"]

FRED_CSV_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
"""The public CSV download; ``?id=<FRED id>`` selects the series."""

_DATE_HEADERS = ("observation_date", "DATE")
_MISSING_VALUES = (".", "")
_DETAIL_LIMIT = 200


def fetch_fred(
    fred_id: str,
    *,
    series_id: str,
    session: requests.Session | None = None,
    base_url: str = FRED_CSV_URL,
    timeout: float = 30.0,
) -> pd.Series:
    """Download one FRED series as a float series.

    Parameters
    ----------
    fred_id : str
        The FRED series id, e.g. ``"DGS10"``.
    series_id : str
        The catalog id of the series (e.g. ``"dgs10"``); names the result and
        every error.
    session : requests.Session, optional
        Session used for the request; a new one is opened and closed when
        omitted.
    base_url : str, default FRED_CSV_URL
        Address of the CSV download; tests point it at a local server.
    timeout : float, default 30.0
        Seconds to wait for the server.

    Returns
    -------
    pandas.Series
        ``float64`` values in the source units (percent stays percent),
        indexed by a sorted, unique ``DatetimeIndex`` named ``"date"``, named
        ``series_id``. Days FRED marks as missing are dropped.

    Raises
    ------
    ProviderError
        On a connection error or timeout, an HTTP error status, an HTML page
        instead of CSV (FRED's answer to an unknown id), an unexpected
        header, an unparsable date or value, duplicated dates, or no values.
    """
    text = _download_csv(
        fred_id, series_id=series_id, session=session, base_url=base_url, timeout=timeout
    )
    return _parse_csv(text, fred_id=fred_id, series_id=series_id)


def _download_csv(
    fred_id: str,
    *,
    series_id: str,
    session: requests.Session | None,
    base_url: str,
    timeout: float,
) -> str:
    """Return the body of the CSV download, or raise a ProviderError."""
    params = {"id": fred_id}
    try:
        if session is None:
            with requests.Session() as own_session:
                response = own_session.get(base_url, params=params, timeout=timeout)
        else:
            response = session.get(base_url, params=params, timeout=timeout)
    except requests.RequestException as error:
        raise _error(
            fred_id, series_id, f"request failed: {type(error).__name__}: {error}"
        ) from error
    if not response.ok:
        raise _error(
            fred_id, series_id, f"HTTP {response.status_code} {response.reason or ''}".strip()
        )
    text = response.content.decode("utf-8-sig", errors="replace")
    content_type = response.headers.get("Content-Type", "").lower()
    if "html" in content_type or text.lstrip().startswith("<"):
        raise _error(
            fred_id, series_id, "FRED answered with an HTML page instead of CSV (unknown FRED id?)"
        )
    return text


def _parse_csv(text: str, *, fred_id: str, series_id: str) -> pd.Series:
    """Turn the CSV body into the documented series, or raise a ProviderError."""
    try:
        with deferred_interrupts():  # the parser would turn Ctrl-C into a parse error
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True
            )
    except (ValueError, pd.errors.ParserError) as error:  # EmptyDataError is a ValueError
        raise _error(fred_id, series_id, f"unreadable CSV: {error}") from error
    columns = [str(column).strip() for column in frame.columns]
    if (
        len(columns) != 2
        or columns[0] not in _DATE_HEADERS
        or columns[1].upper() != fred_id.upper()
    ):
        expected = f"observation_date,{fred_id}"
        raise _error(
            fred_id, series_id, f"unexpected header {','.join(columns)!r}, expected {expected!r}"
        )
    raw_dates = frame.iloc[:, 0].str.strip()
    raw_values = frame.iloc[:, 1].str.strip()

    dates = pd.to_datetime(raw_dates, format="%Y-%m-%d", errors="coerce")
    bad_dates = dates.isna()
    if bad_dates.any():
        raise _error(fred_id, series_id, f"unparsable date {raw_dates[bad_dates].iloc[0]!r}")

    missing = raw_values.isin(_MISSING_VALUES)
    values = pd.to_numeric(raw_values.where(~missing), errors="coerce")
    bad_values = (values.isna() | values.isin([float("inf"), float("-inf")])) & ~missing
    if bad_values.any():
        first = int(np.argmax(bad_values.to_numpy()))
        raise _error(
            fred_id,
            series_id,
            f"unparsable value {raw_values.iloc[first]!r} on {raw_dates.iloc[first]}",
        )

    index = pd.DatetimeIndex(dates, name="date")
    series = pd.Series(values.to_numpy(dtype="float64"), index=index, name=series_id)
    if index.has_duplicates:
        raise _error(fred_id, series_id, f"duplicated date {index[index.duplicated()][0].date()}")
    series = series.dropna().sort_index()
    if series.empty:
        raise _error(fred_id, series_id, "the CSV holds no values")
    return series


def _error(fred_id: str, series_id: str, detail: str) -> ProviderError:
    """A one-line ProviderError naming the series and the FRED id."""
    detail = " ".join(detail.split())
    if len(detail) > _DETAIL_LIMIT:
        detail = detail[: _DETAIL_LIMIT - 3] + "..."
    return ProviderError(f"series '{series_id}': FRED download of {fred_id} failed: {detail}")
