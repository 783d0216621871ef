"""The front door: what `macropatch strategies`, `signals --list` and `--help` tell a newcomer."""

from __future__ import annotations

import dataclasses
import math

import pytest

from macropatch.marketdata.parameters import describe_parameters, parameter_bounds
from macropatch.signals.registry import SIGNALS
from macropatch.strategies.registry import STRATEGIES
from tests.macropatch.cli_helpers import run_cli

OWNERS = {**{f"signal {name}": cls for name, cls in SIGNALS.items()},
          **{f"strategy {name}": cls for name, cls in STRATEGIES.items()}}  # fmt: skip


def test_strategies_lists_each_parameter_with_its_default_and_bounds(capsys, monkeypatch) -> None:
    outcome = run_cli(["strategies", "long_volatility"], capsys, monkeypatch)
    assert outcome.code == 0, outcome.stderr
    rows = {line.split("│")[2].strip(): line for line in outcome.stdout.splitlines() if "│" in line}
    assert "0.01" in rows["budget"] and "[0, 0.1]" in rows["budget"]
    assert "put_overlay | vix_fund" in rows["hedge"]
    assert "(0, 1]" in rows["put_share"]
    everything = run_cli(["strategies"], capsys, monkeypatch)
    for name in STRATEGIES:
        assert name in everything.stdout
    assert "equity_weight" in everything.stdout


def test_an_unknown_strategy_name_is_one_line(capsys, monkeypatch) -> None:
    outcome = run_cli(["strategies", "nosuch"], capsys, monkeypatch)
    assert outcome.code == 2 and "unknown strategy 'nosuch'" in outcome.stderr


def test_signals_list_needs_no_data_and_shows_every_parameter(capsys, monkeypatch) -> None:
    outcome = run_cli(["signals", "--list"], capsys, monkeypatch)
    assert outcome.code == 0, outcome.stderr
    assert "[signals.<name>]" in outcome.stdout  # not swallowed as markup
    lines = outcome.stdout.splitlines()
    ten_year = next(line for line in lines if " ten_year_above " in line)
    assert "0.05" in ten_year and "(0, 0.25)" in ten_year
    assert any("min_known" in line and "[1, 8] components" in line for line in lines)


@pytest.mark.parametrize("command", ["stress", "sweep"])
def test_help_texts_keep_their_brackets(command: str, capsys, monkeypatch) -> None:
    """Rich read '[stress]' in help texts as markup and printed '(default:  scenarios)'."""
    outcome = run_cli([command, "--help"], capsys, monkeypatch)
    assert outcome.code == 0
    assert f"[{command}]" in " ".join(outcome.stdout.split())


@pytest.mark.parametrize("owner", sorted(OWNERS), ids=sorted(OWNERS))
def test_the_bounds_shown_are_the_bounds_enforced(owner: str) -> None:
    """Each listed bound comes from the check itself; a value just outside it is refused."""
    cls = OWNERS[owner]
    bounds = parameter_bounds(cls)
    described = {parameter.name: parameter for parameter in describe_parameters(cls)}
    for name, interval in bounds.items():
        if name not in described:
            continue  # a derived check (e.g. a put overlay field under another name)
        assert described[name].allowed == str(interval)
        field = next(item for item in dataclasses.fields(cls) if item.name == name)
        integer = isinstance(field.default, int) and not isinstance(field.default, bool)
        step = 1 if integer else max(1e-9, abs(interval.high - interval.low) * 1e-6)
        below = interval.low if interval.low_open else interval.low - step
        above = interval.high if interval.high_open else interval.high + step
        for outside in (below, above):
            if math.isinf(outside):
                continue
            with pytest.raises(ValueError):
                cls(**{name: int(outside) if integer else outside})


LIGHT_PROBE = (
    "import sys, runpy\n"
    "sys.argv = ['macropatch', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('macropatch', run_name='__main__')\n"
    "except SystemExit as done:\n"
    "    code = done.code\n"
    "heavy = [name for name in ('vectorbt', 'quantstats', 'numba', 'matplotlib', 'dask')\n"
    "         if name in sys.modules]\n"
    "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@pytest.mark.parametrize(
    "command",
    [["--help"], ["strategies"], ["signals", "--list"], ["data", "status", "--pack", "{pack}"]],
)
def test_the_front_door_imports_no_backtesting_or_plotting_library(
    command: list[str], pack_path, tmp_path
) -> None:
    import os
    import subprocess
    import sys

    arguments = [part.replace("{pack}", str(pack_path)) for part in command]
    done = subprocess.run(
        [sys.executable, "-c", LIGHT_PROBE, *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, "MACROPATCH_HOME": str(tmp_path), "MACROPATCH_OFFLINE": "1"},
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "HEAVY=\n" in done.stderr, done.stderr
