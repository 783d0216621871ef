"""The evidence report as a typed document: what ``evidence.json`` holds.

Requires the :class:`~macropatch.backtests.evidence.twins.SignalAttribution`
of every signal-driven strategy of a run. Produces :class:`EvidenceReport`:
per strategy, its active return against its neutral twin and each signal's
marginal contribution, with one plain line a user can act on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from macropatch.backtests.evidence.events import (
    DrawdownOutcome,
    EventSettings,
    EventStudy,
    ForwardOutcome,
)
from macropatch.backtests.evidence.twins import ActiveReturn, SignalAttribution
from macropatch.backtests.sweep.overfitting import deflated_sharpe_ratio, sharpe_ratios_per_period
from macropatch.marketdata.documents import Document, IsoDate, Number

__all__ = [
    "AS_CONFIGURED",
    "EVIDENCE_SCHEMA",
    "CalibrationSummary",
    "CrashDrawdown",
    "DrawdownComparison",
    "HedgeProtection",
    "ActiveSummary",
    "DrawdownSummary",
    "EvidenceReport",
    "ForwardSummary",
    "StrategyEvidence",
    "TriggerEvidence",
    "TriggerMethod",
    "evidence_report",
    "trigger_evidence",
    "trigger_method",
]

AS_CONFIGURED = "as configured"
"""The reading of a signal as the experiment configures it (the others are the report's)."""

EVIDENCE_SCHEMA: Literal["macropatch.evidence/1"] = "macropatch.evidence/1"
"""The schema id of ``evidence.json``."""

METHOD = (
    "Active return = the strategy's daily return minus its neutral twin's (the same "
    "strategy, schedule, costs and execution lag with every signal it reads held quiet); "
    "a signal's contribution = the strategy against itself with that one signal held quiet. "
    "Annualised over 252 days; t-statistic with Newey-West standard errors; PSR of the "
    "active return against zero; DSR deflated over the active returns the run compared "
    "(the strategies against their twins; every signal's contribution)."
)


class ActiveSummary(Document):
    """An active return in numbers (:class:`~macropatch.backtests.evidence.twins.ActiveReturn`)."""

    annual_return: Number
    tracking_error: Number
    information_ratio: Number
    t_statistic: Number
    psr: Number
    dsr: Number = None
    """Deflated Sharpe ratio of the active return over ``trials`` (None with one trial)."""
    trials: int = 1
    days: int

    @classmethod
    def of(cls, active: ActiveReturn, *, trial_sharpes: np.ndarray | None = None) -> ActiveSummary:
        """The numbers of ``active``; ``trial_sharpes`` (the per-day Sharpe ratios of every
        active return the run compared, this one included) deflate its Sharpe ratio.
        """
        trials = 1 if trial_sharpes is None else len(trial_sharpes)
        dsr = None
        if (
            trial_sharpes is not None
            and trials > 1
            and float(np.var(trial_sharpes, ddof=1)) > 0.0
            and active.tracking_error > 0.0
        ):
            dsr = deflated_sharpe_ratio(active.active.to_numpy(), trial_sharpes=trial_sharpes)
        return cls(
            annual_return=active.annual_return,
            tracking_error=active.tracking_error,
            information_ratio=active.information_ratio,
            t_statistic=active.t_statistic,
            psr=active.psr,
            dsr=dsr,
            trials=trials,
            days=len(active.active),
        )


class StrategyEvidence(Document):
    """One strategy against its neutral twin, and what each of its signals adds."""

    signals: list[str]
    twin: ActiveSummary
    contributions: dict[str, ActiveSummary]
    verdict: str


class ForwardSummary(Document):
    """One panel series over one horizon after a trigger's episodes."""

    asset: str
    horizon_days: int
    episodes: int
    independent: int
    mean_after: Number
    unconditional: Number
    difference: Number
    low: Number
    high: Number
    after: list[Number]
    unconditional_quantiles: list[Number]

    @classmethod
    def of(cls, outcome: ForwardOutcome) -> ForwardSummary:
        """The numbers of ``outcome``."""
        return cls(
            asset=outcome.label,
            horizon_days=outcome.horizon,
            episodes=outcome.episodes,
            independent=outcome.independent,
            mean_after=outcome.mean_after,
            unconditional=outcome.unconditional,
            difference=outcome.difference,
            low=outcome.low,
            high=outcome.high,
            after=list(outcome.after),
            unconditional_quantiles=list(outcome.quantiles),
        )


class DrawdownSummary(Document):
    """How often a trigger's episodes were followed by a drawdown, and how early."""

    depth: float
    hits: int
    false_alarms: int
    undetermined: int
    hit_rate: Number
    base_rate: Number
    p_value: Number
    median_lead_days: Number
    drawdowns: int
    preceded: int

    @classmethod
    def of(cls, outcome: DrawdownOutcome) -> DrawdownSummary:
        """The numbers of ``outcome``."""
        return cls(**{name: getattr(outcome, name) for name in cls.model_fields})


class TriggerEvidence(Document):
    """One trigger judged as a predictor: its episodes and what followed them."""

    signal: str
    """The registered signal."""
    reading: str
    """"as configured" (the experiment's definition) or one of the report's readings."""
    output_name: str
    first_known: IsoDate | None
    last_known: IsoDate | None
    episodes: list[IsoDate]
    independent: int
    finding: str
    warning: str | None
    point_in_time: bool
    line: str
    forward: list[ForwardSummary]
    drawdowns: list[DrawdownSummary]


class TriggerMethod(Document):
    """How the event studies were made."""

    calendar: str
    first_day: IsoDate
    last_day: IsoDate
    quiet_days: int
    horizons: list[int]
    warning_days: int
    level: float
    draws: int
    seed: int
    minimum_episodes: int
    panel: dict[str, str]
    text: str


TRIGGER_METHOD = (
    "An episode is a firing after at least {quiet} known-quiet days (as knowable that day). "
    "Forward moves run from the close of an episode's first day: returns of prices, changes "
    "of rates and spreads; 'unconditional' is the same move on every day the signal was "
    "known. Intervals ({level:.0%}) of the difference come from a bootstrap that keeps "
    "overlapping windows together: clusters of overlapping episodes against moving blocks "
    "of three windows, widened for the number of clusters (Hesterberg's expanded "
    "percentile interval); measured on simulated data they cover 85-91% at nominal 90%. "
    "A drawdown onset is the first close {depth:.0%} below the "
    "running peak of the S&P 500 price index; a hit is an onset within {warning} trading "
    "days of an episode; a false alarm, none; the base rate is the same share over every "
    "known day; p is the binomial chance of that many hits at the base rate. Episodes are "
    "independent when their {warning}-day windows do not overlap."
)


def trigger_evidence(
    study: EventStudy, *, market: str, point_in_time: bool, reading: str
) -> TriggerEvidence:
    """The document of one event study of a signal ``reading``."""
    minimum = study.settings.minimum_episodes
    return TriggerEvidence(
        signal=study.signal,
        reading=reading,
        output_name=study.output_name,
        first_known=_day(study.first_known),
        last_known=_day(study.last_known),
        episodes=[day.date().isoformat() for day in study.starts],
        independent=study.independent,
        finding=study.finding.value,
        warning=(
            f"only {study.independent} independent episodes (fewer than {minimum}): "
            "too few to judge"
            if study.independent < minimum
            else None
        ),
        point_in_time=point_in_time,
        line=study.line(market),
        forward=[ForwardSummary.of(outcome) for outcome in study.forward],
        drawdowns=[DrawdownSummary.of(outcome) for outcome in study.drawdowns],
    )


def trigger_method(
    settings: EventSettings,
    *,
    calendar: str,
    first_day: pd.Timestamp,
    last_day: pd.Timestamp,
    panel: dict[str, str],
) -> TriggerMethod:
    """The document of how the event studies were made."""
    return TriggerMethod(
        calendar=calendar,
        first_day=first_day.date().isoformat(),
        last_day=last_day.date().isoformat(),
        quiet_days=settings.quiet_days,
        horizons=list(settings.horizons),
        warning_days=settings.warning_days,
        level=settings.level,
        draws=settings.draws,
        seed=settings.seed,
        minimum_episodes=settings.minimum_episodes,
        panel=panel,
        text=TRIGGER_METHOD.format(
            quiet=settings.quiet_days,
            level=settings.level,
            depth=min(settings.depths, default=math.nan),
            warning=settings.warning_days,
        ),
    )


def _day(value: pd.Timestamp | None) -> str | None:
    return None if value is None else value.date().isoformat()


class DrawdownComparison(Document):
    """One crash: the deepest fall of the replica, the real index and the unhedged index."""

    start: IsoDate
    end: IsoDate
    replica: Number
    index: Number
    unhedged: Number


class CalibrationSummary(Document):
    """The option model against the real index it imitates (CBOE PPUT)."""

    model: str
    index: str
    start: IsoDate
    end: IsoDate
    monthly_correlation: Number
    model_cagr: Number
    index_cagr: Number
    unhedged_cagr: Number
    model_volatility: Number
    index_volatility: Number
    unhedged_volatility: Number
    tracking_error: Number
    drawdowns: list[DrawdownComparison]
    monthly: dict[str, list[Number]]
    """Month-end levels, rebased to 100: ``dates`` as ISO text in ``labels``."""
    labels: list[str]


class CrashDrawdown(Document):
    """One crash inside a run: the deepest fall of a hedged strategy and of the benchmark."""

    start: IsoDate
    end: IsoDate
    strategy: Number
    benchmark: Number


class HedgeProtection(Document):
    """What a run's hedged strategy paid for its insurance, and what the insurance bought."""

    strategy: str
    hedges: list[str]
    benchmark: str
    hedge_cost: Number
    """Net of payouts, a year (positive is a cost)."""
    cagr: Number
    benchmark_cagr: Number
    max_drawdown: Number
    benchmark_max_drawdown: Number
    worst_month: Number
    benchmark_worst_month: Number
    crashes: list[CrashDrawdown]


class EvidenceReport(Document):
    """``evidence.json``: what the signals of each strategy of a run add, and what followed
    each trigger's firings over the longest history its inputs allow.
    """

    schema_: Literal["macropatch.evidence/1"] = Field(default=EVIDENCE_SCHEMA, alias="schema")
    as_of: IsoDate
    method: str = METHOD
    strategies: dict[str, StrategyEvidence]
    triggers: dict[str, TriggerEvidence] = {}
    trigger_method: TriggerMethod | None = None
    calibration: CalibrationSummary | None = None
    calibration_note: str | None = None
    """Why there is no calibration (its data could not be loaded)."""
    hedges: list[HedgeProtection] = []
    """Each hedged strategy of the run against the benchmark, over the run's period."""
    macropatch_version: str = ""


def evidence_report(
    attributions: Iterable[SignalAttribution],
    *,
    as_of: date,
    version: str = "",
    triggers: dict[str, TriggerEvidence] | None = None,
    method: TriggerMethod | None = None,
) -> EvidenceReport:
    """The report of a run's attributions (strategies that read signals only) and triggers."""
    found = [attribution for attribution in attributions if attribution.contributions]
    twins = _sharpes([attribution.twin for attribution in found])
    each = _sharpes([active for item in found for active in item.contributions.values()])
    return EvidenceReport(
        as_of=as_of.isoformat(),
        triggers=triggers or {},
        trigger_method=method,
        strategies={
            item.strategy: StrategyEvidence(
                signals=list(item.contributions),
                twin=ActiveSummary.of(item.twin, trial_sharpes=twins),
                contributions={
                    name: ActiveSummary.of(active, trial_sharpes=each)
                    for name, active in item.contributions.items()
                },
                verdict=item.twin.line("its signals"),
            )
            for item in found
        },
        macropatch_version=version,
    )


def _sharpes(actives: list[ActiveReturn]) -> np.ndarray | None:
    """The per-day Sharpe ratios of several active returns, leaving out those that never
    differ from their reference (no trial: a signal without data); None with fewer than two.
    """
    varied = [item.active.to_numpy() for item in actives if item.tracking_error > 0.0]
    if len(varied) < 2:
        return None
    sharpes = sharpe_ratios_per_period(np.column_stack(varied))
    return sharpes[np.isfinite(sharpes)] if np.isfinite(sharpes).sum() >= 2 else None
