"""Shared fixtures: an isolated store per test, no live providers, the offline pack."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


def _pack_location() -> Path:
    configured = os.environ.get("MACROPATCH_PACK", "").strip()
    return Path(configured) if configured else REPOSITORY.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets its own MACROPATCH_HOME and never reaches a live provider."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("MACROPATCH_HOME", str(home))
    monkeypatch.setenv("MACROPATCH_OFFLINE", "1")
    monkeypatch.delenv("MACROPATCH_PACK", raising=False)
    return home


@pytest.fixture(scope="session")
def pack_path() -> Path:
    """The offline pack; skipped without it, a failure when MACROPATCH_REQUIRE_PACK=1."""
    location = _pack_location()
    if (location / "etf" / "spy_adjclose_daily.csv").is_file():
        return location.resolve()
    if os.environ.get("MACROPATCH_REQUIRE_PACK") == "1":
        pytest.fail(f"MACROPATCH_REQUIRE_PACK=1 but no offline pack at {location}")
    pytest.skip(f"no offline pack at {location} (set MACROPATCH_PACK)")


@pytest.fixture
def repository() -> Path:
    return REPOSITORY


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory, pack_path: Path) -> tuple[Path, str]:
    """`macropatch run` of experiments/default.toml on the pack, once per session.

    Returns the output folder and what the command printed. Tests only read it.
    """
    from macropatch.cli import main

    out = tmp_path_factory.mktemp("run") / "latest"
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("MACROPATCH_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("MACROPATCH_OFFLINE", "1")
    monkeypatch.delenv("MACROPATCH_PACK", raising=False)
    monkeypatch.setattr(
        sys, "argv", ["macropatch", "run", "--pack", str(pack_path), "--out", str(out)]
    )
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        with (
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
            pytest.raises(SystemExit) as exited,
        ):
            main()
    finally:
        monkeypatch.undo()
    assert exited.value.code == 0, stderr.getvalue()
    return out, stdout.getvalue()


SWEEP_EXPERIMENT = """
name = "sweep-test"
benchmark = "spy_buy_and_hold"

[period]
start = "2004-01-02"
end = "2016-12-30"

[[strategies]]
strategy = "quality_over_growth"

[[strategies]]
strategy = "spy_buy_and_hold"
rebalance = "once"

[sweep]
strategy = "quality_over_growth"
blocks = 4

[sweep.parameters]
"signals.ten_year_above.threshold" = [0.03, 0.04, 0.05]
"signals.valuation_gap.threshold" = {{ start = 0.1, stop = 0.3, step = 0.1 }}
{extra}

[sweep.walk_forward]
train_years = 3
test_years = 1
"""


def sweep_experiment(folder: Path, extra: str = "") -> Path:
    """A small sweep (9 variants of quality_over_growth, 2004-2016) written to ``folder``."""
    path = folder / "sweep.toml"
    path.write_text(SWEEP_EXPERIMENT.format(extra=extra), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def sweep_run(tmp_path_factory: pytest.TempPathFactory, pack_path: Path) -> Path:
    """`macropatch sweep` of :func:`sweep_experiment`, inline, once per session; tests only
    read it (its experiment file sits beside the output folder)."""
    folder = tmp_path_factory.mktemp("sweep")
    out = folder / "out"
    command = [
        sys.executable, "-m", "macropatch", "sweep", "--experiment",
        str(sweep_experiment(folder)), "--pack", str(pack_path), "--out", str(out),
        "--executor", "inline",
    ]  # fmt: skip
    environment = {**os.environ, "MACROPATCH_OFFLINE": "1", "MACROPATCH_HOME": str(folder)}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


CHEAP_EXPERIMENT = """
name = "cheap"
benchmark = "spy_buy_and_hold"

[[strategies]]
strategy = "spy_buy_and_hold"
rebalance = "once"

[[strategies]]
strategy = "sixty_forty"

[stress]
paths = 200
scenarios = "{scenarios}"
"""
"""Two cheap strategies (a run takes seconds), a small bootstrap, the report's scenarios."""


def cheap_experiment(path: Path, extra: str = "") -> Path:
    """Write :data:`CHEAP_EXPERIMENT` (plus ``extra`` TOML) to ``path``."""
    from macropatch.experiment import REPORT_SCENARIOS

    path.write_text(CHEAP_EXPERIMENT.format(scenarios=REPORT_SCENARIOS) + extra)
    return path
