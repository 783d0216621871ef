"""Benchmark: sweeps of a real strategy over 2000-2026, every way of running them, side by side.

Run it from the repository with the pack beside it::

    .venv/bin/python bench/sweep_bench.py [--pack ../shared/data] [--sizes 1000,10000]

It sweeps ``quality_over_growth`` (monthly rebalancing, the default
experiment's costs and lag) over 20 x 25 x 20 values of
``signals.valuation_gap.threshold``, ``signals.ten_year_above.threshold`` and
``signals.term_premium_rising.window_days`` (the first N variants in grid
order for a size N), and measures, each mode in a fresh process, warm (one
small run first, so numba's compiled code and caches are paid before timing):

- ``batch``: the sweep as ``macropatch sweep`` runs it, at each size: target
  weights from one table of day states for all variants, the returns-only
  kernel, batches stored as they finish, on the executor ``--executor auto``
  chooses;
- ``per_plan``: the reference path on a sample: each variant's target weights
  built one at a time through the strategy in pandas, then the same kernel;
- ``grouped``: the same plans through ONE column-grouped vectorbt
  ``Portfolio.from_orders`` call over all the sample's variants (vectorbt's own
  way to batch variants; memory grows with variants x assets x days);
- ``engine``: one vectorbt engine call per variant
  (``macropatch.backtests.engine.backtest``) on a sample;
- ``bt``: the same scheduled target weights through ``bt`` (when installed:
  ``pip install bt``) on a smaller sample.

Sampled modes report variants a second over their sample. Peak memory is the
largest sum of resident memory over the mode's process and all its children,
polled every 50 ms: an upper bound, as pages shared by forked processes count
once per process.

Prints one JSON line per mode, then a table, the ratios and the targets.
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
    "signals.valuation_gap.threshold": [round(0.05 * step, 2) for step in range(20)],
    "signals.ten_year_above.threshold": [round(0.03 + 0.0025 * step, 4) for step in range(25)],
    "signals.term_premium_rising.window_days": [21 * (step + 1) for step in range(20)],
}

TARGETS = {"seconds": 5.0, "peak_gib": 2.0, "over_grouped": 20.0, "over_engine": 100.0}
"""The targets at 10,000 variants: at most 5 s and 2 GiB; at least 20x the grouped vectorbt
call and 100x one vectorbt call per variant."""


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


def _batch(pack: Path, variants: int) -> dict[str, object]:
    import tempfile

    import numpy as np

    from macropatch.backtests.sweep.batches import BatchStore
    from macropatch.backtests.sweep.executors import ExecutorKind, choose_executor, make_executor
    from macropatch.backtests.sweep.runner import WORKER_PRELOAD, batch_plan, by_state, run_sweep

    _, _, plans, inputs, _ = _setup(pack, variants)
    kind = choose_executor(
        ExecutorKind.AUTO, items=len(plans), scheduler=None, by_state=by_state(plans)
    )
    preload = WORKER_PRELOAD if kind is ExecutorKind.LOCAL else ()
    days, assets = inputs.prices.shape
    with (
        tempfile.TemporaryDirectory() as folder,
        make_executor(kind, preload=preload) as executor,
    ):
        sizes = {
            "days": days,
            "assets": assets,
            "workers": executor.workers,
            "max_memory": 2**31,
            "by_state": by_state(plans),
        }
        warm = plans[: 2 * executor.workers]
        run_sweep(  # warm: numba's cache, the fork server and the workers' imports
            inputs,
            warm,
            store=BatchStore(
                Path(folder) / "warm",
                fingerprint="w",
                batches=batch_plan(len(warm), **sizes),
                resume=False,
            ),
            executor=executor,
        )
        batches = batch_plan(len(plans), **sizes)
        store = BatchStore(Path(folder) / "run", fingerprint="b", batches=batches, resume=False)
        started = time.perf_counter()
        returns, _ = run_sweep(inputs, plans, store=store, executor=executor)
        seconds = time.perf_counter() - started
    assert np.isfinite(returns).all()
    return {
        "mode": "batch",
        "variants": len(plans),
        "executor": executor.description,
        "batches": len(batches),
        "seconds": seconds,
        "variants_per_second": len(plans) / seconds,
        "peak_bytes": _peak_bytes(),
    }


def _sample(plans: list, size: int) -> list:  # type: ignore[type-arg]
    return plans[:: max(1, len(plans) // size)][:size]


def _per_plan(pack: Path, variants: int, sample: int) -> dict[str, object]:
    import numpy as np

    from macropatch.backtests.engine.kernel import simulate_cube
    from macropatch.backtests.sweep.runner import variant_targets

    _, _, plans, inputs, _ = _setup(pack, variants)
    chosen = _sample(plans, sample)

    def run(some: list) -> None:  # type: ignore[type-arg]
        cube = np.stack([variant_targets(inputs, plan) for plan in some])
        simulate_cube(cube, prices=inputs.prices, costs=inputs.costs, execution_lag=1)

    return _timed("per_plan", chosen, run, all_at_once=True)


def _grouped(pack: Path, variants: int, sample: int) -> dict[str, object]:
    import numpy as np

    from macropatch.backtests.engine.adapter import grouped_returns
    from macropatch.backtests.sweep.by_state import state_rows

    experiment, _, plans, inputs, _ = _setup(pack, variants)
    chosen = _sample(plans, sample)
    rows = state_rows(
        prices=inputs.prices, signals=inputs.signals, rebalance=inputs.rebalance, plans=chosen
    )
    assert rows is not None
    cube = np.stack([rows.plan(position) for position in range(len(chosen))])

    def run(some: list) -> None:  # type: ignore[type-arg]
        returns = grouped_returns(cube[: len(some)], prices=inputs.prices, costs=inputs.costs)
        assert np.isfinite(returns).all()

    return _timed("grouped", chosen, run, all_at_once=True)


def _timed(mode: str, chosen: list, one, *, all_at_once: bool = False) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Run ``one`` on every chosen variant (or, ``all_at_once``, on the list of them) after a
    warm-up call on the first (two); the rate and peak memory.
    """
    if all_at_once:
        one(chosen[:2])  # warm: numba's compiled code, caches
    else:
        one(chosen[0])
    started = time.perf_counter()
    if all_at_once:
        one(chosen)
    else:
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
    chosen = _sample(plans, sample)

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
    chosen = _sample(plans, sample)
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


_MODES = ("batch", "per_plan", "grouped", "engine", "bt")


def _run_mode(arguments: argparse.Namespace) -> dict[str, object]:
    pack, largest = arguments.pack, max(arguments.sizes)
    if arguments.mode == "batch":
        return _batch(pack, arguments.variants)
    if arguments.mode == "per_plan":
        return _per_plan(pack, largest, arguments.sample)
    if arguments.mode == "grouped":
        return _grouped(pack, largest, arguments.sample)
    if arguments.mode == "engine":
        return _engine(pack, largest, arguments.engine_sample)
    return _bt(pack, largest, arguments.bt_sample)


def _in_a_fresh_process(mode: str, extra: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--mode", mode, *sys.argv[1:], *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"mode": mode, "skipped": f"failed: {tail}"}
    line = done.stdout.strip().splitlines()[-1]
    print(line, flush=True)
    return dict(json.loads(line))


def _report(figures: list[dict[str, object]]) -> None:
    print("\nquality_over_growth, 2000-2026 daily, monthly rebalancing, fees on, 2 cores")
    print(f"{'mode':<10}{'variants':>10}{'seconds':>10}{'variants/s':>12}{'peak memory':>14}")
    for figure in figures:
        if "skipped" in figure:
            print(f"{figure['mode']:<10}  skipped: {figure['skipped']}")
            continue
        print(
            f"{figure['mode']:<10}{figure['variants']:>10,}{float(figure['seconds']):>10.2f}"
            f"{float(figure['variants_per_second']):>12,.0f}"
            f"{int(figure['peak_bytes']) / 2**30:>13.2f}G"  # type: ignore[call-overload]
        )
    batches = [
        figure for figure in figures if figure["mode"] == "batch" and "skipped" not in figure
    ]
    if not batches:
        return
    largest = max(batches, key=lambda figure: int(figure["variants"]))  # type: ignore[call-overload]
    rate = float(largest["variants_per_second"])  # type: ignore[arg-type]
    ratios = {}
    for figure in figures:
        if figure["mode"] != "batch" and "skipped" not in figure:
            ratios[figure["mode"]] = rate / float(figure["variants_per_second"])  # type: ignore[arg-type]
            print(
                f"batch at {largest['variants']:,} is {ratios[figure['mode']]:,.0f}x {figure['mode']}"
            )
    checks = {
        f"{largest['variants']:,} variants in at most {TARGETS['seconds']:.0f} s": float(
            largest["seconds"]  # type: ignore[arg-type]
        )
        <= TARGETS["seconds"],
        f"peak memory at most {TARGETS['peak_gib']:.0f} GiB": int(largest["peak_bytes"])  # type: ignore[call-overload]
        <= TARGETS["peak_gib"] * 2**30,
        f"at least {TARGETS['over_grouped']:.0f}x grouped vectorbt": ratios.get("grouped", 0.0)
        >= TARGETS["over_grouped"],
        f"at least {TARGETS['over_engine']:.0f}x one vectorbt call per variant": ratios.get(
            "engine", 0.0
        )
        >= TARGETS["over_engine"],
    }
    for label, held in checks.items():
        print(f"{'met ' if held else 'MISSED'} {label}")


def main() -> None:
    """Run the modes asked for on the command line and print their figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, default=REPOSITORY.parent / "shared" / "data")
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[1000, 10000],
        help="variants of the batch mode, comma-separated (default 1000,10000)",
    )
    parser.add_argument("--sample", type=int, default=1000, help="variants of per_plan and grouped")
    parser.add_argument("--engine-sample", type=int, default=40)
    parser.add_argument("--bt-sample", type=int, default=5)
    parser.add_argument("--mode", choices=_MODES)
    parser.add_argument("--variants", type=int, default=0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    os.environ.setdefault("MACROPATCH_OFFLINE", "1")
    global _MEMORY
    if arguments.mode is not None:
        _MEMORY = _PeakMemory()
        print(json.dumps(_run_mode(arguments)))
        return
    figures = [_in_a_fresh_process("batch", ["--variants", str(size)]) for size in arguments.sizes]
    figures += [_in_a_fresh_process(mode, []) for mode in _MODES[1:]]
    _report(figures)


if __name__ == "__main__":
    main()
