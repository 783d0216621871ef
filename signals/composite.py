"""The composite: one system-stress number from the report's triggers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from signals.base import Family, Signal

__all__ = ["DEFAULT_COMPONENTS", "SystemStress"]

#: The triggers counted by default: those the pack can supply (no optional
#: user series, so the composite never waits for an import).
DEFAULT_COMPONENTS: tuple[str, ...] = (
    "ten_year_above",
    "term_premium_rising",
    "valuation_gap",
    "high_yield_spread_widening",
    "small_caps_lagging",
    "card_delinquency_rising",
    "sahm_rule",
    "vix_stress",
)


@dataclass(frozen=True, kw_only=True)
class SystemStress(Signal):
    """A weighted count of the report's triggers that are firing.

    Requires: the inputs of every component (each built with its defaults).
    Produces: ``value`` = the sum of the weights of the components firing that
    day; components that are unknown that day count as not firing. ``fired``
    when the score is at or above ``threshold`` (default 3: three triggers at
    once). Unknown only when every component is unknown. Timing: that of its
    components (each point-in-time).

    Parameters
    ----------
    components
        Registered signal names (default :data:`DEFAULT_COMPONENTS`).
    weights
        One weight per component; empty means 1 each (a plain count).
    threshold
        The score at which the composite fires.
    """

    name = "system_stress"
    family = Family.COMPOSITE
    summary = "several of the report's triggers firing at once"

    components: tuple[str, ...] = DEFAULT_COMPONENTS
    weights: tuple[float, ...] = ()
    threshold: float = 3.0

    def __post_init__(self) -> None:
        from signals.registry import SIGNALS

        if not self.components:
            raise ValueError("components must name at least one signal")
        unknown = [name for name in self.components if name not in SIGNALS or name == self.name]
        if unknown:
            raise ValueError(f"components: {unknown[0]!r} is not a registered signal")
        if self.weights and len(self.weights) != len(self.components):
            raise ValueError(f"weights must have one value per component ({len(self.components)})")
        if any(not np.isfinite(weight) or weight < 0 for weight in self.weights):
            raise ValueError("weights must be finite and non-negative")
        if not 0 < self.threshold <= sum(self._weights):
            raise ValueError(
                f"threshold must be above 0 and at most the sum of the weights, got {self.threshold}"
            )

    def output_name(self) -> str:
        """``system_stress[threshold=3.0]`` with the default components; the components
        (joined by ``+``) and weights otherwise."""
        parts = []
        if self.components != DEFAULT_COMPONENTS:
            parts.append(f"components={'+'.join(self.components)}")
        if self.weights:
            parts.append(f"weights={'+'.join(f'{weight:g}' for weight in self.weights)}")
        parts.append(f"threshold={self.threshold}")
        return f"{self.name}[{','.join(parts)}]"

    @property
    def _weights(self) -> tuple[float, ...]:
        return self.weights or tuple(1.0 for _ in self.components)

    @cached_property
    def _parts(self) -> tuple[Signal, ...]:
        from signals.registry import build_signal

        return tuple(build_signal(name, {}) for name in self.components)

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(series for part in self._parts for series in part.inputs))

    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        index = next(iter(knowable.values())).index
        score = pd.Series(0.0, index=index)
        known = pd.Series(False, index=index)
        for part, weight in zip(self._parts, self._weights, strict=True):
            value, fired = part.compute({series: knowable[series] for series in part.inputs})
            flags = pd.Series(fired, index=index, dtype="object")
            is_known = value.notna() & flags.notna()
            firing = is_known & flags.where(is_known, False).astype(bool)
            score = score + weight * firing.astype(float)
            known = known | is_known
        score = score.where(known)
        return score, score >= self.threshold
