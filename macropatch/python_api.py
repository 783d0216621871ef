"""The Python API, entered by ``import macropatch as mp``.

An experiment comes from a file (:func:`load_experiment`) or is built in code
(:func:`new_experiment`), with registered names or strategy and signal objects
passed directly (their classes need no registry: they are checked, a signal
for look-ahead, exactly as a plugin's are). :func:`backtest` runs it and
returns :class:`Results`: DataFrames of returns, weights, trades and metrics,
each strategy's vectorbt Portfolio, its quantstats tearsheet, the whole run
folder, and a table in a notebook.

Example::

    import macropatch as mp

    results = mp.backtest("experiments/default.toml", pack="../shared/data")
    results.metrics.loc["long_volatility", "max_drawdown"]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from macropatch.api import RunOutcome, write_run
from macropatch.backtesting import Backtested, backtest_experiment, measure_evidence
from macropatch.backtests.engine.adapter import Portfolio, simulate_portfolio
from macropatch.backtests.evidence.document import EvidenceReport
from macropatch.backtests.metrics.performance import measure
from macropatch.backtests.stress.document import StressReport
from macropatch.backtests.sweep.executors import ExecutorKind
from macropatch.experiment import Experiment, experiment_from_document
from macropatch.experiment import load_experiment as _load_experiment
from macropatch.marketdata.catalog import Catalog, load_catalog
from macropatch.marketdata.pack import Pack, pack_from_environment
from macropatch.marketdata.store import Store
from macropatch.plugins import Registry
from macropatch.reports.tearsheet import write_tearsheet
from macropatch.scenario_files import load_scenarios
from macropatch.signals.base import Signal
from macropatch.signals.lookahead import check_no_lookahead as _check_no_lookahead
from macropatch.strategies.base import Strategy
from macropatch.stress_tests import run_stress_tests
from macropatch.sweeps import SweepOutcome
from macropatch.sweeps import sweep as run_sweep
from macropatch.versioning import macropatch_version

__all__ = [
    "Results",
    "backtest",
    "check_no_lookahead",
    "evidence",
    "load_experiment",
    "new_experiment",
    "stress",
    "sweep",
]

PathLike = str | Path


def load_experiment(path: PathLike) -> Experiment:
    """An experiment file, read and validated (plugins loaded and checked)."""
    return _load_experiment(Path(path))


def new_experiment(
    strategies: Mapping[str, Strategy | str],
    *,
    benchmark: str,
    name: str = "notebook",
    signals: Sequence[Signal] = (),
    start: dt.date | str = "2000-01-03",
    end: dt.date | str | None = None,
    fees_bps: float = 5.0,
    slippage_bps: float = 2.0,
    rebalance: str = "monthly",
    proxies: bool = True,
    plugins: Sequence[str] = (),
    base: PathLike = ".",
) -> Experiment:
    """An experiment built in code.

    Parameters
    ----------
    strategies
        By label: a strategy object (any :class:`~macropatch.strategies.base.Strategy`,
        a user's own included) or a registered name with its defaults.
    benchmark
        The label of the benchmark among ``strategies``.
    signals
        Signal objects to use instead of the defaults of the same name (a user's own
        signals included; each is checked for look-ahead).
    start, end, fees_bps, slippage_bps, rebalance, proxies, plugins
        As in an experiment file (``plugins`` relative to ``base``).
    """
    extra_signals = {item.name: type(item) for item in signals}
    extra_strategies = {
        item.name: type(item) for item in strategies.values() if isinstance(item, Strategy)
    }
    origin = "given from Python"
    registry = Registry(
        signals=extra_signals,
        strategies=extra_strategies,
        origins={
            **{f"signal {key}": origin for key in extra_signals},
            **{f"strategy {key}": origin for key in extra_strategies},
        },
    )
    document: dict[str, Any] = {
        "name": name,
        "benchmark": benchmark,
        "proxies": proxies,
        "plugins": list(plugins),
        "period": {"start": str(start), **({"end": str(end)} if end is not None else {})},
        "costs": {"fees_bps": float(fees_bps), "slippage_bps": float(slippage_bps)},
        "signals": {item.name: _fields(item) for item in signals},
        "strategies": [
            {
                "strategy": item.name if isinstance(item, Strategy) else item,
                "label": label,
                "rebalance": "once" if _holds(item) else rebalance,
                "parameters": item.parameters() if isinstance(item, Strategy) else {},
            }
            for label, item in strategies.items()
        ],
    }
    built = experiment_from_document(
        document, source=f"experiment {name!r}", base=Path(base), extra=registry
    )
    objects = {label: item for label, item in strategies.items() if isinstance(item, Strategy)}
    entries = tuple(
        dataclasses.replace(entry, instance=objects.get(entry.label)) for entry in built.strategies
    )
    return dataclasses.replace(built, strategies=entries)


def _holds(item: Strategy | str) -> bool:
    return (item.name if isinstance(item, Strategy) else item) == "spy_buy_and_hold"


def _fields(signal: Signal) -> dict[str, Any]:
    """A signal's parameters as an experiment's ``[signals.<name>]`` table holds them."""
    values = {}
    for item in dataclasses.fields(signal):
        if item.init:
            value = getattr(signal, item.name)
            values[item.name] = value.value if hasattr(value, "value") else value
    return values


def _pack(pack: PathLike | Pack | None) -> Pack | None:
    if isinstance(pack, Pack):
        return pack
    return Pack(Path(pack)) if pack is not None else pack_from_environment(None)


def backtest(
    experiment: Experiment | PathLike,
    *,
    pack: PathLike | Pack | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    live: bool = False,
) -> Results:
    """Backtest every strategy of ``experiment`` (an object or a file) on the offline pack
    (``pack``, else ``$MACROPATCH_PACK``), the local store first; ``live`` also tries the
    live providers.
    """
    chosen = _experiment(experiment)
    done = backtest_experiment(
        experiment=chosen, pack=_pack(pack), store=Store(), live=live, start=start, end=end
    )
    return Results(done)


def _experiment(experiment: Experiment | PathLike) -> Experiment:
    return experiment if isinstance(experiment, Experiment) else load_experiment(experiment)


def sweep(
    experiment: Experiment | PathLike,
    *,
    out: PathLike,
    strategy: str | None = None,
    parameters: Sequence[str] = (),
    pack: PathLike | Pack | None = None,
    executor: str = "auto",
    workers: int | None = None,
    scheduler: str | None = None,
) -> SweepOutcome:
    """Sweep one strategy (``strategy``, else the experiment's ``[sweep] strategy``) over its
    ``[sweep.parameters]`` and the ``parameters`` assignments (``"PATH=a,b,c"`` or
    ``"PATH=START:STOP:STEP"``), judged against its neutral twin; the sweep's files go to
    ``out`` (see ``macropatch sweep``).
    """
    return run_sweep(
        experiment=_experiment(experiment),
        out=Path(out),
        assignments=parameters,
        strategy_label=strategy,
        executor=ExecutorKind(executor),
        workers=workers,
        scheduler=scheduler,
        pack=_pack(pack),
        store=Store(),
    )


def stress(
    experiment: Experiment | PathLike | Results, *, pack: PathLike | Pack | None = None
) -> StressReport:
    """The experiment's stress tests (history's crises, the report's scenarios, the bootstrap)
    as ``stress.json`` holds them; a :class:`Results` is reused, not backtested again.
    """
    done = experiment if isinstance(experiment, Results) else backtest(experiment, pack=pack)
    settings = done.experiment.stress
    return run_stress_tests(
        done.backtested,
        settings,
        scenarios=load_scenarios(settings.scenarios),
        version=macropatch_version(),
    )


def evidence(
    experiment: Experiment | PathLike | Results, *, pack: PathLike | Pack | None = None
) -> EvidenceReport:
    """What each strategy's signals add over its neutral twin, and the event study of every
    trigger, as ``evidence.json`` holds them; a :class:`Results` is reused.
    """
    done = experiment if isinstance(experiment, Results) else backtest(experiment, pack=pack)
    report, _history = measure_evidence(done.backtested)
    return report


def check_no_lookahead(signal: Signal, *, catalog: Catalog | None = None, seed: int = 0) -> None:
    """Refuse ``signal`` (``LookAheadError``) when data not yet knowable on a date change its
    output on that date (:mod:`macropatch.signals.lookahead`).
    """
    _check_no_lookahead(signal, catalog=catalog or load_catalog(), seed=seed)


@dataclasses.dataclass(frozen=True)
class Results:
    """A backtested experiment, as DataFrames and on demand as pages.

    Attributes
    ----------
    backtested
        Everything the run computed: the experiment, the prices, the signals, the results.
    """

    backtested: Backtested

    @property
    def experiment(self) -> Experiment:
        """The experiment as run (its period cut to the data)."""
        return self.backtested.experiment

    @property
    def labels(self) -> list[str]:
        """The strategies' labels, in the experiment's order."""
        return self.backtested.results.names

    @property
    def returns(self) -> pd.DataFrame:
        """Daily returns, one column per strategy."""
        return self.backtested.results.returns()

    @property
    def weights(self) -> dict[str, pd.DataFrame]:
        """Per strategy, its target weights on execution dates (the cash asset included)."""
        return {result.name: result.weights for result in self.backtested.results}

    @property
    def trades(self) -> pd.DataFrame:
        """Every filled order, with a ``strategy`` column."""
        frames = [result.trades.assign(strategy=result.name) for result in self.backtested.results]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """One row per strategy: CAGR, volatility, Sharpe... (252 days a year, rf = 0)."""
        rows = {
            result.name: dataclasses.asdict(
                measure(
                    result.returns,
                    turnover=result.turnover,
                    hedge_contribution=result.hedge_contribution,
                )
            )
            for result in self.backtested.results
        }
        return pd.DataFrame.from_dict(rows, orient="index")

    def portfolio(self, label: str) -> Portfolio:
        """The vectorbt Portfolio of strategy ``label``'s trades (borrow fees on shorts, charged
        outside vectorbt, are not in it).
        """
        result = self.backtested.results[label]
        prices = self.backtested.prices[list(result.weights.columns)]
        targets = result.weights.reindex(prices.index)
        return simulate_portfolio(
            targets=targets, prices=prices, costs=self.experiment.costs, execution_lag=0
        )

    def tearsheet(self, label: str, path: PathLike) -> Path:
        """Write strategy ``label``'s quantstats tearsheet against the benchmark to ``path``."""
        returns = self.returns
        benchmark = self.experiment.benchmark
        return write_tearsheet(
            returns[label].rename(label),
            benchmark=returns[benchmark].rename(benchmark),
            path=Path(path),
            title=label,
            subtitle=f"against {benchmark}",
        )

    def report(self, folder: PathLike) -> RunOutcome:
        """Write the whole run folder (pages, tearsheets, stress tests, evidence, data) to
        ``folder`` (replaced only if it holds an earlier run), as ``macropatch run`` does.
        """
        return write_run(self.backtested, out=Path(folder))

    def _repr_html_(self) -> str:
        """The metrics table, for a notebook."""
        shown = self.metrics[["cagr", "volatility", "sharpe", "max_drawdown"]]
        period = f"{self.returns.index[0].date()} to {self.returns.index[-1].date()}"
        return f"<p><b>{self.experiment.name}</b>, {period}</p>" + shown.to_html(
            float_format=lambda value: f"{value:.4f}"
        )
