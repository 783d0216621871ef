"""Rates and bond vigilantes: the 10-year yield, the term premium, valuation, fiscal stress.

Every signal here reads rates as fractions (0.05 = 5%) and uses only causal
operations on the knowable daily inputs the :class:`~macropatch.signals.base.Signal`
base hands to ``compute`` (trailing windows, positive differences).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, overload

import numpy as np
import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Range, Window
from macropatch.signals.base import Family, Signal
from macropatch.signals.windows import days_ago, trailing_change

__all__ = [
    "EQUITY_DURATION",
    "REFERENCE_YIELD",
    "FiscalStress",
    "TERM_PREMIUM_SERIES",
    "TenYearAbove",
    "TermPremiumModel",
    "TermPremiumRising",
    "TermPremiumRule",
    "ValuationGap",
    "fair_pe",
]

#: The 10-year yield at which the fair earnings yield equals the equity risk
#: premium (fair P/E = 1 / ERP): the report's table row "3.5% -> 20.0x at a 5% ERP".
REFERENCE_YIELD = 0.035

#: Sensitivity of the log fair P/E to the 10-year yield (years): the fair P/E
#: falls by ``1 - exp(-0.1315)`` = 12.3% for every percentage point of yield,
#: fitted to the report's table (17.5x at 4.5%, 15.4x at 5.5%).
EQUITY_DURATION = 13.15


@overload
def fair_pe(ten_year_yield: float, equity_risk_premium: float) -> float: ...
@overload
def fair_pe(ten_year_yield: pd.Series, equity_risk_premium: float) -> pd.Series: ...
def fair_pe(ten_year_yield: float | pd.Series, equity_risk_premium: float) -> float | pd.Series:
    """The fair S&P 500 P/E for a 10-year yield, as in the report's valuation table.

    ``fair P/E = exp(-D * (y - y_ref)) / ERP`` with ``D = EQUITY_DURATION``
    (13.15) and ``y_ref = REFERENCE_YIELD`` (3.5%): at the reference yield the
    fair earnings yield equals the equity risk premium, and each percentage
    point of yield above it takes 12.3% off the fair multiple (an equity
    duration of about 13 years). With ERP = 5% it gives 20.0x, 17.54x and
    15.38x at 3.5%, 4.5% and 5.5%: the report's 20.0x, 17.5x and 15.4x to
    within 0.05x. (No formula whose earnings yield is linear in the yield,
    such as ``1 / (ERP + y - g)``, fits the three rows to their rounding: the
    table's multiples fall geometrically.)

    Parameters
    ----------
    ten_year_yield
        The 10-year Treasury yield, a fraction (a number or a series).
    equity_risk_premium
        The earnings yield demanded over bonds at the reference yield (0.05 = 5%).

    Returns
    -------
    The fair price/earnings multiple, same shape as ``ten_year_yield``.
    """
    if not equity_risk_premium > 0.0:
        raise ValueError(f"equity_risk_premium must be positive, got {equity_risk_premium}")
    if isinstance(ten_year_yield, pd.Series):
        result: float | pd.Series = (
            np.exp(-EQUITY_DURATION * (ten_year_yield - REFERENCE_YIELD)) / equity_risk_premium
        )
        return result
    return math.exp(-EQUITY_DURATION * (ten_year_yield - REFERENCE_YIELD)) / equity_risk_premium


@dataclass(frozen=True, kw_only=True)
class TenYearAbove(Signal):
    """The 10-year Treasury yield above a threshold: the report's trigger for a chain reaction.

    Requires: ``dgs10`` (daily, published the next day). Produces: the yield
    (fraction) and fired when it is above ``threshold`` (default 0.05, the
    report's 5.0%). Timing: a day's yield is usable from the next calendar day.
    """

    name = "ten_year_above"
    family = Family.RATES
    summary = "10-year Treasury yield above 5.0%"

    threshold: Annotated[
        float, Range(0.0, 0.25, low_open=True, high_open=True, what="a fraction")
    ] = 0.05

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("dgs10",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        value = knowable["dgs10"]
        return value, value > self.threshold


class TermPremiumModel(enum.Enum):
    """Which model estimate of the 10-year term premium a signal reads."""

    ACM = "acm"  # Adrian-Crump-Moench (NY Fed), monthly, from 1961
    KIM_WRIGHT = "kim_wright"  # Kim-Wright (Federal Reserve Board), daily, from 1990


class TermPremiumRule(enum.Enum):
    """How a term premium fires."""

    POSITIVE_AND_RISING = "positive_and_rising"
    """Above the threshold and above its value ``window_days`` earlier."""
    TURNS_POSITIVE = "turns_positive"
    """Crossed above the threshold within ``window_days`` after at least ``below_days``
    below it, and still above: the report's "turned positive" after a decade below zero."""


#: The catalog series of each model.
TERM_PREMIUM_SERIES = {
    TermPremiumModel.ACM: "acm_term_premium_10y",
    TermPremiumModel.KIM_WRIGHT: "kim_wright_term_premium_10y",
}


@dataclass(frozen=True, kw_only=True)
class TermPremiumRising(Signal):
    """The 10-year term premium positive and rising: the bond vigilantes are back.

    Requires: ``acm_term_premium_10y`` (ACM model, monthly, dated at month
    end, usable 5 days later) or, with ``model = "kim_wright"``,
    ``kim_wright_term_premium_10y`` (daily, usable a week later). Both are
    re-estimated by their publishers, so their history is not point-in-time
    (the pages mark it). Produces: the term premium (fraction). Rules:

    - ``positive_and_rising`` (default): above ``threshold`` (default 0.0:
      positive, as the report says) AND above its own knowable value
      ``window_days`` trading days earlier (default 63, about three months);
    - ``turns_positive``: crossed above ``threshold`` within the last
      ``window_days`` after at least ``below_days`` trading days at or below
      it (default 252, a year), and still above: a break, not a level.

    Timing: unknown for the first ``window_days`` days of knowable data (and
    ``below_days`` more for the break) and once the last observation is older
    than the staleness limit.
    """

    name = "term_premium_rising"
    family = Family.RATES
    summary = "10-year term premium positive and rising"

    threshold: Annotated[float, Range(-0.05, 0.05)] = 0.0
    window_days: Annotated[int, Window(5, 756)] = 63
    model: TermPremiumModel = TermPremiumModel.ACM
    rule: TermPremiumRule = TermPremiumRule.POSITIVE_AND_RISING
    below_days: Annotated[int, Window(1, 2520)] = 252

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return (TERM_PREMIUM_SERIES[self.model],)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        premium = knowable[TERM_PREMIUM_SERIES[self.model]]
        if self.rule is TermPremiumRule.TURNS_POSITIVE:
            return premium, self._turned_positive(premium)
        earlier = days_ago(premium, self.window_days)
        fired = (premium > self.threshold) & (premium > earlier)
        return premium, fired.where(earlier.notna())

    def _turned_positive(self, premium: pd.Series) -> pd.Series:
        """Per day: a break above the threshold after a long spell below, still in force."""
        values = premium.to_numpy(dtype=float)
        fired = np.full(len(values), np.nan)
        below_run = 0  # consecutive known days at or below the threshold
        known_run = 0  # consecutive known days (the spell must be observed, not assumed)
        last_break = -(10**9)
        for day, value in enumerate(values):
            if not math.isfinite(value):
                below_run = known_run = 0
                continue
            above = value > self.threshold
            if above and below_run >= self.below_days:
                last_break = day
            below_run = 0 if above else below_run + 1
            known_run += 1
            if known_run > self.below_days or day - last_break < self.window_days:
                fired[day] = float(above and day - last_break < self.window_days)
        return pd.Series(fired, index=premium.index)


@dataclass(frozen=True, kw_only=True)
class ValuationGap(Signal):
    """The S&P 500 trailing P/E far above the fair P/E the 10-year yield allows.

    Requires: ``dgs10`` (daily), ``sp500_monthly`` (Shiller's monthly average
    price, extended by datahub with FRED closes; usable the day after the
    month ends) and ``shiller_earnings`` (Shiller's trailing 12-month
    earnings, usable 120 days after the quarter ends). Produces: the
    deviation ``market P/E / fair P/E - 1`` with the fair P/E from
    :func:`fair_pe` at ``equity_risk_premium`` (default 0.05, the report's
    5%), fired when above ``threshold`` (default 0.20, the report's "high"
    risk row). Timing: the P/E divides the latest knowable price by the latest
    knowable earnings (which are older); the pack's Shiller earnings run to
    2025-12 (the last months are Shiller's estimates), knowable to 2026-04,
    and usable until their staleness limit. The price comes from
    ``sp500_monthly`` because it runs further (2026-06). Trailing reported earnings
    collapse in recessions, so the deviation spikes then (2009: +400%).
    """

    name = "valuation_gap"
    family = Family.RATES
    summary = "S&P 500 P/E more than 20% above the fair P/E for the 10-year yield"

    threshold: Annotated[float, Range(-0.9, 5.0)] = 0.20
    equity_risk_premium: Annotated[float, Range(0.0, 0.2, low_open=True, what="a fraction")] = 0.05

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("dgs10", "sp500_monthly", "shiller_earnings")

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        earnings = knowable["shiller_earnings"]
        market = knowable["sp500_monthly"] / earnings.where(earnings > 0.0)
        value = market / fair_pe(knowable["dgs10"], self.equity_risk_premium) - 1.0
        return value, value > self.threshold


@dataclass(frozen=True, kw_only=True)
class FiscalStress(Signal):
    """The effective interest rate on the federal debt rising: fiscal dominance building.

    Rule (one of the report's two readings, chosen because it measures the
    refinancing of the debt at higher rates rather than the debt's growth):
    effective rate = federal interest payments / federal debt, fired when it
    is more than ``threshold`` (default 0.0) above its knowable value
    ``window_days`` trading days earlier (default 252, a year).

    Requires: ``federal_interest`` (billions USD, SAAR, quarterly) and
    ``federal_debt`` (millions USD, quarterly), both usable 60 days after the
    quarter ends. Produces: the one-year change of the effective rate (a
    fraction: 0.004 = up 0.4 percentage points). Timing: unknown for the first
    ``window_days`` days and after the staleness limit (the pack ends 2024Q2).
    """

    name = "fiscal_stress"
    family = Family.RATES
    summary = "effective interest rate on the federal debt rising over a year"

    threshold: Annotated[float, Range(-0.02, 0.02)] = 0.0
    window_days: Annotated[int, Window(21, 1260)] = 252

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("federal_interest", "federal_debt")

    @staticmethod
    def effective_rate(interest_billions: pd.Series, debt_millions: pd.Series) -> pd.Series:
        """Annual interest payments as a fraction of the debt (units reconciled)."""
        return interest_billions * 1_000.0 / debt_millions.where(debt_millions > 0.0)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        rate = self.effective_rate(knowable["federal_interest"], knowable["federal_debt"])
        change = trailing_change(rate, self.window_days)
        return change, change > self.threshold
