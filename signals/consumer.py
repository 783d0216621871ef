"""Consumer (the K shape): card delinquencies, the Sahm rule, discretionary against staples.

The report's fourth trigger: lower-income households fall behind on credit
cards while the top decile keeps spending; a rising unemployment rate would
stall consumption. Every signal here reads its inputs as knowable each day
(:mod:`macropatch.signals.base`) and uses only trailing windows and positive lags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import pandas as pd
from typing_extensions import override

from macropatch.marketdata.bounds import Range, Window
from macropatch.signals.base import Family, Signal
from macropatch.signals.windows import ratio_against_trailing_mean

__all__ = ["CardDelinquencyRising", "DiscretionaryLagging", "SahmRule"]


@dataclass(frozen=True, kw_only=True)
class CardDelinquencyRising(Signal):
    """Credit-card delinquencies high and still rising: the lower half of the K is cracking.

    Requires: ``card_delinquency`` (quarterly, FRED DRCCLACBS, a fraction
    after normalisation; dated at the start of the quarter, knowable 56 days
    after the quarter ends). Produces: the delinquency rate as known each day,
    fired when it is above ``threshold`` **and** higher than the value known
    ``window_days`` trading days earlier.

    Parameters
    ----------
    threshold
        Level above which delinquencies count as high. Default 0.03 (3%):
        the rate stayed between 2.1% and 2.7% from 2013 to 2019 and passed 3% again in
        late 2023, the "post-2012 highs" the report points to.
    window_days
        How far back "rising" looks, in trading days. Default 252 (one year):
        for a quarterly series this compares the latest published quarter
        with the one published about four quarters earlier, which removes
        any leftover seasonality and ignores one-quarter noise.

    Timing: unknown until both today's value and the value ``window_days``
    earlier are knowable; a quarter's value is carried forward until the
    next release (stale after 120 days).
    """

    name = "card_delinquency_rising"
    family = Family.CONSUMER
    summary = "Credit-card delinquency above 3% and higher than a year earlier"

    threshold: Annotated[
        float, Range(0.0, 0.2, low_open=True, high_open=True, what="a fraction")
    ] = 0.03
    window_days: Annotated[int, Window(21)] = 252

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("card_delinquency",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        level = knowable["card_delinquency"]
        change = level.diff(self.window_days)
        fired = ((level > self.threshold) & (change > 0)).astype("boolean")
        return level, fired.where(change.notna())


@dataclass(frozen=True, kw_only=True)
class SahmRule(Signal):
    """The real-time Sahm rule: unemployment rising fast enough to mark a recession.

    Requires: ``sahm_realtime`` (monthly, FRED SAHMREALTIME, quoted in
    percentage points and stored as a fraction: 0.5 points = 0.005; dated at
    the start of the month, knowable 7 days after the month ends). Produces:
    the indicator, fired when it is at or above ``threshold``.

    Parameters
    ----------
    threshold
        Default 0.005 (0.50 percentage points), Claudia Sahm's trigger: the
        three-month average unemployment rate 0.5 points above its low of
        the previous twelve months.

    Timing: the FRED series is built from the unemployment rate as first
    published, so it is point-in-time; a month's value is carried forward
    until the next release (stale after 45 days).
    """

    name = "sahm_rule"
    family = Family.CONSUMER
    summary = "Real-time Sahm rule at or above 0.5 percentage points"

    threshold: Annotated[
        float, Range(0.0, 0.05, low_open=True, high_open=True, what="a fraction")
    ] = 0.005

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("sahm_realtime",)

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        value = knowable["sahm_realtime"]
        return value, value >= self.threshold


@dataclass(frozen=True, kw_only=True)
class DiscretionaryLagging(Signal):
    """Consumer discretionary lagging staples: households trading down.

    Requires: ``xly`` and ``xlp`` (daily adjusted closes, knowable the same
    day). Produces: the XLY/XLP ratio relative to its trailing mean,
    ``ratio / mean - 1``, fired when it is below ``threshold``.

    Parameters
    ----------
    threshold
        Default 0.0: the ratio below its average.
    window_days
        Length of the trailing mean in trading days, today included.
        Default 200, the usual long trend window.

    Timing: unknown until the window holds ``window_days`` knowable ratios.
    Adjusted closes make the ratio's level arbitrary; only its position
    against its own trailing mean is used.
    """

    name = "discretionary_lagging"
    family = Family.CONSUMER
    summary = "Discretionary/staples ratio below its 200-day average"

    threshold: Annotated[float, Range(-0.5, 0.5, low_open=True, high_open=True)] = 0.0
    window_days: Annotated[int, Window()] = 200

    @property
    @override
    def inputs(self) -> tuple[str, ...]:
        return ("xly", "xlp")

    @override
    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        value = ratio_against_trailing_mean(knowable["xly"], knowable["xlp"], self.window_days)
        return value, value < self.threshold
