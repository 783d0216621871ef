"""Signal readings: the binding (stalest) input, distance, percentile, trend; the term
premium's turns-positive rule."""

from __future__ import annotations

import math

import pandas as pd

from macropatch.signals.rates import TermPremiumModel, TermPremiumRising, TermPremiumRule
from macropatch.signals.readings import read_on
from macropatch.signals.volatility import VixStress
from tests.signals.memory import MemorySources, daily


def test_a_reading_gives_distance_percentile_and_trend() -> None:
    values = [10.0 + day % 7 for day in range(100)] + [40.0]
    days = pd.bdate_range("2020-01-01", periods=len(values))
    result = VixStress().evaluate(MemorySources({"vix": daily(values)}), days)
    reading = read_on(result, days[-1], trend_days=10)
    assert reading.value == 40.0 and reading.threshold == 30.0
    assert math.isclose(reading.distance, 10.0)
    assert reading.percentile == 1.0  # the highest value so far
    assert math.isclose(reading.trend, 40.0 - values[-11])
    assert reading.binding_series == "vix" and reading.binding_date == days[-1]


def test_the_binding_input_is_the_stale_one_when_the_signal_is_unknown() -> None:
    days = pd.bdate_range("2020-01-01", periods=40)
    result = VixStress().evaluate(MemorySources({"vix": daily([20.0] * 5)}), days)
    reading = read_on(result, days[-1])  # the last value is weeks old: stale
    assert math.isnan(reading.value)
    assert reading.binding_series == "vix" and reading.binding_date == days[4]


def test_turns_positive_fires_only_after_a_long_spell_below() -> None:
    days = pd.bdate_range("2010-01-01", periods=600)
    premium = [-0.005] * 400 + [0.002] * 100 + [-0.001] * 20 + [0.003] * 80
    sources = MemorySources({"kim_wright_term_premium_10y": pd.Series(premium, index=days) * 100})
    signal = TermPremiumRising(
        model=TermPremiumModel.KIM_WRIGHT,
        rule=TermPremiumRule.TURNS_POSITIVE,
        below_days=252,
        window_days=63,
    )
    fired = signal.evaluate(sources, days).fired
    knowable = fired.dropna()
    first = knowable[knowable].index.min()
    assert days[400] < first <= days[410]  # the break after 400 days below, once knowable
    assert not bool(knowable.loc[days[520] :].any())  # a short dip is not a new spell
