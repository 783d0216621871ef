"""The evidence report as a typed document: what ``evidence.json`` holds.

Requires the :class:`~macropatch.backtests.evidence.twins.SignalAttribution`
of every signal-driven strategy of a run. Produces :class:`EvidenceReport`:
per strategy, its active return against its neutral twin and each signal's
marginal contribution, with one plain line a user can act on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from pydantic import Field

from macropatch.backtests.evidence.twins import ActiveReturn, SignalAttribution
from macropatch.marketdata.documents import Document, IsoDate, Number

__all__ = [
    "EVIDENCE_SCHEMA",
    "ActiveSummary",
    "EvidenceReport",
    "StrategyEvidence",
    "evidence_report",
]

EVIDENCE_SCHEMA: Literal["macropatch.evidence/1"] = "macropatch.evidence/1"
"""The schema id of ``evidence.json``."""

METHOD = (
    "Active return = the strategy's daily return minus its neutral twin's (the same "
    "strategy, schedule, costs and execution lag with every signal it reads held quiet); "
    "a signal's contribution = the strategy against itself with that one signal held quiet. "
    "Annualised over 252 days; t-statistic with Newey-West standard errors; PSR of the "
    "active return against zero."
)


class ActiveSummary(Document):
    """An active return in numbers (:class:`~macropatch.backtests.evidence.twins.ActiveReturn`)."""

    annual_return: Number
    tracking_error: Number
    information_ratio: Number
    t_statistic: Number
    psr: Number
    days: int

    @classmethod
    def of(cls, active: ActiveReturn) -> ActiveSummary:
        """The numbers of ``active``."""
        return cls(
            annual_return=active.annual_return,
            tracking_error=active.tracking_error,
            information_ratio=active.information_ratio,
            t_statistic=active.t_statistic,
            psr=active.psr,
            days=len(active.active),
        )


class StrategyEvidence(Document):
    """One strategy against its neutral twin, and what each of its signals adds."""

    signals: list[str]
    twin: ActiveSummary
    contributions: dict[str, ActiveSummary]
    verdict: str


class EvidenceReport(Document):
    """``evidence.json``: what the signals of each strategy of a run add."""

    schema_: Literal["macropatch.evidence/1"] = Field(default=EVIDENCE_SCHEMA, alias="schema")
    as_of: IsoDate
    method: str = METHOD
    strategies: dict[str, StrategyEvidence]
    macropatch_version: str = ""


def evidence_report(
    attributions: Iterable[SignalAttribution], *, as_of: date, version: str = ""
) -> EvidenceReport:
    """The report of a run's attributions (strategies that read signals only)."""
    return EvidenceReport(
        as_of=as_of.isoformat(),
        strategies={
            found.strategy: StrategyEvidence(
                signals=list(found.contributions),
                twin=ActiveSummary.of(found.twin),
                contributions={
                    name: ActiveSummary.of(active) for name, active in found.contributions.items()
                },
                verdict=found.twin.line("its signals"),
            )
            for found in attributions
            if found.contributions
        },
        macropatch_version=version,
    )
