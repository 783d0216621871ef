"""Benchmark: a 1,000-variant sweep of a real strategy over 2000-2026, three ways.

Run it from the repository with the pack beside it::

    .venv/bin/python bench/sweep_bench.py [--pack ../shared/data] [--variants 1000]

It sweeps ``quality_over_growth`` (monthly rebalancing, the default
experiment's costs and lag) over 10 x 10 x 10 values of
``signals.valuation_gap.threshold``, ``signals.ten_year_above.threshold`` and
``signals.term_premium_rising.window_days``, and measures, each mode in a fresh
process:

- ``batch``: the sweep as ``macropatch sweep`` runs it (target weights of every
  variant, then the returns-only kernel, batched on 2 local processes), warm:
  one small sweep first so numba's cache and the worker start are paid before
  timing; the kernel alone on the prebuilt weights is timed as well;
- ``engine``: one vectorbt engine call per variant (``macropatch.backtests.engine.backtest``) on
  a sample of the variants, extrapolated to variants a second;
- ``bt``: the same scheduled target weights through ``bt`` (when installed:
  ``pip install bt``) on a smaller sample.

Peak memory is the largest sum of resident memory over the mode's process
and all its children (the fork server and workers), polled every 50 ms: an
upper bound, as pages shared by forked processes count once per process.

Prints one JSON line per mode, then a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]

GRID = {
    "signals.valuation_gap.threshold": [round(0.05 * step, 2) for step in range(10)],
    "signals.ten_year_above.threshold": [round(0.03 + 0.0035 * step, 4) for step in range(10)],
    "signals.term_premium_rising.window_days": [21 * (step + 1) for step in range(10)],
}


def _tree_rss() -> int:
    """Resident memory of this process and all its descendants, summed (shared pages
    count once per process, so this overstates a forked tree: an upper bound).
    """
    parents: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        parents[int(entry)] = int(fields.get("PPid", "0").strip())
        sizes[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    tree = {os.getpid()}
    grown = True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    return sum(sizes.get(pid, 0) for pid in tree)


class _PeakMemory:
    """Polls the process tree's resident memory in a thread; ``peak`` in bytes."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss())
            self._stop.wait(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return max(
            self.peak, _tree_rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        )


_MEMORY: _PeakMemory | None = None


def _peak_bytes() -> int:
    return _MEMORY.stop() if _MEMORY is not None else 0


def _setup(pack: Path, variants: int):  # type: ignore[no-untyped-def]
    import pandas as pd

    from macropatch.backtests.sweep.grid import Grid
    from macropatch.backtests.sweep.runner import SweepInputs
    from macropatch.backtests.sweep.variants import plan_variants
    from macropatch.experiment import load_experiment
    from macropatch.loading import load_prices
    from macropatch.marketdata.catalog import load_catalog
    from macropatch.marketdata.pack import Pack
    from macropatch.marketdata.sources import DataSources
    from macropatch.signals.evaluate import evaluate_signals

    experiment = load_experiment(REPOSITORY / "experiments" / "default.toml")
    grid = Grid.from_mapping(GRID)
    entry = next(item for item in experiment.strategies if item.label == "quality_over_growth")
    plans, distinct = plan_variants(
        strategy=entry.strategy, parameters=entry.parameters, signals=experiment.signals, grid=grid
    )
    plans = plans[:variants]
    sources = DataSources(catalog=load_catalog(), store=None, pack=Pack(pack), live=False)
    _, prices, _ = load_prices([plans[0].strategy], experiment=experiment, sources=sources)
    results, _ = evaluate_signals(list(distinct.values()), sources, pd.DatetimeIndex(prices.index))
    inputs = SweepInputs(
        prices=prices[[*plans[0].strategy.assets, "cash"]],
        signals={result.name: result for result in results},
        rebalance=entry.rebalance,
        costs=experiment.costs,
        execution_lag=experiment.execution_lag,
    )
    return experiment, entry, plans, inputs, prices


def _batch(pack: Path, variants: int, workers: int) -> dict[str, object]:
    import dataclasses
    import tempfile

    import numpy as np

    from macropatch.backtests.engine.kernel import simulate_cube
    from macropatch.backtests.sweep.batches import BatchStore
    from macropatch.backtests.sweep.executors import ExecutorKind, make_executor
    from macropatch.backtests.sweep.runner import (
        WORKER_PRELOAD,
        batch_plan,
        run_sweep,
        variant_targets,
    )

    _, _, plans, inputs, _ = _setup(pack, variants)
    inputs = dataclasses.replace(inputs, kernel_threads=1)
    days, assets = inputs.prices.shape
    executor_context = make_executor(ExecutorKind.LOCAL, workers=workers, preload=WORKER_PRELOAD)
    with tempfile.TemporaryDirectory() as folder, executor_context as executor:
        warm = batch_plan(2 * workers, days=days, assets=assets, workers=workers, max_memory=2**31)
        run_sweep(  # warm: numba's cache, the fork server and the workers' imports
            inputs,
            plans[: 2 * workers],
            store=BatchStore(Path(folder) / "warm", fingerprint="w", batches=warm, resume=False),
            executor=executor,
        )
        batches = batch_plan(
            len(plans), days=days, assets=assets, workers=workers, max_memory=2**31
        )
        store = BatchStore(Path(folder) / "run", fingerprint="b", batches=batches, resume=False)
        started = time.perf_counter()
        returns, _ = run_sweep(inputs, plans, store=store, executor=executor)
        seconds = time.perf_counter() - started
    assert np.isfinite(returns).all()
    cube = np.stack([variant_targets(inputs, plan) for plan in plans])
    simulate_cube(cube[:2], prices=inputs.prices, costs=inputs.costs, execution_lag=1)
    started = time.perf_counter()
    simulate_cube(cube, prices=inputs.prices, costs=inputs.costs, execution_lag=1)
    kernel_seconds = time.perf_counter() - started
    return {
        "mode": "batch",
        "variants": len(plans),
        "batches": len(batches),
        "workers": workers,
        "seconds": seconds,
        "variants_per_second": len(plans) / seconds,
        "kernel_only_seconds": kernel_seconds,
        "peak_bytes": _peak_bytes(),
    }


def _timed(mode: str, chosen: list, one) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Run ``one`` on every chosen variant after one warm-up call; the rate and peak memory."""
    one(chosen[0])  # warm: numba's compiled code, caches
    started = time.perf_counter()
    for plan in chosen:
        one(plan)
    seconds = time.perf_counter() - started
    return {
        "mode": mode,
        "variants": len(chosen),
        "seconds": seconds,
        "variants_per_second": len(chosen) / seconds,
        "peak_bytes": _peak_bytes(),
    }


def _engine(pack: Path, variants: int, sample: int) -> dict[str, object]:
    from macropatch.backtests.engine.backtest import backtest

    experiment, entry, plans, inputs, prices = _setup(pack, variants)
    chosen = plans[:: max(1, len(plans) // sample)][:sample]

    def one(plan) -> None:  # type: ignore[no-untyped-def]
        backtest(
            name="variant",
            strategy=plan.strategy,
            prices=prices,
            rebalance=entry.rebalance,
            costs=experiment.costs,
            execution_lag=experiment.execution_lag,
            signals={name: inputs.signals[output] for name, output in plan.signals.items()},
        )

    return _timed("engine", chosen, one)


def _bt(pack: Path, variants: int, sample: int) -> dict[str, object]:
    try:
        import bt
    except ImportError:
        return {"mode": "bt", "skipped": "bt is not installed (pip install bt)"}
    import pandas as pd

    from macropatch.backtests.engine.lag import executed_frame
    from macropatch.backtests.sweep.runner import variant_targets

    experiment, _, plans, inputs, _ = _setup(pack, variants)
    chosen = plans[:: max(1, len(plans) // sample)][:sample]
    prices = inputs.prices.ffill().bfill()
    fee = experiment.costs.fees + experiment.costs.slippage

    def one(plan) -> None:  # type: ignore[no-untyped-def]
        rows = pd.DataFrame(
            variant_targets(inputs, plan), index=prices.index, columns=prices.columns
        )
        executed = executed_frame(
            rows, experiment.execution_lag
        ).dropna()  # bt trades on the row's date
        strategy = bt.Strategy(
            "variant",
            [
                bt.algos.RunOnDate(*executed.index),
                bt.algos.WeighTarget(executed),
                bt.algos.Rebalance(),
            ],
        )
        test = bt.Backtest(
            strategy,
            prices,
            commissions=lambda quantity, price: abs(quantity * price) * fee,
            integer_positions=False,
            progress_bar=False,
        )
        bt.run(test)

    return _timed("bt", chosen, one)


def main() -> None:
    """Run the modes asked for on the command line and print their figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, default=REPOSITORY.parent / "shared" / "data")
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--engine-sample", type=int, default=40)
    parser.add_argument("--bt-sample", type=int, default=5)
    parser.add_argument("--mode", choices=["batch", "engine", "bt"])
    arguments = parser.parse_args()
    os.environ.setdefault("MACROPATCH_OFFLINE", "1")
    global _MEMORY
    if arguments.mode is not None:
        _MEMORY = _PeakMemory()
    if arguments.mode == "batch":
        print(json.dumps(_batch(arguments.pack, arguments.variants, arguments.workers)))
        return
    if arguments.mode == "engine":
        print(json.dumps(_engine(arguments.pack, arguments.variants, arguments.engine_sample)))
        return
    if arguments.mode == "bt":
        print(json.dumps(_bt(arguments.pack, arguments.variants, arguments.bt_sample)))
        return
    figures = []
    for mode in ("batch", "engine", "bt"):
        done = subprocess.run(
            [sys.executable, __file__, "--mode", mode, *sys.argv[1:]],
            capture_output=True,
            text=True,
            check=True,
        )
        line = done.stdout.strip().splitlines()[-1]
        print(line, flush=True)
        figures.append(json.loads(line))
    batch = figures[0]
    print(
        f"\n{batch['variants']} variants of quality_over_growth, 2000-2026 daily, monthly, fees on"
    )
    print(f"{'mode':<8}{'variants/s':>12}{'1,000 variants':>16}{'peak memory':>14}")
    for figure in figures:
        if "skipped" in figure:
            print(f"{figure['mode']:<8}  skipped: {figure['skipped']}")
            continue
        rate = float(figure["variants_per_second"])
        print(
            f"{figure['mode']:<8}{rate:>12.1f}{1000 / rate:>15.1f}s"
            f"{int(figure['peak_bytes']) / 2**30:>13.2f}G"
        )
    for figure in figures[1:]:
        if "skipped" not in figure:
            ratio = float(batch["variants_per_second"]) / float(figure["variants_per_second"])
            print(f"batch is {ratio:.0f}x faster than {figure['mode']}")
    print(f"kernel alone on the prebuilt weights: {batch['kernel_only_seconds']:.2f} s")


if __name__ == "__main__":
    main()
