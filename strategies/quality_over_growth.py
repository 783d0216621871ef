"""Patch strategy 3, quality over growth: cash-rich, profitable companies with pricing power.

The report's third patch: prefer strong free cash flow, net cash and real
profits ("shovel sellers") over story stocks priced on distant growth. The
allocation holds quality, low-volatility and consumer-staples ETFs beside a
growth sleeve, and cuts the growth sleeve while the bond vigilantes trigger
fires: long-duration growth is the first casualty of a higher discount rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from typing_extensions import override

from macropatch.signals.windows import check_range
from macropatch.strategies.base import MarketView, Strategy

__all__ = ["STRESS_SIGNALS", "QualityOverGrowth"]

#: Any of these firing cuts the growth sleeve (the report's bond-vigilante trigger).
STRESS_SIGNALS: tuple[str, ...] = ("valuation_gap", "ten_year_above", "term_premium_rising")


@dataclass(frozen=True, kw_only=True)
class QualityOverGrowth(Strategy):
    """Quality, low volatility and staples, with a growth sleeve cut when rates bite.

    Requires: prices of the four assets and, when the growth sleeve can be
    cut (``growth_weight_stressed < growth_weight``), the signals
    ``valuation_gap``, ``ten_year_above`` and ``term_premium_rising``.

    Produces, every trading day, one weight per asset:

    - **calm** (no stress signal fires): the base weights, quality 0.35, low
      volatility 0.25, staples 0.15, growth 0.25;
    - **stressed** (at least one of ``valuation_gap``, ``ten_year_above``,
      ``term_premium_rising`` fires): growth gets ``growth_weight_stressed``
      (default 0) and the difference goes to quality and low volatility pro
      rata to their base weights (default 0.35 / 0.25: quality 0.496, low
      volatility 0.354); staples keep their weight.

    The weights always sum to the base total (1 by default); an asset with
    no price that day goes to cash.

    Neutral allocation: the base weights. The stress state follows
    three-valued logic: one firing signal is enough to be stressed even if
    the others are unknown; when none fires and at least one is unknown
    (NA), the state is unknown and the strategy holds the neutral weights.

    Parameters
    ----------
    quality, low_volatility, staples, growth
        Catalog ids. Defaults ``qual`` (MSCI USA quality factor),
        ``usmv`` (minimum volatility), ``xlp`` (consumer staples: pricing
        power), ``qqq`` (Nasdaq 100; ``xlk`` for technology only).
    quality_weight, low_volatility_weight, staples_weight, growth_weight
        Base weights, each in [0, 1], summing to more than 0 and at most 1.
        Defaults 0.35, 0.25, 0.15, 0.25.
    growth_weight_stressed
        Growth weight while stressed, in [0, ``growth_weight``]. Default 0.0.
        Equal to ``growth_weight`` turns the rule off (no signals read).

    Timing: the weights of day t use the signals knowable at the close of
    day t; nothing else moves in time.
    """

    name = "quality_over_growth"
    summary = (
        "Quality, low volatility and staples over growth; growth cut while the "
        "valuation gap, a 10-year above 5% or a rising term premium fire"
    )

    quality: str = "qual"
    low_volatility: str = "usmv"
    staples: str = "xlp"
    growth: str = "qqq"
    quality_weight: float = 0.35
    low_volatility_weight: float = 0.25
    staples_weight: float = 0.15
    growth_weight: float = 0.25
    growth_weight_stressed: float = 0.0

    def __post_init__(self) -> None:
        """Check the sleeve weights, and that the stressed growth weight is at most the normal one."""
        super().__post_init__()
        weights = {
            "quality_weight": self.quality_weight,
            "low_volatility_weight": self.low_volatility_weight,
            "staples_weight": self.staples_weight,
            "growth_weight": self.growth_weight,
        }
        for field_name, weight in weights.items():
            check_range(field_name, weight, 0.0, 1.0)
        total = sum(weights.values())
        if not 0.0 < total <= 1.0 + 1e-9:
            raise ValueError(
                "quality_weight, low_volatility_weight, staples_weight and growth_weight "
                f"must sum to more than 0 and at most 1, got {total:.6g}"
            )
        check_range("growth_weight_stressed", self.growth_weight_stressed, 0.0, self.growth_weight)
        if self._cuts_growth() and self.quality_weight + self.low_volatility_weight <= 0.0:
            raise ValueError(
                "quality_weight and low_volatility_weight cannot both be 0 when "
                "growth_weight_stressed is below growth_weight (nowhere to move the cut)"
            )
        ids = [self.quality, self.low_volatility, self.staples, self.growth]
        if any(not asset for asset in ids) or len(set(ids)) != len(ids):
            raise ValueError(
                f"quality, low_volatility, staples and growth must be distinct asset ids, "
                f"got {', '.join(ids)}"
            )

    def _cuts_growth(self) -> bool:
        return self.growth_weight_stressed < self.growth_weight

    def base_weights(self) -> dict[str, float]:
        """The calm (neutral) weight of each asset."""
        return {
            self.quality: self.quality_weight,
            self.low_volatility: self.low_volatility_weight,
            self.staples: self.staples_weight,
            self.growth: self.growth_weight,
        }

    def stressed_weights(self) -> dict[str, float]:
        """The weight of each asset while a stress signal fires."""
        cut = self.growth_weight - self.growth_weight_stressed
        defensive = self.quality_weight + self.low_volatility_weight
        weights = self.base_weights()
        if cut > 0.0:
            weights[self.quality] += cut * self.quality_weight / defensive
            weights[self.low_volatility] += cut * self.low_volatility_weight / defensive
            weights[self.growth] = self.growth_weight_stressed
        return weights

    @property
    @override
    def assets(self) -> tuple[str, ...]:
        return (self.quality, self.low_volatility, self.staples, self.growth)

    @property
    @override
    def signals(self) -> tuple[str, ...]:
        return STRESS_SIGNALS if self._cuts_growth() else ()

    @property
    @override
    def decides_by_day(self) -> bool:
        """True: the growth sleeve is cut on the day's firing states alone."""
        return True

    @override
    def decide(self, market: MarketView) -> pd.DataFrame:
        index = market.prices.index
        calm = self.base_weights()
        if not self._cuts_growth():
            stressed = np.zeros(len(index), dtype=bool)
        else:
            state = market.firing(STRESS_SIGNALS[0])
            for name in STRESS_SIGNALS[1:]:
                state = state | market.firing(name)  # Kleene logic: True | NA is True
            stressed = state.to_numpy(dtype=bool, na_value=False)
        under_stress = self.stressed_weights()
        columns = {
            asset: np.where(stressed, under_stress[asset], calm[asset]) for asset in self.assets
        }
        return pd.DataFrame(columns, index=index, columns=list(self.assets), dtype=float)
