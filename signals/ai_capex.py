"""AI capex against revenue: the "$600bn question", market concentration, power demand.

The report's first trigger: hyperscaler capex above $400bn in 2025 while the
revenue that would pay for it is far smaller; a market ever more concentrated
in the few names that spend it; power as the binding constraint. Every signal
here reads its inputs as knowable each day (:mod:`macropatch.signals.base`) and uses
only trailing windows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, ClassVar

import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Range, Window
from macropatch.signals.base import Family, Signal
from macropatch.signals.windows import days_ago, ratio_against_trailing_mean

__all__ = [
    "HYPERSCALERS",
    "AiRevenueGap",
    "HyperscalerCapexBoom",
    "MarketConcentration",
    "PowerDemand",
]


@dataclass(frozen=True, kw_only=True)
class AiRevenueGap(Signal):
    """The "$600bn question": the revenue AI must earn to pay for its hardware, minus what it earns.

    Requires (both user supplied, quarterly, billions of USD):
    ``datacenter_gpu_revenue`` (the data-centre GPU revenue run-rate,
    annualised; knowable 30 days after the quarter ends) and ``ai_revenue``
    (AI revenue actually earned by end users, annualised; knowable 45 days
    after the quarter ends). Without either the result is "no data".

    Produces: the gap in billions of USD,
    ``required = run_rate * 2 (total data-centre cost: energy, buildings,
    networking) * 2 (a 50% gross margin for the end user)`` and
    ``gap = required - ai_revenue``; fired when the gap is above ``threshold``.
    This is David Cahn's (Sequoia, 2024) arithmetic as the report uses it.

    Parameters
    ----------
    threshold
        Default 600 (billions of USD): the report's "$600bn question".

    Timing: unknown until both inputs are knowable; each is carried forward
    until its next release (stale after 150 days).
    """

    name = "ai_revenue_gap"
    family = Family.AI_CAPEX
    summary = "Revenue AI needs (GPU run-rate x2 x2) exceeds AI revenue by more than $600bn"

    #: Total data-centre cost per dollar of GPU spend.
    COST_MULTIPLE: ClassVar[float] = 2.0
    #: End-user revenue per dollar of cost (a 50% gross margin).
    MARGIN_MULTIPLE: ClassVar[float] = 2.0

    threshold: Annotated[float, Range(0.0, 10_000.0, high_open=True, unit="bn USD")] = 600.0

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("datacenter_gpu_revenue", "ai_revenue")

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        required = knowable["datacenter_gpu_revenue"] * self.COST_MULTIPLE * self.MARGIN_MULTIPLE
        gap = required - knowable["ai_revenue"]
        return gap, gap > self.threshold


@dataclass(frozen=True, kw_only=True)
class MarketConcentration(Signal):
    """The Nasdaq-100 running far ahead of the S&P 500: a market concentrated in the AI spenders.

    Requires: ``qqq`` and ``spy`` (daily adjusted closes, knowable the same
    day; QQQ starts 1999-03-10). Produces: the QQQ/SPY ratio relative to its
    trailing mean, ``ratio / mean - 1``, fired when above ``threshold``.

    Parameters
    ----------
    threshold
        Default 0.05: the ratio 5% above its one-year average. On the pack it
        fired for long stretches in 2000, 2003, 2009, 2020 and 2023 (the
        Nasdaq-100 racing ahead) and seldom otherwise.
    window_days
        Trailing mean length in trading days, today included. Default 252
        (one year).

    Timing: unknown until the window holds ``window_days`` knowable ratios.
    """

    name = "market_concentration"
    family = Family.AI_CAPEX
    summary = "QQQ/SPY more than 5% above its one-year average"

    threshold: Annotated[float, Range(-0.5, 0.5)] = 0.05
    window_days: Annotated[int, Window()] = 252

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("qqq", "spy")

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        value = ratio_against_trailing_mean(knowable["qqq"], knowable["spy"], self.window_days)
        return value, value > self.threshold


@dataclass(frozen=True, kw_only=True)
class PowerDemand(Signal):
    """Utilities leading the market: power as the binding constraint on AI build-out.

    Requires: ``xlu`` and ``spy`` (daily adjusted closes, knowable the same
    day). Produces: the XLU/SPY ratio relative to its trailing mean,
    ``ratio / mean - 1``, fired when above ``threshold``.

    Parameters
    ----------
    threshold
        Default 0.0: utilities ahead of their average relative strength.
    window_days
        Trailing mean length in trading days, today included. Default 200.

    Timing: unknown until the window holds ``window_days`` knowable ratios.
    Utilities also lead in defensive markets, so this fires in sell-offs as
    well as in power booms.
    """

    name = "power_demand"
    family = Family.AI_CAPEX
    summary = "Utilities/S&P 500 ratio above its 200-day average"

    threshold: Annotated[float, Range(-0.5, 0.5)] = 0.0
    window_days: Annotated[int, Window()] = 200

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("xlu", "spy")

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        value = ratio_against_trailing_mean(knowable["xlu"], knowable["spy"], self.window_days)
        return value, value > self.threshold


#: The hyperscalers whose capital expenditure the pack carries (catalog ids).
HYPERSCALERS: tuple[str, ...] = ("capex_microsoft", "capex_alphabet", "capex_amazon")


@dataclass(frozen=True, kw_only=True)
class HyperscalerCapexBoom(Signal):
    """Hyperscaler capital expenditure growing fast: the AI build-out the report calls a bubble risk.

    Requires: ``capex_microsoft``, ``capex_alphabet`` and ``capex_amazon``
    (quarterly cash capex, knowable 35 days after the quarter ends; gappy:
    no Microsoft April-June quarters, Amazon from 2017, Alphabet quarterly
    from 2015). Produces: per company, the growth of its latest knowable
    quarter over the one knowable ``year_days`` trading days earlier (the
    same quarter a year before, or the latest one then); their mean over the
    companies known that day; smoothed by its trailing mean over
    ``smooth_days`` (a year of quarters). Fired when above ``threshold``.

    Parameters
    ----------
    threshold
        Default 0.40: capex growing 40% a year (2018, 2020-21, 2024-25 in the pack).
    year_days
        Trading days back for the growth. Default 252.
    smooth_days
        Trailing mean of the growth. Default 252.

    Timing: unknown until one company has ``year_days`` of history and the
    mean its ``smooth_days``. Meta and Nvidia's data-centre revenue are not
    in the pack; the report's $400bn is the sum of more companies.
    """

    name = "hyperscaler_capex_boom"
    family = Family.AI_CAPEX
    summary = "Hyperscaler capex growing more than 40% a year"

    threshold: Annotated[float, Range(-1.0, 5.0)] = 0.40
    year_days: Annotated[int, Window(21, 756)] = 252
    smooth_days: Annotated[int, Window(1, 756)] = 252

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return HYPERSCALERS

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        growth = pd.concat(
            [
                knowable[name] / days_ago(knowable[name], self.year_days) - 1.0
                for name in HYPERSCALERS
            ],
            axis=1,
        )
        mean = growth.mean(axis=1, skipna=True)
        smoothed = mean.rolling(self.smooth_days, min_periods=self.smooth_days).mean()
        return smoothed, smoothed > self.threshold
