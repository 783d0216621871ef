"""The experiment file: a TOML document validated at the boundary, then plain dataclasses.

An experiment names the period, the costs, the execution lag, the strategies
(each a registered strategy with parameters and an optional label, so that
variants of one strategy can sit side by side) and the benchmark. Numbers are
strict (``true`` or ``"5"`` is no number, ``nan`` and ``inf`` are refused),
dates are TOML dates or ``YYYY-MM-DD`` strings, crisis windows lie inside the
period, and every problem is a one-line ``UserError`` naming the file and key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.schedule import Rebalance
from macropatch.backtests.stress.replay import Window
from macropatch.backtests.sweep.grid import Grid, value_range
from macropatch.backtests.sweep.objective import Objective
from macropatch.backtests.sweep.walk_forward import WindowMode
from macropatch.experiment_limits import MAXIMUM_PATHS, MINIMUM_PATHS, SEED_LIMIT
from macropatch.marketdata.catalog import Catalog, load_catalog
from macropatch.marketdata.declared import declared_series
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.files import read_toml
from macropatch.plugins import Registry, load_plugins
from macropatch.rule_files import rule_books
from macropatch.signals.base import Signal
from macropatch.signals.registry import default_signals
from macropatch.strategies.base import Strategy
from macropatch.strategies.rules import RuleBook, rule_strategy

__all__ = [
    "experiment_from_document",
    "MAXIMUM_PATHS",
    "MINIMUM_PATHS",
    "REPORT_SCENARIOS",
    "SEED_LIMIT",
    "Experiment",
    "StrategyEntry",
    "StressSettings",
    "SweepSettings",
    "describe_validation_error",
    "load_experiment",
]

REPORT_SCENARIOS = Path(__file__).parent / "scenarios"
"""The report's four scenarios, shipped with macropatch: the default of ``[stress] scenarios``."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


def _plain_date(value: object) -> object:
    """A TOML date or a ``YYYY-MM-DD`` string; not a number, a date-time or another text."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"must be a date (YYYY-MM-DD), not a date and time ({value})")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date of the calendar") from None
    raise ValueError(f"must be a date (YYYY-MM-DD), got {_shown(value)}")


# Numbers are strict: ``true`` or ``"5"`` is no number (an int is a float, though).
_Date = Annotated[dt.date, BeforeValidator(_plain_date)]
_Float = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_Int = Annotated[int, Field(strict=True)]


class _Period(_Model):
    start: _Date = dt.date(2000, 1, 3)
    end: _Date | None = None


class _Costs(_Model):
    fees_bps: _Float = Field(default=5.0, ge=0.0, lt=1000.0)
    slippage_bps: _Float = Field(default=2.0, ge=0.0, lt=1000.0)
    borrow_bps: _Float = Field(default=50.0, ge=0.0, lt=1000.0)  # a year, on short positions


class _Execution(_Model):
    lag_days: _Int = Field(default=1, ge=1, le=20)


class _Strategy(_Model):
    strategy: str
    label: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$", max_length=80)
    rebalance: Rebalance = Rebalance.MONTHLY
    parameters: dict[str, Any] = Field(default_factory=dict)


class _Range(_Model):
    # an int range stays ints (``window_days = { start = 21, stop = 63, step = 21 }``)
    start: _Int | _Float
    stop: _Int | _Float
    step: _Int | _Float


class _WalkForward(_Model):
    mode: WindowMode = WindowMode.ROLLING
    train_years: _Float = Field(default=5.0, gt=0.0, le=40.0)
    test_years: _Float = Field(default=1.0, gt=0.0, le=40.0)
    gap_days: _Int | None = Field(default=None, ge=0, le=2520)


class _Sweep(_Model):
    strategy: str | None = None
    objective: Objective = Objective.SHARPE
    blocks: _Int = Field(default=16, ge=4, le=22, multiple_of=2)
    parameters: dict[str, list[bool | int | float | str] | _Range] = Field(default_factory=dict)
    walk_forward: _WalkForward = _WalkForward()


class _Window(_Model):
    name: str = Field(min_length=1, max_length=80)
    start: _Date
    end: _Date


class _Stress(_Model):
    scenarios: str | None = None  # a folder, relative to the experiment file; None: the report's
    signals: list[str] = Field(default_factory=lambda: ["system_stress"], min_length=1)
    paths: _Int = Field(default=10_000, ge=MINIMUM_PATHS, le=MAXIMUM_PATHS)
    horizon_days: _Int = Field(default=252, ge=5, le=2520)
    block_days: _Int = Field(default=21, ge=1, le=252)
    seed: _Int = Field(default=0, ge=0, lt=SEED_LIMIT)
    confidence: _Float = Field(default=0.90, gt=0.0, lt=1.0)
    windows: list[_Window] | None = None


class _Experiment(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    period: _Period = _Period()
    costs: _Costs = _Costs()
    execution: _Execution = _Execution()
    benchmark: str
    proxies: Annotated[bool, Field(strict=True)] = True
    plugins: list[Annotated[str, Field(strict=True, min_length=1)]] = Field(default_factory=list)
    assets: dict[str, dict[str, Any]] = Field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)
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
    instance: Strategy | None = None
    """The strategy object itself, when given from Python (built from the name otherwise)."""


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
    start_explicit: bool = False
    """Whether the start was asked for (``[period] start`` or ``--start``), not the default."""
    proxies: bool = True
    """Whether assets' histories are extended by their proxy chains (``proxies = false``: each
    asset starts on its own first day, its weight in cash before)."""
    registry: Registry = dataclasses.field(default_factory=Registry)
    """The signals and strategies by name: the built-ins and the experiment's plugins."""
    catalog: Catalog = dataclasses.field(default_factory=load_catalog)
    """The series catalog, with the assets the experiment declares (``[assets.<id>]``)."""

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
        _check_windows_inside(self.stress.windows, new_start, new_end, self.source)
        document = {
            **self.document,
            "period": {"start": str(new_start), "end": str(new_end) if new_end else None},
        }
        return Experiment(
            **{
                **self.__dict__,
                "start": new_start,
                "end": new_end,
                "document": document,
                "start_explicit": self.start_explicit or start is not None,
            }
        )


def _extensions(
    model: _Experiment, *, base: Path, source: str, extra: Registry | None
) -> tuple[Catalog, Registry]:
    """The catalog with the declared assets, and the registry with the plugins and rules."""
    catalog = load_catalog()
    if model.assets:
        catalog = catalog.with_series(
            declared_series(model.assets, base=base, where=source), source=source
        )
    extra = _with_rules(extra, rule_books(model.rules, where=source), source)
    try:
        registry = load_plugins(model.plugins, base=base, catalog=catalog, extra=extra)
    except UserError as error:
        raise UserError(f"{source}: plugins: {error}") from None
    for name, table in model.rules.items():
        for rule in table.get("when", []):
            if rule.get("signal") not in registry.signals:
                raise UserError(
                    f"{source}: rules.{name}: rule {rule.get('name')!r} reads unknown signal "
                    f"{rule.get('signal')!r} (known: {', '.join(sorted(registry.signals))})"
                )
    return catalog, registry


def _with_rules(extra: Registry | None, books: Mapping[str, RuleBook], source: str) -> Registry:
    """``extra`` plus the strategies the experiment's ``[rules]`` tables define."""
    extra = extra or Registry(signals={}, strategies={})
    made = {name: rule_strategy(book) for name, book in books.items()}
    return Registry(
        signals=extra.signals,
        strategies={**extra.strategies, **made},
        origins={
            **extra.origins,
            **{f"strategy {name}": f"rules.{name} in {source}" for name in made},
        },
    )


def _check_windows_inside(
    windows: Sequence[Window] | None, start: dt.date, end: dt.date | None, source: str
) -> None:
    """A crisis window outside the period is refused now, not after the backtest."""
    for window in windows or ():
        if window.start < start or (end is not None and window.end > end):
            raise UserError(
                f"{source}: stress.windows: window {window.name!r} ({window.start} to "
                f"{window.end}) is not inside the period {start} to {end or 'the last day'}"
            )


def _shown(value: object) -> str:
    """A value as a message quotes it: on one line, at most 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _document_path(location: Sequence[int | str], document: object) -> list[int | str]:
    """The parts of a pydantic error location that are keys or indices of ``document``,
    plus a last key the document lacks (missing or unknown); the names pydantic adds for
    union members and validators (``list[...]``, ``_Range``, ``int``) are left out.
    """
    parts: list[int | str] = []
    node = document
    for position, part in enumerate(location):
        inside = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if inside:
            node = node[part]  # type: ignore[index]
            parts.append(part)
        elif position == len(location) - 1 and isinstance(node, dict):
            parts.append(part)
    return parts


def _dotted(parts: Sequence[int | str]) -> str:
    return ".".join(
        str(part) if re.fullmatch(r"[A-Za-z0-9_-]+", str(part)) else repr(part) for part in parts
    )


def describe_validation_error(
    error: pydantic.ValidationError, source: str, document: object
) -> UserError:
    """The first problem pydantic found in ``document`` (read from ``source``), on one line
    naming the key.
    """
    errors = error.errors()
    first = errors[0]
    parts = _document_path(first["loc"], document)
    if parts[:2] == ["sweep", "parameters"] and len(parts) >= 3:
        return _sweep_parameter_error(errors, source, document, str(parts[2]))
    if first["type"] == "extra_forbidden":
        return UserError(f"{source}: unknown key {'.'.join(map(str, parts))!r}")
    if first["type"] == "missing":
        return UserError(f"{source}: missing key {'.'.join(map(str, parts))!r}")
    return UserError(f"{source}: {_dotted(parts)}: {_message(first)}")


def _sweep_parameter_error(errors: Any, source: str, document: Any, path: str) -> UserError:
    """A sweep parameter is a list of values or a range table: report the problem of the
    form the file used.
    """
    value = document["sweep"]["parameters"][path]
    where = f"{source}: sweep.parameters.{path!r}"
    if isinstance(value, dict):
        ranged = [item for item in errors if "_Range" in item["loc"]]
        # of a number's two readings (int, float), the float's problem says more
        ranged.sort(key=lambda item: item["loc"][-1] == "int")
        if ranged and ranged[0]["type"] == "extra_forbidden":
            return UserError(f"{where}: unknown key {ranged[0]['loc'][-1]!r} in the range")
        if ranged and ranged[0]["type"] == "missing":
            return UserError(f"{where}: the range lacks {ranged[0]['loc'][-1]!r}")
        if ranged and len(ranged[0]["loc"]) > 4:
            return UserError(f"{where}: {ranged[0]['loc'][4]}: {_message(ranged[0])}")
    if isinstance(value, list):
        return UserError(
            f"{where}: values must be numbers, true/false or names, got {_shown(value)}"
        )
    return UserError(
        f"{where}: expected a list of values or a table {{ start, stop, step }}, "
        f"got {_shown(value)}"
    )


def _message(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    return " ".join(message.split())


def load_experiment(path: Path) -> Experiment:
    """Read and validate an experiment file."""
    document = read_toml(Path(path), "experiment file")  # a byte-order mark is no error
    return experiment_from_document(document, source=str(path), base=Path(path).parent)


def experiment_from_document(
    document: dict[str, Any],
    *,
    source: str,
    base: Path,
    extra: Registry | None = None,
) -> Experiment:
    """Validate an experiment given as the TOML file's tables (``source`` names it in errors;
    ``plugins`` and scenario folders are relative to ``base``; ``extra`` adds classes given
    directly, already checked).
    """
    path = base / "experiment.toml"
    try:
        model = _Experiment.model_validate(document)
    except pydantic.ValidationError as error:
        raise describe_validation_error(error, source, document) from None

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
    catalog, registry = _extensions(model, base=base, source=source, extra=extra)
    unknown = [entry.strategy for entry in entries if entry.strategy not in registry.strategies]
    if unknown:
        raise UserError(
            f"{source}: unknown strategy {unknown[0]!r} "
            f"(known: {', '.join(sorted(registry.strategies))})"
        )
    try:
        signals = tuple(default_signals(model.signals, known=registry.signals))
    except UserError as error:
        raise UserError(f"{source}: [signals] {error}") from None
    stress = _stress_settings(model.stress, Path(path), source, registry.signals)
    _check_windows_inside(stress.windows, model.period.start, model.period.end, source)
    return Experiment(
        stress=stress,
        sweep=_sweep_settings(model.sweep, labels, source),
        signals=signals,
        name=model.name,
        description=model.description,
        start=model.period.start,
        end=model.period.end,
        start_explicit="start" in model.period.model_fields_set,
        proxies=model.proxies,
        registry=registry,
        catalog=catalog,
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


def _stress_settings(
    model: _Stress, path: Path, source: str, known: Mapping[str, type[Signal]]
) -> StressSettings:
    unknown = [name for name in model.signals if name not in known]
    if unknown:
        raise UserError(
            f"{source}: stress.signals: unknown signal {unknown[0]!r} "
            f"(known: {', '.join(sorted(known))})"
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
