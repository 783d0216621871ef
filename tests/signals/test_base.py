"""The Signal base: availability, carrying forward, staleness, optional series."""

import pandas as pd
import pytest

from macropatch.signals.base import SignalState
from macropatch.signals.rates import TenYearAbove, YieldRule
from tests.signals.memory import MemorySources, calendar, daily

LEVEL = YieldRule.ABOVE  # the level rule: these tests are about timing, not the crossing


def test_daily_value_is_knowable_the_next_day() -> None:
    # dgs10 has a one-day publication lag: Monday's 5.5% is usable from Tuesday.
    sources = MemorySources({"dgs10": daily([0.04, 0.055, 0.056], start="2024-01-01")})
    result = TenYearAbove(rule=LEVEL).evaluate(sources, calendar("2024-01-01", 5))
    assert pd.isna(result.fired.iloc[0])  # nothing knowable on the first day
    assert result.value.iloc[1] == 0.04 and not result.fired.iloc[1]
    assert result.value.iloc[2] == 0.055 and result.fired.iloc[2]
    assert result.last_data.iloc[2] == pd.Timestamp("2024-01-02")


def test_value_goes_stale_and_unknown() -> None:
    sources = MemorySources({"dgs10": daily([0.06], start="2024-01-01")})
    days = calendar("2024-01-01", 20)
    result = TenYearAbove(rule=LEVEL).evaluate(sources, days)
    # available 2024-01-02, stale after 10 calendar days
    assert result.fired.loc["2024-01-12"]
    assert pd.isna(result.fired.loc["2024-01-15"])
    assert result.state_on(pd.Timestamp("2024-01-15")) is SignalState.UNKNOWN


def test_name_carries_parameters() -> None:
    assert (
        TenYearAbove(threshold=0.045).output_name()
        == "ten_year_above[threshold=0.045,rule=above,window_days=252,rise=0.01]"
    )  # every parameter, enums by the value an experiment file gives them


def test_threshold_out_of_range() -> None:
    with pytest.raises(ValueError, match="threshold"):
        TenYearAbove(threshold=5.0)


def test_quarterly_delinquency_is_invisible_before_its_availability() -> None:
    from macropatch.signals.base import knowable_on

    sources = MemorySources(
        {"card_delinquency": pd.Series([0.03], index=pd.DatetimeIndex(["2024-01-01"]))}
    )
    days = pd.bdate_range("2024-03-01", "2024-06-28")
    values, observed = knowable_on(sources.load("card_delinquency"), days)
    # Q1 2024 ends 2024-03-31; knowable 65 days later (the Fed: "approximately sixty"):
    # Tuesday 2024-06-04.
    assert values.loc[:"2024-06-03"].isna().all()
    assert (values.loc["2024-06-04":] == 0.03).all()
    assert observed.loc["2024-06-04"] == pd.Timestamp("2024-01-01")
