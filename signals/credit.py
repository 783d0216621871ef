"""Credit and zombie companies: high-yield and Baa spreads, small caps, unprofitable firms.

Spreads and shares are fractions (0.05 = 500 bp). Every ``compute`` uses only
causal operations on the knowable daily inputs the
:class:`~macropatch.signals.base.Signal` base provides (trailing windows, positive
differences).
"""

from __future__ import annotations

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
    "BaaSpreadAbove",
    "HighYieldSpreadAbove",
    "HighYieldSpreadWidening",
    "SmallCapsLagging",
    "UnprofitableSmallCaps",
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


@dataclass(frozen=True, kw_only=True)
class UnprofitableSmallCaps(Signal):
    """The share of unprofitable Russell 2000 companies above a level: zombies.

    Requires: the optional user series ``unprofitable_small_caps`` (a
    fraction, quarterly, usable 45 days after the quarter ends); never
    imported, the result is "no data" (handled by the base class).
    Produces: the share, fired when above ``threshold`` (default 0.40, the
    report's "more than 40%"). Timing: unknown 150 days after the last value.
    """

    name = "unprofitable_small_caps"
    family = Family.CREDIT
    summary = "more than 40% of Russell 2000 companies unprofitable"

    threshold: Annotated[float, Range(0.0, 1.0)] = 0.40

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("unprofitable_small_caps",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        share = knowable["unprofitable_small_caps"]
        return share, share > self.threshold
