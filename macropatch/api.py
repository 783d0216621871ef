"""Public entry points that wire the stages together: data -> strategies -> backtests -> reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from macropatch.backtesting import Backtested, backtest_experiment, measure_evidence
from macropatch.backtests.engine.result import ResultSet
from macropatch.backtests.evidence.document import EvidenceReport
from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR
from macropatch.backtests.stress.document import StressReport
from macropatch.experiment import StressSettings, load_experiment
from macropatch.finished_runs import backtest_finished_run, redraw_run, run_experiment
from macropatch.marketdata.catalog import Catalog, load_catalog
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.panel import build_price_panel
from macropatch.marketdata.progress import NoProgress, Progress
from macropatch.marketdata.sources import DataSources
from macropatch.marketdata.store import Store
from macropatch.reports.crises import DEFAULT_WINDOWS
from macropatch.reports.documents import (
    DataSource,
    Period,
    RunCosts,
    RunInfo,
    RunSummary,
    SpliceRecord,
)
from macropatch.reports.evidence_page import write_evidence_page
from macropatch.reports.exports import write_config, write_prices, write_returns, write_weights
from macropatch.reports.output import (
    FolderKind,
    check_output_folder,
    is_folder_of,
    resolve_folder,
    staged_folder,
)
from macropatch.reports.pages import render_pages
from macropatch.reports.run_folder import read_run
from macropatch.reports.signal_history import signal_records, write_signal_history
from macropatch.reports.summary import build_summary, write_summary
from macropatch.reports.tearsheet import MINIMUM_DAYS as TEARSHEET_MINIMUM_DAYS
from macropatch.scenario_files import load_scenarios
from macropatch.signals.base import SignalResult
from macropatch.signals.evaluate import evaluate_signals
from macropatch.signals.readings import point_in_time
from macropatch.stress_tests import StressOutcome, run_stress_tests, stress_finished_run
from macropatch.sweeps import SweepOutcome, sweep
from macropatch.versioning import macropatch_version

__all__ = [
    "Backtested",
    "EvidenceOutcome",
    "RunOutcome",
    "SignalStates",
    "StressOutcome",
    "SweepOutcome",
    "backtest_experiment",
    "evidence",
    "evidence_finished_run",
    "macropatch_version",
    "report",
    "run",
    "signal_states",
    "stress_finished_run",
    "sweep",
    "write_run",
]


@dataclass(frozen=True, kw_only=True)
class RunOutcome:
    """Where a run wrote its files and what it measured."""

    out: Path
    results: ResultSet
    summary: RunSummary
    stress: StressReport
    evidence: EvidenceReport
    notes: tuple[str, ...]


def run(
    *,
    experiment_path: Path,
    out: Path,
    pack: Pack | None = None,
    store: Store | None = None,
    live: bool = False,
    start: dt.date | None = None,
    end: dt.date | None = None,
    catalog: Catalog | None = None,
    progress: Progress | None = None,
    stress: StressSettings | None = None,
    allow_dirty: bool = False,
) -> RunOutcome:
    """Backtest every strategy of an experiment and write the output contract to ``out``
    (see :func:`backtest_experiment` for the data, the period and ``allow_dirty``), stress
    tests included (``stress`` overrides the experiment's ``[stress]``). The dirty series
    used under ``allow_dirty`` are listed in ``summary.json``'s ``run.notes``.
    """
    progress = progress or NoProgress()
    check_output_folder(out)  # before the work, not after it
    stress = stress or load_experiment(experiment_path).stress
    load_scenarios(stress.scenarios)  # a bad scenario file fails before the work
    done = backtest_experiment(
        experiment_path=experiment_path,
        pack=pack,
        store=store,
        live=live,
        start=start,
        end=end,
        catalog=catalog,
        progress=progress,
        allow_dirty=allow_dirty,
    )
    return write_run(done, out=out, stress=stress, progress=progress)


def write_run(
    done: Backtested,
    *,
    out: Path,
    stress: StressSettings | None = None,
    progress: Progress | None = None,
) -> RunOutcome:
    """Stress-test, measure the evidence of and write the output contract of a backtested
    experiment to ``out`` (``stress`` overrides the experiment's ``[stress]``).
    """
    progress = progress or NoProgress()
    check_output_folder(out)
    stress = stress or done.experiment.stress
    scenarios = load_scenarios(stress.scenarios)
    prices, sources = done.prices, done.sources
    provenance = [item.record() for item in sources.loaded()]
    splices = [item.record() for item in done.panel.splices_after(prices.index[0])]
    # The stress tests load series of their own (factors), so they run before the notes
    # name every dirty series used.
    stress_summary = run_stress_tests(
        done, stress, scenarios=scenarios, version=macropatch_version(), progress=progress
    )
    notes = [*done.notes, *sources.dirty_notes()]
    if len(prices) < TEARSHEET_MINIMUM_DAYS:
        notes.append(
            f"the period holds {len(prices)} trading days: too few for quantstats tearsheets "
            f"(at least {TEARSHEET_MINIMUM_DAYS}); their pages say so, index.html has the metrics"
        )
    run_info = _run_info(done, provenance=provenance, splices=splices, notes=notes)
    summary = build_summary(
        done.results,
        run_info=run_info,
        signals=signal_records(
            done.signals, pd.Timestamp(prices.index[-1]), catalog=sources.catalog
        ),
        windows=stress.windows or DEFAULT_WINDOWS,  # the crises stress.html replays
        real_starts=_real_starts(done),
    )
    evidence, _history = measure_evidence(done, progress=progress)
    with staged_folder(out) as folder:
        write_summary(evidence, folder / "evidence.json")
        _write_run(
            folder,
            done,
            summary=summary,
            stress=stress_summary,
            evidence=evidence,
            progress=progress,
            previous=resolve_folder(out) if is_folder_of(out, FolderKind.RUN) else None,
        )
    return RunOutcome(
        out=resolve_folder(out),
        results=done.results,
        summary=summary,
        evidence=evidence,
        stress=stress_summary,
        notes=tuple(notes),
    )


def _run_info(
    done: Backtested,
    *,
    provenance: list[dict[str, str]],
    splices: list[dict[str, str]],
    notes: list[str],
) -> RunInfo:
    """The ``run`` section of ``summary.json``: what ran, on which data, under which costs."""
    experiment, prices = done.experiment, done.prices
    costs = experiment.costs
    return RunInfo(
        experiment=experiment.name,
        experiment_file=experiment.source,
        config_hash=experiment.config_hash,
        data_hash=done.panel.data_hash,
        macropatch_version=macropatch_version(),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        period=Period(start=prices.index[0], end=prices.index[-1], days=len(prices)),
        costs=RunCosts(
            fees=costs.fees,
            slippage=costs.slippage,
            fees_bps=costs.fees * 1e4,
            slippage_bps=costs.slippage * 1e4,
            borrow=costs.borrow,
            borrow_bps=costs.borrow * 1e4,
        ),
        execution_lag=experiment.execution_lag,
        benchmark=experiment.benchmark,
        objective=experiment.sweep.objective.value,
        annualisation_days=PERIODS_PER_YEAR,
        risk_free_for_ratios=0.0,
        data=[DataSource.model_validate(item) for item in provenance],
        splices=[SpliceRecord.model_validate(item) for item in splices],
        notes=notes,
    )


def _real_starts(done: Backtested) -> dict[str, pd.Timestamp]:
    """Per strategy, the first day on which every asset it trades has its own prices (the
    last day a proxy stood in for one of them, plus one); strategies without a proxy are
    left out.
    """
    starts = {}
    for label, strategy in done.strategies.items():
        joined = [
            splice.joined for splice in done.panel.splices if splice.series in strategy.assets
        ]
        if joined:
            starts[label] = max(joined)
    return starts


def _write_run(
    folder: Path,
    done: Backtested,
    *,
    summary: RunSummary,
    stress: StressReport,
    evidence: EvidenceReport,
    progress: Progress,
    previous: Path | None,
) -> None:
    """The output contract of a run, written into ``folder`` (``previous``: the run it
    replaces, whose unchanged tearsheets are reused).
    """
    results, prices = done.results, done.prices
    run_info = summary.run
    write_summary(summary, folder / "summary.json")
    write_returns(results, folder / "returns.csv")
    write_prices(prices, folder / "prices.csv")
    write_weights(results, folder / "weights")
    write_signal_history(done.signals, folder / "signals")
    write_summary(stress, folder / "stress.json")
    resolved = {
        "period": run_info.period.model_dump(),
        "config_hash": done.experiment.config_hash,
        "data_hash": done.panel.data_hash,
        "version": run_info.macropatch_version,
        "data": [item.model_dump(exclude_none=True) for item in run_info.data],
        "splices": [item.model_dump() for item in run_info.splices],
        "notes": run_info.notes,
    }
    write_config(
        {**done.experiment.document, "resolved": resolved}, folder / "config.resolved.toml"
    )
    render_pages(
        folder,
        summary=summary,
        returns=results.returns(),
        signals=done.signals,
        stress=stress,
        evidence=evidence,
        progress=progress,
        previous=previous,
        weights={result.name: result.weights for result in results},
    )


@dataclass(frozen=True, kw_only=True)
class EvidenceOutcome:
    """Where ``macropatch evidence`` wrote its files and what it measured."""

    out: Path
    evidence: EvidenceReport
    notes: tuple[str, ...]


def evidence(
    *,
    experiment_path: Path,
    out: Path,
    pack: Pack | None = None,
    store: Store | None = None,
    live: bool = False,
    catalog: Catalog | None = None,
    progress: Progress | None = None,
    allow_dirty: bool = False,
) -> EvidenceOutcome:
    """Backtest an experiment and write only its evidence (``evidence.json`` and
    ``evidence.html``) to ``out``, a folder of its own (never a run's folder).
    """
    progress = progress or NoProgress()
    check_output_folder(out, FolderKind.EVIDENCE)
    done = backtest_experiment(
        experiment_path=experiment_path,
        pack=pack,
        store=store,
        live=live,
        catalog=catalog,
        progress=progress,
        allow_dirty=allow_dirty,
    )
    measured, history = measure_evidence(done, progress=progress)
    with staged_folder(out, FolderKind.EVIDENCE) as folder:
        write_summary(measured, folder / "evidence.json")
        write_evidence_page(folder / "evidence.html", evidence=measured, comparison_link=None)
    notes = (*done.notes, *history.notes, *done.sources.dirty_notes())
    return EvidenceOutcome(out=resolve_folder(out), evidence=measured, notes=notes)


def evidence_finished_run(
    *,
    run_dir: Path,
    pack: Pack | None = None,
    store: Store | None = None,
    live: bool = False,
    progress: Progress | None = None,
    allow_dirty: bool = False,
) -> EvidenceOutcome:
    """Measure a finished run's evidence again from its files, without loading its data or
    evaluating its signals: its strategies are backtested again on the run's prices and
    signals (checked against ``returns.csv``), their neutral twins beside them. The trigger
    studies and the option model's calibration read their longest histories from the data.
    ``evidence.json`` and ``evidence.html`` in ``run_dir`` are replaced with every other
    page that changed, all at once: an error leaves the run as it was.
    """
    progress = progress or NoProgress()
    finished = read_run(run_dir)
    experiment, _ = run_experiment(finished)
    sources = DataSources(
        catalog=experiment.catalog, store=store, pack=pack, live=live, allow_dirty=allow_dirty
    )
    done = backtest_finished_run(
        finished, experiment=experiment, sources=sources, progress=progress
    )
    measured, history = measure_evidence(done, progress=progress)
    redraw_run(finished, progress=progress, evidence=measured)
    notes = (*history.notes, *sources.dirty_notes())
    return EvidenceOutcome(out=finished.folder, evidence=measured, notes=notes)


def report(*, run_dir: Path, progress: Progress | None = None) -> Path:
    """Draw the pages of a finished run again from its files, without backtesting.

    The run's data files are copied to a staging folder, the pages drawn
    there, and the staging folder replaces ``run_dir`` all at once: an error
    leaves the run as it was. Returns the path of ``index.html``.
    """
    finished = read_run(run_dir)
    redraw_run(finished, progress=progress or NoProgress())
    return finished.folder / "index.html"


@dataclass(frozen=True, kw_only=True)
class SignalStates:
    """Every signal of an experiment evaluated up to one day."""

    asof: pd.Timestamp
    results: tuple[SignalResult, ...]
    notes: tuple[str, ...]
    point_in_time: dict[str, bool]
    """Per signal: False when it reads a series its publisher re-estimates."""
    catalog: Catalog


def signal_states(
    *,
    experiment_path: Path,
    asof: dt.date | None = None,
    pack: Pack | None = None,
    store: Store | None = None,
    live: bool = False,
    catalog: Catalog | None = None,
) -> SignalStates:
    """Evaluate the experiment's signals on the trading days from its start to ``asof``.

    ``asof`` defaults to the last trading day in the data; a date that is not a
    trading day means the last trading day before it. Series that fail a hard
    data-quality check are used, and named in the notes (this is a look, not a run).
    """
    experiment = load_experiment(experiment_path)
    catalog = catalog or load_catalog()
    sources = DataSources(catalog=catalog, store=store, pack=pack, live=live, allow_dirty=True)
    end = pd.Timestamp(asof) if asof else None
    if end is not None and end.date() < experiment.start:
        raise UserError(f"--asof {end.date()} is before the experiment's start {experiment.start}")
    calendar = build_price_panel(
        sources, [], start=pd.Timestamp(experiment.start), end=end
    ).prices.index
    results, notes = evaluate_signals(experiment.signals, sources, pd.DatetimeIndex(calendar))
    return SignalStates(
        asof=pd.Timestamp(calendar[-1]),
        results=tuple(results),
        notes=(*notes, *sources.dirty_notes()),
        point_in_time={
            result.signal.name: point_in_time(result.signal, catalog) for result in results
        },
        catalog=catalog,
    )
