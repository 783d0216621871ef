"""Patch strategy 1, long real assets: gold, copper, energy, uranium, nuclear and utilities.

The report's first patch: own what a weakening dollar, fiscal dominance and
the power demand of AI data centres make scarce. The allocation is a fixed
basket of real-asset ETFs, tilted towards gold while the bond vigilantes and
de-dollarisation triggers fire and gold's own trend confirms them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Range, Window
from macropatch.signals.windows import check_range
from macropatch.strategies.base import MarketView, Strategy

__all__ = ["CAPEX_BOOM", "TILT_SIGNALS", "RealAssets"]

#: Signals that each add one ``tilt`` to gold when they fire (and gold's trend confirms).
TILT_SIGNALS: tuple[str, ...] = ("term_premium_rising", "fiscal_stress", "dollar_weakening")
#: The signal that confirms the gold tilt: gold above its 10-month average.
GOLD_TREND = "gold_trend"
#: The signal of the power tilt: the AI build-out drawing on the grid.
CAPEX_BOOM = "hyperscaler_capex_boom"


@dataclass(frozen=True, kw_only=True)
class RealAssets(Strategy):
    """A basket of real assets, tilted to gold while the dollar and the bond market are under stress.

    Requires: prices of the seven assets (copper twice: the miners, COPX,
    with a proxy back to 2000, and the metal, CPER, from 2011-11-15 without
    one: no daily copper price in the pack tracks it, so its weight sits in
    cash before) and, when ``tilt > 0``, the signals ``term_premium_rising``,
    ``fiscal_stress``, ``dollar_weakening`` and ``gold_trend``.

    Produces, every trading day, one weight per asset:

    1. **Base weights**: the ``*_weight`` fields (gold 0.30, copper miners
       0.10, copper 0.05, energy 0.20, uranium 0.10, nuclear 0.10, utilities
       0.15); an asset of weight 0 is not traded. With
       ``include_uranium=False`` uranium and nuclear are dropped and the other
       four are scaled up pro rata to the same total.
    2. **Gold tilt**: when ``gold_trend`` fires (gold above its 10-month
       average), gold gains ``tilt`` for each of ``term_premium_rising``,
       ``fiscal_stress`` and ``dollar_weakening`` that fires that day, taken
       from the other assets pro rata to their base weights (at most all of
       them). When ``gold_trend`` is quiet there is no tilt.
    3. **Power tilt**: while ``hyperscaler_capex_boom`` fires (hyperscaler
       capex growing fast), ``power_tilt`` moves from gold, copper (miners and
       metal) and energy
       (pro rata to their weights that day) to utilities, uranium and nuclear
       (pro rata to their base weights): the report's "power is the binding
       constraint" of the AI build-out.
    4. **Trend filter** (only with ``trend_filter=True``): an asset whose
       price is strictly below its trailing ``trend_window_days`` mean (today
       included) gets weight 0; its weight goes to cash, not to the others.

    The weights sum to at most the base total (1 by default); the remainder
    is cash, as is the weight of an asset on days it has no price.

    Neutral allocation: the base weights. A signal that is unknown (NA) on a
    day counts as not firing, so it adds no tilt, and an unknown
    ``gold_trend`` gives no tilt at all; with every signal unknown the
    strategy holds the base weights. An asset whose trailing mean is not yet
    known (too short a history) is not filtered.

    Parameters
    ----------
    gold, copper, copper_metal, energy, uranium, nuclear, utilities
        Catalog ids of the assets. Defaults ``gld``, ``copx``, ``cper``,
        ``xle``, ``ura``, ``nlr``, ``xlu``.
    gold_weight, copper_weight, copper_metal_weight, energy_weight, uranium_weight, nuclear_weight, utilities_weight
        Base weights, each in [0, 1], summing to more than 0 and at most 1.
        Defaults 0.30, 0.10, 0.05, 0.20, 0.10, 0.10, 0.15 (sum 1). The old
        basket, without the metal: ``copper_weight = 0.15``,
        ``copper_metal_weight = 0``.
    tilt
        Weight added to gold per firing stress signal, in [0, 1]. Default
        0.10 (so gold ranges from 0.30 to 0.60). 0 turns the tilt off.
    power_tilt
        Weight moved to the power sleeves while the capex boom fires, in
        [0, 1]. Default 0.10. 0 turns it off. With both tilts at 0 the
        strategy reads no signal.
    include_uranium
        Default True. False drops uranium and nuclear (the variant without
        the nuclear theme) and renormalises the rest to the same total.
    trend_filter
        Default False. True sends an asset below its trailing mean to cash.
    trend_window_days
        Trailing mean length of the trend filter in trading days. Default
        200.

    Timing: the weights of day t use the signals knowable at the close of
    day t and prices up to and including that close (trailing windows only).
    """

    name = "real_assets"
    summary = (
        "Gold, copper, energy, uranium, nuclear and utilities; more gold while "
        "term premium, fiscal stress or a weak dollar fire and gold trends up"
    )

    gold: str = "gld"
    copper: str = "copx"
    copper_metal: str = "cper"
    energy: str = "xle"
    uranium: str = "ura"
    nuclear: str = "nlr"
    utilities: str = "xlu"
    gold_weight: float = 0.30
    copper_weight: float = 0.10
    copper_metal_weight: float = 0.05
    energy_weight: float = 0.20
    uranium_weight: float = 0.10
    nuclear_weight: float = 0.10
    utilities_weight: float = 0.15
    tilt: Annotated[float, Range(0.0, 1.0)] = 0.10
    power_tilt: Annotated[float, Range(0.0, 1.0)] = 0.10
    include_uranium: bool = True
    trend_filter: bool = False
    trend_window_days: Annotated[int, Window()] = 200

    def __post_init__(self) -> None:
        """Check the sleeve weights, and that dropping uranium leaves some weight."""
        super().__post_init__()
        weights = self._all_weights()
        for field_name, weight in weights.items():
            check_range(field_name, weight, 0.0, 1.0)
        total = sum(weights.values())
        if not 0.0 < total <= 1.0 + 1e-9:
            raise ValueError(
                f"gold_weight, copper_weight, copper_metal_weight, energy_weight, uranium_weight, "
                f"nuclear_weight and utilities_weight must sum to more than 0 and at most 1, "
                f"got {total:.6g}"
            )
        if not self.include_uranium and self._kept_total() <= 0.0:
            raise ValueError(
                "include_uranium=false leaves no weight: gold_weight, copper_weight, "
                "copper_metal_weight, energy_weight and utilities_weight are all 0"
            )
        ids = [
            self.gold,
            self.copper,
            self.copper_metal,
            self.energy,
            self.uranium,
            self.nuclear,
            self.utilities,
        ]
        if any(not asset for asset in ids) or len(set(ids)) != len(ids):
            raise ValueError(
                f"gold, copper, copper_metal, energy, uranium, nuclear and utilities must be "
                f"distinct asset ids, got {', '.join(ids)}"
            )

    def _all_weights(self) -> dict[str, float]:
        return {
            "gold_weight": self.gold_weight,
            "copper_weight": self.copper_weight,
            "copper_metal_weight": self.copper_metal_weight,
            "energy_weight": self.energy_weight,
            "uranium_weight": self.uranium_weight,
            "nuclear_weight": self.nuclear_weight,
            "utilities_weight": self.utilities_weight,
        }

    def _kept_total(self) -> float:
        return (
            self.gold_weight
            + self.copper_weight
            + self.copper_metal_weight
            + self.energy_weight
            + self.utilities_weight
        )

    def base_weights(self) -> dict[str, float]:
        """The base (neutral) weight of each traded asset, after the uranium variant."""
        weights = {self.gold: self.gold_weight, self.copper: self.copper_weight}
        if self.copper_metal_weight > 0.0:
            weights[self.copper_metal] = self.copper_metal_weight
        weights[self.energy] = self.energy_weight
        if self.include_uranium:
            weights[self.uranium] = self.uranium_weight
            weights[self.nuclear] = self.nuclear_weight
        weights[self.utilities] = self.utilities_weight
        if not self.include_uranium:
            scale = sum(self._all_weights().values()) / self._kept_total()
            weights = {asset: weight * scale for asset, weight in weights.items()}
        return weights

    @property
    @override
    def assets(self) -> tuple[str, ...]:
        return tuple(self.base_weights())

    @property
    @override
    def signals(self) -> tuple[str, ...]:
        gold = (*TILT_SIGNALS, GOLD_TREND) if self.tilt > 0.0 else ()
        power = (CAPEX_BOOM,) if self.power_tilt > 0.0 else ()
        return (*gold, *power)

    @property
    @override
    def decides_by_day(self) -> bool:
        """True unless the trend filter reads price levels over a window."""
        return not self.trend_filter

    @override
    def decide(self, market: MarketView) -> pd.DataFrame:
        index = market.prices.index
        base = self.base_weights()
        columns = {asset: np.full(len(index), weight) for asset, weight in base.items()}
        if self.tilt > 0.0:
            others = sum(base.values()) - base[self.gold]
            added = self._gold_tilt(market) * self.tilt
            added = np.minimum(added, others)
            columns[self.gold] = base[self.gold] + added
            if others > 0.0:
                scale = (others - added) / others
                for asset, weight in base.items():
                    if asset != self.gold:
                        columns[asset] = weight * scale
        if self.power_tilt > 0.0:
            self._tilt_to_power(columns, market.firing(CAPEX_BOOM), base)
        weights = pd.DataFrame(columns, index=index, columns=list(base), dtype=float)
        if self.trend_filter:
            prices = market.prices[list(base)].astype(float)
            window = self.trend_window_days
            mean = prices.rolling(window, min_periods=window).mean()
            weights = weights.mask(prices < mean, 0.0)
        return weights

    def _tilt_to_power(
        self, columns: dict[str, np.ndarray], firing: pd.Series, base: dict[str, float]
    ) -> None:
        """Move ``power_tilt`` from gold, copper and energy to the power sleeves while
        ``firing`` (in place; an unknown day moves nothing).
        """
        power = [asset for asset in (self.utilities, self.uranium, self.nuclear) if asset in base]
        others = [asset for asset in base if asset not in power]
        power_base = sum(base[asset] for asset in power)
        if power_base <= 0.0:
            return
        on = firing.to_numpy(dtype=bool, na_value=False)
        available = sum(columns[asset] for asset in others)
        moved = np.where(on, np.minimum(self.power_tilt, available), 0.0)
        share = np.divide(moved, available, out=np.zeros_like(moved), where=available > 0.0)
        for asset in others:
            columns[asset] = columns[asset] * (1.0 - share)
        for asset in power:
            columns[asset] = columns[asset] + moved * base[asset] / power_base

    def _gold_tilt(self, market: MarketView) -> np.ndarray:
        """Per day: the number of firing stress signals, 0 unless gold's trend is confirmed."""
        count = np.zeros(len(market.prices.index))
        for name in TILT_SIGNALS:
            count += market.firing(name).to_numpy(dtype=bool, na_value=False)
        confirmed = market.firing(GOLD_TREND).to_numpy(dtype=bool, na_value=False)
        return np.where(confirmed, count, 0.0)
