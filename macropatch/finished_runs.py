"""A finished run read back as its backtest: the experiment as run, its prices and signals,
and its strategies backtested again on them (no data loaded, no signal evaluated).

Requires a run folder (``summary.json``, ``config.resolved.toml``,
``returns.csv``, ``prices.csv``, ``signals/``) and where the data come from
(for what a run does not hold: the factor series of the stress scenarios, the
longest histories of the trigger studies). Produces the
:class:`macropatch.backtesting.Backtested` the run's own backtest made, checked:
every strategy backtested again on the run's prices and signals must give
the daily returns ``returns.csv`` holds (to :data:`AGREEMENT`), or the run's
files do not describe one run and the reader says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from macropatch.backtesting import Backtested, backtest_strategies, experiment_strategies
from macropatch.backtests.evidence.document import EvidenceReport
from macropatch.backtests.stress.document import StressReport
from macropatch.experiment import Experiment, experiment_from_document
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.files import read_toml
from macropatch.marketdata.panel import PricePanel
from macropatch.marketdata.progress import Progress
from macropatch.marketdata.sources import DataSources
from macropatch.reports.exports import read_dated_csv, write_config
from macropatch.reports.output import staged_folder
from macropatch.reports.pages import render_pages
from macropatch.reports.run_folder import FinishedRun, copy_run_data
from macropatch.reports.summary import write_summary

__all__ = [
    "AGREEMENT",
    "backtest_finished_run",
    "redraw_run",
    "run_experiment",
    "run_prices",
]

AGREEMENT = 1e-9
"""How close a strategy backtested again must come to the run's daily returns."""


def run_experiment(finished: FinishedRun) -> tuple[Experiment, dict[str, Any]]:
    """The experiment as the run ran it (``config.resolved.toml``), and that document;
    plugins and scenario folders resolve beside the experiment file the run was given.
    """
    path = finished.folder / "config.resolved.toml"
    if not path.is_file():
        raise UserError(f"{path} is missing: the run's experiment is unknown")
    document = read_toml(path, "run configuration")
    given = Path(finished.summary.run.experiment_file)
    base = given.parent if given.is_file() else finished.folder
    experiment = experiment_from_document(
        {key: value for key, value in document.items() if key != "resolved"},
        source=str(path),
        base=base,
    )
    return experiment, document


def run_prices(finished: FinishedRun) -> pd.DataFrame:
    """The run's ``prices.csv``, checked against its returns' calendar."""
    path = finished.folder / "prices.csv"
    prices = read_dated_csv(path, purpose="the run's assets are valued with it")
    try:
        prices = prices.astype(float)
    except (TypeError, ValueError) as error:
        raise UserError(f"{path} holds a price that is not a number: {error}") from None
    if not prices.index.equals(finished.returns.index):
        raise UserError(f"{path} does not cover the days of returns.csv: the run is incomplete")
    return prices


def backtest_finished_run(
    finished: FinishedRun, *, experiment: Experiment, sources: DataSources, progress: Progress
) -> Backtested:
    """The run's backtest made again from its files (``experiment``: the run's, from
    :func:`run_experiment`), checked against its ``returns.csv``.

    Raises
    ------
    UserError
        If a file is missing or unreadable, or a strategy backtested again does not give
        the run's returns (the folder mixes runs, or was edited).
    """
    prices = run_prices(finished)
    strategies = experiment_strategies(experiment)
    missing = sorted(
        {asset for strategy in strategies.values() for asset in strategy.assets} - set(prices)
    )
    if missing:
        raise UserError(f"{finished.folder / 'prices.csv'} has no column for {', '.join(missing)}")
    results = backtest_strategies(
        experiment, strategies, prices=prices, signals=finished.signals, progress=progress
    )
    for result in results:
        saved = finished.returns[result.name].to_numpy(dtype=float)
        gap = np.nanmax(np.abs(result.returns.to_numpy(dtype=float) - saved), initial=0.0)
        if not gap <= AGREEMENT:
            raise UserError(
                f"{finished.folder}: {result.name} backtested again on the run's prices and "
                f"signals differs from returns.csv by {gap:.3g} on a day: the folder's files "
                "are not one run's (run the experiment again)"
            )
    return Backtested(
        experiment=experiment,
        strategies=strategies,
        panel=PricePanel(prices=prices, splices=(), inputs=()),
        prices=prices,
        sources=sources,
        signals=tuple(finished.signals),
        results=results,
        notes=[],
    )


def redraw_run(
    finished: FinishedRun,
    *,
    progress: Progress,
    stress: StressReport | None = None,
    evidence: EvidenceReport | None = None,
    config: Mapping[str, Any] | None = None,
) -> Path:
    """Replace a finished run's folder, all at once, by its files with ``stress.json``,
    ``evidence.json`` and ``config.resolved.toml`` replaced where given, and its pages drawn
    again (unchanged ones reused). An error leaves the run as it was. Returns the folder.
    """
    with staged_folder(finished.folder) as folder:
        copy_run_data(finished.folder, folder)
        if stress is not None:
            write_summary(stress, folder / "stress.json")
        if evidence is not None:
            write_summary(evidence, folder / "evidence.json")
        if config is not None:
            write_config(dict(config), folder / "config.resolved.toml")
        render_pages(
            folder,
            summary=finished.summary,
            returns=finished.returns,
            signals=finished.signals,
            stress=stress if stress is not None else finished.stress,
            evidence=evidence if evidence is not None else finished.evidence,
            progress=progress,
            previous=finished.folder,
            weights=finished.weights,
        )
    return finished.folder
