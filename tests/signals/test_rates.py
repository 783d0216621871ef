"""Rates signals: the term premium, the valuation gap, fiscal stress, on hand-made and real data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.sources import DataSources
from macropatch.signals.base import Family, SignalState
from macropatch.signals.rates import (
    EarningsMeasure,
    FiscalStress,
    TenYearAbove,
    TermPremiumRising,
    ValuationGap,
    YieldRule,
    fair_pe,
)
from tests.signals.memory import MemorySources


def monthly(values: list[float], start: str, *, month_end: bool = False) -> pd.Series:
    dates = pd.date_range(start, periods=len(values), freq="ME" if month_end else "MS")
    return pd.Series(values, index=dates, dtype=float)


def quarterly(values: list[float], start: str) -> pd.Series:
    return pd.Series(
        values, index=pd.date_range(start, periods=len(values), freq="QS"), dtype=float
    )


@pytest.mark.parametrize(
    ("ten_year_yield", "table_pe"), [(0.035, 20.0), (0.045, 17.5), (0.055, 15.4)]
)
def test_fair_pe_reproduces_the_report_table(ten_year_yield: float, table_pe: float) -> None:
    assert fair_pe(ten_year_yield, 0.05) == pytest.approx(table_pe, abs=0.05)


def test_fair_pe_on_a_series_and_a_bad_premium() -> None:
    yields = pd.Series([0.035, 0.055])
    assert fair_pe(yields, 0.05).round(1).tolist() == [20.0, 15.4]
    assert fair_pe(0.035, 0.04) == pytest.approx(25.0)
    with pytest.raises(ValueError, match="equity_risk_premium"):
        fair_pe(0.04, 0.0)


def test_term_premium_fires_when_positive_and_rising() -> None:
    # Month-end estimates: negative to March 2020, +0.2% from April; usable 5 days later.
    premium = monthly([-0.005] * 15 + [0.002] * 9, "2019-01-31", month_end=True)
    days = pd.bdate_range("2020-01-01", "2020-12-31", name="date")
    result = TermPremiumRising().evaluate(MemorySources({"acm_term_premium_10y": premium}), days)
    assert not result.fired.loc["2020-05-04"]  # April's estimate not yet published
    assert result.fired.loc["2020-05-05"]
    assert result.value.loc["2020-05-05"] == pytest.approx(0.002)
    # positive but no longer higher than 63 trading days earlier: quiet
    assert not result.fired.loc["2020-08-31"]
    assert result.threshold == 0.0


def test_term_premium_unknown_until_the_window_is_known() -> None:
    premium = monthly([0.01] * 6, "2020-01-31", month_end=True)
    days = pd.bdate_range("2020-02-03", "2020-06-30", name="date")
    result = TermPremiumRising().evaluate(MemorySources({"acm_term_premium_10y": premium}), days)
    assert result.state_on(pd.Timestamp("2020-03-02")) is SignalState.UNKNOWN


def test_valuation_gap_fires_after_the_earnings_lag() -> None:
    # Fair P/E 20x at a 3.5% yield; price 2000; earnings fall from 100 (20x) to 80 (25x) in January 2020.
    sources = MemorySources(
        {
            "dgs10": pd.Series(0.035, index=pd.bdate_range("2019-12-01", "2020-08-31")),
            "sp500_monthly": monthly([2000.0] * 20, "2019-01-01"),
            "shiller_earnings": monthly([100.0] * 12 + [80.0] * 8, "2019-01-01"),
        }
    )
    days = pd.bdate_range("2020-01-01", "2020-08-31", name="date")
    result = ValuationGap(earnings=EarningsMeasure.TRAILING).evaluate(sources, days)
    # January's earnings wait for the first quarter's figure (Shiller interpolates): the
    # quarter ends 2020-03-31, +120 days = Wednesday 2020-07-29.
    assert result.value.loc["2020-07-28"] == pytest.approx(0.0)
    assert not result.fired.loc["2020-07-28"]
    assert result.value.loc["2020-07-29"] == pytest.approx(0.25)
    assert result.fired.loc["2020-07-29"]
    assert result.threshold == 0.2


def test_fiscal_stress_reconciles_units_and_waits_for_publication() -> None:
    # Debt $20tn (millions), interest $400bn then $500bn SAAR from 2020Q1: 2.0% -> 2.5%.
    sources = MemorySources(
        {
            "federal_debt": quarterly([20_000_000.0] * 12, "2018-01-01"),
            "federal_interest": quarterly([400.0] * 8 + [500.0] * 4, "2018-01-01"),
        }
    )
    days = pd.bdate_range("2019-06-03", "2020-12-31", name="date")
    result = FiscalStress().evaluate(sources, days)
    assert result.value.loc["2020-05-29"] == pytest.approx(0.0)
    assert not result.fired.loc["2020-05-29"]
    # 2020Q1 ends 2020-03-31, published 60 days later (Saturday 2020-05-30).
    assert result.value.loc["2020-06-01"] == pytest.approx(0.005)
    assert result.fired.loc["2020-06-01"]


def test_effective_rate_units() -> None:
    rate = FiscalStress.effective_rate(pd.Series([1_100.0]), pd.Series([35_000_000.0]))
    assert rate.iloc[0] == pytest.approx(1_100 / 35_000)


@pytest.mark.parametrize(
    ("cls", "field", "bad"),
    [
        (TermPremiumRising, "threshold", 0.5),
        (TermPremiumRising, "window_days", 0),
        (ValuationGap, "threshold", 10.0),
        (ValuationGap, "equity_risk_premium", 0.0),
        (ValuationGap, "equity_risk_premium", 5.0),
        (FiscalStress, "threshold", 0.5),
        (FiscalStress, "window_days", 5),
    ],
)
def test_parameters_out_of_range(cls: type, field: str, bad: float) -> None:
    with pytest.raises(ValueError, match=field):
        cls(**{field: bad})


def test_class_attributes() -> None:
    for cls in (TenYearAbove, TermPremiumRising, ValuationGap, FiscalStress):
        assert cls.family is Family.RATES and cls.summary
    assert [cls.name for cls in (TermPremiumRising, ValuationGap, FiscalStress)] == [
        "term_premium_rising",
        "valuation_gap",
        "fiscal_stress",
    ]


def test_known_history_on_the_pack(pack_path: Path) -> None:
    sources = DataSources(catalog=load_catalog(), pack=Pack(pack_path))
    days = pd.bdate_range("1996-01-01", "2025-12-31", name="date")

    def state(signal: object, day: str) -> SignalState:
        assert isinstance(signal, TenYearAbove | TermPremiumRising | ValuationGap | FiscalStress)
        return signal.evaluate(sources, days).state_on(pd.Timestamp(day))

    level = TenYearAbove(rule=YieldRule.ABOVE)
    assert state(level, "2000-05-15") is SignalState.FIRED  # 10y about 6.5%
    assert state(level, "2021-06-15") is SignalState.QUIET
    # crossing 5% from below: fired after the 2006 crossing, not after a year above 5%
    crossing = TenYearAbove(rule=YieldRule.CROSSING)
    assert state(crossing, "2006-05-15") is SignalState.FIRED
    assert state(crossing, "2000-05-15") is SignalState.QUIET
    # the ACM term premium was negative through 2019-2020
    assert state(TermPremiumRising(), "2020-06-15") is SignalState.QUIET
    # dot-com valuations, then a cheap market with a 2% 10-year in 2012
    trailing = ValuationGap(earnings=EarningsMeasure.TRAILING)
    assert state(trailing, "1999-12-15") is SignalState.FIRED
    assert state(trailing, "2012-06-15") is SignalState.QUIET
    assert state(trailing, "2009-12-15") is SignalState.FIRED  # earnings collapsed: +500%
    assert state(ValuationGap(), "1999-12-15") is SignalState.FIRED  # the CAPE at 44
    assert state(ValuationGap(), "2009-12-15") is SignalState.QUIET  # the CAPE near 20
    # Shiller's earnings run to 2025-12: known through 2025 (the 2024 P/E about 28x)
    assert state(trailing, "2024-06-14") is SignalState.FIRED
    # the effective rate on the debt rose through 2023 as the debt refinanced
    assert state(FiscalStress(), "2023-09-15") is SignalState.FIRED
    assert state(FiscalStress(), "2009-06-15") is SignalState.QUIET
