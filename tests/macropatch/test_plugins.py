"""Plugins: a user's signals and strategies from a file outside the repository, a module or an
installed package's entry points; collisions and look-ahead refused in one line, exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from macropatch.experiment import load_experiment
from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.errors import UserError
from macropatch.plugins import load_plugins
from tests.macropatch.cli_helpers import run_macropatch

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLE = REPOSITORY / "examples" / "plugins"

PEEKING = """
from dataclasses import dataclass
from macropatch.signals.base import Family, Signal


@dataclass(frozen=True, kw_only=True)
class Tomorrow(Signal):
    name = "tomorrows_vix"
    family = Family.VOLATILITY
    summary = "the VIX a week from now"

    @property
    def inputs(self):
        return ("vix",)

    def compute(self, knowable):
        ahead = knowable["vix"].shift(-5)
        return ahead, ahead > 20.0
"""


pytestmark = pytest.mark.usefixtures("restored_imports")


def _outside(tmp_path: Path) -> Path:
    """The example plugin and experiment, copied to a folder outside the repository."""
    folder = tmp_path / "research"
    folder.mkdir()
    for name in ("gold_rotation.py", "experiment.toml"):
        shutil.copy(EXAMPLE / name, folder / name)
    return folder


def test_a_plugin_runs_and_sweeps_by_name_from_outside_the_repository(
    tmp_path: Path, pack_path: Path
) -> None:
    folder = _outside(tmp_path)
    done = run_macropatch(
        ["run", "--experiment", "experiment.toml", "--pack", str(pack_path), "--out", "run"],
        folder,
        tmp_path / "home",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((folder / "run" / "summary.json").read_text())
    assert "gold_equity_rotation" in summary["strategies"]
    assert "gold_momentum" in (folder / "run" / "signals.html").read_text()
    swept = run_macropatch(
        ["sweep", "--experiment", "experiment.toml", "--pack", str(pack_path), "--out", "sweep",
         "--executor", "local", "--workers", "2"],
        folder,
        tmp_path / "home",
    )  # fmt: skip
    assert swept.returncode == 0, swept.stderr
    variants = (folder / "sweep" / "variants.csv").read_text()
    assert "gold_momentum" in variants and len(variants.splitlines()) == 5


def test_a_plugin_signal_that_reads_ahead_is_refused_with_exit_2(tmp_path: Path) -> None:
    folder = _outside(tmp_path)
    (folder / "tomorrow.py").write_text(PEEKING)
    experiment = folder / "experiment.toml"
    experiment.write_text(
        experiment.read_text().replace(
            'plugins = ["gold_rotation.py"]', 'plugins = ["gold_rotation.py", "tomorrow.py"]'
        )
    )
    done = run_macropatch(
        ["run", "--experiment", "experiment.toml", "--out", "run"], folder, tmp_path
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "plugin tomorrow.py: signal 'tomorrows_vix' looks ahead" in lines[0]
    assert not (folder / "run").exists()


def _experiment(folder: Path, plugins: list[str]) -> Path:
    path = folder / "experiment.toml"
    text = (EXAMPLE / "experiment.toml").read_text()
    path.write_text(
        text.replace('plugins = ["gold_rotation.py"]', f"plugins = {json.dumps(plugins)}")
    )
    return path


def test_a_name_taken_by_a_built_in_or_another_plugin_is_refused_naming_both(
    tmp_path: Path,
) -> None:
    folder = _outside(tmp_path)
    clash = (EXAMPLE / "gold_rotation.py").read_text().replace('"gold_momentum"', '"vix_cheap"')
    (folder / "clash_builtin.py").write_text(clash)
    with pytest.raises(
        UserError,
        match=r"signal 'vix_cheap' collides with the built-in signal \(macropatch\.signals\.volatility\.VixCheap\)",
    ):
        load_experiment(_experiment(folder, ["clash_builtin.py"]))
    (folder / "twin_rotation.py").write_text((EXAMPLE / "gold_rotation.py").read_text())
    with pytest.raises(
        UserError,
        match=r"plugin twin_rotation.py: strategy 'gold_equity_rotation' collides with plugin gold_rotation.py",
    ):
        load_experiment(_experiment(folder, ["gold_rotation.py", "twin_rotation.py"]))


def test_a_plugin_file_that_is_missing_or_broken_is_one_line(tmp_path: Path) -> None:
    folder = _outside(tmp_path)
    with pytest.raises(UserError, match="plugin .*nosuch.py: no such file"):
        load_experiment(_experiment(folder, ["nosuch.py"]))
    (folder / "broken_plugin.py").write_text("import nosuchmodule_at_all\n")
    with pytest.raises(
        UserError, match="plugin broken_plugin.py: importing it failed: ModuleNotFoundError"
    ):
        load_experiment(_experiment(folder, ["broken_plugin.py"]))
    (folder / "json.py").write_text("x = 1\n")
    with pytest.raises(UserError, match="the module name 'json' is taken"):
        load_experiment(_experiment(folder, ["json.py"]))


def test_installed_packages_register_through_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    package = site / "goldplugin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text((EXAMPLE / "gold_rotation.py").read_text())
    info = site / "goldplugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: goldplugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[macropatch.signals]\ngold_momentum = goldplugin:GoldMomentum\n\n"
        "[macropatch.strategies]\ngold_equity_rotation = goldplugin:GoldEquityRotation\n"
    )
    monkeypatch.syspath_prepend(str(site))
    registry = load_plugins([], base=tmp_path, catalog=load_catalog())
    assert registry.signals["gold_momentum"].__module__ == "goldplugin"
    assert registry.strategies["gold_equity_rotation"].__module__ == "goldplugin"
    assert registry.origins["signal gold_momentum"].startswith("entry point 'gold_momentum'")
    # a module named in the experiment and registered by its package is the same class: no clash
    both = load_plugins(["goldplugin"], base=tmp_path, catalog=load_catalog())
    assert both.signals["gold_momentum"] is registry.signals["gold_momentum"]
