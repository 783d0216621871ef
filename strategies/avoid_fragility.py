"""Patch strategy 2, avoid fragility: leave the sleeves the report calls fragile when they crack.

The report's second patch: avoid unprofitable small caps (the Russell 2000's
zombies), underweight consumer discretionary exposed to lower-income
households, and beware leveraged commercial real estate. The neutral
allocation already avoids: an S&P 500 core, profitable small caps (the S&P
600, whose index requires positive earnings) and quality stocks, with
discretionary and real estate held only through the core (under their market
weight). Each group of triggers deepens the avoidance while it fires: its
sleeve is dropped and a slice of the core moves to a safe haven (quality
stocks and short Treasuries), or, in the long/short variant, the sleeve is
also sold short. The old allocation (SPY 65%, IWM 15%, XLY 10%, VNQ 10%,
dropped on triggers) stays reachable by parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Range
from macropatch.signals.windows import check_range
from macropatch.strategies.base import MarketView, Strategy

__all__ = ["CONSUMER_SIGNALS", "REAL_ESTATE_SIGNALS", "SMALL_CAP_SIGNALS", "AvoidFragility"]

#: Credit and zombie-company triggers: any of them firing drops the small-cap sleeve.
SMALL_CAP_SIGNALS: tuple[str, ...] = (
    "high_yield_spread_widening",
    "small_caps_lagging",
    "unprofitable_small_caps",
)
#: K-shaped consumer triggers: any of them firing drops the discretionary sleeve.
CONSUMER_SIGNALS: tuple[str, ...] = (
    "card_delinquency_rising",
    "sahm_rule",
    "discretionary_lagging",
)
#: Credit stress trigger (leveraged commercial real estate): firing drops the real-estate sleeve.
REAL_ESTATE_SIGNALS: tuple[str, ...] = ("high_yield_spread_above",)

_SUM_TOLERANCE = 1e-9


def group_firing(market: MarketView, names: tuple[str, ...]) -> pd.Series:
    """Whether a group of triggers fires each day: True, False or NA (unknown).

    True when at least one trigger fires; False when none fires and at least
    one is known (an unknown trigger then counts as not firing, so an
    optional signal without data cannot block the others); NA only when every
    trigger of the group is unknown that day.
    """
    states = pd.concat([market.firing(name) for name in names], axis=1)
    fired = states.fillna(False).any(axis=1)
    known = states.notna().any(axis=1)
    return fired.astype("boolean").where(known, pd.NA)


@dataclass(frozen=True, kw_only=True)
class AvoidFragility(Strategy):
    """An S&P 500 core with small-cap, discretionary and real-estate sleeves, each dropped on its triggers.

    Requires: prices of the core, the three sleeves and the two havens
    (defaults ``spy``, ``ijr``, ``xly``, ``vnq``, ``qual``, ``shy``) and the
    signals of :data:`SMALL_CAP_SIGNALS`, :data:`CONSUMER_SIGNALS` and
    :data:`REAL_ESTATE_SIGNALS`.

    Produces, every trading day, one weight per asset:

    1. **Base (neutral) weights**: core 0.75, small caps (IJR) 0.10, quality
       0.15, discretionary 0 and real estate 0 (held only through the core:
       about 7.5% and 1.7% of NAV against their 10% and 2.3% of the S&P 500);
       short Treasuries 0.
    2. **Drops**: the small-cap sleeve is dropped while
       ``high_yield_spread_widening``, ``small_caps_lagging`` or
       ``unprofitable_small_caps`` fires; the discretionary sleeve while
       ``card_delinquency_rising``, ``sahm_rule`` or ``discretionary_lagging``
       fires; the real-estate sleeve while ``high_yield_spread_above`` fires.
       A dropped sleeve's weight, plus its group's cut of the core
       (``small_caps_core_cut`` 0, ``consumer_core_cut`` 0.10,
       ``real_estate_core_cut`` 0.05 of NAV), goes to the safe haven: the
       share ``haven_quality_share`` to quality, the rest to short Treasuries.
    3. **Long/short** (only with ``long_short=True``): a dropped sleeve is
       also sold short, weight ``-sleeve weight``. The long book (core,
       sleeves kept, havens) still sums to the base total (1 by default), the
       short proceeds stay in cash: the weights of a day sum to ``1 - shorts``,
       cash holds the shorts' size, and gross exposure is up to ``1 +
       shorts`` (1.35 with the defaults).

    The weights sum to the base total; any remainder (a base total below 1,
    the short proceeds, an asset without a price that day) is cash.

    Neutral allocation: the base weights. A group of triggers decides only
    when at least one of its signals is known: an unknown (NA) trigger counts
    as not firing when another trigger of the same group is known (so an
    optional signal without data, all NA, does not prevent the others from
    working), and when all of a group's triggers are unknown its sleeve keeps
    its base weight. With every signal unknown the strategy holds the base
    weights. See :func:`group_firing`.

    Parameters
    ----------
    core, small_caps, discretionary, real_estate, quality, short_treasuries
        Catalog ids of the assets, all distinct. Defaults ``spy``, ``ijr``,
        ``xly``, ``vnq``, ``qual``, ``shy``.
    core_weight, small_caps_weight, discretionary_weight, real_estate_weight, quality_weight
        Base weights, each in [0, 1], summing to more than 0 and at most 1.
        Defaults 0.75, 0.10, 0, 0, 0.15 (sum 1). The old allocation:
        ``small_caps = "iwm"``, 0.65, 0.15, 0.10, 0.10, 0 and no core cuts.
    small_caps_core_cut, consumer_core_cut, real_estate_core_cut
        Share of NAV moved from the core to the havens while the group fires
        (defaults 0, 0.10, 0.05; together at most ``core_weight``).
    haven_quality_share
        Share of a dropped sleeve's weight that goes to ``quality``, in
        [0, 1]; the rest goes to ``short_treasuries``. Default 0.5.
    long_short
        Default False. True also shorts each dropped sleeve (see above).

    Timing: the weights of day t use the signals knowable at the close of
    day t (the Signal base applied publication lags); the engine trades them
    at a later close.
    """

    name = "avoid_fragility"
    summary = (
        "SPY core plus small-cap, discretionary and real-estate sleeves; each sleeve moves to "
        "quality and short Treasuries (or is shorted) while its credit or consumer triggers fire"
    )

    core: str = "spy"
    small_caps: str = "ijr"
    discretionary: str = "xly"
    real_estate: str = "vnq"
    quality: str = "qual"
    short_treasuries: str = "shy"
    core_weight: float = 0.75
    small_caps_weight: float = 0.10
    discretionary_weight: float = 0.0
    real_estate_weight: float = 0.0
    quality_weight: float = 0.15
    small_caps_core_cut: Annotated[float, Range(0.0, 1.0)] = 0.0
    consumer_core_cut: Annotated[float, Range(0.0, 1.0)] = 0.10
    real_estate_core_cut: Annotated[float, Range(0.0, 1.0)] = 0.05
    haven_quality_share: Annotated[float, Range(0.0, 1.0)] = 0.5
    long_short: bool = False

    def __post_init__(self) -> None:
        """Check that the sleeve weights are fractions summing to at most 1."""
        super().__post_init__()
        weights = {
            "core_weight": self.core_weight,
            "small_caps_weight": self.small_caps_weight,
            "discretionary_weight": self.discretionary_weight,
            "real_estate_weight": self.real_estate_weight,
            "quality_weight": self.quality_weight,
        }
        for field_name, weight in weights.items():
            check_range(field_name, weight, 0.0, 1.0)
        total = sum(weights.values())
        if not 0.0 < total <= 1.0 + _SUM_TOLERANCE:
            raise ValueError(
                "core_weight, small_caps_weight, discretionary_weight, real_estate_weight and "
                f"quality_weight must sum to more than 0 and at most 1, got {total:.6g}"
            )
        cuts = self.small_caps_core_cut + self.consumer_core_cut + self.real_estate_core_cut
        if cuts > self.core_weight + _SUM_TOLERANCE:
            raise ValueError(
                "small_caps_core_cut, consumer_core_cut and real_estate_core_cut must sum to at "
                f"most core_weight ({self.core_weight:.6g}), got {cuts:.6g}"
            )
        ids = list(self.assets)
        if any(not asset for asset in ids) or len(set(ids)) != len(ids):
            raise ValueError(
                "core, small_caps, discretionary, real_estate, quality and short_treasuries "
                f"must be distinct asset ids, got {', '.join(ids)}"
            )

    # The base class reads the bound through the instance, so a property lets it
    # depend on ``long_short`` without changing the base.
    @property
    def min_weight(self) -> float:  # type: ignore[override]
        """Lowest weight allowed: 0, or minus the largest sleeve when sleeves are shorted."""
        if not self.long_short:
            return 0.0
        return -max(self.small_caps_weight, self.discretionary_weight, self.real_estate_weight)

    @property
    @override
    def assets(self) -> tuple[str, ...]:
        return (
            self.core,
            self.small_caps,
            self.discretionary,
            self.real_estate,
            self.quality,
            self.short_treasuries,
        )

    @property
    @override
    def signals(self) -> tuple[str, ...]:
        return SMALL_CAP_SIGNALS + CONSUMER_SIGNALS + REAL_ESTATE_SIGNALS

    @property
    @override
    def decides_by_day(self) -> bool:
        """True: each sleeve is dropped on the day's firing states alone."""
        return True

    def base_weights(self) -> dict[str, float]:
        """The neutral weight of each traded asset (short Treasuries at 0)."""
        return {
            self.core: self.core_weight,
            self.small_caps: self.small_caps_weight,
            self.discretionary: self.discretionary_weight,
            self.real_estate: self.real_estate_weight,
            self.quality: self.quality_weight,
            self.short_treasuries: 0.0,
        }

    @override
    def decide(self, market: MarketView) -> pd.DataFrame:
        index = market.prices.index
        weights = pd.DataFrame(
            {asset: pd.Series(weight, index=index) for asset, weight in self.base_weights().items()}
        ).astype(float)
        moved = pd.Series(0.0, index=index)
        for sleeve, sleeve_weight, cut, names in (
            (self.small_caps, self.small_caps_weight, self.small_caps_core_cut, SMALL_CAP_SIGNALS),
            (
                self.discretionary,
                self.discretionary_weight,
                self.consumer_core_cut,
                CONSUMER_SIGNALS,
            ),
            (
                self.real_estate,
                self.real_estate_weight,
                self.real_estate_core_cut,
                REAL_ESTATE_SIGNALS,
            ),
        ):
            # Unknown groups (NA) keep the sleeve: the neutral allocation.
            dropped = group_firing(market, names).fillna(False).to_numpy(dtype=bool)
            dropped_weight = -sleeve_weight if self.long_short else 0.0
            weights.loc[dropped, sleeve] = dropped_weight
            weights.loc[dropped, self.core] -= cut
            moved[dropped] += sleeve_weight + cut
        weights[self.quality] += moved * self.haven_quality_share
        weights[self.short_treasuries] = moved * (1.0 - self.haven_quality_share)
        return weights[list(self.assets)]
