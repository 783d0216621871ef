"""Dollar and gold signals: gold's trend, a weakening dollar, central-bank buying."""

from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.sources import DataSources
from macropatch.signals.base import SignalState
from macropatch.signals.dollar_gold import CentralBankGoldBuying, DollarWeakening, GoldTrend
from tests.signals.memory import MemorySources, calendar, daily


def test_gold_trend_uses_the_futures_until_gld_has_a_full_window() -> None:
    futures = daily([100.0 + day for day in range(30)])  # rising: above its average
    gld = pd.Series([50.0] * 5 + [45.0] * 5, index=calendar(periods=30)[15:25])  # GLD from day 15
    sources = MemorySources({"gold_futures": futures, "gld": gld})
    result = GoldTrend(window_days=5).evaluate(sources, calendar(periods=30))
    assert pd.isna(result.fired.iloc[3])  # the futures' window is not full yet
    assert result.fired.iloc[4]
    assert result.value.iloc[4] == pytest.approx(104.0 / 102.0 - 1.0)
    assert result.fired.iloc[18]  # GLD's window is not full yet: still the futures
    assert result.value.iloc[19] == 0.0 and not result.fired.iloc[19]  # GLD flat over its window
    assert not result.fired.iloc[20]  # GLD below its average
    assert result.value.iloc[20] == pytest.approx(45.0 / 49.0 - 1.0)


def test_dollar_weakening_waits_for_the_weekly_publication() -> None:
    # The dollar drops on Monday 2024-01-15; DTWEXBGS is knowable 7 days later, Monday 22.
    dollar = pd.Series([100.0] * 10 + [90.0] * 15, index=pd.bdate_range("2024-01-01", periods=25))
    sources = MemorySources({"dollar_broad": dollar})
    result = DollarWeakening(window_days=5).evaluate(
        sources, pd.bdate_range("2024-01-01", periods=30)
    )
    # The first value (2024-01-01) is knowable on 2024-01-08: five of them by Friday 12.
    assert pd.isna(result.fired.loc["2024-01-11"])
    assert not result.fired.loc["2024-01-12"] and not result.fired.loc["2024-01-19"]
    assert result.fired.loc["2024-01-22"]
    assert result.value.loc["2024-01-22"] == pytest.approx(90.0 / 98.0 - 1.0)


def test_central_bank_gold_buying_crosses_two_hundred_tonnes() -> None:
    # Q3 2022 ends 2022-09-30 and is knowable 35 days later: 2022-11-04.
    tonnes = pd.Series([180.0, 400.0], index=pd.DatetimeIndex(["2022-04-01", "2022-07-01"]))
    result = CentralBankGoldBuying().evaluate(
        MemorySources({"central_bank_gold": tonnes}), pd.bdate_range("2022-08-01", "2022-11-30")
    )
    assert not result.fired.loc["2022-11-03"]
    assert result.fired.loc["2022-11-04"]


def test_central_bank_gold_without_the_series_is_no_data() -> None:
    result = CentralBankGoldBuying().evaluate(MemorySources({}), calendar())
    assert result.missing == ("central_bank_gold",)
    assert result.state_on(pd.Timestamp("2020-02-03")) is SignalState.NO_DATA


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: GoldTrend(window_days=1), "window_days"),
        (lambda: GoldTrend(threshold=0.9), "threshold"),
        (lambda: DollarWeakening(window_days=10_000), "window_days"),
        (lambda: DollarWeakening(threshold=-0.7), "threshold"),
        (lambda: CentralBankGoldBuying(threshold=0.0), "threshold"),
    ],
)
def test_parameters_out_of_range(build: object, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        build()  # type: ignore[operator]


def test_on_the_pack_gold_trended_in_2024_and_the_dollar_peaked_in_2022(pack_path: Path) -> None:
    sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
    days = pd.bdate_range("2000-08-30", "2025-12-31")
    gold = GoldTrend().evaluate(sources, days)
    assert gold.fired.loc["2002-06-03"]  # before GLD existed: the futures
    assert gold.fired.loc["2024-06-03"]
    assert not gold.fired.loc["2013-07-01"]  # the 2013 gold crash
    dollar = DollarWeakening().evaluate(sources, days)
    assert not dollar.fired.loc["2022-09-30"]
    assert dollar.fired.loc["2025-06-30"]
    assert CentralBankGoldBuying().evaluate(sources, days).missing == ("central_bank_gold",)
