import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.errors import MissingSeriesError, UserError
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.panel import build_price_panel, splice
from macropatch.marketdata.sources import DataSources


def test_splice_joins_proxy_returns_at_first_day() -> None:
    primary = pd.Series([10.0, 11.0], index=pd.DatetimeIndex(["2020-01-03", "2020-01-06"]))
    proxy = pd.Series(
        [1.0, 2.0, 4.0, 8.0],
        index=pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-06"]),
    )
    out = splice(primary, proxy)
    assert out.tolist() == [2.5, 5.0, 10.0, 11.0]


def test_missing_series_names_places_and_fix() -> None:
    sources = DataSources(catalog=load_catalog())
    with pytest.raises(MissingSeriesError) as caught:
        sources.load("spy")
    message = str(caught.value)
    assert (
        "'spy'" in message
        and "macropatch data import" in message
        and "macropatch data pull spy" in message
    )


@pytest.mark.usefixtures("pack_path")
class TestOnThePack:
    def test_benchmark_assets_cover_2000_with_proxies(self, pack_path) -> None:
        sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
        panel = build_price_panel(sources, ["spy", "ief", "cash"], start=pd.Timestamp("2000-01-03"))
        prices = panel.prices
        assert prices.index[0] == pd.Timestamp("2000-01-03")
        assert prices.iloc[0].notna().all()
        assert {(item.series, item.proxy) for item in panel.splices} >= {
            ("ief", "treasury_8y_proxy")
        }
        # IEF's own prices are untouched after its first day
        ief = sources.load("ief").values
        assert prices.loc["2010-01-04", "ief"] == ief.loc["2010-01-04"]
        # cash accrues the T-bill rate: it falls only on the few days that rate was negative (2015)
        cash = prices["cash"].dropna()
        assert (cash.pct_change().dropna() > -1e-5).all()
        assert cash.iloc[-1] > cash.iloc[0] * 1.5

    def test_non_price_series_cannot_be_traded(self, pack_path) -> None:
        sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
        with pytest.raises(UserError, match="'dgs10' is a rate series"):
            build_price_panel(sources, ["dgs10"])

    def test_period_without_trading_days(self, pack_path) -> None:
        sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
        with pytest.raises(UserError, match="no trading days"):
            build_price_panel(
                sources, ["spy"], start=pd.Timestamp("1970-01-01"), end=pd.Timestamp("1975-01-01")
            )


PROXY_FLOOR = {  # measured daily-return correlation over the overlap, less a margin
    "ief": 0.9,
    "tlt": 0.85,
    "shy": 0.85,
    "iwm": 0.95,
    "gld": 0.8,
    "qual": 0.85,
    "usmv": 0.85,
    "vnq": 0.95,
    "vlue": 0.8,
    "edv": 0.9,
    "vglt": 0.95,
    "ura": 0.75,
    "nlr": 0.7,
    "copx": 0.65,
    "lqd": 0.6,
    "uup": 0.6,
}


@pytest.mark.parametrize("etf", sorted(PROXY_FLOOR))
def test_proxies_track_the_etf_they_stand_in_for(pack_path, etf: str) -> None:
    catalog = load_catalog()
    sources = DataSources(catalog=catalog, pack=Pack(pack_path))
    proxy = sources.load(catalog[etf].proxies[0]).values
    actual = sources.load(etf).values
    both = pd.concat([proxy, actual], axis=1, sort=True).dropna().pct_change().dropna()
    assert len(both) > 500
    assert both.corr().iloc[0, 1] > PROXY_FLOOR[etf]
