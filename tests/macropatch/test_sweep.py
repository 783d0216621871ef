"""`macropatch sweep` on the pack: files, engine agreement, executors, resume, bad input."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from macropatch.backtests.engine.backtest import backtest
from macropatch.backtests.sweep.batches import BatchStore
from macropatch.experiment import load_experiment
from tests.conftest import sweep_experiment as _experiment
from tests.macropatch.cli_helpers import run_cli, tree_digest

pytestmark = pytest.mark.pack


def _sweep(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    return run_cli(["sweep", *args], capsys, monkeypatch)


def test_sweep_writes_its_report(sweep_run: Path) -> None:
    summary = json.loads((sweep_run / "sweep.json").read_text())
    assert summary["sweep"]["variants"] == 9
    assert summary["best_in_sample"]["engine_check_max_difference"] <= 1e-9
    statistics = summary["overfitting"]
    assert 0.0 <= statistics["pbo"] <= 1.0 and statistics["combinations"] == 6
    assert 0.0 <= statistics["dsr"] <= 1.0 and statistics["variants"] == 9
    # Identical variants are one trial: count them independently, from the returns.
    returns = np.concatenate(
        [np.load(path)["returns"] for path in sorted((sweep_run / "batches").glob("*.npz"))]
    )
    assert summary["sweep"]["twins"] == 1  # signal parameters only: one twin for all
    assert len(returns) == 9 + 1
    distinct = {row.tobytes() for row in returns[:9]}  # the variants; the twin comes last
    assert statistics["trials"] == len(distinct)
    assert f"{len(distinct)} distinct variants of 9" in (sweep_run / "sweep.html").read_text()
    walk = summary["walk_forward"]
    assert walk["gap_days"] >= walk["gap_minimum"] >= 2  # the lag plus a publication lag
    windows = pd.read_csv(sweep_run / "walk_forward.csv")
    assert len(windows) == len(walk["windows"]) >= 9
    variants = pd.read_csv(sweep_run / "variants.csv")
    assert len(variants) == 9
    assert list(variants.columns[:2]) == [
        "signals.ten_year_above.threshold",
        "signals.valuation_gap.threshold",
    ]
    page = (sweep_run / "sweep.html").read_text()
    for anchor in ('id="verdict"', 'id="heatmap-0"', 'id="overfitting"', 'id="out-of-sample"'):
        assert anchor in page
    for tearsheet in ("walk_forward", "best_in_sample"):
        assert (sweep_run / "tearsheets" / f"{tearsheet}.html").stat().st_size > 10_000
    oos = pd.read_csv(sweep_run / "walk_forward_returns.csv", index_col="date")
    assert oos.index[0] > windows["train_end"].iloc[0]


def test_kernel_agrees_with_the_vectorbt_engine_on_every_variant(
    sweep_run: Path, pack_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every variant's returns from the batch files against a full vectorbt backtest."""
    from macropatch.backtests.sweep.grid import Grid
    from macropatch.backtests.sweep.variants import neutral_twins, plan_variants, quiet_output
    from macropatch.loading import load_prices
    from macropatch.marketdata.catalog import load_catalog
    from macropatch.marketdata.pack import Pack
    from macropatch.marketdata.sources import DataSources
    from macropatch.signals.evaluate import evaluate_signals

    monkeypatch.setenv("MACROPATCH_OFFLINE", "1")
    experiment = load_experiment(sweep_run.parent / "sweep.toml")
    grid = experiment.sweep.grid
    assert isinstance(grid, Grid)
    plans, distinct = plan_variants(
        strategy="quality_over_growth", parameters={}, signals=experiment.signals, grid=grid
    )
    sources = DataSources(catalog=load_catalog(), store=None, pack=Pack(pack_path), live=False)
    _, prices, _ = load_prices([plans[0].strategy], experiment=experiment, sources=sources)
    results, _ = evaluate_signals(list(distinct.values()), sources, pd.DatetimeIndex(prices.index))
    by_output = {result.name: result for result in results}
    by_output |= {quiet_output(result.signal.name): result.held_quiet() for result in results}
    plans += neutral_twins(plans)[0]  # the twins run in the same batches, checked the same way
    manifest = json.loads((sweep_run / "batches" / "manifest.json").read_text())
    store = BatchStore(
        sweep_run / "batches",
        fingerprint=manifest["fingerprint"],
        batches=manifest["batches"],
        resume=True,
    )
    for number in range(len(manifest["batches"])):
        batch = store.read(number)
        for position, kernel_returns in zip(batch.positions, batch.returns, strict=True):
            plan = plans[int(position)]
            engine = backtest(
                name="variant",
                strategy=plan.strategy,
                prices=prices,
                rebalance=experiment.strategies[0].rebalance,
                costs=experiment.costs,
                execution_lag=experiment.execution_lag,
                signals={name: by_output[output] for name, output in plan.signals.items()},
            )
            assert np.abs(engine.returns.to_numpy() - kernel_returns).max() <= 1e-9


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_executors_give_the_same_results(
    executor: str,
    sweep_run: Path,
    pack_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / executor
    outcome = _sweep(
        [
            "--experiment",
            str(sweep_run.parent / "sweep.toml"),
            "--pack",
            str(pack_path),
            "--out",
            str(out),
            "--executor",
            executor,
            "--workers",
            "2",
        ],  # fmt: skip
        capsys,
        monkeypatch,
    )
    assert outcome.code == 0, outcome.stderr
    expected = pd.read_csv(sweep_run / "variants.csv")
    pd.testing.assert_frame_equal(pd.read_csv(out / "variants.csv"), expected)
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "walk_forward.csv"), pd.read_csv(sweep_run / "walk_forward.csv")
    )


def test_a_killed_sweep_resumes_to_the_same_results(
    sweep_run: Path, pack_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "killed"
    command = [
        sys.executable, "-m", "macropatch", "sweep", "--experiment",
        str(sweep_run.parent / "sweep.toml"), "--pack", str(pack_path), "--out", str(out),
        "--executor", "inline",
    ]  # fmt: skip
    environment = {**os.environ, "MACROPATCH_OFFLINE": "1", "MACROPATCH_HOME": str(tmp_path)}
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 300
    while not list((out / "batches").glob("batch-*.npz")) and time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = sorted(path.name for path in (out / "batches").glob("batch-*.npz"))
    assert finished and not (out / "sweep.json").exists()
    stamps = {name: (out / "batches" / name).stat().st_mtime_ns for name in finished}
    done = subprocess.run(
        [*command, "--resume"], env=environment, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    for name, stamp in stamps.items():  # finished batches were kept, not recomputed
        assert (out / "batches" / name).stat().st_mtime_ns == stamp
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "variants.csv"), pd.read_csv(sweep_run / "variants.csv")
    )


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (["--param", "signals.gold_trend.window_days=50,100"], "",
         "strategy 'quality_over_growth' does not read 'gold_trend'"),
        (["--param", "signals.ten_year_above.threshold=0.5:0.6:0.05"], "",
         "threshold"),
        (["--param", "signals.ten_year_above.limit=1,2"], "", "unknown parameter 'limit'"),
        (["--param", "nonsense=1"], "", "expected signals.<signal>.<field> or strategy.<field>"),
        (["--max-memory", "lots"], "", "--max-memory: 'lots' is not a size"),
        (["--max-memory", "10MB"], "",
         "need about 512 MiB of memory to assemble, above the budget of 10 MiB"),
        (["--strategy", "spy_buy_and_hold"], "", "is the benchmark"),
        (["--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"], "",
         "cannot reach the Dask scheduler at tcp://127.0.0.1:9"),
        ([], '"signals.sahm_rule.threshold" = [0.1, 0.1]', "repeats a value"),
    ],
    ids=["unread signal", "out of range", "unknown field", "bad path", "bad memory",
         "too little memory", "benchmark", "no scheduler", "repeated value"],
)  # fmt: skip
def test_bad_sweep_input_is_one_clear_line(
    args: list[str],
    extra: str,
    message: str,
    pack_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MACROPATCH_OFFLINE", "1")
    out = tmp_path / "out"
    experiment = _experiment(tmp_path, extra)
    outcome = _sweep(
        ["--experiment", str(experiment), "--pack", str(pack_path), "--out", str(out), *args],
        capsys,
        monkeypatch,
    )
    assert outcome.code == 2, outcome.stderr
    assert message in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
    assert not (out / "sweep.json").exists()


@pytest.mark.parametrize("kind", ["foreign folder", "symbolic link", "foreign folder only"])
def test_a_batches_folder_macropatch_did_not_write_is_never_deleted(
    kind: str,
    sweep_run: Path,
    pack_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MACROPATCH_OFFLINE", "1")
    out = tmp_path / "out"
    if kind == "foreign folder only":
        out.mkdir()
    else:
        shutil.copytree(sweep_run, out, ignore=shutil.ignore_patterns("batches"))
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.md").write_text("keep me")
    if kind == "symbolic link":
        (out / "batches").symlink_to(precious, target_is_directory=True)
    else:
        shutil.copytree(precious, out / "batches")
    before = tree_digest(tmp_path)
    outcome = _sweep(
        ["--experiment", str(_experiment(tmp_path)), "--pack", str(pack_path), "--out", str(out)],
        capsys,
        monkeypatch,
    )
    assert outcome.code == 2, outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
    expected = {
        "foreign folder": "holds files macropatch did not write",
        "symbolic link": "is a symbolic link",
        "foreign folder only": "is not a macropatch sweep",
    }[kind]
    assert expected in outcome.stderr
    (tmp_path / "sweep.toml").unlink()
    assert tree_digest(tmp_path) == before


def test_a_sweep_killed_while_writing_its_outputs_leaves_the_earlier_sweep_whole(
    sweep_run: Path, pack_path: Path, tmp_path: Path
) -> None:
    """The outputs go to a staging folder swapped in at the end: a kill -9 while they are
    written leaves the earlier sweep's files together; the next sweep clears the staging."""
    out = tmp_path / "out"
    shutil.copytree(sweep_run, out)
    experiment = _experiment(tmp_path, '"signals.term_premium_rising.window_days" = [63, 126]')
    command = [
        sys.executable, "-m", "macropatch", "sweep", "--experiment", str(experiment),
        "--pack", str(pack_path), "--out", str(out), "--executor", "inline",
    ]  # fmt: skip
    environment = {**os.environ, "MACROPATCH_OFFLINE": "1", "MACROPATCH_HOME": str(tmp_path)}
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 300
    while not list(tmp_path.glob(".out.staging-*/*.csv")) and time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    summary = json.loads((out / "sweep.json").read_text())
    assert summary["sweep"]["variants"] == len(pd.read_csv(out / "variants.csv")) == 9
    assert (out / "sweep.html").read_bytes() == (sweep_run / "sweep.html").read_bytes()
    assert list(tmp_path.glob(".out.staging-*")), "the test did not catch the staging step"
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob(".out.*")), "a dead process' staging folder was left"
    summary = json.loads((out / "sweep.json").read_text())
    assert summary["sweep"]["variants"] == len(pd.read_csv(out / "variants.csv")) == 18


def test_a_sweep_of_signals_is_judged_against_the_neutral_twin(sweep_run: Path) -> None:
    summary = json.loads((sweep_run / "sweep.json").read_text())
    assert summary["sweep"]["judged_against"] == "the neutral twin"
    assert "over the twin" in summary["verdict"]["text"]
    assert all("over its twin" in label for label, _numbers in summary["comparison"])
    variants = pd.read_csv(sweep_run / "variants.csv")
    assert {"active_return", "active_t", "active_score"} <= set(variants.columns)
    page = (sweep_run / "sweep.html").read_text()
    assert "of the return over the neutral twin" in page
    assert "Every statistic here is of the return over the neutral twin" in page
