"""Wiring the stress tests: the experiment's ``[stress]`` settings, the scenario files and
either a backtested run or a finished run's folder into
:func:`macropatch.backtests.stress.study.stress_test`.

A finished run holds everything the stress tests need but the factor series
of the scenarios: its daily returns (``returns.csv``), prices (``prices.csv``),
signals (``signals/``), each strategy's holdings on the last day (the
``weights`` of ``stress.json``) and the experiment as run
(``config.resolved.toml``). :func:`stress_finished_run` tests it again (a new
seed, more paths, other scenarios) without backtesting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from macropatch.backtesting import Backtested
from macropatch.backtests.stress.document import StressReport
from macropatch.backtests.stress.factors import Scenario
from macropatch.backtests.stress.study import BootstrapSettings, last_holdings, stress_test
from macropatch.experiment import StressSettings
from macropatch.finished_runs import redraw_run, run_experiment, run_prices
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.progress import NoProgress, Progress
from macropatch.marketdata.sources import DataSources
from macropatch.marketdata.store import Store
from macropatch.reports.run_folder import read_run
from macropatch.scenario_files import load_scenarios
from macropatch.signals.base import SeriesSource
from macropatch.strategies.base import CASH
from macropatch.versioning import macropatch_version

__all__ = ["StressOutcome", "run_stress_tests", "stress_finished_run"]


def _stress(
    *,
    returns: pd.DataFrame,
    holdings: Mapping[str, Mapping[str, float]],
    prices: pd.DataFrame,
    sources: SeriesSource,
    fired: Mapping[str, pd.Series],
    benchmark: str,
    settings: StressSettings,
    scenarios: Sequence[Scenario],
    version: str,
    progress: Progress,
) -> StressReport:
    with progress.task("Stress tests", total=1) as task:
        stress = stress_test(
            returns=returns,
            holdings=holdings,
            prices=prices,
            sources=sources,
            scenarios=scenarios,
            fired=fired,
            bootstrap=BootstrapSettings(
                signals=settings.signals,
                paths=settings.paths,
                horizon_days=settings.horizon_days,
                block_days=settings.block_days,
                seed=settings.seed,
            ),
            windows=settings.windows,
            riskless=(CASH,),
            confidence=settings.confidence,
            benchmark=benchmark,
        )
        task.advance()
    return stress.model_copy(update={"macropatch_version": version})


def run_stress_tests(
    done: Backtested,
    settings: StressSettings,
    *,
    scenarios: Sequence[Scenario],
    version: str,
    progress: Progress | None = None,
) -> StressReport:
    """The content of ``stress.json`` for a backtested experiment (``scenarios`` loaded with
    :func:`macropatch.scenario_files.load_scenarios` before the backtest, so a bad file
    fails fast).
    """
    holdings = {}
    for result in done.results:
        if result.holdings is None:  # pragma: no cover - the engine always records them
            raise UserError(f"strategy {result.name!r} has no holdings to stress")
        holdings[result.name] = last_holdings(result.holdings)
    return _stress(
        returns=done.results.returns(),
        holdings=holdings,
        prices=done.prices,
        sources=done.sources,
        fired={result.signal.name: result.fired for result in done.signals},
        benchmark=done.experiment.benchmark,
        settings=settings,
        scenarios=scenarios,
        version=version,
        progress=progress or NoProgress(),
    )


@dataclass(frozen=True, kw_only=True)
class StressOutcome:
    """Where ``macropatch stress RUN_DIR`` wrote, what it found and the notes to print."""

    out: Path
    stress: StressReport
    notes: tuple[str, ...]


def stress_finished_run(
    *,
    run_dir: Path,
    scenarios: Path | None = None,
    paths: int | None = None,
    seed: int | None = None,
    pack: Pack | None = None,
    store: Store | None = None,
    live: bool = False,
    progress: Progress | None = None,
    allow_dirty: bool = False,
) -> StressOutcome:
    """Stress-test a finished run again from its files, without backtesting.

    The settings are the run's ``[stress]`` with ``scenarios``, ``paths`` and
    ``seed`` replaced when given; the scenarios' factor series come from the
    store, the pack and live providers as for a run. ``stress.json``,
    ``stress.html`` and ``config.resolved.toml`` (its ``[stress]``) are
    replaced, the other pages drawn again where they changed, all at once:
    an error leaves the run as it was.

    Raises
    ------
    UserError
        If ``run_dir`` holds no finished run, lacks a file the stress tests
        need, or a scenario file or series is bad.
    """
    progress = progress or NoProgress()
    finished = read_run(run_dir)
    if finished.stress is None:
        raise UserError(
            f"{finished.folder / 'stress.json'} is missing: the run's holdings on its last "
            "day are unknown; run the experiment again (macropatch run)"
        )
    experiment, document = run_experiment(finished)
    settings = dataclasses.replace(
        experiment.stress,
        scenarios=scenarios if scenarios is not None else experiment.stress.scenarios,
        paths=paths if paths is not None else experiment.stress.paths,
        seed=seed if seed is not None else experiment.stress.seed,
    )
    loaded = load_scenarios(settings.scenarios)
    prices = run_prices(finished)
    sources = DataSources(
        catalog=experiment.catalog, store=store, pack=pack, live=live, allow_dirty=allow_dirty
    )
    report = _stress(
        returns=finished.returns,
        holdings=finished.stress.weights,
        prices=prices,
        sources=sources,
        fired={result.signal.name: result.fired for result in finished.signals},
        benchmark=finished.summary.run.benchmark,
        settings=settings,
        scenarios=loaded,
        version=macropatch_version(),
        progress=progress,
    )
    stress_table = {**document.get("stress", {}), "paths": settings.paths, "seed": settings.seed}
    if scenarios is not None:
        stress_table["scenarios"] = str(Path(scenarios).expanduser().absolute())
    redraw_run(
        finished, progress=progress, stress=report, config={**document, "stress": stress_table}
    )
    return StressOutcome(out=finished.folder, stress=report, notes=tuple(sources.dirty_notes()))
