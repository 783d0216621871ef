"""Event studies: what followed each firing of a trigger, judged as a predictor.

Requires a signal's point-in-time result on a trading calendar, a panel of
series on the same calendar (prices, whose forward *returns* are measured,
and rates or spreads, whose forward *changes* are) and the level of the
market whose drawdowns the trigger should warn of (the S&P 500). Produces an
:class:`EventStudy`:

* **episodes**: a firing after at least ``quiet_days`` known-quiet days (an
  unknown day is not quiet, so a firing right after missing data starts no
  episode). Whether day ``t`` starts an episode depends on the flags up to
  ``t`` only: the flags are point-in-time, so the episodes are too.
* **forward outcomes**: per panel series and horizon ``h``, the mean of the
  value from the close of each episode's first day to ``h`` trading days
  later, against the same measure on every day the signal is known (the
  unconditional distribution, over the same span of history), with a
  bootstrap interval of the difference (:mod:`.bootstrap`: clusters of
  overlapping episodes against moving blocks of ``3h`` days; Hesterberg's
  expanded percentile interval for the number of clusters). A window that
  would end after the data is left out, never shortened.
* **drawdowns**: an onset is the first close ``depth`` below the running
  peak; the next needs a new peak first. Per episode: the trading days to the
  next onset (the lead time), a hit when it comes within ``warning_days``,
  a false alarm when none does, undetermined when the data end first. The
  base rate is the same share over every known day.
* **independent episodes**: clusters of episodes whose ``warning_days``
  windows do not overlap; under ``minimum_episodes`` the study warns.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from macropatch.backtests.evidence.bootstrap import (
    BLOCK_WINDOWS,
    block_bootstrap_means,
    cluster_bootstrap_means,
    episode_clusters,
    expanded_level,
    percentile_interval,
)
from macropatch.signals.base import SignalResult

__all__ = [
    "DrawdownOutcome",
    "EventSettings",
    "EventStudy",
    "Finding",
    "ForwardOutcome",
    "Measure",
    "PanelSeries",
    "drawdown_onsets",
    "episode_starts",
    "binomial_tail",
    "event_study",
    "forward_values",
]


QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The unconditional quantiles kept for the charts."""

SIGNIFICANCE = 0.05
"""The binomial p-value below which a hit rate beats its base rate."""


class Measure(enum.Enum):
    """How a panel series moves over a window."""

    RETURN = "return"  # a price: end / start - 1
    CHANGE = "change"  # a rate or spread (a fraction): end - start


class Finding(enum.Enum):
    """What an event study says about a trigger."""

    TOO_FEW = "too few episodes to judge"
    WARNS = "a warning: weaker returns or more drawdowns than on other days"
    RISK_ON = "preceded stronger returns"
    NOISE = "indistinguishable from noise"
    NO_EPISODES = "never fired after a quiet spell"


@dataclass(frozen=True, kw_only=True)
class PanelSeries:
    """One series of the forward panel, on the study's calendar (NaN where it has no data)."""

    label: str
    series: str
    measure: Measure
    values: pd.Series


@dataclass(frozen=True, kw_only=True)
class EventSettings:
    """The study's parameters (defaults: a quarter of quiet, 1-12 months, 10%/20% drawdowns)."""

    quiet_days: int = 63
    horizons: tuple[int, ...] = (21, 63, 126, 252)
    depths: tuple[float, ...] = (0.10, 0.20)
    warning_days: int = 252
    level: float = 0.90
    draws: int = 2000
    seed: int = 0
    minimum_episodes: int = 5

    def __post_init__(self) -> None:
        """Refuse settings that cannot make a study."""
        if self.quiet_days < 1 or self.warning_days < 1 or not self.horizons:
            raise ValueError("quiet_days, warning_days and at least one horizon are required")
        if min(self.horizons) < 1 or not all(0.0 < depth < 1.0 for depth in self.depths):
            raise ValueError("horizons must be positive and depths between 0 and 1")


@dataclass(frozen=True, kw_only=True)
class ForwardOutcome:
    """A panel series over one horizon after the episodes, against every known day."""

    label: str
    horizon: int
    episodes: int
    independent: int
    mean_after: float
    unconditional: float
    difference: float
    low: float
    high: float
    """The bootstrap interval of ``difference`` at the study's level."""
    after: tuple[float, ...] = ()
    """Each episode's value, in time order."""
    quantiles: tuple[float, ...] = ()
    """The unconditional 5%, 25%, 50%, 75% and 95% quantiles."""


@dataclass(frozen=True, kw_only=True)
class DrawdownOutcome:
    """How often episodes were followed by a drawdown of ``depth``, and how early."""

    depth: float
    hits: int
    false_alarms: int
    undetermined: int
    hit_rate: float
    base_rate: float
    median_lead_days: float
    drawdowns: int
    """Onsets on days the signal was known."""
    preceded: int
    """Of those, onsets with an episode start in the ``warning_days`` before them."""
    p_value: float
    """One-sided binomial probability of at least ``hits`` hits in ``hits + false_alarms``
    episodes if each were followed by a drawdown at the base rate."""


@dataclass(frozen=True, kw_only=True)
class EventStudy:
    """A trigger judged as a predictor (the module docstring defines every number)."""

    signal: str
    output_name: str
    first_known: pd.Timestamp | None
    last_known: pd.Timestamp | None
    starts: pd.DatetimeIndex
    independent: int
    forward: tuple[ForwardOutcome, ...]
    drawdowns: tuple[DrawdownOutcome, ...]
    finding: Finding
    settings: EventSettings

    def outcome(self, label: str, horizon: int) -> ForwardOutcome | None:
        """The forward outcome of one panel series and horizon (None when not measured)."""
        return next(
            (item for item in self.forward if item.label == label and item.horizon == horizon),
            None,
        )

    def line(self, market: str) -> str:
        """One plain sentence on what followed the firings."""
        count = len(self.starts)
        if count == 0:
            return f"{self.signal}: {Finding.NO_EPISODES.value}"
        horizon = max(self.settings.horizons)
        main = self.outcome(market, horizon)
        parts = [f"{count} episodes ({self.independent} independent)"]
        if main is not None and main.episodes:
            parts.append(
                f"{market} over the next {horizon} days {main.mean_after:+.1%} against "
                f"{main.unconditional:+.1%} on all days (difference {main.difference:+.1%}, "
                f"{self.settings.level:.0%} interval {main.low:+.1%} to {main.high:+.1%})"
            )
        first = self.drawdowns[0] if self.drawdowns else None
        if first is not None and first.hits + first.false_alarms:
            parts.append(
                f"a {first.depth:.0%} drawdown followed within {self.settings.warning_days} days "
                f"after {first.hits} of {first.hits + first.false_alarms} "
                f"(base rate {first.base_rate:.0%}, p = {first.p_value:.2g})"
            )
        return f"{'; '.join(parts)}: {self.finding.value}"


def episode_starts(fired: pd.Series, quiet_days: int) -> pd.DatetimeIndex:
    """Days on which the signal fired after at least ``quiet_days`` known-quiet days."""
    flags = fired.astype("boolean")
    is_fired = flags.fillna(False).to_numpy(dtype=bool)
    is_quiet = (~flags).fillna(False).to_numpy(dtype=bool)
    run = np.zeros(len(flags), dtype=np.int64)  # consecutive quiet days ending the day before
    streak = 0
    for position in range(len(flags)):
        run[position] = streak
        streak = streak + 1 if is_quiet[position] else 0
    starts = is_fired & (run >= quiet_days)
    return pd.DatetimeIndex(flags.index[starts])


def forward_values(values: np.ndarray, horizon: int, measure: Measure) -> np.ndarray:
    """Per day, the move from that close to the close ``horizon`` days later (NaN past the data)."""
    data = np.asarray(values, dtype=float)
    result = np.full(len(data), np.nan)
    if horizon < len(data):
        start, end = data[:-horizon], data[horizon:]
        with np.errstate(divide="ignore", invalid="ignore"):
            moved = end / start - 1.0 if measure is Measure.RETURN else end - start
        result[:-horizon] = moved
    return result


def drawdown_onsets(level: pd.Series, depth: float) -> np.ndarray:
    """Positions of the first close ``depth`` below the running peak (a new peak re-arms).

    Missing closes are skipped. Each close above every earlier one is a new peak and starts
    a stretch; the onset of a stretch is its first close at or below ``peak * (1 - depth)``.
    """
    data = level.to_numpy(dtype=float)
    positions = np.flatnonzero(np.isfinite(data))
    prices = data[positions]
    if not len(prices):
        return np.zeros(0, dtype=np.int64)
    peaks = np.maximum.accumulate(prices)
    new_peak = prices > np.concatenate(([-np.inf], peaks[:-1]))
    stretch = np.cumsum(new_peak)
    below = np.flatnonzero(~new_peak & (prices <= peaks * (1.0 - depth)))
    first = below[np.r_[True, stretch[below][1:] != stretch[below][:-1]]] if len(below) else below
    return positions[first].astype(np.int64)


def event_study(
    result: SignalResult,
    *,
    panel: Sequence[PanelSeries],
    market: pd.Series,
    settings: EventSettings | None = None,
) -> EventStudy:
    """The event study of one signal over its calendar (see the module docstring).

    Parameters
    ----------
    result
        The signal's point-in-time result.
    panel
        Series on the same calendar; the first is the market of the verdict.
    market
        The level whose drawdowns the trigger should precede, on the same calendar.
    settings
        The study's parameters.
    """
    settings = settings or EventSettings()
    calendar = pd.DatetimeIndex(result.fired.index)
    known = result.fired.notna().to_numpy(dtype=bool)
    starts = episode_starts(result.fired, settings.quiet_days)
    positions = calendar.get_indexer(starts)
    known_days = calendar[known]
    clusters = episode_clusters(positions, settings.warning_days)
    forward = tuple(
        _forward(item.values.reindex(calendar).to_numpy(dtype=float), item, horizon, positions,
                 known, settings)
        for item in panel
        for horizon in settings.horizons
    )  # fmt: skip
    drawdowns = tuple(
        _drawdowns(market.reindex(calendar), depth, positions, known, settings)
        for depth in settings.depths
    )
    study = EventStudy(
        signal=result.signal.name,
        output_name=result.name,
        first_known=known_days[0] if len(known_days) else None,
        last_known=known_days[-1] if len(known_days) else None,
        starts=starts,
        independent=len(np.unique(clusters)),
        forward=forward,
        drawdowns=drawdowns,
        finding=Finding.NOISE,
        settings=settings,
    )
    return _judged(study, panel[0].label if panel else "")


def _judged(study: EventStudy, market: str) -> EventStudy:
    """The study with its finding: a warning when the market's return over the longest
    horizon is below the unconditional one (the interval of the difference below zero), or
    the first drawdown depth followed more often than its base rate (binomial p below
    :data:`SIGNIFICANCE`); risk-on when the difference's interval is above zero.
    """
    settings = study.settings
    main = study.outcome(market, max(settings.horizons))
    first = study.drawdowns[0] if study.drawdowns else None
    if len(study.starts) == 0:
        finding = Finding.NO_EPISODES
    elif study.independent < settings.minimum_episodes or main is None or not main.episodes:
        finding = Finding.TOO_FEW
    elif main.high < 0.0 or (first is not None and first.p_value < SIGNIFICANCE):
        finding = Finding.WARNS
    elif main.low > 0.0:
        finding = Finding.RISK_ON
    else:
        finding = Finding.NOISE
    return dataclasses.replace(study, finding=finding)


def _forward(
    values: np.ndarray,
    item: PanelSeries,
    horizon: int,
    positions: np.ndarray,
    known: np.ndarray,
    settings: EventSettings,
) -> ForwardOutcome:
    moves = forward_values(values, horizon, item.measure)
    usable = np.isfinite(moves) & known
    taken = positions[usable[positions]] if len(positions) else positions
    after = moves[taken]
    every = moves[usable]
    clusters = episode_clusters(taken, horizon)
    seed = settings.seed + horizon
    conditional = cluster_bootstrap_means(after, clusters, draws=settings.draws, seed=seed)
    baseline = block_bootstrap_means(
        every, block=BLOCK_WINDOWS * horizon, draws=settings.draws, seed=seed + 1
    )
    mean_after = float(after.mean()) if len(after) else math.nan
    unconditional = float(every.mean()) if len(every) else math.nan
    differences = conditional - baseline if len(conditional) and len(baseline) else np.zeros(0)
    widened = expanded_level(settings.level, len(np.unique(clusters)))
    low, high = percentile_interval(differences, widened)
    return ForwardOutcome(
        label=item.label,
        horizon=horizon,
        episodes=len(after),
        independent=len(np.unique(clusters)),
        mean_after=mean_after,
        unconditional=unconditional,
        difference=mean_after - unconditional,
        low=low,
        high=high,
        after=tuple(float(value) for value in after),
        quantiles=tuple(float(value) for value in np.quantile(every, QUANTILES))
        if len(every)
        else (),
    )


def _drawdowns(
    level: pd.Series,
    depth: float,
    positions: np.ndarray,
    known: np.ndarray,
    settings: EventSettings,
) -> DrawdownOutcome:
    days = np.arange(len(level))
    onsets = drawdown_onsets(level, depth)
    window = settings.warning_days
    observed = np.flatnonzero(np.isfinite(level.to_numpy(dtype=float)))
    last = int(observed[-1]) if len(observed) else -1
    leads = _days_to_next(onsets, len(level))
    hit = leads <= window
    decided = hit | (days + window <= last)  # no onset, and the whole window is in the data
    episode_hit, episode_decided = hit[positions], decided[positions]
    base = known & decided
    seen = onsets[known[onsets]]
    preceded = sum(
        1 for onset in seen if np.any((positions <= onset) & (positions >= onset - window))
    )
    hits = int(episode_hit.sum())
    false_alarms = int((episode_decided & ~episode_hit).sum())
    return DrawdownOutcome(
        depth=depth,
        hits=hits,
        false_alarms=false_alarms,
        undetermined=int((~episode_decided).sum()),
        hit_rate=hits / (hits + false_alarms) if hits + false_alarms else math.nan,
        base_rate=float(hit[base].mean()) if base.any() else math.nan,
        median_lead_days=float(np.median(leads[positions][episode_hit])) if hits else math.nan,
        drawdowns=len(seen),
        preceded=preceded,
        p_value=binomial_tail(hits, hits + false_alarms, float(hit[base].mean()))
        if base.any()
        else math.nan,
    )


def binomial_tail(successes: int, trials: int, rate: float) -> float:
    """``P(X >= successes)`` for ``X ~ Binomial(trials, rate)`` (NaN without trials)."""
    if trials == 0 or not 0.0 <= rate <= 1.0:
        return math.nan
    return float(
        sum(
            math.comb(trials, count) * rate**count * (1.0 - rate) ** (trials - count)
            for count in range(successes, trials + 1)
        )
    )


def _days_to_next(onsets: np.ndarray, length: int) -> np.ndarray:
    """Per day, the trading days to the next onset on or after it (a huge number when none)."""
    never = np.iinfo(np.int64).max // 2
    if len(onsets) == 0:
        return np.full(length, never, dtype=np.int64)
    days = np.arange(length)
    following = np.searchsorted(onsets, days)
    ahead = following < len(onsets)
    leads = np.full(length, never, dtype=np.int64)
    leads[ahead] = onsets[following[ahead]] - days[ahead]
    return leads
