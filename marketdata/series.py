"""A series' values together with where they came from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from macropatch.marketdata.catalog import SeriesSpec

__all__ = ["Provenance", "SeriesData"]


@dataclass(frozen=True, kw_only=True)
class Provenance:
    """Where a series' values came from.

    ``source`` is ``pack``, ``yfinance``, ``fred``, ``user`` or ``derived``;
    ``location`` the file, ticker or formula; ``fetched_at`` an ISO timestamp;
    ``content_hash`` the SHA-256 of the bytes read (or of the inputs' hashes).
    """

    source: str
    location: str
    fetched_at: str
    content_hash: str

    def to_dict(self) -> dict[str, str]:
        """The four fields as a plain mapping."""
        return {
            "source": self.source,
            "location": self.location,
            "fetched_at": self.fetched_at,
            "content_hash": self.content_hash,
        }


@dataclass(frozen=True, kw_only=True)
class SeriesData:
    """Values of one catalog series in canonical units, indexed by observation date."""

    spec: SeriesSpec
    values: pd.Series
    provenance: Provenance
    release_dates: pd.Series | None = None
    """Real publication dates per observation (user series may carry them)."""

    def availability(self) -> pd.DatetimeIndex:
        """The first day each observation was knowable: its release date when known,
        else the end of its period plus the catalog's publication lag.
        """
        computed = self.spec.availability(pd.DatetimeIndex(self.values.index))
        if self.release_dates is None:
            return computed
        released = self.release_dates.reindex(self.values.index).to_numpy(dtype="datetime64[ns]")
        known = ~np.isnat(released)
        return pd.DatetimeIndex(
            np.where(known, released, computed.to_numpy(dtype="datetime64[ns]"))
        )

    def record(self) -> dict[str, str]:
        """Where the series came from and what it spans, as a run's provenance lists it."""
        return {
            "series": self.spec.id,
            "source": self.provenance.source,
            "location": self.provenance.location,
            "first_date": str(self.first_date.date()),
            "last_date": str(self.last_date.date()),
            "content_hash": self.provenance.content_hash,
        }

    @property
    def first_date(self) -> pd.Timestamp:
        """The first observation date."""
        return pd.Timestamp(self.values.index[0])

    @property
    def last_date(self) -> pd.Timestamp:
        """The last observation date."""
        return pd.Timestamp(self.values.index[-1])
