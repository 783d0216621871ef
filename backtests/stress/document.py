"""The stress report as a typed document: what ``stress.json`` holds, field by field.

Requires nothing. Produces :class:`StressReport` and its parts, filled by
:func:`macropatch.backtests.stress.study.stress_test`, written with
``to_json`` and read back with ``model_validate_json``; ``stress.html`` reads
them by attribute. Numbers that do not exist are ``None`` (``null``).
"""

from __future__ import annotations

from pydantic import Field

from macropatch.marketdata.documents import Document, IsoDate, Number

__all__ = [
    "AssetMove",
    "BootstrapReport",
    "Estimation",
    "ReplayOutcome",
    "ReplayReport",
    "ReplayWindow",
    "ScenarioOutcome",
    "ScenarioReport",
    "ShockRecord",
    "StressReport",
]


class ReplayWindow(Document):
    """A crisis window replayed: from the closing peak to the closing trough."""

    name: str
    start: IsoDate
    end: IsoDate


class ReplayOutcome(Document):
    """One strategy in one window (:func:`~macropatch.backtests.stress.replay.replay`)."""

    return_: Number = Field(alias="return")
    max_drawdown: Number
    trough_date: IsoDate
    days_to_recover: int | None
    recovered: bool


class ReplayReport(Document):
    """The windows replayed, each strategy's outcome in each, and the default windows skipped."""

    windows: list[ReplayWindow]
    rows: dict[str, dict[str, ReplayOutcome]]
    skipped: list[str]


class ShockRecord(Document):
    """One factor's move in a scenario, as applied."""

    factor: str
    label: str
    move: str
    size: float
    to: float | None
    level: float | None


class Estimation(Document):
    """The months the factor model was fitted on."""

    start: IsoDate
    end: IsoDate
    months: int


class ScenarioOutcome(Document):
    """A strategy's P&L in a scenario, with its band; or a note saying why there is none."""

    expected: Number = None
    low: Number = None
    high: Number = None
    prediction_low: Number = None
    prediction_high: Number = None
    band_method: str | None = None
    confidence: Number = None
    note: str | None = None


class AssetMove(Document):
    """An asset's expected move in a scenario, its band and the quality of its fit."""

    expected: Number
    low: Number
    high: Number
    r2: Number
    months: int | None


class ScenarioReport(Document):
    """One scenario: its shocks, the fit it rests on, and what it does to each strategy."""

    name: str
    description: str
    file: str
    confidence: float
    shocks: list[ShockRecord]
    estimation: Estimation
    strategies: dict[str, ScenarioOutcome]
    assets: dict[str, AssetMove]


class BootstrapReport(Document):
    """One-year outcomes drawn from days like today, or why there are none (``skipped``)."""

    signals: list[str]
    condition_days: int | None = None
    eligible_starts: int | None = None
    paths: int
    horizon_days: int
    block_days: int
    seed: int
    strategies: dict[str, dict[str, Number]]
    skipped: str | None = None


class StressReport(Document):
    """``stress.json``: history's crises replayed, the report's scenarios, a bootstrap."""

    as_of: IsoDate
    benchmark: str
    strategies: list[str]
    weights: dict[str, dict[str, float]]
    replay: ReplayReport
    scenarios: list[ScenarioReport]
    bootstrap: BootstrapReport
    macropatch_version: str = ""
