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
import hashlib
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from macropatch.backtests.engine.backtest import backtest
from macropatch.backtests.metrics.columns import measure_columns
from macropatch.backtests.sweep.batches import BatchStore
from macropatch.backtests.sweep.executors import ExecutorKind, available_cores, make_executor
from macropatch.backtests.sweep.grid import Grid, parse_assignment
from macropatch.backtests.sweep.objective import Objective
from macropatch.backtests.sweep.overfitting import (
    deflated_sharpe_ratio,
    distinct_columns,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
    sharpe_ratios_per_period,
)
from macropatch.backtests.sweep.resources import Footprint, check_footprint, check_memory_budget
from macropatch.backtests.sweep.runner import WORKER_PRELOAD, SweepInputs, batch_plan, run_sweep
from macropatch.backtests.sweep.variants import plan_variants
from macropatch.backtests.sweep.walk_forward import WalkForward, walk_forward, walk_forward_windows
from macropatch.experiment import Experiment, load_experiment
from macropatch.loading import load_prices
from macropatch.marketdata.catalog import load_catalog
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
from macropatch.strategies.registry import build_strategy
from macropatch.versioning import macropatch_version

__all__ = ["DEFAULT_MAX_MEMORY", "SweepOutcome", "sweep", "sweep_grid"]

DEFAULT_MAX_MEMORY = 2 * 2**30
"""Memory budget of a sweep's workers, all together (bytes)."""

TRADING_DAYS_PER_YEAR = 252

TIE_RULE = (
    "variants with identical daily returns count as one trial (the first in grid order); "
    "among variants with equal scores the first in grid order ranks best"
)


@dataclass(frozen=True, kw_only=True)
class SweepOutcome:
    """Where a sweep wrote its files and what it found."""

    out: Path
    summary: dict[str, Any]


def sweep_grid(experiment: Experiment, assignments: Sequence[str], label: str) -> Grid:
    """The grid of a sweep of strategy ``label``: the experiment's ``[sweep.parameters]``
    when ``[sweep] strategy`` is that strategy (an empty grid for any other: those paths
    were written for another strategy), with each ``--param`` added or replacing its path."""
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


def _gap_minimum(experiment: Experiment, signals: Sequence[Any], catalog: Any) -> int:
    """The execution lag plus the slowest publication lag of the inputs, in trading days."""
    lags = [
        catalog[series].publication_lag_days
        for signal in signals
        for series in signal.inputs
        if series in catalog
    ]
    slowest = max(lags, default=0)
    return experiment.execution_lag + math.ceil(slowest * TRADING_DAYS_PER_YEAR / 365)


def _fingerprint(parts: dict[str, Any]) -> str:
    text = json.dumps(to_json_value(parts), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _label(parameters: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in parameters.items())


def _verdict(pbo: float, dsr: float, oos_sharpe: float, same_days_sharpe: float) -> dict[str, str]:
    """One line a user can act on, from PBO, DSR and the walk-forward."""
    facts = (
        f"PBO {pbo:.2f}, deflated Sharpe {dsr:.2f}; out of sample the walk-forward made a Sharpe "
        f"ratio of {oos_sharpe:.2f}, the best variant in hindsight {same_days_sharpe:.2f} on the "
        "same days"
    )
    if not (math.isfinite(pbo) and math.isfinite(dsr)) or pbo > 0.5:
        edge = (
            "The strategy's edge survives the search, but tuning it does not help"
            if math.isfinite(dsr) and dsr >= 0.95
            else "Tuning does not help"
        )
        return {
            "level": "bad",
            "text": f"{edge}: the variant that ranks best in sample usually ranks below the "
            "median out of sample, so the best setting here is luck; keep the defaults or "
            f"choose them by reasoning, not by this sweep ({facts}).",
        }
    if dsr < 0.95:
        return {
            "level": "bad",
            "text": "Do not trust the best variant: its Sharpe ratio is within what the luck of "
            f"trying {'{trials}'} variants would give ({facts}).",
        }
    if pbo > 0.2:
        return {
            "level": "caution",
            "text": "Weak evidence: the ranking carries out of sample only in part; prefer a "
            f"setting with good neighbours on the heatmaps ({facts}).",
        }
    return {"level": "good", "text": f"The tuning holds up out of sample ({facts})."}


def sweep(
    *,
    experiment_path: Path,
    out: Path,
    assignments: Sequence[str] = (),
    strategy_label: str | None = None,
    objective: Objective | None = None,
    executor: ExecutorKind = ExecutorKind.LOCAL,
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
    """Sweep one strategy of an experiment over a parameter grid; write the sweep's files.

    The grid is the experiment's ``[sweep.parameters]`` with each ``--param``
    assignment (``PATH=START:STOP:STEP`` or ``PATH=a,b,c``) added or replacing
    its path. Finished batches are kept under ``out/batches``; ``resume``
    keeps those of an interrupted run of the same sweep. A series that fails a hard
    data-quality check is refused unless ``allow_dirty`` (then the notes name it).
    """
    progress = progress or NoProgress()
    started = time.perf_counter()
    experiment = load_experiment(experiment_path)
    settings = experiment.sweep
    label = strategy_label or settings.strategy
    if label is None:
        raise UserError(
            f"{experiment.source}: name the swept strategy in [sweep] strategy or --strategy"
        )
    entries = {entry.label: entry for entry in experiment.strategies}
    if label not in entries:
        raise UserError(f"--strategy {label!r} is not one of the strategies ({', '.join(entries)})")
    if label == experiment.benchmark:
        raise UserError(f"{label!r} is the benchmark; sweep another strategy")
    objective = objective or settings.objective
    grid = sweep_grid(experiment, assignments, label)
    entry = entries[label]
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

    plans, distinct = plan_variants(
        strategy=entry.strategy, parameters=entry.parameters, signals=experiment.signals, grid=grid
    )
    benchmark_entry = entries[experiment.benchmark]
    benchmark_strategy = build_strategy(benchmark_entry.strategy, benchmark_entry.parameters)
    catalog = load_catalog()
    sources = DataSources(
        catalog=catalog, store=store, pack=pack, live=live, allow_dirty=allow_dirty
    )
    strategies = list({id(plan.strategy): plan.strategy for plan in plans}.values())
    panel, prices, notes = load_prices(
        [*strategies, benchmark_strategy], experiment=experiment, sources=sources, progress=progress
    )
    calendar = pd.DatetimeIndex(prices.index)
    check_footprint(
        Footprint(variants=len(plans), days=len(calendar)), folder=out, max_memory=max_memory
    )
    cores = available_cores()
    if workers is not None and scheduler is None and workers > cores:
        notes.append(f"--workers {workers} capped at the {cores} cores available")
        workers = cores
    gap_minimum = _gap_minimum(experiment, list(distinct.values()), catalog)
    gap = settings.gap_days if settings.gap_days is not None else gap_minimum
    if gap < gap_minimum:
        raise UserError(
            f"{experiment.source}: sweep.walk_forward.gap_days {gap} is below the execution lag "
            f"plus the slowest publication lag of the signals read ({gap_minimum} trading days)"
        )
    spec = WalkForward(
        train_days=round(settings.train_years * TRADING_DAYS_PER_YEAR),
        test_days=round(settings.test_years * TRADING_DAYS_PER_YEAR),
        gap_days=gap,
        mode=settings.window_mode,
        objective=objective,
    )
    try:  # the windows need only the calendar: a spec that cannot fit fails before the work
        walk_forward_windows(calendar, spec)
    except ValueError as error:
        raise UserError(f"walk-forward: {error}") from None
    with progress.task("Computing signals", total=1) as task:
        results, signal_notes = evaluate_signals(list(distinct.values()), sources, calendar)
        task.advance()
    notes.extend(signal_notes)
    notes.extend(sources.dirty_notes())
    traded = list(dict.fromkeys(a for strategy in strategies for a in strategy.assets))
    inputs = SweepInputs(
        prices=prices[[*traded, "cash"]],
        signals={result.name: result for result in results},
        rebalance=entry.rebalance,
        costs=experiment.costs,
        execution_lag=experiment.execution_lag,
    )
    fingerprint = _fingerprint(
        {
            "strategy": entry.strategy,
            "parameters": entry.parameters,
            "grid": [(str(path), list(values)) for path, values in grid.axes],
            "signals": sorted(distinct),
            "rebalance": entry.rebalance.value,
            "costs": [experiment.costs.fees, experiment.costs.slippage, experiment.costs.borrow],
            "lag": experiment.execution_lag,
            "data": panel.data_hash,
            "period": [str(calendar[0].date()), str(calendar[-1].date())],
        }
    )
    try:
        opened = make_executor(
            executor,
            workers=workers,
            scheduler=scheduler,
            preload=WORKER_PRELOAD if executor is ExecutorKind.LOCAL else (),
        )
    except ValueError as error:
        raise UserError(f"--executor {executor.value}: {error}") from None
    with opened as pool:
        try:
            batches = batch_plan(
                len(plans),
                days=len(calendar),
                assets=inputs.prices.shape[1],
                workers=pool.workers,
                max_memory=max_memory,
            )
        except ValueError as error:
            raise UserError(f"--max-memory: {error}") from None
        batch_store = BatchStore(
            out / "batches", fingerprint=fingerprint, batches=batches, resume=resume
        )
        if executor is not ExecutorKind.INLINE:
            inputs = dataclasses.replace(inputs, kernel_threads=1)
        sweep_started = time.perf_counter()
        returns_matrix, turnover_matrix = run_sweep(
            inputs, plans, store=batch_store, executor=pool, progress=progress
        )
        sweep_seconds = time.perf_counter() - sweep_started
        description = pool.description

    columns = grid.columns()
    returns = pd.DataFrame(returns_matrix.T, index=calendar, columns=columns)
    turnover = pd.DataFrame(turnover_matrix.T, index=calendar, columns=columns)
    metrics = measure_columns(returns, turnover=turnover)
    scores = objective.score(returns)
    best_position = int(np.nanargmax(scores.to_numpy()))
    best_plan = plans[best_position]
    best_parameters = dict(zip(grid.names, columns[best_position], strict=True))

    with progress.task("Checking the best variant with vectorbt", total=2) as task:
        benchmark = backtest(
            name=experiment.benchmark,
            strategy=benchmark_strategy,
            prices=prices,
            rebalance=benchmark_entry.rebalance,
            costs=experiment.costs,
            execution_lag=experiment.execution_lag,
        ).returns
        task.advance()
        engine = backtest(
            name="best_in_sample",
            strategy=best_plan.strategy,
            prices=prices,
            rebalance=entry.rebalance,
            costs=experiment.costs,
            execution_lag=experiment.execution_lag,
            signals={name: inputs.signals[output] for name, output in best_plan.signals.items()},
        ).returns
        task.advance()
    engine_difference = float(np.abs(engine.to_numpy() - returns_matrix[best_position]).max())
    if engine_difference > 1e-9:
        raise RuntimeError(
            f"the sweep kernel and the vectorbt engine disagree by {engine_difference:.3g} on "
            "the best variant"
        )

    try:
        forward = walk_forward(returns, spec)
    except ValueError as error:
        raise UserError(f"walk-forward: {error}") from None
    oos = forward.returns
    same_days = returns.iloc[:, best_position].loc[oos.index].rename("best_in_sample")
    benchmark_same = benchmark.loc[oos.index].rename(experiment.benchmark)
    compared = measure_columns(
        pd.concat(
            [
                returns.iloc[:, best_position].rename("best"),
                same_days,
                oos.rename("walk_forward"),
                benchmark_same,
            ],
            axis=1,
        )
    )
    with progress.task("Overfitting statistics", total=1) as task:
        # Variants with identical returns are one trial: counted once, the first in grid order.
        kept = distinct_columns(returns.to_numpy())
        trials = returns.iloc[:, kept].to_numpy()
        try:
            pbo = probability_of_backtest_overfitting(trials, blocks=settings.blocks)
        except ValueError as error:
            raise UserError(f"probability of backtest overfitting: {error}") from None
        trial_sharpes = sharpe_ratios_per_period(trials)
        best_returns = returns.iloc[:, best_position]
        psr = probabilistic_sharpe_ratio(best_returns)
        dsr = (
            deflated_sharpe_ratio(best_returns, trial_sharpes=trial_sharpes)
            if len(kept) > 1
            else psr
        )
        oos_psr = probabilistic_sharpe_ratio(oos)
        task.advance()

    def numbers(column: str) -> dict[str, Any]:
        return to_json_value(compared.loc[column].to_dict())

    verdict = _verdict(
        pbo.probability,
        dsr,
        float(compared.at["walk_forward", "sharpe"]),  # type: ignore[arg-type]
        float(compared.at["best_in_sample", "sharpe"]),  # type: ignore[arg-type]
    )
    verdict["text"] = verdict["text"].replace("{trials}", str(len(kept)))
    period = {"start": str(calendar[0].date()), "end": str(calendar[-1].date())}
    summary: dict[str, Any] = {
        "schema": FolderKind.SWEEP.schema,
        "sweep": {
            "experiment": experiment.name,
            "experiment_file": experiment.source,
            "strategy": label,
            "registered": entry.strategy,
            "objective": objective.value,
            "grid": {str(path): list(values) for path, values in grid.axes},
            "variants": len(plans),
            "period": {**period, "days": len(calendar)},
            "rebalance": entry.rebalance.value,
            "costs": f"fees {experiment.costs.fees * 1e4:g} bp, slippage "
            f"{experiment.costs.slippage * 1e4:g} bp, borrow {experiment.costs.borrow * 1e4:g} bp",
            "execution_lag": experiment.execution_lag,
            "benchmark": experiment.benchmark,
            "executor": description,
            "batches": len(batches),
            "fingerprint": fingerprint,
            "sweep_seconds": sweep_seconds,
            "variants_per_second": len(plans) / sweep_seconds if sweep_seconds > 0 else None,
            "macropatch_version": macropatch_version(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "notes": notes,
        },
        "best_in_sample": {
            "position": best_position,
            "parameters": best_parameters,
            "metrics": numbers("best"),
            "engine_check_max_difference": engine_difference,
        },
        "comparison": [
            ("Best in sample, whole period", numbers("best")),
            ("Best in sample, walk-forward test days", numbers("best_in_sample")),
            ("Walk-forward, out of sample", numbers("walk_forward")),
            (
                f"Benchmark ({experiment.benchmark}), walk-forward test days",
                numbers(experiment.benchmark),
            ),
        ],
        "walk_forward": {
            "mode": spec.mode.value,
            "train_days": spec.train_days,
            "test_days": spec.test_days,
            "gap_days": spec.gap_days,
            "gap_minimum": gap_minimum,
            "windows": to_json_value(forward.windows.to_dict(orient="records")),
            "metrics": numbers("walk_forward"),
            "psr": oos_psr,
        },
        "overfitting": {
            "psr": psr,
            "dsr": dsr,
            "trials": len(kept),
            "variants": len(plans),
            "tie_rule": TIE_RULE,
            "pbo": pbo.probability,
            "blocks": pbo.blocks,
            "combinations": pbo.combinations,
            "probability_of_loss": pbo.probability_of_loss,
            "degradation_slope": pbo.degradation_slope,
        },
        "verdict": verdict,
    }
    summary = to_json_value(summary)
    table = metrics.reset_index()
    # Everything but the batches goes to a staging folder that replaces the sweep's folder in
    # one step; the finished batches are carried over (for a later --resume).
    with staged_folder(out, FolderKind.SWEEP, keep=("batches",)) as folder:
        _write_outputs(
            folder, summary, table, oos, benchmark_same, forward, best_returns, benchmark, progress
        )
        summary["sweep"]["total_seconds"] = time.perf_counter() - started
        write_text_atomically(
            folder / "sweep.json", json.dumps(summary, indent=2, allow_nan=False) + "\n"
        )
    return SweepOutcome(out=out, summary=summary)


def _write_outputs(
    out: Path,
    summary: dict[str, Any],
    table: pd.DataFrame,
    oos: pd.Series,
    benchmark_same: pd.Series,
    forward: Any,
    best_returns: pd.Series,
    benchmark: pd.Series,
    progress: Progress,
) -> None:
    write_text_atomically(out / "variants.csv", table.to_csv(index=False))
    write_text_atomically(out / "walk_forward.csv", forward.windows.to_csv(index=False))
    stitched = pd.concat([oos.rename("walk_forward"), benchmark_same], axis=1)
    stitched.index = pd.DatetimeIndex(stitched.index).strftime("%Y-%m-%d")
    write_text_atomically(out / "walk_forward_returns.csv", stitched.to_csv(index_label="date"))
    name = str(benchmark.name)
    title_parameters = _label(summary["best_in_sample"]["parameters"])
    jobs = [
        TearsheetJob(
            returns=oos.rename("walk_forward"),
            benchmark=benchmark_same.rename(name),
            path=out / "tearsheets" / "walk_forward.html",
            title=f"{summary['sweep']['strategy']}: walk-forward out of sample",
        ),
        TearsheetJob(
            returns=best_returns.rename("best_in_sample"),
            benchmark=benchmark.rename(name),
            path=out / "tearsheets" / "best_in_sample.html",
            title=f"{summary['sweep']['strategy']}: best in sample ({title_parameters})",
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
