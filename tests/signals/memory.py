"""Hand-made series for signal tests: a SeriesSource backed by a dict."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from macropatch.marketdata.catalog import Catalog, load_catalog
from macropatch.signals.lookahead import MemorySources as _MemorySources

CATALOG = load_catalog()


class MemorySources(_MemorySources):
    """Series given by hand (values in canonical units, indexed by observation date)."""

    def __init__(self, series: Mapping[str, pd.Series], catalog: Catalog = CATALOG) -> None:
        super().__init__(series, catalog)


def daily(values: list[float], start: str = "2020-01-01") -> pd.Series:
    """A business-day series starting at ``start``."""
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values)), dtype=float)


def calendar(start: str = "2020-01-01", periods: int = 60) -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=periods, name="date")
