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
    "BOND_SERIES",
    "EARNINGS_SERIES",
    "EQUITY_DURATION",
    "BondYield",
    "EarningsMeasure",
    "Framing",
    "REFERENCE_YIELD",
    "FiscalStress",
    "TERM_PREMIUM_SERIES",
    "TenYearAbove",
    "YieldRule",
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


class YieldRule(enum.Enum):
    """How the 10-year yield fires."""

    ABOVE = "above"
    """Above ``threshold``: a level."""
    CROSSING = "crossing"
    """Above ``threshold`` and below it at some point in the last ``window_days``: the
    crossing from below, in force for ``window_days`` while the yield stays above."""
    RISING = "rising"
    """Up more than ``rise`` over the last ``window_days``: the speed of the move."""


@dataclass(frozen=True, kw_only=True)
class TenYearAbove(Signal):
    """The 10-year Treasury yield above a threshold: the report's trigger for a chain reaction.

    Requires: ``dgs10`` (daily, published the next day). Produces: the yield
    (fraction; with ``rule = "rising"``, its change over ``window_days``).
    Rules: ``above`` (default): fired whenever the yield is above
    ``threshold`` (default 0.05, the report's 5.0%); ``crossing``: above the
    threshold and below it at some point in the last ``window_days`` (default
    252), so a level that was normal for decades (before 2007) fires only when
    it is reached again from below; ``rising``: up more than ``rise``
    (default 0.01, 100 bp) over ``window_days``. The evidence does not tell
    the readings apart (README, "The report's readings"), so the default
    stays the level. Timing: a day's yield is usable from the
    next calendar day; ``crossing`` and ``rising`` are unknown for the first
    ``window_days`` days of data.
    """

    name = "ten_year_above"
    family = Family.RATES
    summary = "10-year Treasury yield above 5.0%"

    threshold: Annotated[
        float, Range(0.0, 0.25, low_open=True, high_open=True, what="a fraction")
    ] = 0.05
    rule: YieldRule = YieldRule.ABOVE
    window_days: Annotated[int, Window(5, 1260)] = 252
    rise: Annotated[float, Range(0.0, 0.10, low_open=True, what="a fraction")] = 0.01

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("dgs10",)

    @override
    def chart_threshold(self) -> float | None:
        return self.rise if self.rule is YieldRule.RISING else self.threshold

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        level = knowable["dgs10"]
        if self.rule is YieldRule.RISING:
            change = trailing_change(level, self.window_days)
            return change, change > self.rise
        above = level > self.threshold
        if self.rule is YieldRule.ABOVE:
            return level, above
        earlier = days_ago(level, 1).rolling(self.window_days, min_periods=self.window_days).min()
        crossing = above & (earlier <= self.threshold)
        return level, crossing.where(earlier.notna())


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


class EarningsMeasure(enum.Enum):
    """Which earnings a valuation reads."""

    TRAILING = "trailing"
    """Trailing 12-month reported earnings (Shiller): collapse in recessions."""
    TEN_YEAR_AVERAGE = "ten_year_average"
    """Ten-year average real earnings: Shiller's CAPE (P/E10), smooth through recessions."""


class Framing(enum.Enum):
    """How a valuation is compared."""

    FAIR_PE = "fair_pe"
    """The P/E against the fair P/E the 10-year yield allows (the report's table)."""
    EQUITY_RISK_PREMIUM = "equity_risk_premium"
    """The earnings yield minus a bond yield: fired when that premium is below a floor."""


class BondYield(enum.Enum):
    """The bond yield an equity risk premium is measured against."""

    NOMINAL = "nominal"  # the 10-year Treasury, dgs10 (from 1962)
    REAL = "real"  # the 10-year TIPS, dfii10 (from 2003)


#: The catalog series of each earnings measure and bond yield.
EARNINGS_SERIES = {
    EarningsMeasure.TRAILING: "shiller_earnings",
    EarningsMeasure.TEN_YEAR_AVERAGE: "shiller_cape",
}
BOND_SERIES = {BondYield.NOMINAL: "dgs10", BondYield.REAL: "dfii10"}


@dataclass(frozen=True, kw_only=True)
class ValuationGap(Signal):
    """The S&P 500 expensive for the rates it faces: the report's valuation table.

    Requires: with ``earnings = "ten_year_average"`` (default since
    2026-11), ``shiller_cape`` (Shiller's P/E on ten-year average real
    earnings, usable 120 days after the quarter ends; to 2026-03 in the pack,
    the last months on Shiller's estimates); with ``earnings = "trailing"``
    (the definition before 2026-11), ``sp500_monthly`` (Shiller's monthly
    average price extended by datahub with FRED closes; usable the day after
    the month ends) and ``shiller_earnings`` (trailing 12-month earnings,
    same lag as the CAPE). Also ``dgs10``, or ``dfii10`` for a
    premium over the real yield.

    Produces, by ``framing``:

    - ``fair_pe`` (default): the deviation ``market P/E / fair P/E - 1``, the
      fair P/E from :func:`fair_pe` at the 10-year yield and
      ``equity_risk_premium`` (default 0.05, the report's 5%); fired when
      above ``threshold`` (default 0.20, the report's "high" row). Trailing
      reported earnings collapse in recessions, so with them the deviation
      spikes at market bottoms (2009: +500%);
    - ``equity_risk_premium``: the earnings yield (``1 / P/E``) minus the
      ``bond`` yield (nominal or real 10-year); fired when below
      ``premium_floor`` (default 0.0: stocks yield no more than bonds). With
      ``ten_year_average`` earnings and the real yield this is Shiller's
      excess CAPE yield.

    Timing: the P/E divides the latest knowable price by the latest knowable
    earnings (which are older); unknown once the earnings are stale.
    """

    name = "valuation_gap"
    family = Family.RATES
    summary = "S&P 500 P/E (CAPE) more than 20% above the fair P/E for the 10-year yield"

    threshold: Annotated[float, Range(-0.9, 5.0)] = 0.20
    equity_risk_premium: Annotated[float, Range(0.0, 0.2, low_open=True, what="a fraction")] = 0.05
    earnings: EarningsMeasure = EarningsMeasure.TEN_YEAR_AVERAGE
    framing: Framing = Framing.FAIR_PE
    bond: BondYield = BondYield.NOMINAL
    premium_floor: Annotated[float, Range(-0.10, 0.20)] = 0.0

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        bond = "dgs10" if self.framing is Framing.FAIR_PE else BOND_SERIES[self.bond]
        if self.earnings is EarningsMeasure.TEN_YEAR_AVERAGE:
            return (bond, "shiller_cape")
        return (bond, "sp500_monthly", "shiller_earnings")

    @override
    def chart_threshold(self) -> float | None:
        return self.threshold if self.framing is Framing.FAIR_PE else self.premium_floor

    def market_pe(self, knowable: Mapping[str, pd.Series]) -> pd.Series:
        """The market's P/E as knowable each day, on the configured earnings."""
        if self.earnings is EarningsMeasure.TEN_YEAR_AVERAGE:
            cape = knowable["shiller_cape"]
            return cape.where(cape > 0.0)
        earnings = knowable["shiller_earnings"]
        return knowable["sp500_monthly"] / earnings.where(earnings > 0.0)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        market = self.market_pe(knowable)
        if self.framing is Framing.EQUITY_RISK_PREMIUM:
            premium = 1.0 / market - knowable[BOND_SERIES[self.bond]]
            return premium, premium < self.premium_floor
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
