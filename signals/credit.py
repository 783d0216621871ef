"""Credit and zombie companies: high-yield and Baa spreads, small caps, unprofitable firms.

Spreads and shares are fractions (0.05 = 500 bp). Every ``compute`` uses only
causal operations on the knowable daily inputs the
:class:`~macropatch.signals.base.Signal` base provides (trailing windows, positive
differences).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Range, Window
from macropatch.signals.base import Family, Signal
from macropatch.signals.windows import (
    ratio_against_trailing_mean,
    trailing_change,
)

__all__ = [
    "LISTED_COUNTS",
    "WALL_SERIES",
    "BaaSpreadAbove",
    "HighYieldSpreadAbove",
    "HighYieldSpreadWidening",
    "RefinancingShock",
    "SmallCapsLagging",
    "Universe",
    "UnprofitableSmallCaps",
    "WallYield",
]


@dataclass(frozen=True, kw_only=True)
class HighYieldSpreadAbove(Signal):
    """The high-yield option-adjusted spread above a level: credit stress priced.

    Requires: ``hy_oas`` (ICE BofA US High Yield OAS, daily, usable the next
    day). Produces: the spread (fraction), fired when above ``threshold``
    (default 0.05 = 500 bp). Timing: unknown once the last value is more
    than 10 days old.
    """

    name = "high_yield_spread_above"
    family = Family.CREDIT
    summary = "high-yield spread above 500 bp"

    threshold: Annotated[float, Range(0.0, 0.30)] = 0.05

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("hy_oas",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        spread = knowable["hy_oas"]
        return spread, spread > self.threshold


@dataclass(frozen=True, kw_only=True)
class HighYieldSpreadWidening(Signal):
    """The high-yield spread widening fast: refinancing getting dear for weak borrowers.

    Requires: ``hy_oas`` (daily, usable the next day). Produces: the change of
    the spread over the last ``window_days`` trading days (default 63, about
    three months; a fraction, 0.01 = 100 bp), fired when above ``threshold``
    (default 0.01). Timing: unknown for the first ``window_days`` days of
    knowable data and whenever either end of the window is stale.
    """

    name = "high_yield_spread_widening"
    family = Family.CREDIT
    summary = "high-yield spread up more than 100 bp in three months"

    threshold: Annotated[float, Range(-0.10, 0.10)] = 0.01
    window_days: Annotated[int, Window(1, 756)] = 63

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("hy_oas",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        spread = knowable["hy_oas"]
        change = trailing_change(spread, self.window_days)
        return change, change > self.threshold


@dataclass(frozen=True, kw_only=True)
class BaaSpreadAbove(Signal):
    """Moody's Baa corporate yield over the 10-year Treasury above a level.

    Requires: ``baa10y`` (daily, usable the next day). Produces: the spread
    (fraction), fired when above ``threshold`` (default 0.03 = 300 bp).
    Timing: unknown once the last value is more than 10 days old.
    """

    name = "baa_spread_above"
    family = Family.CREDIT
    summary = "Baa corporate spread over the 10-year above 300 bp"

    threshold: Annotated[float, Range(0.0, 0.20)] = 0.03

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("baa10y",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        spread = knowable["baa10y"]
        return spread, spread > self.threshold


@dataclass(frozen=True, kw_only=True)
class SmallCapsLagging(Signal):
    """Small caps (Russell 2000) lagging the S&P 500: the market shunning fragile firms.

    Requires: ``iwm`` and ``spy`` (adjusted closes, daily, usable the same
    day; no proxy splice here, so unknown before IWM's first day,
    2000-05-26). Produces: ``ratio / trailing mean - 1`` where ratio =
    IWM / SPY and the mean is over the last ``window_days`` trading days
    (default 200, the current day included), fired when below ``threshold``
    (default 0.0: the ratio under its average). Timing: unknown until the
    window is full of knowable ratios.
    """

    name = "small_caps_lagging"
    family = Family.CREDIT
    summary = "Russell 2000 / S&P 500 ratio below its 200-day average"

    threshold: Annotated[float, Range(-0.5, 0.5)] = 0.0
    window_days: Annotated[int, Window(2, 1260)] = 200

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("iwm", "spy")

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        value = ratio_against_trailing_mean(knowable["iwm"], knowable["spy"], self.window_days)
        return value, value < self.threshold


class Universe(enum.Enum):
    """Whose loss-making share a signal reads."""

    RUSSELL_2000 = "russell_2000"
    """The report's universe: a user series (``macropatch data import-series``)."""
    ALL_LISTED = "all_listed"
    """All US listed firms in Ken French's E/P portfolios (monthly, from 1951): not the
    Russell 2000, but the same question asked of the whole market."""


#: The E/P portfolio counts: the loss-making firms first.
LISTED_COUNTS: tuple[str, ...] = (
    "listed_loss_firms",
    "listed_profit_firms_low",
    "listed_profit_firms_middle",
    "listed_profit_firms_high",
)


@dataclass(frozen=True, kw_only=True)
class UnprofitableSmallCaps(Signal):
    """The share of unprofitable companies above a level: zombies.

    Requires, by ``universe``: ``russell_2000`` (default), the optional user
    series ``unprofitable_small_caps`` (a fraction, quarterly, usable 45 days
    after the quarter ends; never imported, the result is "no data");
    ``all_listed``, the counts of Ken French's E/P portfolios (firms with
    negative earnings against all firms with earnings data; monthly, usable
    60 days later; portfolios re-formed each June). Produces: the share,
    fired when above ``threshold`` (default 0.40, the report's "more than
    40%"). Timing: unknown once the last value is older than its staleness
    limit. The all-listed share is not the Russell 2000's: it says so
    wherever it is shown (the output name carries the universe).
    """

    name = "unprofitable_small_caps"
    family = Family.CREDIT
    summary = "more than 40% of Russell 2000 companies unprofitable"

    threshold: Annotated[float, Range(0.0, 1.0)] = 0.40
    universe: Universe = Universe.RUSSELL_2000

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        if self.universe is Universe.ALL_LISTED:
            return LISTED_COUNTS
        return ("unprofitable_small_caps",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        if self.universe is Universe.ALL_LISTED:
            counts = [knowable[name] for name in LISTED_COUNTS]
            total = sum(counts[1:], counts[0])
            share = counts[0] / total.where(total > 0.0)
        else:
            share = knowable["unprofitable_small_caps"]
        return share, share > self.threshold


class WallYield(enum.Enum):
    """Whose yield a refinancing shock reads."""

    HIGH_YIELD = "high_yield"
    CCC = "ccc"


#: The catalog series of each yield.
WALL_SERIES = {WallYield.HIGH_YIELD: "hy_effective_yield", WallYield.CCC: "ccc_effective_yield"}


@dataclass(frozen=True, kw_only=True)
class RefinancingShock(Signal):
    """The maturity wall as a refinancing shock: junk yields far above those of five years ago.

    The bonds that mature now were issued about ``window_days`` trading days
    ago (default 1260, five years) at the yields of then; refinancing them
    costs today's yield. Requires: ``hy_effective_yield`` or, with
    ``bonds = "ccc"``, ``ccc_effective_yield`` (daily, usable the next day;
    the pack's copies end 2025-04-08). Produces: today's yield minus the
    yield ``window_days`` earlier (a fraction: 0.03 = 300 bp), fired when
    above ``threshold`` (default 0.03: the report's "8-10% against 3-4%
    coupons" is +4 to +6 points).
    """

    name = "refinancing_shock"
    family = Family.CREDIT
    summary = "high-yield effective yield 300 bp above its level five years earlier"

    threshold: Annotated[float, Range(-0.10, 0.20)] = 0.03
    window_days: Annotated[int, Window(21, 2520)] = 1260
    bonds: WallYield = WallYield.HIGH_YIELD

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return (WALL_SERIES[self.bonds],)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        level = knowable[WALL_SERIES[self.bonds]]
        change = trailing_change(level, self.window_days)
        return change, change > self.threshold
