"""Registered strategies, by the name experiment files use."""

from __future__ import annotations

from collections.abc import Mapping

from macropatch.marketdata.errors import UserError
from macropatch.marketdata.parameters import build_with_parameters
from macropatch.strategies.avoid_fragility import AvoidFragility
from macropatch.strategies.base import Strategy
from macropatch.strategies.benchmarks import SixtyForty, SpyBuyAndHold
from macropatch.strategies.long_volatility import LongVolatility
from macropatch.strategies.patched import PatchedPortfolio
from macropatch.strategies.quality_over_growth import QualityOverGrowth
from macropatch.strategies.real_assets import RealAssets

__all__ = ["STRATEGIES", "build_strategy"]

STRATEGIES: Mapping[str, type[Strategy]] = {
    cls.name: cls
    for cls in (
        RealAssets,
        AvoidFragility,
        QualityOverGrowth,
        LongVolatility,
        PatchedPortfolio,
        SpyBuyAndHold,
        SixtyForty,
    )
}


def build_strategy(
    name: str,
    parameters: Mapping[str, object],
    *,
    known: Mapping[str, type[Strategy]] | None = None,
) -> Strategy:
    """The strategy ``name`` of ``known`` (default: the built-ins) with ``parameters``
    (validated).
    """
    known = STRATEGIES if known is None else known
    try:
        cls = known[name]
    except KeyError:
        raise UserError(f"unknown strategy {name!r} (known: {', '.join(sorted(known))})") from None
    return build_with_parameters(cls, parameters, where=f"strategy {name!r}")
