"""Patch strategy 2, avoid fragility: leave the sleeves the report calls fragile when they crack.

The report's second patch: avoid unprofitable small caps (the Russell 2000's
zombies), underweight consumer discretionary exposed to lower-income
households, and beware leveraged commercial real estate. The allocation is an
S&P 500 core plus three "fragile" sleeves; each sleeve is dropped while its
triggers fire and its weight moves to a safe haven (quality stocks and short
Treasuries), or, in the long/short variant, the sleeve is also sold short.
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
    (defaults ``spy``, ``iwm``, ``xly``, ``vnq``, ``qual``, ``shy``) and the
    signals of :data:`SMALL_CAP_SIGNALS`, :data:`CONSUMER_SIGNALS` and
    :data:`REAL_ESTATE_SIGNALS`.

    Produces, every trading day, one weight per asset:

    1. **Base (neutral) weights**: core 0.65, small caps 0.15, discretionary
       0.10, real estate 0.10; the havens 0.
    2. **Drops**: the small-cap sleeve is dropped while
       ``high_yield_spread_widening``, ``small_caps_lagging`` or
       ``unprofitable_small_caps`` fires; the discretionary sleeve while
       ``card_delinquency_rising``, ``sahm_rule`` or ``discretionary_lagging``
       fires; the real-estate sleeve while ``high_yield_spread_above`` fires.
       A dropped sleeve's weight goes to the safe haven: the share
       ``haven_quality_share`` to quality, the rest to short Treasuries.
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
        Catalog ids of the assets, all distinct. Defaults ``spy``, ``iwm``,
        ``xly``, ``vnq``, ``qual``, ``shy``.
    core_weight, small_caps_weight, discretionary_weight, real_estate_weight
        Base weights, each in [0, 1], summing to more than 0 and at most 1.
        Defaults 0.65, 0.15, 0.10, 0.10 (sum 1).
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
    small_caps: str = "iwm"
    discretionary: str = "xly"
    real_estate: str = "vnq"
    quality: str = "qual"
    short_treasuries: str = "shy"
    core_weight: float = 0.65
    small_caps_weight: float = 0.15
    discretionary_weight: float = 0.10
    real_estate_weight: float = 0.10
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
        }
        for field_name, weight in weights.items():
            check_range(field_name, weight, 0.0, 1.0)
        total = sum(weights.values())
        if not 0.0 < total <= 1.0 + _SUM_TOLERANCE:
            raise ValueError(
                "core_weight, small_caps_weight, discretionary_weight and real_estate_weight "
                f"must sum to more than 0 and at most 1, got {total:.6g}"
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

    def base_weights(self) -> dict[str, float]:
        """The neutral weight of each traded asset (havens at 0)."""
        return {
            self.core: self.core_weight,
            self.small_caps: self.small_caps_weight,
            self.discretionary: self.discretionary_weight,
            self.real_estate: self.real_estate_weight,
            self.quality: 0.0,
            self.short_treasuries: 0.0,
        }

    @override
    def decide(self, market: MarketView) -> pd.DataFrame:
        index = market.prices.index
        weights = pd.DataFrame(
            {asset: pd.Series(weight, index=index) for asset, weight in self.base_weights().items()}
        ).astype(float)
        moved = pd.Series(0.0, index=index)
        for sleeve, sleeve_weight, names in (
            (self.small_caps, self.small_caps_weight, SMALL_CAP_SIGNALS),
            (self.discretionary, self.discretionary_weight, CONSUMER_SIGNALS),
            (self.real_estate, self.real_estate_weight, REAL_ESTATE_SIGNALS),
        ):
            # Unknown groups (NA) keep the sleeve: the neutral allocation.
            dropped = group_firing(market, names).fillna(False).to_numpy(dtype=bool)
            dropped_weight = -sleeve_weight if self.long_short else 0.0
            weights.loc[dropped, sleeve] = dropped_weight
            moved[dropped] += sleeve_weight
        weights[self.quality] = moved * self.haven_quality_share
        weights[self.short_treasuries] = moved * (1.0 - self.haven_quality_share)
        return weights[list(self.assets)]
