"""Stress tests on the pack: the default run's stress.json and page, linearity end to end,
reproducibility, and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.macropatch.cli_helpers import run_cli, tree_digest

pytestmark = pytest.mark.pack

SCENARIOS = {
    "a_zero.toml": 'name = "Zero"\n[shocks]\nten_year = { change = 0.0 }\nvix = { change = 0.0 }\n',
    "b_one.toml": 'name = "One"\n[shocks]\nten_year = { change = 0.01 }\nvix = { change = 5.0 }\n',
    "c_two.toml": 'name = "Two"\n[shocks]\nten_year = { change = 0.02 }\nvix = { change = 10.0 }\n',
}


def test_default_run_has_every_strategy_in_every_stress_test(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    stress = json.loads((out / "stress.json").read_text())
    strategies = list(json.loads((out / "summary.json").read_text())["strategies"])
    assert stress["strategies"] == strategies and stress["benchmark"] == "spy_buy_and_hold"
    windows = [window["name"] for window in stress["replay"]["windows"]]
    assert (
        len(windows) == 7 and "2015-16 oil and China" in windows and not stress["replay"]["skipped"]
    )
    for name in strategies:
        assert set(stress["replay"]["rows"][name]) == set(windows)
        assert (
            stress["bootstrap"]["strategies"][name]["quantile_05"]
            <= stress["bootstrap"]["strategies"][name]["median"]
        )
    assert [scenario["name"] for scenario in stress["scenarios"]] == [
        "Bond vigilantes",
        "Maturity wall",
        "AI capex bust",
        "Dollar fork",
    ]
    for scenario in stress["scenarios"]:
        for name in strategies:
            numbers = scenario["strategies"][name]
            assert numbers["low"] <= numbers["expected"] <= numbers["high"]
            assert numbers["prediction_low"] <= numbers["low"]
    # 2008: the S&P 500 fell 55% from peak to trough; buy and hold took years to recover
    crisis = stress["replay"]["rows"]["spy_buy_and_hold"]["2007-09 financial crisis"]
    assert crisis["return"] == pytest.approx(-0.55, abs=0.02) and crisis["recovered"]
    assert 500 < crisis["days_to_recover"] < 1200
    vigilantes = stress["scenarios"][0]["shocks"][0]
    assert vigilantes["factor"] == "ten_year" and vigilantes["level"] + vigilantes["size"] == (
        pytest.approx(0.055)
    )
    page = (out / "stress.html").read_text()
    for anchor in ('id="replay"', 'id="scenario-3"', 'id="bootstrap"', "spy_buy_and_hold"):
        assert anchor in page
    assert 'href="stress.html"' in (out / "index.html").read_text()


def test_scenarios_are_linear_and_the_bootstrap_reproducible(
    default_run: tuple[Path, str],
    pack_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name, text in SCENARIOS.items():
        (folder / name).write_text(text)
    monkeypatch.setenv("MACROPATCH_OFFLINE", "1")
    out = tmp_path / "run"
    outcome = run_cli(
        ["stress", "--pack", str(pack_path), "--out", str(out), "--scenarios", str(folder)],
        capsys,
        monkeypatch,
    )
    assert outcome.code == 0, outcome.stderr
    assert "Reports:" in outcome.stdout and "stress.html" in outcome.stdout
    stress = json.loads((out / "stress.json").read_text())
    zero, one, two = (scenario["strategies"] for scenario in stress["scenarios"])
    for name in stress["strategies"]:
        assert zero[name]["expected"] == 0.0
        assert zero[name]["low"] == zero[name]["high"] == 0.0
        assert two[name]["expected"] == pytest.approx(2 * one[name]["expected"], rel=1e-12)
    # same paths and seed as the default run: the same bootstrap, to the last digit
    default = json.loads((default_run[0] / "stress.json").read_text())
    assert stress["bootstrap"] == default["bootstrap"]


def _experiment_with(tmp_path: Path, repository: Path, stress: str) -> Path:
    text = (repository / "experiments" / "default.toml").read_text()
    text = text[: text.index("[stress]")] + stress
    if "scenarios =" not in stress:
        text = text.replace("[stress]\n", '[stress]\nscenarios = "scenarios"\n', 1)
    shutil.copytree(repository / "macropatch" / "scenarios", tmp_path / "scenarios")
    path = tmp_path / "experiment.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("stress", "scenario", "message"),
    [
        (
            '[stress]\nwindows = [{ name = "Before", start = 1990-01-02, end = 1990-10-11 }]\n',
            None,
            "Before",
        ),
        ('[stress]\nsignals = ["no_such_signal"]\n', None, "unknown signal 'no_such_signal'"),
        ('[stress]\nscenarios = "nowhere"\n', None, "scenario folder"),
        ("[stress]\n", 'name = "X"\n[shocks]\ninflation = { change = 0.01 }\n',
         "unknown factor 'inflation'"),
        ("[stress]\n", 'name = "X"\n[shocks]\ngold = { to = 2000.0 }\n', "use change"),
        ("[stress]\n", 'name = "X"\n[shocks]\nvix = { change = 1.0, to = 30.0 }\n',
         "exactly one of change and to"),
    ],
    ids=["window outside data", "unknown signal", "no scenario folder", "unknown factor",
         "to on a price", "change and to"],
)  # fmt: skip
def test_bad_stress_input_is_one_clear_line(
    stress: str,
    scenario: str | None,
    message: str,
    repository: Path,
    pack_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MACROPATCH_OFFLINE", "1")
    experiment = _experiment_with(tmp_path, repository, stress)
    if scenario is not None:
        (tmp_path / "scenarios" / "9_bad.toml").write_text(scenario)
    out = tmp_path / "out"
    outcome = run_cli(
        ["stress", "--experiment", str(experiment), "--pack", str(pack_path), "--out", str(out)],
        capsys,
        monkeypatch,
    )
    assert outcome.code == 2, outcome.stderr
    assert message in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
    assert not out.exists()


def _copy_of(run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    return copy


def test_a_finished_run_is_stress_tested_again_from_its_files(
    default_run: tuple[Path, str],
    pack_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``stress RUN_DIR`` reuses the run: the same settings give the run's stress.json (the
    scenarios to 1e-9: prices come back from prices.csv), a new seed only a new bootstrap;
    the run's data files, summary and tearsheets are kept as they were."""
    monkeypatch.setenv("MACROPATCH_OFFLINE", "1")
    run = _copy_of(default_run[0], tmp_path)
    original = json.loads((run / "stress.json").read_text())
    kept = {name: (run / name).read_bytes() for name in ("summary.json", "returns.csv")}
    tearsheet = run / "tearsheets" / "sixty_forty.html"
    mtime = tearsheet.stat().st_mtime_ns
    outcome = run_cli(["stress", str(run), "--pack", str(pack_path)], capsys, monkeypatch)
    assert outcome.code == 0, outcome.stderr
    assert "seed 0" in outcome.stdout and str(run / "stress.html") in outcome.stdout
    again = json.loads((run / "stress.json").read_text())
    assert again["bootstrap"] == original["bootstrap"] and again["weights"] == original["weights"]
    assert again["replay"] == original["replay"]
    for before, after in zip(original["scenarios"], again["scenarios"], strict=True):
        for name, numbers in before["strategies"].items():
            for key, value in numbers.items():
                expected = (
                    pytest.approx(value, rel=1e-9, abs=1e-12) if isinstance(value, float) else value
                )
                assert after["strategies"][name][key] == expected
    outcome = run_cli(
        ["stress", str(run), "--pack", str(pack_path), "--seed", "7", "--paths", "500"],
        capsys,
        monkeypatch,
    )
    assert outcome.code == 0, outcome.stderr
    reseeded = json.loads((run / "stress.json").read_text())
    assert (reseeded["bootstrap"]["seed"], reseeded["bootstrap"]["paths"]) == (7, 500)
    assert reseeded["bootstrap"]["strategies"] != original["bootstrap"]["strategies"]
    assert "seed = 7" in (run / "config.resolved.toml").read_text()
    assert {name: (run / name).read_bytes() for name in kept} == kept
    assert tearsheet.stat().st_mtime_ns == mtime


def test_stress_of_a_folder_that_is_not_a_whole_run_is_one_line_and_changes_nothing(
    default_run: tuple[Path, str],
    pack_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MACROPATCH_OFFLINE", "1")
    run = _copy_of(default_run[0], tmp_path)
    (run / "stress.json").unlink()
    before = tree_digest(run)
    cases = [
        (["stress", str(run)], "stress.json is missing"),
        (["stress", str(tmp_path)], "summary.json"),
        (["stress", str(run), "--experiment", "x.toml"], "not both"),
        (["stress", str(run), "--out", str(tmp_path / "elsewhere")], "not both"),
    ]
    for arguments, message in cases:
        outcome = run_cli([*arguments, "--pack", str(pack_path)], capsys, monkeypatch)
        assert outcome.code == 2, outcome.stderr
        assert message in outcome.stderr
        assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
    assert tree_digest(run) == before
    assert not (tmp_path / "elsewhere").exists()
