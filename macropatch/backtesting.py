"""An experiment backtested: its data loaded, its signals evaluated, every strategy run.

Requires an experiment file and the places data come from (store, pack, live).
Produces a :class:`Backtested`, before any file is written; :mod:`macropatch.api`
writes the run's folder from it and :mod:`macropatch.stress_tests` stresses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from macropatch.backtests.engine.backtest import backtest
from macropatch.backtests.engine.result import ResultSet
from macropatch.backtests.evidence.document import (
    EvidenceReport,
    evidence_report,
    trigger_evidence,
    trigger_method,
)
from macropatch.backtests.evidence.events import EventSettings
from macropatch.backtests.evidence.twins import attribute_signals
from macropatch.calibration import (
    calibrate_protective_puts,
    calibration_summary,
    hedge_protection,
)
from macropatch.experiment import Experiment, load_experiment
from macropatch.loading import load_prices
from macropatch.marketdata.catalog import Catalog
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.panel import PricePanel
from macropatch.marketdata.progress import NoProgress, Progress
from macropatch.marketdata.sources import DataSources
from macropatch.marketdata.store import Store
from macropatch.signals.base import SignalResult
from macropatch.signals.evaluate import evaluate_signals
from macropatch.signals.readings import point_in_time
from macropatch.strategies.base import Strategy
from macropatch.strategies.registry import build_strategy
from macropatch.trigger_history import PANEL, TriggerHistory, study_triggers
from macropatch.versioning import macropatch_version

__all__ = [
    "Backtested",
    "backtest_experiment",
    "backtest_strategies",
    "experiment_strategies",
    "measure_evidence",
]


@dataclass(frozen=True, kw_only=True)
class Backtested:
    """An experiment backtested, before any file is written."""

    experiment: Experiment
    strategies: dict[str, Strategy]
    panel: PricePanel
    prices: pd.DataFrame
    sources: DataSources
    signals: tuple[SignalResult, ...]
    results: ResultSet
    notes: list[str]


def backtest_experiment(
    *,
    experiment_path: Path | None = None,
    experiment: Experiment | None = None,
    pack: Pack | None = None,
    store: Store | None = None,
    live: bool = False,
    start: dt.date | None = None,
    end: dt.date | None = None,
    catalog: Catalog | None = None,
    progress: Progress | None = None,
    allow_dirty: bool = False,
) -> Backtested:
    """Load the data, evaluate the signals and backtest every strategy of an experiment.

    The experiment is ``experiment``, or read from ``experiment_path``. Data come from the
    store, then the pack, then live providers (if
    ``live``). The period runs from the experiment's start (or ``start``) to
    its end (or ``end``), cut at the last day every traded asset has data.
    A series that fails a hard data-quality check is refused unless
    ``allow_dirty`` (then ``sources.dirty_notes()`` names it).
    """
    progress = progress or NoProgress()
    if experiment is None:
        if experiment_path is None:
            raise ValueError("backtest_experiment needs an experiment or its file")
        experiment = load_experiment(experiment_path)
    experiment = experiment.with_period(start, end)
    catalog = catalog or experiment.catalog
    strategies = experiment_strategies(experiment)
    sources = DataSources(
        catalog=catalog, store=store, pack=pack, live=live, allow_dirty=allow_dirty
    )
    panel, prices, notes = load_prices(
        strategies.values(), experiment=experiment, sources=sources, progress=progress
    )
    with progress.task("Computing signals", total=1) as task:
        signal_results, signal_notes = evaluate_signals(
            experiment.signals, sources, pd.DatetimeIndex(prices.index)
        )
        task.advance()
    notes.extend(sources.notes)
    notes.extend(signal_notes)
    results = backtest_strategies(
        experiment, strategies, prices=prices, signals=signal_results, progress=progress
    )
    return Backtested(
        experiment=experiment,
        strategies=strategies,
        panel=panel,
        prices=prices,
        sources=sources,
        signals=tuple(signal_results),
        results=results,
        notes=notes,
    )


def experiment_strategies(experiment: Experiment) -> dict[str, Strategy]:
    """Every strategy of ``experiment``, built, by label."""
    return {
        entry.label: entry.instance
        or build_strategy(entry.strategy, entry.parameters, known=experiment.registry.strategies)
        for entry in experiment.strategies
    }


def backtest_strategies(
    experiment: Experiment,
    strategies: Mapping[str, Strategy],
    *,
    prices: pd.DataFrame,
    signals: Sequence[SignalResult],
    progress: Progress,
) -> ResultSet:
    """Backtest every strategy of ``experiment`` (built, by label) on ``prices`` and the
    evaluated ``signals``, with its schedule, costs and lag.
    """
    entries = {entry.label: entry for entry in experiment.strategies}
    by_name = {result.signal.name: result for result in signals}
    results = []
    with progress.task("Backtesting", total=len(strategies)) as task:
        for label, strategy in strategies.items():
            results.append(
                backtest(
                    name=label,
                    strategy=strategy,
                    prices=prices,
                    rebalance=entries[label].rebalance,
                    costs=experiment.costs,
                    execution_lag=experiment.execution_lag,
                    config_hash=experiment.config_hash,
                    signals=by_name,
                )
            )
            task.advance()
    return ResultSet(tuple(results))


def measure_evidence(
    done: Backtested,
    *,
    progress: Progress | None = None,
    settings: EventSettings | None = None,
) -> tuple[EvidenceReport, TriggerHistory]:
    """What the signals of each strategy of ``done`` add over its neutral twin, and what
    followed each trigger's firings over the longest history (``evidence.json``).
    """
    progress = progress or NoProgress()
    signals = {result.signal.name: result for result in done.signals}
    entries = {entry.label: entry for entry in done.experiment.strategies}
    driven = {label: strategy for label, strategy in done.strategies.items() if strategy.signals}
    found = []
    with progress.task("Measuring what the signals add", total=len(driven)) as task:
        for label, strategy in driven.items():
            found.append(
                attribute_signals(
                    label=label,
                    strategy=strategy,
                    prices=done.prices,
                    rebalance=entries[label].rebalance,
                    costs=done.experiment.costs,
                    execution_lag=done.experiment.execution_lag,
                    signals=signals,
                )
            )
            task.advance()
    settings = settings or EventSettings()
    history = study_triggers(
        done.experiment.signals, done.sources, settings=settings, progress=progress
    )
    catalog = done.sources.catalog
    market = PANEL[0][0]
    triggers = {
        item.key: trigger_evidence(
            item.study,
            market=market,
            reading=item.reading,
            point_in_time=point_in_time(item.result.signal, catalog),
        )
        for item in history.studied
    }
    method = trigger_method(
        settings,
        calendar=f"trading days of {catalog[history.calendar].name}",
        first_day=history.first_day,
        last_day=history.last_day,
        panel={item.label: catalog[item.series].name for item in history.panel},
    )
    as_of = pd.Timestamp(done.prices.index[-1]).date()
    report = evidence_report(
        found, as_of=as_of, version=macropatch_version(), triggers=triggers, method=method
    )
    results = {result.name: result for result in done.results}
    protection = hedge_protection(
        done.results,
        {label: strategy.hedges for label, strategy in done.strategies.items()},
        benchmark=results[done.experiment.benchmark],
    )
    report = report.model_copy(update={"hedges": protection})
    try:
        calibration = calibration_summary(calibrate_protective_puts(done.sources))
    except (UserError, ValueError) as error:  # no PPUT (or VIX) where the data come from
        note = f"the option model's calibration against CBOE PPUT was skipped: {error}"
        return report.model_copy(update={"calibration_note": note}), history
    return report.model_copy(update={"calibration": calibration}), history
