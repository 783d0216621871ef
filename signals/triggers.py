"""The built-in triggers by name: every registered signal except the composite.

Requires nothing. Produces :data:`TRIGGERS`, which the composite
(:mod:`macropatch.signals.composite`) counts from and the registry
(:mod:`macropatch.signals.registry`) extends with the composite.
"""

from __future__ import annotations

from collections.abc import Mapping

from macropatch.signals.ai_capex import (
    AiRevenueGap,
    HyperscalerCapexBoom,
    MarketConcentration,
    PowerDemand,
)
from macropatch.signals.base import Signal
from macropatch.signals.consumer import CardDelinquencyRising, DiscretionaryLagging, SahmRule
from macropatch.signals.credit import (
    BaaSpreadAbove,
    HighYieldSpreadAbove,
    HighYieldSpreadWidening,
    RefinancingShock,
    SmallCapsLagging,
    UnprofitableSmallCaps,
)
from macropatch.signals.dollar_gold import CentralBankGoldBuying, DollarWeakening, GoldTrend
from macropatch.signals.rates import FiscalStress, TenYearAbove, TermPremiumRising, ValuationGap
from macropatch.signals.volatility import VixCheap, VixStress

__all__ = ["TRIGGERS"]

TRIGGERS: Mapping[str, type[Signal]] = {
    cls.name: cls
    for cls in (
        # rates and bond vigilantes
        TenYearAbove,
        TermPremiumRising,
        ValuationGap,
        FiscalStress,
        # credit and zombie companies
        HighYieldSpreadAbove,
        HighYieldSpreadWidening,
        BaaSpreadAbove,
        SmallCapsLagging,
        UnprofitableSmallCaps,
        RefinancingShock,
        # consumer (K shape)
        CardDelinquencyRising,
        SahmRule,
        DiscretionaryLagging,
        # dollar and gold
        GoldTrend,
        DollarWeakening,
        CentralBankGoldBuying,
        # AI capex
        AiRevenueGap,
        HyperscalerCapexBoom,
        MarketConcentration,
        PowerDemand,
        # volatility
        VixCheap,
        VixStress,
    )
}
