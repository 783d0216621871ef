"""Running a sweep: many variants of one strategy, in batches, on a pluggable executor.

Requires the :class:`SweepInputs` shared by every variant (prices of every
asset any variant trades, the distinct signal results, schedule, costs,
lag), the :class:`macropatch.backtests.sweep.variants.VariantPlan` of each variant, a
:class:`macropatch.backtests.sweep.batches.BatchStore` and an executor
(:mod:`macropatch.backtests.sweep.executors`). Produces the daily returns (variants by
days, in grid order) and the annualised turnover of every variant.

Each batch of a strategy that decides by the day
(:attr:`macropatch.strategies.base.Strategy.decides_by_day`) draws every variant's
decision rows from one table of day states (:mod:`macropatch.backtests.sweep.by_state`);
any other batch turns its variants' target weights into one variants-by-days-by-assets
array. Either is simulated with the returns-only kernel
(:mod:`macropatch.backtests.engine.kernel`), which trades exactly as the vectorbt engine does
(tested to 1e-9); full backtests of chosen variants still go through the
engine. Each finished batch is stored at once, so an interrupted sweep
resumes where it stopped.

Batch size (:func:`batch_plan`): as many variants as the memory budget
allows, and at most a quarter of the variants per worker, so the progress
bar moves and the workers stay busy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.kernel import simulate_cube, simulate_rows
from macropatch.backtests.engine.schedule import Rebalance, apply_schedule
from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR
from macropatch.backtests.sweep.batches import BatchStore
from macropatch.backtests.sweep.by_state import state_rows
from macropatch.backtests.sweep.executors import Executor
from macropatch.backtests.sweep.variants import VariantPlan
from macropatch.marketdata.progress import NoProgress, Progress
from macropatch.signals.base import SignalResult
from macropatch.strategies.base import CASH, MarketView
from macropatch.strategies.state_table import check_against_days

__all__ = [
    "WORKER_BASELINE_BYTES",
    "WORKER_PRELOAD",
    "SweepInputs",
    "batch_plan",
    "by_state",
    "run_batch",
    "run_sweep",
    "variant_targets",
]

WORKER_PRELOAD = (
    "pandas",
    "macropatch.signals.registry",
    "macropatch.strategies.registry",
    "macropatch.backtests.sweep.batches",
    "macropatch.backtests.engine.schedule",
    "macropatch.backtests.sweep.variants",
)
"""Modules a local fork server imports once for every worker (not the kernel: its
parallel code starts OpenMP threads, after which forking is unsafe)."""

WORKER_BASELINE_BYTES = 400 * 2**20
"""What a worker holds before its first batch (interpreter, libraries, shared inputs)."""

_BYTES_PER_CELL = 8 * 6
"""Per day and asset of a variant: its row of the batch array and the frames that build it."""

_BYTES_PER_STATE_DAY = 4 * 3 + 8 * 2
"""Per day of a variant run from a table of day states: its row numbers (as keyed and as
scheduled, and their copy into the batch), its returns and turnover."""


@dataclass(frozen=True, kw_only=True)
class SweepInputs:
    """What every variant shares; shipped to each worker once."""

    prices: pd.DataFrame
    signals: Mapping[str, SignalResult]
    rebalance: Rebalance
    costs: Costs
    execution_lag: int
    #: Threads of the kernel in each worker (``None``: numba's default, every core);
    #: 1 when the workers already use every core.
    kernel_threads: int | None = None


_PRICE_VIEWS: dict[tuple[str, ...], tuple[pd.DataFrame, pd.DataFrame]] = {}


def _prices_of(prices: pd.DataFrame, assets: tuple[str, ...]) -> pd.DataFrame:
    """``prices[assets]``, built once per panel and asset list (variants share it, read only)."""
    source, view = _PRICE_VIEWS.get(assets, (None, None))
    if source is not prices or view is None:
        view = prices[list(assets)]
        _PRICE_VIEWS[assets] = (prices, view)
    return view


def variant_targets(inputs: SweepInputs, plan: VariantPlan) -> np.ndarray:
    """One variant's scheduled target rows, days by every price column (NaN row: no trade)."""
    strategy = plan.strategy
    assets = list(strategy.assets)
    view = MarketView(
        prices=_prices_of(inputs.prices, tuple(assets)),
        signals={name: inputs.signals[output] for name, output in plan.signals.items()},
    )
    targets = strategy.target_weights(view)
    if list(targets.columns) != [*assets, CASH]:
        targets = targets[[*assets, CASH]]
    scheduled = apply_schedule(targets, inputs.rebalance)
    rows = scheduled.to_numpy(dtype=np.float64, na_value=np.nan)
    full = np.zeros((len(rows), inputs.prices.shape[1]))
    full[np.isnan(rows[:, 0])] = np.nan
    positions = inputs.prices.columns.get_indexer(pd.Index([*assets, CASH]))
    full[:, positions] = rows
    return full


class _Labels(Sequence[str]):
    """The variants' names for error messages, made only when one is read."""

    def __init__(self, plans: Sequence[VariantPlan]) -> None:
        self._plans = plans

    def __len__(self) -> int:
        return len(self._plans)

    def __getitem__(self, position: int) -> str:  # type: ignore[override]
        return self._plans[position].strategy.describe()


def by_state(plans: Sequence[VariantPlan]) -> bool:
    """Whether every variant's strategy decides by the day (then the batch runs from one
    table of day states).
    """
    return all(plan.strategy.decides_by_day for plan in plans)


def run_batch(inputs: SweepInputs, plans: Sequence[VariantPlan]) -> tuple[np.ndarray, np.ndarray]:
    """Daily returns (variants by days) and annualised turnover (one per variant: the mean
    daily traded value over the value before trading, times 252) of ``plans``.

    Variants of a strategy that decides by the day are simulated from one table of
    rows (:mod:`macropatch.backtests.sweep.by_state`), after the first variant of each
    strategy is checked against its own day-by-day targets; others one plan each.
    """
    labels = _Labels(plans)
    common = {
        "prices": inputs.prices,
        "costs": inputs.costs,
        "execution_lag": inputs.execution_lag,
        "cash_asset": CASH,
        "labels": labels,
    }
    by_state = state_rows(
        prices=inputs.prices, signals=inputs.signals, rebalance=inputs.rebalance, plans=plans
    )
    if by_state is None:
        cube = np.stack([variant_targets(inputs, plan) for plan in plans])
        returns, daily = simulate_cube(cube, **common)  # type: ignore[arg-type]
        return returns, daily.mean(axis=1) * PERIODS_PER_YEAR
    for position in by_state.firsts:
        check_against_days(
            plans[position].strategy,
            by_state.plan(position),
            variant_targets(inputs, plans[position]),
        )
    returns, total = simulate_rows(
        by_state.table,
        by_state.rows,
        daily_turnover=False,
        **common,  # type: ignore[arg-type]
    )
    return returns, total / len(inputs.prices) * PERIODS_PER_YEAR


def _batch_task(
    inputs: SweepInputs, item: tuple[int, Sequence[VariantPlan]]
) -> tuple[int, np.ndarray, np.ndarray]:
    number, plans = item
    if inputs.kernel_threads is not None:
        numba.set_num_threads(min(inputs.kernel_threads, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    returns, turnover = run_batch(inputs, plans)
    return number, returns, turnover


def batch_plan(
    variants: int,
    *,
    days: int,
    assets: int,
    workers: int,
    max_memory: int,
    by_state: bool = False,
) -> list[list[int]]:
    """Split ``range(variants)`` into batches that fit ``max_memory`` bytes over all workers.

    ``by_state``: the variants are run from one table of day states
    (:mod:`macropatch.backtests.sweep.by_state`), which needs a few bytes per variant
    and day instead of a float64 per variant, day and asset.

    Raises
    ------
    ValueError
        If not even one variant per batch fits the budget.
    """
    per_worker = max_memory / max(workers, 1) - WORKER_BASELINE_BYTES
    per_day = _BYTES_PER_STATE_DAY if by_state else assets * _BYTES_PER_CELL + 16
    per_variant = days * per_day
    fitting = math.floor(per_worker / per_variant) if per_worker > 0 else 0
    if fitting < 1:
        needed = (WORKER_BASELINE_BYTES + per_variant) * max(workers, 1)
        raise ValueError(
            f"a memory budget of {max_memory / 2**20:.0f} MiB is too small for {workers} "
            f"worker(s): at least {math.ceil(needed / 2**20)} MiB"
        )
    balanced = math.ceil(variants / (4 * max(workers, 1)))
    size = max(1, min(fitting, balanced))
    return [list(range(start, min(start + size, variants))) for start in range(0, variants, size)]


def run_sweep(
    inputs: SweepInputs,
    plans: Sequence[VariantPlan],
    *,
    store: BatchStore,
    executor: Executor,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run every batch of ``store`` not yet finished and return all variants' numbers.

    A finished batch is stored by a background thread while the next one runs
    (one write at a time, so at most one finished batch waits in memory);
    batches an earlier, interrupted run finished are read from the store.

    Returns
    -------
    returns : numpy.ndarray
        Variants (in plan order) by days.
    turnover : numpy.ndarray
        Each variant's annualised turnover (see :func:`run_batch`).
    """
    progress = progress or NoProgress()
    done = set(store.finished())
    pending = [
        (number, [plans[position] for position in batch])
        for number, batch in enumerate(store.batches)
        if number not in done
    ]
    returns = np.empty((len(plans), len(inputs.prices)))
    turnover = np.empty(len(plans))
    for number in sorted(done):
        batch = store.read(number)
        returns[batch.positions], turnover[batch.positions] = batch.returns, batch.turnover
    with (
        progress.task(f"Sweeping on {executor.description}", total=len(store.batches)) as task,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-writer") as writer,
    ):
        task.advance(len(done))
        writing: Future[None] | None = None
        for _position, (number, batch_returns, batch_turnover) in executor.map_unordered(
            _batch_task, pending, shared=inputs
        ):
            positions = store.batches[number]
            returns[positions], turnover[positions] = batch_returns, batch_turnover
            if writing is not None:
                writing.result()
            writing = writer.submit(store.write, number, batch_returns, batch_turnover)
            task.advance()
        if writing is not None:
            writing.result()
    return returns, turnover
