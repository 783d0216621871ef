"""Yahoo Finance adjusted closes through ``yfinance.download``.

Requires a Yahoo ticker (``SPY``) and produces one float series of adjusted
closes (split- and dividend-adjusted, the pack's convention), indexed by
trading date.

What ``yfinance.download`` 1.7 returns for one ticker, daily bars:

- ``multi_level_index=True`` (its default): MultiIndex columns
  ``(Price, Ticker)``, e.g. ``("Close", "SPY")``.
- ``multi_level_index=False``: flat columns ``Close High Low Open Volume``
  (with ``auto_adjust=True`` there is no ``Adj Close``).
- The index is a tz-naive ``DatetimeIndex`` named ``Date`` (daily bars drop
  the exchange time zone).
- On failure (unknown ticker, rate limit, no network) it logs the error and
  returns a frame with **no rows** (columns ``Adj Close Close High Low Open
  Volume``, unnamed index) instead of raising.

This module always passes ``auto_adjust=True`` and ``multi_level_index=False``
and still accepts MultiIndex columns, a tz-aware index, and a raised exception.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from macropatch.marketdata.errors import ProviderError

__all__ = ["fetch_yahoo"]

_CLOSE = "Close"
_YFINANCE_LOGGER = "yfinance"
_DETAIL_LIMIT = 200


def fetch_yahoo(
    ticker: str,
    *,
    series_id: str,
    start: str | None = None,
    end: str | None = None,
    download: Callable[..., pd.DataFrame] | None = None,
) -> pd.Series:
    """Download the adjusted daily closes of one Yahoo ticker.

    Parameters
    ----------
    ticker : str
        The Yahoo ticker, e.g. ``"SPY"``.
    series_id : str
        The catalog id of the series (e.g. ``"spy"``); names the result and
        every error.
    start : str, optional
        First date (``YYYY-MM-DD``, inclusive). When omitted the whole
        history is requested (``period="max"``).
    end : str, optional
        Last date (``YYYY-MM-DD``, exclusive, as yfinance defines it). When
        omitted, up to today.
    download : callable, optional
        Replacement for ``yfinance.download`` (tests inject a recorder). It is
        called as ``download(ticker, auto_adjust=True, multi_level_index=False,
        progress=False, actions=False, threads=False, start=..., end=...)``
        plus ``period="max"`` when ``start`` is omitted.

    Returns
    -------
    pandas.Series
        ``float64`` adjusted closes indexed by a sorted, unique, tz-naive
        ``DatetimeIndex`` of midnights named ``"date"``, named ``series_id``.
        Rows without a close are dropped; of two rows on the same day the
        later one is kept.

    Raises
    ------
    ProviderError
        When the download raises, returns no rows (yfinance's way of failing;
        the message repeats the error yfinance logged), has no ``Close``
        column, holds only missing closes, or holds a non-positive or
        non-finite close.
    """
    if download is None:
        import yfinance  # imported here: it is slow and only live pulls need it

        download = yfinance.download
    options: dict[str, object] = {
        "auto_adjust": True,
        "multi_level_index": False,
        "progress": False,
        "actions": False,
        "threads": False,
        "start": start,
        "end": end,
    }
    if start is None:
        options["period"] = "max"

    with _logged_yfinance_errors() as logged, warnings.catch_warnings():
        # yfinance 1.7 uses pandas' deprecated ``inplace=``; its warnings are noise here.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"yfinance\b")
        try:
            frame = download(ticker, **options)
        except Exception as error:  # yfinance raises anything from HTTP to JSON errors
            raise _error(
                ticker, series_id, f"download raised {type(error).__name__}: {error}"
            ) from error

    if not isinstance(frame, pd.DataFrame):
        raise _error(ticker, series_id, f"download returned {type(frame).__name__}, not a frame")
    if frame.empty:
        reason = "; ".join(logged) or "no reason given"
        raise _error(ticker, series_id, f"yfinance returned no rows ({reason})")
    close = _close_column(frame, ticker=ticker, series_id=series_id)
    return _clean_closes(close, ticker=ticker, series_id=series_id)


def _close_column(frame: pd.DataFrame, *, ticker: str, series_id: str) -> pd.Series:
    """Select the ``Close`` column from flat or MultiIndex columns."""
    columns = frame.columns
    selected: pd.Series | pd.DataFrame | None = None
    if isinstance(columns, pd.MultiIndex):
        for level in range(columns.nlevels):
            if _CLOSE in columns.get_level_values(level):
                selected = frame.xs(_CLOSE, axis=1, level=level)
                break
    elif _CLOSE in columns:
        selected = frame[_CLOSE]
    if selected is None:
        shown = ", ".join(str(column) for column in columns)
        raise _error(ticker, series_id, f"no Close column (columns: {shown})")
    if isinstance(selected, pd.DataFrame):
        if selected.shape[1] == 1:
            return selected.iloc[:, 0]
        matching = [column for column in selected.columns if str(column).upper() == ticker.upper()]
        if len(matching) != 1:
            raise _error(ticker, series_id, f"{selected.shape[1]} Close columns, expected one")
        return selected[matching[0]]
    return selected


def _clean_closes(close: pd.Series, *, ticker: str, series_id: str) -> pd.Series:
    """Coerce to float, normalise the index to tz-naive midnights, check prices."""
    try:
        values = close.astype("float64")
        index = pd.DatetimeIndex(close.index)
    except (TypeError, ValueError) as error:
        raise _error(ticker, series_id, f"unreadable closes: {error}") from error
    if index.tz is not None:
        # Keep the exchange's calendar date: dropping the zone keeps wall time.
        index = index.tz_localize(None)
    index = index.normalize().rename("date")
    series = pd.Series(values.to_numpy(), index=index, name=series_id).dropna()
    if series.empty:
        raise _error(ticker, series_id, "every close is missing")
    series = series.sort_index(kind="stable")
    series = series[~series.index.duplicated(keep="last")]
    bad = ~np.isfinite(series.to_numpy()) | (series.to_numpy() <= 0)
    if bad.any():
        first = int(np.argmax(bad))
        raise _error(
            ticker,
            series_id,
            f"non-positive or non-finite close {series.iloc[first]} on {series.index[first].date()}",
        )
    return series


class _ErrorRecorder(logging.Handler):
    """Keep the messages of ERROR records (yfinance logs failures instead of raising)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = " ".join(record.getMessage().split())
        if message and not message.endswith("Failed download:"):
            self.messages.append(message)


@contextlib.contextmanager
def _logged_yfinance_errors() -> Iterator[list[str]]:
    """Collect what the ``yfinance`` logger reports as errors during the block."""
    logger = logging.getLogger(_YFINANCE_LOGGER)
    recorder = _ErrorRecorder()
    logger.addHandler(recorder)
    try:
        yield recorder.messages
    finally:
        logger.removeHandler(recorder)


def _error(ticker: str, series_id: str, detail: str) -> ProviderError:
    """A one-line ProviderError naming the series and the ticker."""
    detail = " ".join(detail.split())
    if len(detail) > _DETAIL_LIMIT:
        detail = detail[: _DETAIL_LIMIT - 3] + "..."
    return ProviderError(f"series '{series_id}': yfinance download of {ticker} failed: {detail}")
