"""Running a sweep: many variants of one strategy, in batches, on a pluggable executor.

Requires the :class:`SweepInputs` shared by every variant (prices of every
asset any variant trades, the distinct signal results, schedule, costs,
lag), the :class:`macropatch.backtests.sweep.variants.VariantPlan` of each variant, a
:class:`macropatch.backtests.sweep.batches.BatchStore` and an executor
(:mod:`macropatch.backtests.sweep.executors`). Produces the daily returns and turnover of
every variant (variants by days, in grid order).

Each batch turns its variants' target weights into one variants-by-days-by-
assets array and simulates it with the returns-only kernel
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
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from macropatch.backtests.engine.costs import Costs
from macropatch.backtests.engine.kernel import simulate_cube
from macropatch.backtests.engine.schedule import Rebalance, apply_schedule
from macropatch.backtests.sweep.batches import BatchStore
from macropatch.backtests.sweep.executors import Executor
from macropatch.backtests.sweep.variants import VariantPlan
from macropatch.marketdata.progress import NoProgress, Progress
from macropatch.signals.base import SignalResult
from macropatch.strategies.base import CASH, MarketView

__all__ = [
    "WORKER_BASELINE_BYTES",
    "WORKER_PRELOAD",
    "SweepInputs",
    "batch_plan",
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


def run_batch(inputs: SweepInputs, plans: Sequence[VariantPlan]) -> tuple[np.ndarray, np.ndarray]:
    """Daily returns and turnover of ``plans`` (variants by days)."""
    cube = np.stack([variant_targets(inputs, plan) for plan in plans])
    return simulate_cube(
        cube,
        prices=inputs.prices,
        costs=inputs.costs,
        execution_lag=inputs.execution_lag,
        cash_asset=CASH,
        labels=[plan.strategy.describe() for plan in plans],
    )


def _batch_task(
    inputs: SweepInputs, item: tuple[int, Sequence[VariantPlan]]
) -> tuple[int, np.ndarray, np.ndarray]:
    number, plans = item
    if inputs.kernel_threads is not None:
        numba.set_num_threads(min(inputs.kernel_threads, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    returns, turnover = run_batch(inputs, plans)
    return number, returns, turnover


def batch_plan(
    variants: int, *, days: int, assets: int, workers: int, max_memory: int
) -> list[list[int]]:
    """Split ``range(variants)`` into batches that fit ``max_memory`` bytes over all workers.

    Raises
    ------
    ValueError
        If not even one variant per batch fits the budget.
    """
    per_worker = max_memory / max(workers, 1) - WORKER_BASELINE_BYTES
    per_variant = days * (assets * _BYTES_PER_CELL + 16)
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

    Returns
    -------
    returns, turnover : numpy.ndarray
        Variants (in plan order) by days.
    """
    progress = progress or NoProgress()
    done = set(store.finished())
    pending = [
        (number, [plans[position] for position in batch])
        for number, batch in enumerate(store.batches)
        if number not in done
    ]
    with progress.task(f"Sweeping on {executor.description}", total=len(store.batches)) as task:
        task.advance(len(done))
        if pending:
            for _position, (number, returns, turnover) in executor.map_unordered(
                _batch_task, pending, shared=inputs
            ):
                store.write(number, returns, turnover)
                task.advance()
    days = len(inputs.prices)
    returns = np.full((len(plans), days), np.nan)
    turnover = np.full((len(plans), days), np.nan)
    for number in range(len(store.batches)):
        batch = store.read(number)
        returns[batch.positions] = batch.returns
        turnover[batch.positions] = batch.turnover
    return returns, turnover
