"""`macropatch report RUN_DIR`: the pages of a finished run, drawn again from its files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from macropatch.signals.registry import SIGNALS
from tests.macropatch.cli_helpers import run_cli, tree_digest

pytestmark = pytest.mark.pack


@pytest.fixture
def finished(default_run: tuple[Path, str], tmp_path: Path) -> Path:
    """A private copy of the session's default run."""
    out, _ = default_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    return copy


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match, "no <title>"
    return match.group(1)


def test_report_draws_the_same_pages_again(
    finished: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {
        name: (finished / name).read_bytes()
        for name in (
            "index.html",
            "signals.html",
            "stress.html",
            "summary.json",
            "stress.json",
            "returns.csv",
            "prices.csv",
        )
    }
    tearsheets = sorted(path.name for path in (finished / "tearsheets").iterdir())
    titles = {
        name: _title((finished / "tearsheets" / name).read_text(encoding="utf-8"))
        for name in tearsheets
    }
    for path in (finished / "tearsheets").iterdir():
        path.unlink()
    (finished / "index.html").unlink()
    (finished / "stress.html").unlink()

    outcome = run_cli(["report", str(finished)], capsys, monkeypatch)

    assert outcome.code == 0, outcome.stderr
    assert f"Reports: {finished / 'index.html'}" in outcome.stdout
    # The comparison page and the dashboard are byte for byte those of the run;
    # the data files are untouched.
    for name, content in before.items():
        assert (finished / name).read_bytes() == content, name
    assert sorted(path.name for path in (finished / "tearsheets").iterdir()) == tearsheets
    for name in tearsheets:
        page = (finished / "tearsheets" / name).read_text(encoding="utf-8")
        assert _title(page) == titles[name]
    assert not list(finished.parent.glob(".run.*")), "a staging folder was left behind"


def test_summary_keeps_every_signal_and_the_hedge_cost(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    summary = json.loads((out / "summary.json").read_text())
    names = [record["name"] for record in summary["signals"]]
    values = pd.read_csv(out / "signals" / "values.csv", index_col="date")
    assert list(values.columns) == names
    assert [record["signal"] for record in summary["signals"]] == list(SIGNALS)
    states = {record["signal"]: record["state"] for record in summary["signals"]}
    assert states["unprofitable_small_caps"] == "no data"
    measured = summary["strategies"]
    assert measured["long_volatility"]["hedge_cost"] > 0  # insurance costs money over 26 years
    assert measured["spy_buy_and_hold"]["hedge_cost"] is None


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda run: shutil.rmtree(run / "signals"), "signals/values.csv is missing"),
        (lambda run: (run / "summary.json").write_text("{"), "summary.json cannot be read"),
        (
            lambda run: (run / "returns.csv").write_text("date,real_assets\n2020-01-02,abc\n"),
            "returns.csv has no column for avoid_fragility",
        ),
        (lambda run: (run / "returns.csv").unlink(), "returns.csv is missing"),
    ],
    ids=["no signals", "summary not json", "returns short", "no returns"],
)
def test_a_damaged_run_is_a_clear_error_and_nothing_changes(
    finished: Path,
    damage: object,
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert callable(damage)
    damage(finished)
    digest = tree_digest(finished)
    outcome = run_cli(["report", str(finished)], capsys, monkeypatch)
    assert outcome.code == 2
    assert message in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
    assert tree_digest(finished) == digest


@pytest.mark.parametrize("kind", ["absent", "not a run"])
def test_report_needs_a_run_folder(
    kind: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "somewhere"
    if kind == "not a run":
        folder.mkdir()
        (folder / "notes.txt").write_text("mine")
    outcome = run_cli(["report", str(folder)], capsys, monkeypatch)
    assert outcome.code == 2
    expected = "does not exist" if kind == "absent" else "holds no run: summary.json is missing"
    assert expected in outcome.stderr
    if kind == "not a run":
        assert (folder / "notes.txt").read_text() == "mine"
