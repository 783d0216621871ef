"""Credit signals: spreads, small caps, unprofitable small caps, on hand-made and real data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.sources import DataSources
from macropatch.signals.base import Family, SignalState
from macropatch.signals.credit import (
    BaaSpreadAbove,
    HighYieldSpreadAbove,
    HighYieldSpreadWidening,
    SmallCapsLagging,
    UnprofitableSmallCaps,
)
from tests.signals.memory import MemorySources, calendar, daily

ALL = (
    HighYieldSpreadAbove,
    HighYieldSpreadWidening,
    BaaSpreadAbove,
    SmallCapsLagging,
    UnprofitableSmallCaps,
)


def test_high_yield_spread_above_fires_the_day_after() -> None:
    # 4% for five days, then 6% from Monday 2024-01-08: usable on Tuesday.
    sources = MemorySources({"hy_oas": daily([0.04] * 5 + [0.06] * 5, start="2024-01-01")})
    result = HighYieldSpreadAbove().evaluate(sources, calendar("2024-01-01", 10))
    assert not result.fired.loc["2024-01-08"]
    assert result.fired.loc["2024-01-09"]
    assert result.value.loc["2024-01-09"] == pytest.approx(0.06)
    assert result.threshold == 0.05


def test_high_yield_spread_widening_measures_the_change() -> None:
    sources = MemorySources({"hy_oas": daily([0.04] * 10 + [0.055] * 10, start="2024-01-01")})
    result = HighYieldSpreadWidening(window_days=5).evaluate(sources, calendar("2024-01-01", 20))
    jump = pd.Timestamp("2024-01-15")  # the 11th business day: first 5.5% observation
    assert pd.isna(result.fired.iloc[4])  # the window is not yet full
    assert not result.fired.loc[jump]  # not yet published
    assert result.fired.loc[jump + pd.offsets.BDay(1)]
    assert result.value.loc[jump + pd.offsets.BDay(1)] == pytest.approx(0.015)
    # five trading days later both ends of the window are at 5.5%: quiet again
    assert not result.fired.loc[jump + pd.offsets.BDay(6)]


def test_baa_spread_above() -> None:
    sources = MemorySources({"baa10y": daily([0.025] * 3 + [0.035] * 3, start="2024-01-01")})
    result = BaaSpreadAbove().evaluate(sources, calendar("2024-01-01", 6))
    assert not result.fired.loc["2024-01-04"]
    assert result.fired.loc["2024-01-05"]


def test_small_caps_lagging_below_the_trailing_average() -> None:
    # IWM flat, SPY up 10% from the 11th day: the ratio drops under its 5-day mean the same day.
    sources = MemorySources({"iwm": daily([100.0] * 15), "spy": daily([100.0] * 10 + [110.0] * 5)})
    result = SmallCapsLagging(window_days=5).evaluate(sources, calendar("2020-01-01", 15))
    assert pd.isna(result.fired.iloc[3])
    assert not result.fired.iloc[9]
    assert result.fired.iloc[10]
    assert result.value.iloc[10] == pytest.approx((100 / 110) / ((4 + 100 / 110) / 5) - 1)
    assert result.threshold == 0.0


def test_unprofitable_small_caps_after_publication_and_no_data_when_missing() -> None:
    share = pd.Series([0.35, 0.45], index=pd.DatetimeIndex(["2023-10-01", "2024-01-01"]))
    days = pd.bdate_range("2024-02-01", "2024-06-28", name="date")
    result = UnprofitableSmallCaps().evaluate(
        MemorySources({"unprofitable_small_caps": share}), days
    )
    # 2024Q1 ends 2024-03-31, +45 days = 2024-05-15
    assert not result.fired.loc["2024-05-14"]
    assert result.fired.loc["2024-05-15"]
    missing = UnprofitableSmallCaps().evaluate(MemorySources({}), days)
    assert missing.state_on(pd.Timestamp("2024-05-15")) is SignalState.NO_DATA


@pytest.mark.parametrize(
    ("cls", "field", "bad"),
    [
        (HighYieldSpreadAbove, "threshold", 5.0),
        (HighYieldSpreadAbove, "threshold", -0.01),
        (HighYieldSpreadWidening, "threshold", 1.0),
        (HighYieldSpreadWidening, "window_days", 0),
        (BaaSpreadAbove, "threshold", 3.0),
        (SmallCapsLagging, "threshold", 2.0),
        (SmallCapsLagging, "window_days", 1),
        (UnprofitableSmallCaps, "threshold", 40.0),
    ],
)
def test_parameters_out_of_range(cls: type, field: str, bad: float) -> None:
    with pytest.raises(ValueError, match=field):
        cls(**{field: bad})


def test_class_attributes() -> None:
    assert [cls.name for cls in ALL] == [
        "high_yield_spread_above",
        "high_yield_spread_widening",
        "baa_spread_above",
        "small_caps_lagging",
        "unprofitable_small_caps",
    ]
    assert all(cls.family is Family.CREDIT and cls.summary for cls in ALL)


def test_known_history_on_the_pack(pack_path: Path) -> None:
    sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
    days = pd.bdate_range("1998-01-01", "2025-12-31", name="date")
    high_yield = HighYieldSpreadAbove().evaluate(sources, days)
    assert high_yield.state_on(pd.Timestamp("2008-11-20")) is SignalState.FIRED  # HY OAS near 20%
    assert high_yield.state_on(pd.Timestamp("2021-06-15")) is SignalState.QUIET  # about 3%
    widening = HighYieldSpreadWidening().evaluate(sources, days)
    assert widening.state_on(pd.Timestamp("2008-11-20")) is SignalState.FIRED
    assert widening.state_on(pd.Timestamp("2021-06-15")) is SignalState.QUIET
    baa = BaaSpreadAbove().evaluate(sources, days)
    assert baa.state_on(pd.Timestamp("2008-12-15")) is SignalState.FIRED
    assert baa.state_on(pd.Timestamp("2006-06-15")) is SignalState.QUIET
    small_caps = SmallCapsLagging().evaluate(sources, days)
    # IWM starts 2000-05-26: unknown before its 200-day window fills
    assert small_caps.state_on(pd.Timestamp("2000-09-15")) is SignalState.UNKNOWN
    assert small_caps.state_on(pd.Timestamp("2019-12-16")) is SignalState.FIRED
