"""Wiring the stress tests of a run: the experiment's ``[stress]`` settings, the scenario
files and the backtested run into :func:`macropatch.backtests.stress.study.stress_test`.
"""

from __future__ import annotations

from collections.abc import Sequence

from macropatch.backtesting import Backtested
from macropatch.backtests.stress.document import StressReport
from macropatch.backtests.stress.factors import Scenario
from macropatch.backtests.stress.study import BootstrapSettings, last_holdings, stress_test
from macropatch.experiment import StressSettings
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.progress import NoProgress, Progress
from macropatch.strategies.base import CASH

__all__ = ["run_stress_tests"]


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
    progress = progress or NoProgress()
    holdings = {}
    for result in done.results:
        if result.holdings is None:  # pragma: no cover - the engine always records them
            raise UserError(f"strategy {result.name!r} has no holdings to stress")
        holdings[result.name] = last_holdings(result.holdings)
    with progress.task("Stress tests", total=1) as task:
        stress = stress_test(
            returns=done.results.returns(),
            holdings=holdings,
            prices=done.prices,
            sources=done.sources,
            scenarios=scenarios,
            fired={result.signal.name: result.fired for result in done.signals},
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
            benchmark=done.experiment.benchmark,
        )
        task.advance()
    return stress.model_copy(update={"macropatch_version": version})
