"""Shared fixtures: an isolated store per test, no live providers, the offline pack."""

from __future__ import annotations

import contextlib
import io
import os
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
