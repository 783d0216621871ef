"""The ``sweep`` entry point: tune a strategy's parameters and say how far to trust the result.

Wires the stages: the experiment's ``[sweep]`` (and the command line's
``--param``) into a grid; the data; every distinct signal evaluated once;
the variants run in batches on an executor (resumable); then the metrics of
every variant, the walk-forward out-of-sample result, the overfitting
statistics, the best variant run again through the vectorbt engine as a
check, and the files: ``sweep.html``, ``sweep.json``, ``variants.csv``,
``walk_forward.csv``, ``walk_forward_returns.csv`` and two tearsheets.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from macropatch.backtests.engine.backtest import backtest
from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR
from macropatch.backtests.sweep.batches import BatchStore
from macropatch.backtests.sweep.document import SweepReport
from macropatch.backtests.sweep.executors import (
    ExecutorKind,
    available_cores,
    choose_executor,
    make_executor,
)
from macropatch.backtests.sweep.grid import Grid, parse_assignment
from macropatch.backtests.sweep.objective import Objective
from macropatch.backtests.sweep.resources import Footprint, check_footprint, check_memory_budget
from macropatch.backtests.sweep.runner import (
    WORKER_PRELOAD,
    SweepInputs,
    batch_plan,
    by_state,
    run_sweep,
)
from macropatch.backtests.sweep.study import (
    TIE_RULE,
    SweepStudy,
    engine_difference,
    fingerprint,
    gap_minimum,
    study_sweep,
)
from macropatch.backtests.sweep.variants import (
    VariantPlan,
    neutral_twins,
    plan_variants,
    quiet_output,
)
from macropatch.backtests.sweep.walk_forward import WalkForward, walk_forward_windows
from macropatch.experiment import Experiment, StrategyEntry, load_experiment
from macropatch.loading import load_prices
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.progress import NoProgress, Progress
from macropatch.marketdata.sources import DataSources
from macropatch.marketdata.store import Store
from macropatch.reports.html import write_text_atomically
from macropatch.reports.output import FolderKind, check_output_folder, resolve_folder, staged_folder
from macropatch.reports.parallel import TearsheetJob, render_tearsheets
from macropatch.reports.summary import to_json_value
from macropatch.reports.sweep_page import write_sweep_page
from macropatch.signals.evaluate import evaluate_signals
from macropatch.strategies.base import CASH, Strategy
from macropatch.strategies.registry import build_strategy
from macropatch.versioning import macropatch_version

__all__ = ["DEFAULT_MAX_MEMORY", "TIE_RULE", "SweepOutcome", "sweep", "sweep_grid"]

DEFAULT_MAX_MEMORY = 2 * 2**30
"""Memory budget of a sweep's workers, all together (bytes)."""


@dataclass(frozen=True, kw_only=True)
class SweepOutcome:
    """Where a sweep wrote its files and what it found."""

    out: Path
    summary: SweepReport


def sweep_grid(experiment: Experiment, assignments: Sequence[str], label: str) -> Grid:
    """The grid of a sweep of strategy ``label``: the experiment's ``[sweep.parameters]``
    when ``[sweep] strategy`` is that strategy (an empty grid for any other: those paths
    were written for another strategy), with each ``--param`` added or replacing its path.
    """
    overrides = [parse_assignment(text) for text in assignments]
    base = experiment.sweep.grid if experiment.sweep.strategy == label else None
    if base is None:
        if not overrides:
            where = (
                "no [sweep.parameters]"
                if experiment.sweep.strategy in (None, label)
                else f"[sweep.parameters] is for {experiment.sweep.strategy!r}"
            )
            raise UserError(
                f"{experiment.source}: {where} and no --param for {label!r}: nothing to sweep"
            )
        return Grid(tuple(overrides))
    return base.merged(overrides)


def _label(parameters: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in parameters.items())


@dataclass(frozen=True, kw_only=True)
class _Setup:
    """What the sweep will run, checked before any data is read."""

    experiment: Experiment
    label: str
    entry: StrategyEntry
    benchmark_entry: StrategyEntry
    grid: Grid
    objective: Objective
    out: Path


def _setup(
    experiment: Experiment | Path,
    *,
    assignments: Sequence[str],
    strategy_label: str | None,
    objective: Objective | None,
    out: Path,
    max_memory: int,
) -> _Setup:
    """The swept strategy, its grid and objective; the output folder and budgets checked."""
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    label = strategy_label or experiment.sweep.strategy
    if label is None:
        raise UserError(
            f"{experiment.source}: name the swept strategy in [sweep] strategy or --strategy"
        )
    entries = {entry.label: entry for entry in experiment.strategies}
    if label not in entries:
        raise UserError(f"--strategy {label!r} is not one of the strategies ({', '.join(entries)})")
    if label == experiment.benchmark:
        raise UserError(f"{label!r} is the benchmark; sweep another strategy")
    grid = sweep_grid(experiment, assignments, label)
    out = resolve_folder(out)
    check_output_folder(out, FolderKind.SWEEP)
    check_memory_budget(max_memory)
    # A first look at the size before building the variants, on a period surely shorter
    # than the data's (half its business days): a refusal now is always right.
    asked_end = experiment.end or dt.date.today()
    rough_days = max(1, int(np.busday_count(experiment.start, asked_end)) // 2)
    check_footprint(
        Footprint(variants=len(grid), days=rough_days), folder=out, max_memory=max_memory
    )
    return _Setup(
        experiment=experiment,
        label=label,
        entry=entries[label],
        benchmark_entry=entries[experiment.benchmark],
        grid=grid,
        objective=objective or experiment.sweep.objective,
        out=out,
    )


@dataclass(frozen=True, kw_only=True)
class _Prepared:
    """The variants, their data and signals, the walk-forward, and the sweep's fingerprint."""

    plans: list[VariantPlan]
    twins: list[VariantPlan]
    """The variants' neutral twins (none when the strategy reads no signal)."""
    twin_of: list[int]
    """Per variant, the position of its twin in :attr:`twins`."""
    benchmark_strategy: Strategy
    prices: pd.DataFrame
    inputs: SweepInputs
    spec: WalkForward
    gap_minimum: int
    fingerprint: str
    notes: list[str]


def _prepare(
    setup: _Setup, sources: DataSources, *, max_memory: int, progress: Progress
) -> _Prepared:
    """Build the variants, load their prices, evaluate each distinct signal once."""
    experiment, entry = setup.experiment, setup.entry
    plans, distinct = plan_variants(
        strategy=entry.strategy, parameters=entry.parameters, signals=experiment.signals,
        grid=setup.grid, known_strategies=experiment.registry.strategies,
        known_signals=experiment.registry.signals,
    )  # fmt: skip
    twins, twin_of = neutral_twins(plans)
    benchmark = build_strategy(
        setup.benchmark_entry.strategy,
        setup.benchmark_entry.parameters,
        known=experiment.registry.strategies,
    )
    strategies = list({id(plan.strategy): plan.strategy for plan in plans}.values())
    panel, prices, notes = load_prices(
        [*strategies, benchmark], experiment=experiment, sources=sources, progress=progress
    )
    calendar = pd.DatetimeIndex(prices.index)
    check_footprint(
        Footprint(variants=len(plans) + len(twins), days=len(calendar)),
        folder=setup.out,
        max_memory=max_memory,
    )
    catalog = sources.catalog
    minimum = gap_minimum(
        experiment.execution_lag,
        (catalog[s].publication_lag_days for signal in distinct.values() for s in signal.inputs
         if s in catalog),
    )  # fmt: skip
    spec = _walk_forward_spec(experiment, setup.objective, calendar, minimum)
    with progress.task("Computing signals", total=1) as task:
        results, signal_notes = evaluate_signals(list(distinct.values()), sources, calendar)
        task.advance()
    traded = list(dict.fromkeys(asset for strategy in strategies for asset in strategy.assets))
    evaluated = {result.name: result for result in results}
    for result in results:  # what the twins read: each signal held quiet
        evaluated.setdefault(quiet_output(result.signal.name), result.held_quiet())
    inputs = SweepInputs(
        prices=prices[[*traded, CASH]],
        signals=evaluated,
        rebalance=entry.rebalance,
        costs=experiment.costs,
        execution_lag=experiment.execution_lag,
    )
    digest = fingerprint(
        {
            "strategy": entry.strategy,
            "parameters": entry.parameters,
            "grid": [(str(path), list(values)) for path, values in setup.grid.axes],
            "signals": sorted(distinct),
            "rebalance": entry.rebalance.value,
            "costs": [experiment.costs.fees, experiment.costs.slippage, experiment.costs.borrow],
            "lag": experiment.execution_lag,
            "data": panel.data_hash,
            "period": [str(calendar[0].date()), str(calendar[-1].date())],
            "twins": len(twins),
        }
    )
    return _Prepared(
        plans=plans,
        twins=twins,
        twin_of=twin_of,
        benchmark_strategy=benchmark,
        prices=prices,
        inputs=inputs,
        spec=spec,
        gap_minimum=minimum,
        fingerprint=digest,
        notes=[*notes, *signal_notes, *sources.dirty_notes()],
    )


def _walk_forward_spec(
    experiment: Experiment, objective: Objective, calendar: pd.DatetimeIndex, minimum: int
) -> WalkForward:
    """The experiment's walk-forward, its gap checked against ``minimum``, fitted to the days."""
    settings = experiment.sweep
    gap = settings.gap_days if settings.gap_days is not None else minimum
    if gap < minimum:
        raise UserError(
            f"{experiment.source}: sweep.walk_forward.gap_days {gap} is below the execution lag "
            f"plus the slowest publication lag of the signals read ({minimum} trading days)"
        )
    spec = WalkForward(
        train_days=round(settings.train_years * PERIODS_PER_YEAR),
        test_days=round(settings.test_years * PERIODS_PER_YEAR),
        gap_days=gap,
        mode=settings.window_mode,
        objective=objective,
    )
    try:  # the windows need only the calendar: a spec that cannot fit fails before the work
        walk_forward_windows(calendar, spec)
    except ValueError as error:
        raise UserError(f"walk-forward: {error}") from None
    return spec


@dataclass(frozen=True, kw_only=True)
class _Ran:
    """The variants' daily returns (variants by days), annualised turnover (one per variant)
    and how they were run.
    """

    returns: np.ndarray
    turnover: np.ndarray
    seconds: float
    executor: str
    batches: int


def _send_by_value(modules: Sequence[str]) -> None:
    """Have Dask (cloudpickle) ship the plugin modules' classes by value: a cluster's
    workers cannot import a user's file.
    """
    import sys

    import cloudpickle

    for name in modules:
        cloudpickle.register_pickle_by_value(sys.modules[name])


def _run_batches(
    prepared: _Prepared,
    *,
    folder: Path,
    executor: ExecutorKind,
    scheduler: str | None,
    workers: int | None,
    max_memory: int,
    resume: bool,
    progress: Progress,
    plugins: Sequence[str] = (),
) -> _Ran:
    """Run every variant in batches on the executor; finished batches are kept in ``folder``.
    Local workers import the ``plugins`` modules first (a plugin's classes then unpickle
    there); a Dask cluster receives them by value. ``AUTO`` is chosen here.
    """
    every = [*prepared.plans, *prepared.twins]
    executor = choose_executor(
        executor, items=len(every), scheduler=scheduler, workers=workers, by_state=by_state(every)
    )
    if executor is ExecutorKind.DASK:
        _send_by_value(plugins)
    try:
        opened = make_executor(
            executor,
            workers=workers,
            scheduler=scheduler,
            preload=[*WORKER_PRELOAD, *plugins] if executor is ExecutorKind.LOCAL else (),
        )
    except ValueError as error:
        raise UserError(f"--executor {executor.value}: {error}") from None
    inputs = prepared.inputs
    if executor is not ExecutorKind.INLINE:
        inputs = dataclasses.replace(inputs, kernel_threads=1)
    with opened as pool:
        try:
            batches = batch_plan(
                len(every),
                days=len(inputs.prices),
                assets=inputs.prices.shape[1],
                workers=pool.workers,
                max_memory=max_memory,
                by_state=by_state(every),
            )
        except ValueError as error:
            raise UserError(f"--max-memory: {error}") from None
        store = BatchStore(folder, fingerprint=prepared.fingerprint, batches=batches, resume=resume)
        started = time.perf_counter()
        returns, turnover = run_sweep(inputs, every, store=store, executor=pool, progress=progress)
        return _Ran(
            returns=returns,
            turnover=turnover,
            seconds=time.perf_counter() - started,
            executor=pool.description,
            batches=len(batches),
        )


def _benchmark_returns(setup: _Setup, prepared: _Prepared) -> pd.Series:
    """The benchmark's daily returns through the vectorbt engine, on the sweep's days."""
    experiment = setup.experiment
    return backtest(
        name=experiment.benchmark,
        strategy=prepared.benchmark_strategy,
        prices=prepared.prices,
        rebalance=setup.benchmark_entry.rebalance,
        costs=experiment.costs,
        execution_lag=experiment.execution_lag,
    ).returns


def _engine_check(
    setup: _Setup, prepared: _Prepared, best: int, kernel_returns: np.ndarray
) -> float:
    """The best variant run again through the vectorbt engine: its largest daily difference."""
    experiment, plan = setup.experiment, prepared.plans[best]
    engine = backtest(
        name="best_in_sample",
        strategy=plan.strategy,
        prices=prepared.prices,
        rebalance=setup.entry.rebalance,
        costs=experiment.costs,
        execution_lag=experiment.execution_lag,
        signals={name: prepared.inputs.signals[output] for name, output in plan.signals.items()},
    ).returns
    return engine_difference(kernel_returns, engine)


def _study(
    setup: _Setup, prepared: _Prepared, ran: _Ran, progress: Progress
) -> tuple[pd.DataFrame, pd.Series, SweepStudy, float]:
    """The variants' returns, the benchmark's, the study, and the best variant's engine check."""
    calendar, columns = prepared.prices.index, setup.grid.columns()
    variants = len(prepared.plans)
    # Views of the sweep's numbers, not copies: a sweep of 10,000 variants holds 0.5 GB each.
    returns = pd.DataFrame(ran.returns[:variants].T, index=calendar, columns=columns, copy=False)
    turnover = pd.Series(ran.turnover[:variants], index=columns)
    twins = (
        pd.DataFrame(ran.returns[variants:].T, index=calendar, copy=False)
        if prepared.twins
        else None
    )
    with progress.task("Checking the best variant with vectorbt", total=2) as task:
        benchmark = _benchmark_returns(setup, prepared)
        task.advance()
        study = study_sweep(
            returns,
            turnover=turnover,
            benchmark=benchmark,
            objective=setup.objective,
            spec=prepared.spec,
            blocks=setup.experiment.sweep.blocks,
            twins=twins,
            twin_of=prepared.twin_of if prepared.twins else None,
        )
        best = study.best_position
        difference = _engine_check(setup, prepared, best, ran.returns[best])
        task.advance()
    return returns, benchmark, study, difference


def sweep(
    *,
    experiment_path: Path | None = None,
    experiment: Experiment | None = None,
    out: Path,
    assignments: Sequence[str] = (),
    strategy_label: str | None = None,
    objective: Objective | None = None,
    executor: ExecutorKind = ExecutorKind.AUTO,
    scheduler: str | None = None,
    workers: int | None = None,
    max_memory: int = DEFAULT_MAX_MEMORY,
    resume: bool = False,
    pack: Pack | None = None,
    store: Store | None = None,
    live: bool = False,
    progress: Progress | None = None,
    allow_dirty: bool = False,
) -> SweepOutcome:
    """Sweep one strategy of an experiment (``experiment``, or read from ``experiment_path``)
    over a parameter grid; write the sweep's files.

    The grid is the experiment's ``[sweep.parameters]`` with each ``--param``
    assignment (``PATH=START:STOP:STEP`` or ``PATH=a,b,c``) added or replacing
    its path. Finished batches are kept under ``out/batches``; ``resume``
    keeps those of an interrupted run of the same sweep. A series that fails a hard
    data-quality check is refused unless ``allow_dirty`` (then the notes name it).
    """
    progress = progress or NoProgress()
    started = time.perf_counter()
    chosen = experiment if experiment is not None else experiment_path
    if chosen is None:
        raise ValueError("sweep needs an experiment or its file")
    setup = _setup(
        chosen,
        assignments=assignments,
        strategy_label=strategy_label,
        objective=objective,
        out=out,
        max_memory=max_memory,
    )
    sources = DataSources(
        catalog=setup.experiment.catalog,
        store=store,
        pack=pack,
        live=live,
        allow_dirty=allow_dirty,
    )
    prepared = _prepare(setup, sources, max_memory=max_memory, progress=progress)
    cores = available_cores()
    if workers is not None and scheduler is None and workers > cores:
        prepared.notes.append(f"--workers {workers} capped at the {cores} cores available")
        workers = cores
    ran = _run_batches(
        prepared,
        folder=setup.out / "batches",
        executor=executor,
        scheduler=scheduler,
        workers=workers,
        max_memory=max_memory,
        resume=resume,
        progress=progress,
        plugins=setup.experiment.registry.modules,
    )
    returns, benchmark, study, difference = _study(setup, prepared, ran, progress)
    best = study.best_position
    summary = _summary(setup, prepared, ran, study, difference)
    # Everything but the batches goes to a staging folder that replaces the sweep's folder in
    # one step; the finished batches are carried over (for a later --resume).
    with staged_folder(setup.out, FolderKind.SWEEP, keep=("batches",)) as folder:
        _write_outputs(folder, summary, study, returns.iloc[:, best], benchmark, progress)
        total = time.perf_counter() - started
        summary = summary.model_copy(
            update={"sweep": summary.sweep.model_copy(update={"total_seconds": total})}
        )
        write_text_atomically(folder / "sweep.json", summary.to_json())
    return SweepOutcome(out=setup.out, summary=summary)


def _summary(
    setup: _Setup, prepared: _Prepared, ran: _Ran, study: SweepStudy, difference: float
) -> SweepReport:
    """The content of ``sweep.json``."""
    experiment, calendar, spec = setup.experiment, prepared.prices.index, prepared.spec
    costs = experiment.costs
    summary: dict[str, Any] = {
        "sweep": {
            "experiment": experiment.name,
            "experiment_file": experiment.source,
            "strategy": setup.label,
            "registered": setup.entry.strategy,
            "objective": setup.objective.value,
            "grid": {str(path): list(values) for path, values in setup.grid.axes},
            "variants": len(prepared.plans),
            "period": {
                "start": str(calendar[0].date()),
                "end": str(calendar[-1].date()),
                "days": len(calendar),
            },
            "rebalance": setup.entry.rebalance.value,
            "costs": f"fees {costs.fees * 1e4:g} bp, slippage {costs.slippage * 1e4:g} bp, "
            f"borrow {costs.borrow * 1e4:g} bp",
            "execution_lag": experiment.execution_lag,
            "benchmark": experiment.benchmark,
            "judged_against": "the neutral twin" if study.against_twin else "zero",
            "twins": len(prepared.twins),
            "executor": ran.executor,
            "batches": ran.batches,
            "fingerprint": prepared.fingerprint,
            "sweep_seconds": ran.seconds,
            "variants_per_second": len(prepared.plans) / ran.seconds if ran.seconds > 0 else None,
            "macropatch_version": macropatch_version(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "notes": prepared.notes,
        },
        "best_in_sample": {
            "position": study.best_position,
            "parameters": study.best_parameters,
            "metrics": study.numbers("best"),
            "engine_check_max_difference": difference,
        },
        "comparison": _comparison(study, experiment.benchmark),
        "walk_forward": {
            "mode": spec.mode.value,
            "train_days": spec.train_days,
            "test_days": spec.test_days,
            "gap_days": spec.gap_days,
            "gap_minimum": prepared.gap_minimum,
            "windows": study.forward.windows.to_dict(orient="records"),
            "metrics": study.numbers("walk_forward"),
            "psr": study.oos_psr,
        },
        "overfitting": {
            "psr": study.psr,
            "dsr": study.dsr,
            "trials": study.trials,
            "variants": len(prepared.plans),
            "tie_rule": TIE_RULE,
            "pbo": study.overfitting.probability,
            "blocks": study.overfitting.blocks,
            "combinations": study.overfitting.combinations,
            "probability_of_loss": study.overfitting.probability_of_loss,
            "degradation_slope": study.overfitting.degradation_slope,
        },
        "verdict": study.verdict.model_dump(mode="json"),
    }
    return SweepReport.model_validate(to_json_value(summary))


def _comparison(study: SweepStudy, benchmark: str) -> list[tuple[str, dict[str, Any]]]:
    """The rows of sweep.html's comparison: the best variant, the walk-forward and (judged on
    raw returns) the benchmark; judged against the twin, every row is of the return over it.
    """
    over = ", over its twin" if study.against_twin else ""
    rows = [
        (f"Best in sample, whole period{over}", study.numbers("best")),
        (f"Best in sample, walk-forward test days{over}", study.numbers("best_in_sample")),
        (f"Walk-forward, out of sample{over}", study.numbers("walk_forward")),
    ]
    if not study.against_twin:
        rows.append((f"Benchmark ({benchmark}), walk-forward test days", study.numbers(benchmark)))
    return rows


def _write_outputs(
    out: Path,
    summary: SweepReport,
    study: SweepStudy,
    best_returns: pd.Series,
    benchmark: pd.Series,
    progress: Progress,
) -> None:
    forward, oos = study.forward, study.raw_walk_forward
    benchmark_same = benchmark.loc[oos.index]
    table = study.metrics.reset_index()
    write_text_atomically(out / "variants.csv", table.to_csv(index=False))
    write_text_atomically(out / "walk_forward.csv", forward.windows.to_csv(index=False))
    columns = [oos.rename("walk_forward"), benchmark_same]
    if study.against_twin:
        columns.insert(1, forward.returns.rename("walk_forward_over_twin"))
    stitched = pd.concat(columns, axis=1)
    stitched.index = pd.DatetimeIndex(stitched.index).strftime("%Y-%m-%d")
    write_text_atomically(out / "walk_forward_returns.csv", stitched.to_csv(index_label="date"))
    name = str(benchmark.name)
    title_parameters = _label(summary.best_in_sample.parameters)
    jobs = [
        TearsheetJob(
            returns=oos.rename("walk_forward"),
            benchmark=benchmark_same.rename(name),
            path=out / "tearsheets" / "walk_forward.html",
            title="walk_forward",
            subtitle=f"{summary.sweep.strategy}: walk-forward out of sample",
        ),
        TearsheetJob(
            returns=best_returns.rename("best_in_sample"),
            benchmark=benchmark.rename(name),
            path=out / "tearsheets" / "best_in_sample.html",
            title="best_in_sample",
            subtitle=f"{summary.sweep.strategy}: best in sample ({title_parameters})",
        ),
    ]
    (out / "tearsheets").mkdir(parents=True, exist_ok=True)
    with progress.task("Rendering tearsheets", total=len(jobs)) as task:
        render_tearsheets(jobs, on_done=lambda _path: task.advance())
    write_sweep_page(
        out / "sweep.html",
        summary=summary,
        metrics=table,
        tearsheet_links={
            "walk-forward out of sample": "tearsheets/walk_forward.html",
            "best in sample": "tearsheets/best_in_sample.html",
        },
    )
