"""Hand-made series for signal tests: a SeriesSource backed by a dict."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from macropatch.marketdata.catalog import Catalog, load_catalog
from macropatch.marketdata.errors import MissingSeriesError
from macropatch.marketdata.series import Provenance, SeriesData

CATALOG = load_catalog()


class MemorySources:
    """Series given by hand (values in canonical units, indexed by observation date)."""

    def __init__(self, series: Mapping[str, pd.Series], catalog: Catalog = CATALOG) -> None:
        self.catalog = catalog
        self._series = dict(series)

    def load(self, series_id: str) -> SeriesData:
        spec = self.catalog[series_id]
        if series_id not in self._series:
            raise MissingSeriesError(f"series {series_id!r} is not available")
        values = self._series[series_id]
        values.index = pd.DatetimeIndex(values.index, name="date")
        return SeriesData(
            spec=spec,
            values=values.astype(float).rename(series_id),
            provenance=Provenance(source="test", location="memory", fetched_at="", content_hash=""),
        )


def daily(values: list[float], start: str = "2020-01-01") -> pd.Series:
    """A business-day series starting at ``start``."""
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values)), dtype=float)


def calendar(start: str = "2020-01-01", periods: int = 60) -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=periods, name="date")
