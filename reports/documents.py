"""The run summary as a typed document: what ``summary.json`` holds, field by field.

Requires nothing. Produces :class:`RunSummary` and its parts, pydantic models
that :func:`macropatch.reports.summary.build_summary` fills, that are written
with ``model_dump_json`` and read back with ``model_validate_json``
(:mod:`macropatch.reports.run_folder`), and that the pages read by attribute.

A number that does not exist (NaN) or is infinite is ``None`` (``null`` in
the file); dates are ISO text (``2026-08-03``). The ``schema`` field names
the document and its version (``macropatch.run/1``): a reader refuses any
other.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from macropatch.marketdata.documents import Document, IsoDate, Number

__all__ = [
    "WithoutProxies",
    "NeutralByDefault",
    "RUN_SCHEMA",
    "DataSource",
    "Period",
    "RunCosts",
    "RunInfo",
    "RunSummary",
    "SignalRecord",
    "SpliceRecord",
    "StrategySummary",
    "WindowOutcome",
]

RUN_SCHEMA: Literal["macropatch.run/1"] = "macropatch.run/1"
"""The schema id of ``summary.json`` (also :attr:`macropatch.reports.output.FolderKind.RUN`)."""


class Period(Document):
    """The first and last day of the run, and how many trading days it holds."""

    start: IsoDate
    end: IsoDate
    days: int | None = None


class RunCosts(Document):
    """Costs of the run, fractions of the value traded (and basis points)."""

    fees: float
    slippage: float
    fees_bps: float | None = None
    slippage_bps: float | None = None
    borrow: float | None = None
    borrow_bps: float | None = None


class DataSource(Document):
    """One series the run read: where from, what span, what content."""

    series: str
    source: str
    location: str
    first_date: IsoDate | None = None
    last_date: IsoDate
    content_hash: str


class SpliceRecord(Document):
    """A proxy splice inside the period: ``proxy`` returns stand in for ``series`` before ``joined``."""

    series: str
    proxy: str
    joined: IsoDate


class RunInfo(Document):
    """The facts of a run: what ran, on which data, under which costs and conventions."""

    experiment: str
    experiment_file: str = ""
    config_hash: str = ""
    data_hash: str = ""
    macropatch_version: str
    created_at: str = ""
    period: Period
    costs: RunCosts
    execution_lag: int
    benchmark: str
    objective: str = "sharpe"
    """The statistic strategies are ranked by (the experiment's ``[sweep] objective``)."""
    annualisation_days: int = 252
    risk_free_for_ratios: float = 0.0
    data: list[DataSource]
    splices: list[SpliceRecord] = []
    notes: list[str] = []

    @field_validator("period", mode="before")
    @classmethod
    def _pair(cls, value: object) -> object:
        """A ``(start, end)`` pair as a period."""
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"start": value[0], "end": value[1]}
        return value


class WindowOutcome(Document):
    """A strategy in one crisis window: its return and deepest drawdown (None: not covered)."""

    return_: Number = Field(alias="return")
    max_drawdown: Number
    start: IsoDate
    end: IsoDate


class NeutralByDefault(Document):
    """How often a strategy's weights fell back to neutral because a signal was unknown."""

    rebalances: int
    """Trades whose decision day had at least one of the strategy's signals unknown."""
    of: int
    """All trades of the strategy."""
    signals: dict[str, int]
    """Per signal: the trades on which it was unknown."""
    last: IsoDate | None
    """The last such trade."""


class WithoutProxies(Document):
    """A strategy's headline metrics from the day every asset it trades exists (no proxy)."""

    start: IsoDate
    days: int
    cagr: Number
    volatility: Number
    sharpe: Number
    max_drawdown: Number
    benchmark_cagr: Number = None
    """The run's benchmark over the same days, for comparison."""
    benchmark_sharpe: Number = None


class StrategySummary(Document):
    """One strategy's metrics (:mod:`macropatch.backtests.metrics.performance`) and facts."""

    cagr: Number
    volatility: Number
    sharpe: Number
    sortino: Number
    max_drawdown: Number
    calmar: Number
    turnover: Number
    worst_month: Number
    total_return: Number
    start: IsoDate
    end: IsoDate
    days: int
    hedge_cost: Number
    parameters: dict[str, Any]
    config_hash: str
    data_hash: str
    stress_windows: dict[str, WindowOutcome]
    annual_returns: dict[str, Number]
    neutral_by_default: NeutralByDefault | None = None
    signals: list[str] = []
    """The registered names of the signals the strategy reads."""
    without_proxies: WithoutProxies | None = None
    """The metrics from the first day with no proxy in any asset it trades (None: it never
    used one; the whole run is then on real assets)."""

    def metric(self, key: str) -> float | None:
        """The metric named ``key`` (``"sharpe"``, ``"max_drawdown"``...)."""
        value = getattr(self, key)
        return None if value is None else float(value)


class SignalRecord(Document):
    """What a run says of one signal on its last day."""

    name: str
    signal: str
    parameters: dict[str, Any]
    family: str
    threshold: Number
    missing: list[str]
    state: str
    components: int = 0
    coverage: str = ""
    last_data: IsoDate | None
    distance: Number = None
    """Value minus threshold on the last day."""
    percentile: Number = None
    """The value's percentile among the signal's own known values up to the last day."""
    trend: Number = None
    """The value's change over the last 63 trading days."""
    stalest_input: str | None = None
    """The input that limits the signal (the oldest one in use, or the one missing)."""
    stalest_date: IsoDate | None = None
    point_in_time: bool = True
    """False when the signal reads a series its publisher re-estimates."""


class RunSummary(Document):
    """``summary.json``: the numbers of a run, per strategy, with where they came from."""

    schema_: Literal["macropatch.run/1"] = Field(default=RUN_SCHEMA, alias="schema")
    run: RunInfo
    strategies: dict[str, StrategySummary]
    correlation: dict[str, dict[str, Number]]
    signals: list[SignalRecord] = []
