"""The experiment file: a TOML document validated at the boundary, then plain dataclasses.

An experiment names the period, the costs, the execution lag, the strategies
(each a registered strategy with parameters and an optional label, so that
variants of one strategy can sit side by side) and the benchmark.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from backtests.column_metrics import Objective
from backtests.costs import Costs
from backtests.grid import Grid, value_range
from backtests.replay import Window
from backtests.schedule import Rebalance
from backtests.walk_forward import WindowMode
from marketdata.errors import UserError
from signals.base import Signal
from signals.registry import SIGNALS, default_signals

__all__ = [
    "REPORT_SCENARIOS",
    "Experiment",
    "StrategyEntry",
    "StressSettings",
    "SweepSettings",
    "load_experiment",
]

REPORT_SCENARIOS = Path(__file__).parent / "scenarios"
"""The report's four scenarios, shipped with macropatch: the default of ``[stress] scenarios``."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class _Period(_Model):
    start: dt.date = dt.date(2000, 1, 3)
    end: dt.date | None = None


class _Costs(_Model):
    fees_bps: float = Field(default=5.0, ge=0.0, lt=1000.0)
    slippage_bps: float = Field(default=2.0, ge=0.0, lt=1000.0)
    borrow_bps: float = Field(default=50.0, ge=0.0, lt=1000.0)  # a year, on short positions


class _Execution(_Model):
    lag_days: int = Field(default=1, ge=1, le=20)


class _Strategy(_Model):
    strategy: str
    label: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$", max_length=80)
    rebalance: Rebalance = Rebalance.MONTHLY
    parameters: dict[str, Any] = Field(default_factory=dict)


class _Range(_Model):
    start: float
    stop: float
    step: float


class _WalkForward(_Model):
    mode: WindowMode = WindowMode.ROLLING
    train_years: float = Field(default=5.0, gt=0.0, le=40.0)
    test_years: float = Field(default=1.0, gt=0.0, le=40.0)
    gap_days: int | None = Field(default=None, ge=0, le=2520)


class _Sweep(_Model):
    strategy: str | None = None
    objective: Objective = Objective.SHARPE
    blocks: int = Field(default=16, ge=4, le=22, multiple_of=2)
    parameters: dict[str, list[bool | int | float | str] | _Range] = Field(default_factory=dict)
    walk_forward: _WalkForward = _WalkForward()


class _Window(_Model):
    name: str = Field(min_length=1, max_length=80)
    start: dt.date
    end: dt.date


class _Stress(_Model):
    scenarios: str | None = None  # a folder, relative to the experiment file; None: the report's
    signals: list[str] = Field(default_factory=lambda: ["system_stress"], min_length=1)
    paths: int = Field(default=10_000, ge=100, le=1_000_000)
    horizon_days: int = Field(default=252, ge=5, le=2520)
    block_days: int = Field(default=21, ge=1, le=252)
    seed: int = Field(default=0, ge=0)
    confidence: float = Field(default=0.90, gt=0.0, lt=1.0)
    windows: list[_Window] | None = None


class _Experiment(_Model):
    name: str
    description: str = ""
    period: _Period = _Period()
    costs: _Costs = _Costs()
    execution: _Execution = _Execution()
    benchmark: str
    strategies: list[_Strategy] = Field(min_length=1)
    signals: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sweep: _Sweep = _Sweep()
    stress: _Stress = _Stress()


@dataclass(frozen=True, kw_only=True)
class StrategyEntry:
    """One strategy of an experiment: registered name, label, schedule, parameters."""

    strategy: str
    label: str
    rebalance: Rebalance
    parameters: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class SweepSettings:
    """The ``[sweep]`` table: what to tune, how to rank and how to test out of sample.

    ``strategy`` is the label of the swept entry (``None``: not set). ``grid``
    is ``None`` when the file names no parameter (the command line may).
    """

    strategy: str | None
    objective: Objective
    blocks: int
    grid: Grid | None
    window_mode: WindowMode
    train_years: float
    test_years: float
    gap_days: int | None


@dataclass(frozen=True, kw_only=True)
class StressSettings:
    """The ``[stress]`` table: scenario folder, bootstrap and crisis windows.

    ``windows`` is ``None`` for the default crisis windows (those outside the
    run's period are skipped); given windows must lie inside the period.
    """

    scenarios: Path
    signals: tuple[str, ...]
    paths: int
    horizon_days: int
    block_days: int
    seed: int
    confidence: float
    windows: tuple[Window, ...] | None


@dataclass(frozen=True, kw_only=True)
class Experiment:
    """A validated experiment."""

    name: str
    description: str
    start: dt.date
    end: dt.date | None
    costs: Costs
    execution_lag: int
    benchmark: str
    strategies: tuple[StrategyEntry, ...]
    signals: tuple[Signal, ...]
    source: str
    document: dict[str, Any]
    sweep: SweepSettings
    stress: StressSettings

    @property
    def config_hash(self) -> str:
        """Short SHA-256 of the experiment as validated."""
        text = json.dumps(self.document, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_period(self, start: dt.date | None, end: dt.date | None) -> Experiment:
        """The same experiment over another period (command-line overrides)."""
        new_start = start or self.start
        new_end = end or self.end
        if new_end is not None and new_start > new_end:
            raise UserError(f"start {new_start} is after end {new_end}")
        document = {
            **self.document,
            "period": {"start": str(new_start), "end": str(new_end) if new_end else None},
        }
        return Experiment(
            **{**self.__dict__, "start": new_start, "end": new_end, "document": document}
        )


def _first_error(error: pydantic.ValidationError, source: str) -> UserError:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return UserError(f"{source}: unknown key {location!r}")
    if first["type"] == "missing":
        return UserError(f"{source}: missing key {location!r}")
    return UserError(f"{source}: {location}: {first['msg']}")


def load_experiment(path: Path) -> Experiment:
    """Read and validate an experiment file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"experiment file {source} not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read experiment file {source}: {error}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{source}: invalid TOML ({error})") from None
    try:
        model = _Experiment.model_validate(document)
    except pydantic.ValidationError as error:
        raise _first_error(error, source) from None

    entries = tuple(
        StrategyEntry(
            strategy=item.strategy,
            label=item.label or item.strategy,
            rebalance=item.rebalance,
            parameters=dict(item.parameters),
        )
        for item in model.strategies
    )
    labels = [entry.label for entry in entries]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    if duplicated:
        raise UserError(
            f"{source}: two strategies are labelled {duplicated[0]!r} (give each a unique label)"
        )
    if model.benchmark not in labels:
        raise UserError(
            f"{source}: benchmark {model.benchmark!r} is not one of the strategies ({', '.join(labels)})"
        )
    if model.period.end is not None and model.period.start > model.period.end:
        raise UserError(
            f"{source}: period start {model.period.start} is after end {model.period.end}"
        )
    if model.costs.fees_bps + model.costs.slippage_bps <= 0:
        raise UserError(f"{source}: costs are always on: set fees_bps or slippage_bps above zero")
    try:
        signals = tuple(default_signals(model.signals))
    except UserError as error:
        raise UserError(f"{source}: [signals] {error}") from None
    return Experiment(
        stress=_stress_settings(model.stress, Path(path), source),
        sweep=_sweep_settings(model.sweep, labels, source),
        signals=signals,
        name=model.name,
        description=model.description,
        start=model.period.start,
        end=model.period.end,
        costs=Costs.from_basis_points(
            model.costs.fees_bps, model.costs.slippage_bps, model.costs.borrow_bps
        ),
        execution_lag=model.execution.lag_days,
        benchmark=model.benchmark,
        strategies=entries,
        source=source,
        document=model.model_dump(mode="json"),
    )


def _sweep_settings(model: _Sweep, labels: list[str], source: str) -> SweepSettings:
    if model.strategy is not None and model.strategy not in labels:
        raise UserError(
            f"{source}: sweep.strategy {model.strategy!r} is not one of the strategies "
            f"({', '.join(labels)})"
        )
    axes: dict[str, Any] = {}
    for path, values in model.parameters.items():
        where = f"{source}: sweep.parameters.{path!r}"
        if isinstance(values, _Range):
            axes[path] = value_range(values.start, values.stop, values.step, where=where)
        else:
            axes[path] = tuple(values)
    try:
        grid = Grid.from_mapping(axes) if axes else None
    except UserError as error:
        raise UserError(f"{source}: {error}") from None
    return SweepSettings(
        strategy=model.strategy,
        objective=model.objective,
        blocks=model.blocks,
        grid=grid,
        window_mode=model.walk_forward.mode,
        train_years=model.walk_forward.train_years,
        test_years=model.walk_forward.test_years,
        gap_days=model.walk_forward.gap_days,
    )


def _stress_settings(model: _Stress, path: Path, source: str) -> StressSettings:
    unknown = [name for name in model.signals if name not in SIGNALS]
    if unknown:
        raise UserError(
            f"{source}: stress.signals: unknown signal {unknown[0]!r} "
            f"(known: {', '.join(sorted(SIGNALS))})"
        )
    windows = None
    if model.windows is not None:
        try:
            windows = tuple(
                Window(name=item.name, start=item.start, end=item.end) for item in model.windows
            )
        except (ValueError, UserError) as error:
            raise UserError(f"{source}: stress.windows: {error}") from None
        names = [window.name for window in windows]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise UserError(f"{source}: stress.windows: two windows are named {repeated[0]!r}")
    return StressSettings(
        scenarios=(path.parent / model.scenarios) if model.scenarios else REPORT_SCENARIOS,
        signals=tuple(model.signals),
        paths=model.paths,
        horizon_days=model.horizon_days,
        block_days=model.block_days,
        seed=model.seed,
        confidence=model.confidence,
        windows=windows,
    )
