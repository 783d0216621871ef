"""The composite: one system-stress number from the report's triggers."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import check_range
from macropatch.signals.base import Family, Signal
from macropatch.signals.triggers import TRIGGERS

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

    Requires: the inputs of every component, each built with the parameters
    the experiment gives it (:meth:`bound_to`; its defaults otherwise).
    Produces: ``value`` = the sum of the weights of the known components
    firing that day. ``fired`` when that score is at or above ``threshold``
    (default 3: three triggers at once), which unknown components could only
    raise. ``quiet`` only when the score is below the threshold and at least
    ``min_known`` components are known that day; below that the composite is
    unknown, never quiet (:meth:`components_known` tells how many were known).
    Timing: that of its components (each point-in-time).

    Parameters
    ----------
    components
        Registered signal names (default :data:`DEFAULT_COMPONENTS`).
    weights
        One weight per component; empty means 1 each (a plain count).
    threshold
        The score at which the composite fires.
    min_known
        How many components must be known for the composite to say "quiet"
        (default 6, three quarters of the default eight).
    """

    name = "system_stress"
    family = Family.COMPOSITE
    summary = "several of the report's triggers firing at once"

    components: tuple[str, ...] = DEFAULT_COMPONENTS
    weights: tuple[float, ...] = ()
    threshold: float = 3.0
    min_known: int = 6
    configured: tuple[Signal, ...] = field(default=(), init=False, repr=False)
    """The components as the experiment configures them (set by :meth:`bound_to`)."""

    def __post_init__(self) -> None:
        """Check the components, weights, threshold and ``min_known`` against each other."""
        super().__post_init__()
        if not self.components:
            raise ValueError("components must name at least one signal")
        unknown = [name for name in self.components if name not in TRIGGERS]
        if unknown:
            raise ValueError(f"components: {unknown[0]!r} is not a registered trigger")
        if self.weights and len(self.weights) != len(self.components):
            raise ValueError(f"weights must have one value per component ({len(self.components)})")
        if any(not np.isfinite(weight) or weight < 0 for weight in self.weights):
            raise ValueError("weights must be finite and non-negative")
        check_range("threshold", self.threshold, 0.0, sum(self._weights), low_open=True)
        check_range("min_known", self.min_known, 1, len(self.components), unit="components")

    def bound_to(self, signals: Mapping[str, Signal]) -> SystemStress:
        """The composite reading its components as configured in ``signals`` (by name);
        a component not in ``signals`` keeps its defaults.
        """
        parts = tuple(
            signals[name] if name in signals else TRIGGERS[name]() for name in self.components
        )
        bound = dataclasses.replace(self)
        object.__setattr__(bound, "configured", parts)
        return bound

    def output_name(self) -> str:
        """``system_stress[threshold=3.0]`` with the default components; the components
        (joined by ``+``) and weights otherwise.
        """
        parts = []
        if self.components != DEFAULT_COMPONENTS:
            parts.append(f"components={'+'.join(self.components)}")
        if self.weights:
            parts.append(f"weights={'+'.join(f'{weight:g}' for weight in self.weights)}")
        parts.append(f"threshold={self.threshold}")
        if self.min_known != 6:
            parts.append(f"min_known={self.min_known}")
        for part in self._parts:  # components configured away from their defaults
            default = type(part)()
            for item in dataclasses.fields(part):
                if item.init and getattr(part, item.name) != getattr(default, item.name):
                    parts.append(f"{part.name}.{item.name}={getattr(part, item.name)}")
        return f"{self.name}[{','.join(parts)}]"

    @property
    def _weights(self) -> tuple[float, ...]:
        return self.weights or tuple(1.0 for _ in self.components)

    @cached_property
    def _parts(self) -> tuple[Signal, ...]:
        """The components, built once (``configured`` is set before anything reads them)."""
        if self.configured:
            return self.configured
        return tuple(TRIGGERS[name]() for name in self.components)

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(series for part in self._parts for series in part.inputs))

    def _scores(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        """Per day: the weighted count of known components firing, and how many are known."""
        index = next(iter(knowable.values())).index
        score = pd.Series(0.0, index=index)
        known = pd.Series(0, index=index)
        for part, weight in zip(self._parts, self._weights, strict=True):
            value, fired = part.compute({series: knowable[series] for series in part.inputs})
            flags = pd.Series(fired, index=index, dtype="object")
            is_known = value.notna() & flags.notna()
            firing = is_known & flags.where(is_known, False).astype(bool)
            score = score + weight * firing.astype(float)
            known = known + is_known.astype(int)
        return score, known

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        score, known = self._scores(knowable)
        fired = score >= self.threshold
        decided = fired | (known >= self.min_known)
        return score.where(known > 0), fired.astype(object).where(decided)

    def components_known(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, int]:
        """Per day, how many components are known; and how many there are."""
        return self._scores(knowable)[1], len(self.components)
