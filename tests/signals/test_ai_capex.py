"""AI capex signals: the "$600bn question", market concentration, power demand."""

from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.sources import DataSources
from macropatch.signals.ai_capex import AiRevenueGap, MarketConcentration, PowerDemand
from tests.signals.memory import MemorySources, calendar, daily


def test_ai_revenue_gap_is_run_rate_times_four_minus_revenue() -> None:
    # Q2 2024 ends 2024-06-30: the GPU run-rate is knowable 30 days later (2024-07-30),
    # AI revenue 45 days later (2024-08-14).
    quarters = pd.DatetimeIndex(["2024-01-01", "2024-04-01"])
    sources = MemorySources(
        {
            "datacenter_gpu_revenue": pd.Series([100.0, 200.0], index=quarters),
            "ai_revenue": pd.Series([20.0, 100.0], index=quarters),
        }
    )
    result = AiRevenueGap().evaluate(sources, pd.bdate_range("2024-06-03", "2024-08-30"))
    assert result.value.loc["2024-07-29"] == 400.0 - 20.0
    assert not result.fired.loc["2024-07-29"]
    assert result.value.loc["2024-07-30"] == 800.0 - 20.0
    assert result.fired.loc["2024-07-30"]
    assert result.value.loc["2024-08-14"] == 800.0 - 100.0


def test_ai_revenue_gap_without_the_user_series_is_no_data() -> None:
    sources = MemorySources(
        {"ai_revenue": pd.Series([20.0], index=pd.DatetimeIndex(["2024-01-01"]))}
    )
    result = AiRevenueGap().evaluate(sources, calendar())
    assert result.missing == ("datacenter_gpu_revenue",)
    assert result.fired.isna().all()


def test_market_concentration_fires_when_qqq_runs_five_percent_ahead() -> None:
    qqq = daily([100.0] * 10 + [108.0] * 10)
    sources = MemorySources({"qqq": qqq, "spy": daily([400.0] * 20)})
    result = MarketConcentration(window_days=5).evaluate(sources, calendar(periods=20))
    assert pd.isna(result.fired.iloc[3])
    assert not result.fired.iloc[9]
    assert result.fired.iloc[10]  # 108 / 101.6 - 1 = 6.3%
    assert result.value.iloc[10] == pytest.approx(108.0 / 101.6 - 1.0)
    assert not result.fired.iloc[11]  # 108 / 103.2 - 1 = 4.7%


def test_power_demand_fires_when_utilities_lead() -> None:
    xlu = daily([50.0] * 10 + [51.0] * 10)
    sources = MemorySources({"xlu": xlu, "spy": daily([400.0] * 20)})
    result = PowerDemand(window_days=5).evaluate(sources, calendar(periods=20))
    assert not result.fired.iloc[9]
    assert result.fired.iloc[10]
    assert not result.fired.iloc[14]  # flat again over the whole window


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: AiRevenueGap(threshold=-1.0), "threshold"),
        (lambda: MarketConcentration(threshold=5.0), "threshold"),
        (lambda: MarketConcentration(window_days=0), "window_days"),
        (lambda: PowerDemand(window_days=1), "window_days"),
        (lambda: PowerDemand(threshold=-0.6), "threshold"),
    ],
)
def test_parameters_out_of_range(build: object, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        build()  # type: ignore[operator]


def test_on_the_pack_concentration_in_2000_and_2020(pack_path: Path) -> None:
    sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
    days = pd.bdate_range("1999-03-10", "2024-12-31")
    concentration = MarketConcentration().evaluate(sources, days)
    assert concentration.fired.loc["2000-03-10"]  # the dot-com peak
    assert concentration.fired.loc["2020-08-31"]
    assert not concentration.fired.loc["2002-10-09"]
    assert not concentration.fired.loc["2022-10-12"]
    power = PowerDemand().evaluate(sources, days)
    assert power.fired.loc["2008-10-15"]  # utilities lead in a crash too
    assert AiRevenueGap().evaluate(sources, days).missing == (
        "datacenter_gpu_revenue",
        "ai_revenue",
    )
