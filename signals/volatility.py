"""Volatility: protection cheap while macro risk is high, and the stress that follows.

The report's sixth trigger: the VIX sits near historic lows while the macro
risks above are high, so protection (long-dated volatility, deep
out-of-the-money puts) is cheap. Every signal here reads its inputs as
knowable each day (:mod:`macropatch.signals.base`) and uses only trailing windows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Range, Window, check_window
from macropatch.signals.base import Family, Signal

__all__ = ["VixCheap", "VixStress"]


@dataclass(frozen=True, kw_only=True)
class VixCheap(Signal):
    """VIX low against its own recent history: protection is cheap.

    Requires: ``vix`` (CBOE VIX close, index points, daily from 1990,
    knowable the same day). Produces: today's percentile rank of the VIX
    within its trailing window (today included; the lowest value ranks
    ``1/n``, the highest 1, ties share their average rank), fired when below
    ``threshold``.

    Parameters
    ----------
    threshold
        Default 0.20: the VIX in the bottom fifth of its recent range.
    window_days
        Trailing window in trading days. Default 1260 (about five years,
        long enough to hold a full volatility cycle).
    min_days
        Observations the window needs before the rank is known. Default 252
        (one year); until the window is full, the rank uses what there is.

    Timing: unknown on days the VIX is unknown and until ``min_days``
    knowable observations; days with an unknown VIX do not count.
    """

    name = "vix_cheap"
    family = Family.VOLATILITY
    summary = "VIX in the bottom 20% of its five-year range"

    threshold: Annotated[
        float, Range(0.0, 1.0, low_open=True, high_open=True, what="a percentile")
    ] = 0.20
    window_days: Annotated[int, Window(20, 5040)] = 1260
    min_days: int = 252

    def __post_init__(self) -> None:
        """Check that ``min_days`` fits in the window."""
        super().__post_init__()
        check_window("min_days", self.min_days, 2, self.window_days)

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("vix",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        vix = knowable["vix"]
        rank = vix.rolling(self.window_days, min_periods=self.min_days).rank(pct=True)
        value = rank.where(vix.notna())
        return value, value < self.threshold


@dataclass(frozen=True, kw_only=True)
class VixStress(Signal):
    """VIX above a stress level: the crash the insurance budget pays for.

    Requires: ``vix`` (CBOE VIX close, index points: 30 means 30% a year,
    daily, knowable the same day). Produces: the VIX, fired when above
    ``threshold``.

    Parameters
    ----------
    threshold
        Default 30.0 index points: the VIX's long-run average is about 19,
        and closes above 30 cluster in crises (1998, 2002, 2008-09, 2011,
        2020, 2022).
    """

    name = "vix_stress"
    family = Family.VOLATILITY
    summary = "VIX above 30"

    threshold: Annotated[float, Range(5.0, 150.0, unit="index points")] = 30.0

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("vix",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        value = knowable["vix"]
        return value, value > self.threshold
