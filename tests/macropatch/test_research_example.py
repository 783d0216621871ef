"""The whole of what a researcher brings, from a folder outside the repository: a plugin file
(a signal and a strategy), a CSV asset and a strategy written as rules, through `macropatch run`,
`mp.backtest` and a sweep of the user signal's threshold and of a rule's parameter."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import macropatch as mp
from macropatch.marketdata.errors import UserError
from tests.macropatch.cli_helpers import run_macropatch

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLES = REPOSITORY / "examples"


pytestmark = pytest.mark.usefixtures("restored_imports")


def _research(tmp_path: Path, pack_path: Path) -> Path:
    """examples/research and the plugin it loads, laid out as in the repository, elsewhere."""
    root = tmp_path / "work"
    shutil.copytree(
        EXAMPLES / "research", root / "research", ignore=shutil.ignore_patterns("*.csv")
    )
    (root / "plugins").mkdir()
    shutil.copy(EXAMPLES / "plugins" / "gold_rotation.py", root / "plugins" / "gold_rotation.py")
    subprocess.run(
        [sys.executable, str(EXAMPLES / "assets" / "make_my_index.py"), str(pack_path),
         str(root / "research" / "my_index.csv")],
        check=True, capture_output=True,
    )  # fmt: skip
    return root / "research"


def test_run_backtest_and_sweeps_from_outside_the_repository(
    tmp_path: Path, pack_path: Path
) -> None:
    folder = _research(tmp_path, pack_path)
    pack = ["--pack", str(pack_path)]
    done = run_macropatch(
        ["run", "--experiment", "experiment.toml", *pack, "--out", "run"], folder, tmp_path
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((folder / "run" / "summary.json").read_text())
    assert {"gold_equity_rotation", "gold_and_rates", "spy_buy_and_hold"} <= set(
        summary["strategies"]
    )
    results = mp.backtest(folder / "experiment.toml", pack=pack_path)
    assert results.metrics.loc["gold_and_rates", "cagr"] == pytest.approx(
        summary["strategies"]["gold_and_rates"]["cagr"], abs=1e-12
    )
    held = results.weights["gold_and_rates"]
    assert (held["shy"] == 0.8).any() and (held["my_index"] > 0).any()
    # the user signal's threshold, swept on local worker processes
    swept = run_macropatch(
        ["sweep", "--experiment", "experiment.toml", *pack, "--out", "sweep",
         "--executor", "local", "--workers", "2"],
        folder, tmp_path,
    )  # fmt: skip
    assert swept.returncode == 0, swept.stderr
    assert "signals.gold_momentum.threshold" in (folder / "sweep" / "variants.csv").read_text()
    # a rule's parameter, swept like any other
    rules = run_macropatch(
        ["sweep", "--experiment", "experiment.toml", *pack, "--out", "rules_sweep",
         "--strategy", "gold_and_rates", "--param", "strategy.gold_move=0.1,0.3",
         "--executor", "local", "--workers", "2"],
        folder, tmp_path,
    )  # fmt: skip
    assert rules.returncode == 0, rules.stderr
    assert len((folder / "rules_sweep" / "variants.csv").read_text().splitlines()) == 3


def test_rules_that_read_an_unknown_signal_or_take_a_built_in_name_are_refused(
    tmp_path: Path, pack_path: Path
) -> None:
    folder = _research(tmp_path, pack_path)
    experiment = folder / "experiment.toml"
    text = experiment.read_text()
    experiment.write_text(text.replace('signal = "vix_stress"', 'signal = "no_such_signal"'))
    with pytest.raises(
        UserError, match="rules.gold_and_rates: rule 'panic' reads unknown signal 'no_such_signal'"
    ):
        mp.load_experiment(experiment)
    experiment.write_text(text.replace("gold_and_rates", "real_assets"))
    with pytest.raises(
        UserError, match="strategy 'real_assets' collides with the built-in strategy"
    ):
        mp.load_experiment(experiment)
