"""Prices on the trading calendar: spliced with proxies, aligned, carried within limits.

Requires price series ids (catalog kind ``price``) and a calendar anchor
(SPY's trading days by default). Produces a :class:`PricePanel`: one column
per asset on the anchor's trading days, with

- **proxy splices**: before an asset's first day, the returns of its proxy
  chain (catalog ``proxies``) stand in, scaled to join the asset's first price;
- **alignment**: a price is carried forward over days the asset's own
  source skipped (a bond-market holiday), at most ``BRIDGE_DAYS`` calendar
  days, and never past its last observation: a price that stops is not
  invented;
- NaN where an asset has no price (before its first day without a proxy, or
  after its data end): a strategy must hold zero weight there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from macropatch.marketdata.errors import UserError
from macropatch.marketdata.series import SeriesData
from macropatch.marketdata.sources import DataSources, DirtyDataError

__all__ = ["BRIDGE_DAYS", "PricePanel", "Splice", "build_price_panel", "splice"]

#: Calendar days a price may be carried over days its source skipped.
BRIDGE_DAYS = 7


@dataclass(frozen=True, kw_only=True)
class Splice:
    """Record of one proxy splice: ``proxy`` returns stand in for ``series`` before ``joined``."""

    series: str
    proxy: str
    proxy_first: pd.Timestamp
    joined: pd.Timestamp

    def record(self) -> dict[str, str]:
        """The splice as a run's provenance lists it."""
        return {"series": self.series, "proxy": self.proxy, "joined": str(self.joined.date())}


@dataclass(frozen=True, kw_only=True)
class PricePanel:
    """Aligned prices and where they came from."""

    prices: pd.DataFrame
    splices: tuple[Splice, ...]
    inputs: tuple[SeriesData, ...]
    calendar: str = "spy"
    """The series whose trading days are the panel's days."""
    data_ends: Mapping[str, pd.Timestamp] = field(default_factory=dict)
    """The last observation of each asset and of the calendar series, proxies spliced,
    before any cut to the calendar or the period."""

    def splices_after(self, first_day: pd.Timestamp) -> list[Splice]:
        """The splices that join after ``first_day`` (earlier ones are outside the period)."""
        return [item for item in self.splices if item.joined > first_day]

    @property
    def data_hash(self) -> str:
        """SHA-256 of the prices and of every input's provenance (what the run read)."""
        digest = hashlib.sha256()
        digest.update(",".join(map(str, self.prices.columns)).encode())
        digest.update(self.prices.index.to_numpy(dtype="datetime64[ns]").view("i8").tobytes())
        digest.update(self.prices.to_numpy(dtype=float).tobytes())
        return digest.hexdigest()[:16]


def splice(primary: pd.Series, proxy: pd.Series) -> pd.Series:
    """``primary``, preceded by ``proxy``'s returns before primary's first day."""
    primary = primary.dropna()
    proxy = proxy.dropna()
    first = primary.index[0]
    anchor = proxy[proxy.index <= first]
    if anchor.empty:
        return primary
    scale = primary.iloc[0] / anchor.iloc[-1]
    before = proxy[proxy.index < first] * scale
    result: pd.Series = pd.concat([before, primary], sort=False)
    return result


def _spliced(
    sources: DataSources,
    series_id: str,
    splices: list[Splice],
    used: list[SeriesData],
    *,
    proxies: bool = True,
) -> pd.Series:
    data = sources.load(series_id)
    used.append(data)
    values = data.values.dropna()
    for proxy_id in data.spec.proxies if proxies else ():
        try:
            proxy_values = _spliced(sources, proxy_id, splices, used)
        except DirtyDataError:
            raise  # a proxy that fails a hard check is refused like any series, not skipped
        except UserError as error:
            sources.notes.append(f"{series_id}: proxy {proxy_id} unavailable ({error})")
            continue
        if proxy_values.index[0] < values.index[0]:
            joined = values.index[0]
            values = splice(values, proxy_values)
            splices.append(
                Splice(
                    series=series_id,
                    proxy=proxy_id,
                    proxy_first=proxy_values.index[0],
                    joined=joined,
                )
            )
    return values


def build_price_panel(
    sources: DataSources,
    assets: Sequence[str],
    *,
    calendar: str = "spy",
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    proxies: bool = True,
) -> PricePanel:
    """Prices of ``assets`` on the trading days of ``calendar`` within [start, end]; with
    ``proxies`` false, no proxy splices: each asset starts on its own first day.
    """
    splices: list[Splice] = []
    used: list[SeriesData] = []
    for asset in assets:
        kind = sources.catalog[asset].kind.value
        if kind != "price":
            raise UserError(
                f"series {asset!r} is a {kind} series, not a price: it cannot be traded"
            )
    anchor = _spliced(sources, calendar, splices, used, proxies=proxies)
    data_ends = {calendar: pd.Timestamp(anchor.index[-1])}
    days = anchor.index
    if start is not None:
        days = days[days >= start]
    if end is not None:
        days = days[days <= end]
    if len(days) == 0:
        raise UserError(f"no trading days of {calendar!r} between {_day(start)} and {_day(end)}")
    columns = {}
    for asset in assets:
        values = _spliced(sources, asset, splices, used, proxies=proxies)
        data_ends[asset] = pd.Timestamp(values.index[-1])
        union = values.index.union(days)
        observed = pd.Series(values.reindex(union).notna().to_numpy(), index=union)
        last_seen = pd.Series(union.where(observed.to_numpy()), index=union).ffill()
        carried = values.reindex(union).ffill()
        carried[(union - pd.DatetimeIndex(last_seen)) > pd.Timedelta(days=BRIDGE_DAYS)] = float(
            "nan"
        )
        carried[union > values.index[-1]] = float("nan")
        columns[asset] = carried.reindex(days)
    prices = pd.DataFrame(columns, index=pd.DatetimeIndex(days, name="date"))
    unique_inputs = {id(item): item for item in used}
    return PricePanel(
        prices=prices,
        splices=tuple(dict.fromkeys(splices)),
        inputs=tuple(unique_inputs.values()),
        calendar=calendar,
        data_ends=data_ends,
    )


def _day(value: pd.Timestamp | None) -> str:
    return "the first day" if value is None else str(value.date())
