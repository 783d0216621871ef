"""The report's readings of its triggers on hand-sized inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from macropatch.signals.ai_capex import HyperscalerCapexBoom
from macropatch.signals.credit import RefinancingShock, Universe, UnprofitableSmallCaps, WallYield
from macropatch.signals.rates import (
    BondYield,
    EarningsMeasure,
    Framing,
    TenYearAbove,
    ValuationGap,
    YieldRule,
)
from macropatch.signals.registry import default_signals
from macropatch.signals.report_readings import REPORT_READINGS, alternative_readings
from tests.signals.memory import MemorySources

DAYS = pd.bdate_range("2020-01-01", periods=60, name="date")


def _daily(values: list[float]) -> pd.Series:
    return pd.Series(values, index=DAYS[: len(values)])


def test_crossing_fires_only_when_the_level_is_reached_from_below() -> None:
    path = [0.04] * 10 + [0.055] * 30 + [0.045] * 5 + [0.052] * 15  # up, down, up again
    sources = MemorySources({"dgs10": _daily(path)})
    crossing = TenYearAbove(rule=YieldRule.CROSSING, window_days=5).evaluate(sources, DAYS)
    fired = crossing.fired.dropna()
    # knowable a day later; a crossing stays in force while the window holds a day below
    assert bool(fired.loc[DAYS[12]]) and not bool(fired.loc[DAYS[35]])
    assert bool(fired.loc[DAYS[47]])  # reached again from below within the window
    level = TenYearAbove(rule=YieldRule.ABOVE).evaluate(sources, DAYS)
    assert bool(level.fired.loc[DAYS[35]])  # the level rule fires all along


def test_rising_measures_the_move_and_charts_its_own_threshold() -> None:
    sources = MemorySources({"dgs10": _daily(list(np.linspace(0.02, 0.04, 60)))})
    rising = TenYearAbove(rule=YieldRule.RISING, window_days=20, rise=0.005)
    result = rising.evaluate(sources, DAYS)
    assert result.threshold == 0.005
    assert result.value.iloc[-1] == pytest.approx(0.02 / 59 * 20)
    assert bool(result.fired.iloc[-1])


def test_the_equity_risk_premium_is_the_earnings_yield_minus_the_bond_yield() -> None:
    months = pd.date_range("2019-01-01", periods=20, freq="MS")
    sources = MemorySources(
        {
            "dfii10": _daily([0.02] * 60),
            "shiller_cape": pd.Series(40.0, index=months),
        }
    )
    signal = ValuationGap(
        earnings=EarningsMeasure.TEN_YEAR_AVERAGE,
        framing=Framing.EQUITY_RISK_PREMIUM,
        bond=BondYield.REAL,
        premium_floor=0.01,
    )
    assert set(signal.inputs) == {"dfii10", "shiller_cape"}
    result = signal.evaluate(sources, DAYS)
    assert result.value.iloc[-1] == pytest.approx(1 / 40 - 0.02)  # 0.5%: below the 1% floor
    assert bool(result.fired.iloc[-1]) and result.threshold == 0.01


def test_unprofitable_share_of_all_listed_firms_from_the_counts() -> None:
    months = pd.date_range("2019-01-01", periods=14, freq="MS")
    counts = {
        "listed_loss_firms": pd.Series(450.0, index=months),
        "listed_profit_firms_low": pd.Series(150.0, index=months),
        "listed_profit_firms_middle": pd.Series(250.0, index=months),
        "listed_profit_firms_high": pd.Series(150.0, index=months),
    }
    signal = UnprofitableSmallCaps(universe=Universe.ALL_LISTED)
    result = signal.evaluate(MemorySources(counts), DAYS)
    assert result.value.dropna().iloc[-1] == pytest.approx(0.45) and bool(result.fired.iloc[-1])
    assert "universe=all_listed" in result.name  # never passed off as the Russell 2000


def test_refinancing_shock_compares_with_the_yield_of_the_issue_date() -> None:
    path = [0.05] * 30 + [0.09] * 30
    sources = MemorySources({"ccc_effective_yield": _daily(path)})
    result = RefinancingShock(bonds=WallYield.CCC, window_days=25).evaluate(sources, DAYS)
    assert result.value.iloc[-1] == pytest.approx(0.0)  # both ends after the jump
    assert result.value.loc[DAYS[40]] == pytest.approx(0.04) and bool(result.fired.loc[DAYS[40]])


def test_capex_boom_averages_the_companies_it_knows() -> None:
    quarters = pd.date_range("2017-01-01", periods=14, freq="QS")
    growing = pd.Series(100.0 * 1.5 ** (np.arange(14) / 4), index=quarters)  # +50% a year
    flat = pd.Series(100.0, index=quarters)
    days = pd.bdate_range("2018-06-01", periods=400, name="date")
    sources = MemorySources(
        {"capex_microsoft": growing, "capex_alphabet": flat, "capex_amazon": growing}
    )
    result = HyperscalerCapexBoom(year_days=252, smooth_days=5).evaluate(sources, days)
    last = result.value.dropna().iloc[-1]
    assert last == pytest.approx((0.5 + 0.0 + 0.5) / 3, abs=0.02)
    assert not bool(result.fired.dropna().iloc[-1])  # 33% is below the 40% threshold


def test_readings_apply_to_the_configured_signal_and_skip_what_it_already_is() -> None:
    configured = default_signals()
    found = alternative_readings(configured)
    labels = [label for label, _signal in found]
    assert "crossing 5% from below" in labels
    assert "on ten-year average earnings (CAPE)" not in labels  # the default now
    assert "on trailing earnings (the default before 2026-11)" in labels
    count = sum(len(readings) for readings in REPORT_READINGS.values())
    assert len(found) == count - 1  # the reading that became the default
    assert all(not math.isnan(signal.chart_threshold() or 0.0) for _label, signal in found)
