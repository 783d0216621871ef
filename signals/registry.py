"""Registered signals, by the name experiment files use (``[signals.<name>]``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marketdata.errors import UserError
from signals.ai_capex import AiRevenueGap, MarketConcentration, PowerDemand
from signals.base import Signal
from signals.composite import SystemStress
from signals.consumer import CardDelinquencyRising, DiscretionaryLagging, SahmRule
from signals.credit import (
    BaaSpreadAbove,
    HighYieldSpreadAbove,
    HighYieldSpreadWidening,
    SmallCapsLagging,
    UnprofitableSmallCaps,
)
from signals.dollar_gold import CentralBankGoldBuying, DollarWeakening, GoldTrend
from signals.parameters import build_with_parameters
from signals.rates import FiscalStress, TenYearAbove, TermPremiumRising, ValuationGap
from signals.volatility import VixCheap, VixStress

__all__ = ["SIGNALS", "build_signal", "default_signals"]

SIGNALS: Mapping[str, type[Signal]] = {
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
        MarketConcentration,
        PowerDemand,
        # volatility
        VixCheap,
        VixStress,
        # composite
        SystemStress,
    )
}


def build_signal(name: str, parameters: Mapping[str, Any]) -> Signal:
    """The registered signal ``name`` with ``parameters`` (validated)."""
    try:
        cls = SIGNALS[name]
    except KeyError:
        raise UserError(f"unknown signal {name!r} (known: {', '.join(sorted(SIGNALS))})") from None
    return build_with_parameters(cls, parameters, where=f"signal {name!r}")


def default_signals(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[Signal]:
    """Every registered signal, with its defaults or the parameters in ``overrides``;
    a composite reads its components as configured here (:meth:`Signal.bound_to`)."""
    overrides = overrides or {}
    for name in overrides:
        if name not in SIGNALS:
            raise UserError(f"unknown signal {name!r} (known: {', '.join(sorted(SIGNALS))})")
    built = {name: build_signal(name, overrides.get(name, {})) for name in SIGNALS}
    return [signal.bound_to(built) for signal in built.values()]
