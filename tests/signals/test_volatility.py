"""Volatility signals: the VIX cheap against its own history, the VIX in stress."""

from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.sources import DataSources
from macropatch.signals.volatility import VixCheap, VixStress
from tests.signals.memory import MemorySources, calendar, daily


def test_vix_cheap_ranks_today_within_its_trailing_window() -> None:
    vix = daily([float(level) for level in range(20, 40)] + [15.0, 50.0, 39.5])
    signal = VixCheap(window_days=20, min_days=10)
    result = signal.evaluate(MemorySources({"vix": vix}), calendar(periods=23))
    assert result.fired.iloc[:9].isna().all()  # fewer than min_days observations
    assert result.value.iloc[9] == 1.0 and not result.fired.iloc[9]  # a new high of the window
    assert (
        result.value.iloc[20] == pytest.approx(1 / 20) and result.fired.iloc[20]
    )  # the low of the window
    assert not result.fired.iloc[21]
    # Day 22's window (days 3-22) holds 23..39, 15, 50 and 39.5: 39.5 ranks 19th of 20.
    assert result.value.iloc[22] == pytest.approx(19 / 20)


def test_vix_cheap_is_unknown_on_a_day_the_vix_is_unknown() -> None:
    vix = daily([20.0] * 10)
    result = VixCheap(window_days=20, min_days=5).evaluate(
        MemorySources({"vix": vix}), calendar(periods=30)
    )
    assert result.fired.iloc[4:10].notna().all()
    assert result.fired.iloc[25:].isna().all()  # the last value went stale after 10 days


def test_vix_stress_fires_the_same_day() -> None:
    result = VixStress().evaluate(
        MemorySources({"vix": daily([25.0, 29.9, 30.5, 28.0])}), calendar(periods=4)
    )
    assert result.fired.tolist() == [False, False, True, False]
    assert result.threshold == 30.0


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: VixCheap(threshold=20.0), "threshold"),
        (lambda: VixCheap(window_days=10), "window_days"),
        (lambda: VixCheap(window_days=100, min_days=200), "min_days"),
        (lambda: VixCheap(min_days=1), "min_days"),
        (lambda: VixStress(threshold=0.3), "threshold"),
    ],
)
def test_parameters_out_of_range(build: object, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        build()  # type: ignore[operator]


def test_on_the_pack_stress_in_2008_and_2020_cheap_in_2017(pack_path: Path) -> None:
    sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
    days = pd.bdate_range("1995-01-03", "2024-12-31")
    stress = VixStress().evaluate(sources, days)
    assert stress.fired.loc["2008-10-24"] and stress.fired.loc["2020-03-16"]
    assert not stress.fired.loc["2017-06-01"]
    cheap = VixCheap().evaluate(sources, days)
    assert cheap.fired.loc["2017-06-01"] and cheap.fired.loc["2017-11-01"]
    assert not cheap.fired.loc["2020-03-16"] and not cheap.fired.loc["2008-10-24"]
    assert cheap.value.loc["2008-10-24"] == 1.0  # the highest close of the past five years
