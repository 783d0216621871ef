"""The sweep study as a typed document: what ``sweep.json`` holds, field by field.

Requires nothing. Produces :class:`SweepReport` and its parts, filled by the
sweep (:mod:`macropatch.sweeps` from :class:`~macropatch.backtests.sweep.study.SweepStudy`),
written with ``to_json`` and read by attribute in ``sweep.html``. Numbers that
do not exist are ``None`` (``null``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from macropatch.backtests.sweep.verdict import Verdict
from macropatch.marketdata.documents import Document, IsoDate, Number, Quantity

__all__ = [
    "SWEEP_SCHEMA",
    "BestInSample",
    "OverfittingReport",
    "SweepFacts",
    "SweepPeriod",
    "SweepReport",
    "WalkForwardReport",
]

SWEEP_SCHEMA: Literal["macropatch.sweep/1"] = "macropatch.sweep/1"
"""The schema id of ``sweep.json``."""

Metrics = dict[str, Quantity]
"""One row of metrics (:data:`macropatch.backtests.metrics.columns.COLUMN_METRICS`)."""


class SweepPeriod(Document):
    """The days the variants were run on."""

    start: IsoDate
    end: IsoDate
    days: int


class SweepFacts(Document):
    """What was swept, how, on which days, and how long it took."""

    experiment: str
    experiment_file: str
    strategy: str
    registered: str
    objective: str
    grid: dict[str, list[Any]]
    variants: int
    period: SweepPeriod
    rebalance: str
    costs: str
    execution_lag: int
    benchmark: str
    judged_against: str = "zero"
    """What the variants were judged against: "the neutral twin" (a strategy that reads
    signals: active returns) or "zero" (raw returns)."""
    twins: int = 0
    executor: str
    batches: int
    fingerprint: str
    sweep_seconds: float
    variants_per_second: Number
    macropatch_version: str
    created_at: str
    notes: list[str]
    total_seconds: Number = None


class BestInSample(Document):
    """The variant with the best objective over the whole period."""

    position: int
    parameters: dict[str, Any]
    metrics: Metrics
    engine_check_max_difference: float


class WalkForwardReport(Document):
    """The walk-forward selection: its windows, its stitched out-of-sample metrics."""

    mode: str
    train_days: int
    test_days: int
    gap_days: int
    gap_minimum: int
    windows: list[dict[str, Any]]
    metrics: Metrics
    psr: Number


class OverfittingReport(Document):
    """PSR and DSR of the best variant, and the PBO, over the distinct variants."""

    psr: Number
    dsr: Number
    trials: int
    variants: int
    tie_rule: str
    pbo: Number
    blocks: int
    combinations: int
    probability_of_loss: Number
    degradation_slope: Number


class SweepReport(Document):
    """``sweep.json``: a sweep and how far its best variant can be trusted."""

    schema_: Literal["macropatch.sweep/1"] = Field(default=SWEEP_SCHEMA, alias="schema")
    sweep: SweepFacts
    best_in_sample: BestInSample
    comparison: list[tuple[str, Metrics]]
    walk_forward: WalkForwardReport
    overfitting: OverfittingReport
    verdict: Verdict
