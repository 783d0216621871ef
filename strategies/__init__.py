"""Strategies: target weights per rebalance date, driven by signals.

For now the two benchmarks; the four patch strategies build on the same base.
"""

from macropatch.strategies.base import CASH, MarketView, Strategy, WeightError, constant_weights
from macropatch.strategies.benchmarks import SixtyForty, SpyBuyAndHold
from macropatch.strategies.registry import STRATEGIES, build_strategy

__all__ = [
    "CASH",
    "STRATEGIES",
    "MarketView",
    "SixtyForty",
    "SpyBuyAndHold",
    "Strategy",
    "WeightError",
    "build_strategy",
    "constant_weights",
]
