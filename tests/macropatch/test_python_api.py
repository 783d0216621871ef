"""The Python API: `import macropatch as mp`, the README's example as written, objects passed
directly, and the look-ahead check from a notebook."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import macropatch as mp
from macropatch.marketdata.errors import UserError
from macropatch.signals.lookahead import LookAheadError
from tests.signals.test_lookahead_guard import _Peeking

REPOSITORY = Path(__file__).resolve().parents[2]


def _example_module():  # type: ignore[no-untyped-def]
    path = REPOSITORY / "examples" / "plugins" / "gold_rotation.py"
    spec = importlib.util.spec_from_file_location("gold_rotation_for_api_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_readme_example_runs_as_written(
    pack_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (REPOSITORY / "README.md").read_text()
    section = text[text.index("**The Python API.**") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    source = code.group(1).replace('"../shared/data"', repr(str(pack_path)))
    source = source.replace('"/tmp/long_volatility.html"', repr(str(tmp_path / "lv.html")))
    monkeypatch.chdir(REPOSITORY)
    namespace: dict[str, object] = {}
    exec(compile(source, "README.md", "exec"), namespace)
    results = namespace["results"]
    assert isinstance(results, mp.Results)
    assert (tmp_path / "lv.html").is_file()
    # the metrics are the run's: SPY's CAGR as the README's table gives it
    assert results.metrics.loc["spy_buy_and_hold", "cagr"] == pytest.approx(0.0846, abs=5e-5)
    # the vectorbt Portfolio is the backtest's: the same value path
    portfolio = namespace["portfolio"]
    value = np.asarray(portfolio.value()).reshape(-1)
    expected = results.backtested.results["long_volatility"].value.to_numpy()
    np.testing.assert_allclose(value / value[0], expected / expected[0], rtol=1e-9)
    assert "<table" in results._repr_html_()


def test_a_users_own_classes_run_without_a_registry(pack_path: Path) -> None:
    example = _example_module()
    built = mp.new_experiment(
        {
            "rotation": example.GoldEquityRotation(tilt=0.3),
            "spy": "spy_buy_and_hold",
        },
        benchmark="spy",
        signals=[example.GoldMomentum(window_days=100)],
        start="2005-01-03",
        end="2012-12-31",
    )
    results = mp.backtest(built, pack=pack_path)
    gold = results.weights["rotation"]["gld"]
    assert set(np.round(gold.dropna().unique(), 6)) == {0.2, 0.5}
    assert results.returns.index[0] == pd.Timestamp("2005-01-03")
    names = [item.name for item in results.backtested.signals]
    assert any(name.startswith("gold_momentum[window_days=100,") for name in names), names


def test_a_peeking_signal_is_refused_in_a_notebook_and_in_an_experiment() -> None:
    with pytest.raises(LookAheadError, match="signal 'peeking_vix' looks ahead"):
        mp.check_no_lookahead(_Peeking())
    with pytest.raises(UserError, match="signal 'peeking_vix' looks ahead"):
        mp.new_experiment({"spy": "spy_buy_and_hold"}, benchmark="spy", signals=[_Peeking()])


def test_the_package_loads_the_api_only_when_asked() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        _ = mp.nosuch  # type: ignore[attr-defined]


def test_sweep_stress_and_evidence_return_typed_results(pack_path: Path, tmp_path: Path) -> None:
    from macropatch.backtests.evidence.document import EvidenceReport
    from macropatch.backtests.stress.document import StressReport
    from macropatch.sweeps import SweepOutcome

    example = _example_module()
    built = mp.new_experiment(
        {"rotation": example.GoldEquityRotation(), "spy": "spy_buy_and_hold"},
        benchmark="spy",
        signals=[example.GoldMomentum()],
        start="2005-01-03",
        end="2016-12-30",
    )
    swept = mp.sweep(
        built,
        out=tmp_path / "sweep",
        strategy="rotation",
        parameters=["signals.gold_momentum.window_days=100,200", "strategy.tilt=0.1,0.3"],
        pack=pack_path,
        executor="inline",
    )
    assert isinstance(swept, SweepOutcome) and (tmp_path / "sweep" / "variants.csv").is_file()
    assert len((tmp_path / "sweep" / "variants.csv").read_text().splitlines()) == 5
    results = mp.backtest(built, pack=pack_path)
    stressed = mp.stress(results)
    assert isinstance(stressed, StressReport)
    assert {"rotation", "spy"} <= set(stressed.model_dump()["strategies"])
    found = mp.evidence(results)
    assert isinstance(found, EvidenceReport) and "rotation" in found.strategies
    assert set(found.strategies["rotation"].signals) == {"gold_momentum"}


def test_the_notebook_example_runs(pack_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, str(REPOSITORY / "examples" / "notebook.py"), str(pack_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "protected_all" in done.stdout and "budget_2pct" in done.stdout
    assert "refused: signal 'vix_next_week' looks ahead" in done.stdout
