"""Live providers: download one series from Yahoo Finance or FRED.

Each provider requires a source id (a Yahoo ticker or a FRED id) and the
catalog's ``series_id``, and produces a float series indexed by a sorted,
unique ``DatetimeIndex`` named ``"date"`` and named ``series_id``, in the
source's units. Anything unusable (an empty answer, an HTML page, a garbage
value) raises :class:`macropatch.marketdata.errors.ProviderError` naming the series.
"""

from __future__ import annotations

from enum import StrEnum

from macropatch.marketdata.providers.fred import FRED_CSV_URL, fetch_fred
from macropatch.marketdata.providers.yahoo import fetch_yahoo

__all__ = ["FRED_CSV_URL", "Provider", "fetch_fred", "fetch_yahoo"]


class Provider(StrEnum):
    """A live source of series; the value is the catalog's spelling."""

    YAHOO = "yfinance"
    FRED = "fred"
