"""The default experiment on the offline pack, through the command line, end to end.

The run itself is the session fixture ``default_run`` in tests/conftest.py.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import quantstats as qs

from macropatch.backtests.evidence.document import EvidenceReport
from macropatch.marketdata.catalog import load_catalog
from macropatch.reports import TableMetric
from tests.macropatch.cli_helpers import run_cli, tree_digest

CONTRACT = [
    "index.html",
    "signals.html",
    "summary.json",
    "returns.csv",
    "prices.csv",
    "config.resolved.toml",
    "tearsheets/spy_buy_and_hold.html",
    "tearsheets/sixty_forty.html",
    "weights/spy_buy_and_hold.csv",
    "weights/sixty_forty.csv",
]


def test_run_writes_the_whole_output_contract(default_run: tuple[Path, str]) -> None:
    out, printed = default_run
    for relative in CONTRACT:
        assert (out / relative).is_file(), relative
    assert "Reports:" in printed and str(out / "index.html") in printed
    assert "sixty_forty" in printed and "spy_buy_and_hold" in printed


def test_period_covers_2000_to_2026(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    summary = json.loads((out / "summary.json").read_text())
    period = summary["run"]["period"]
    assert period["start"] == "2000-01-03"
    assert period["end"] >= "2026-01-01"
    returns = pd.read_csv(out / "returns.csv", index_col="date", parse_dates=True)
    assert (
        str(returns.index[0].date()) == period["start"]
        and str(returns.index[-1].date()) == period["end"]
    )


def test_summary_metrics_equal_quantstats_on_returns_csv(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    summary = json.loads((out / "summary.json").read_text())
    returns = pd.read_csv(out / "returns.csv", index_col="date", parse_dates=True)
    for name, metrics in summary["strategies"].items():
        series = returns[name]
        assert metrics["cagr"] == pytest.approx(qs.stats.cagr(series, periods=252), abs=1e-9)
        assert metrics["sharpe"] == pytest.approx(qs.stats.sharpe(series, periods=252), abs=1e-9)
        assert metrics["max_drawdown"] == pytest.approx(qs.stats.max_drawdown(series), abs=1e-9)
        assert metrics["sortino"] == pytest.approx(qs.stats.sortino(series, periods=252), abs=1e-9)
        assert metrics["volatility"] == pytest.approx(
            qs.stats.volatility(series, periods=252), abs=1e-9
        )


def test_summary_records_costs_lag_and_provenance(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    run = json.loads((out / "summary.json").read_text())["run"]
    assert run["costs"]["fees"] == pytest.approx(0.0005) and run["costs"][
        "slippage"
    ] == pytest.approx(0.0002)
    assert run["execution_lag"] == 1
    series = {item["series"]: item for item in run["data"]}
    assert {"spy", "ief", "cash", "dtb3"} <= set(series)
    assert series["spy"]["source"] == "pack" and series["spy"]["last_date"] == "2026-08-03"
    for strategy in ("spy_buy_and_hold", "sixty_forty"):
        metrics = json.loads((out / "summary.json").read_text())["strategies"][strategy]
        for metric in TableMetric:
            if metric is TableMetric.HEDGE_COST:
                assert metrics[metric.key] is None, strategy  # no hedge: null, shown as n/a
                continue
            assert np.isfinite(metrics[metric.key]), (strategy, metric.key)


def test_weights_rows_sum_to_one_with_cash(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    weights = pd.read_csv(out / "weights" / "sixty_forty.csv", index_col="date", parse_dates=True)
    assert list(weights.columns) == ["spy", "ief", "cash"]
    assert np.allclose(weights.sum(axis=1), 1.0)
    # monthly: about 12 executions a year over 26 years
    assert 300 < len(weights) < 330
    prices = pd.read_csv(out / "prices.csv", index_col="date", parse_dates=True)
    assert {"spy", "ief", "cash"} <= set(prices.columns)
    assert weights.index.isin(prices.index).all()


def test_sixty_forty_is_less_volatile_than_spy(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    strategies = json.loads((out / "summary.json").read_text())["strategies"]
    assert (
        strategies["sixty_forty"]["volatility"] < 0.7 * strategies["spy_buy_and_hold"]["volatility"]
    )
    assert (
        strategies["sixty_forty"]["max_drawdown"] > strategies["spy_buy_and_hold"]["max_drawdown"]
    )
    # SPY from 2000 to 2026 compounded at about 8% a year; a wildly different number means broken data.
    assert 0.06 < strategies["spy_buy_and_hold"]["cagr"] < 0.11


def test_config_resolved_records_the_run(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    config = tomllib.loads((out / "config.resolved.toml").read_text())
    assert config["name"] == "default"
    assert config["resolved"]["period"]["start"] == "2000-01-03"
    assert any(
        item["series"] == "ief" and item["proxy"] == "treasury_8y_proxy"
        for item in config["resolved"]["splices"]
    )


def test_pages_stay_offline(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    for page in ["index.html", "signals.html", "tearsheets/sixty_forty.html"]:
        text = (out / page).read_text()
        assert not any(
            marker in text for marker in ('src="http', "src='http", 'href="http', "href='http")
        ), page


def test_data_status_lists_every_catalog_series_from_the_pack(
    pack_path: Path, capsys, monkeypatch
) -> None:
    assert run_cli(["data", "import", str(pack_path)], capsys, monkeypatch).code == 0
    outcome = run_cli(["data", "status"], capsys, monkeypatch)
    assert outcome.code == 0
    catalog = load_catalog()
    for series_id, spec in catalog.items():
        assert series_id in outcome.stdout, series_id
        if spec.pack_file:
            line = next(line for line in outcome.stdout.splitlines() if f" {series_id} " in line)
            assert "pack:" in line, line


def test_signals_page_shows_every_signal(default_run: tuple[Path, str]) -> None:
    from macropatch.signals.registry import default_signals

    out, _ = default_run
    page = (out / "signals.html").read_text()
    for signal in default_signals():
        assert f'data-signal="{signal.output_name()}"' in page, signal.name
    # optional series never imported: "no data", and the run did not break
    assert "macropatch data import-series unprofitable_small_caps" in page


def test_evidence_measures_every_signal_driven_strategy_against_its_twin(
    default_run: tuple[Path, str],
) -> None:
    out, _ = default_run
    report = EvidenceReport.model_validate_json((out / "evidence.json").read_text())
    # long_volatility protects all of its equity by default, so vix_cheap has nothing to
    # scale and is not read; the benchmarks read no signal
    driven = {"real_assets", "avoid_fragility", "quality_over_growth"}
    assert driven | {"patched_portfolio"} == set(report.strategies)
    days = len(pd.read_csv(out / "returns.csv"))
    for name, evidence in report.strategies.items():
        assert evidence.twin.days == days, name
        assert set(evidence.contributions) == set(evidence.signals) and evidence.signals
        assert evidence.twin.tracking_error is not None and evidence.twin.tracking_error > 0
        assert "over the twin" in evidence.verdict
        # deflated over the strategies compared against their twins
        assert evidence.twin.trials == len(report.strategies) and evidence.twin.dsr is not None
        assert 0.0 <= evidence.twin.dsr <= (evidence.twin.psr or 0.0) + 1e-12


def test_evidence_studies_every_trigger_with_data_over_its_longest_history(
    default_run: tuple[Path, str],
) -> None:
    out, _ = default_run
    report = EvidenceReport.model_validate_json((out / "evidence.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    with_data = {record["signal"] for record in summary["signals"] if not record["missing"]}
    configured = {
        key for key, trigger in report.triggers.items() if trigger.reading == "as configured"
    }
    assert configured == with_data
    readings = {trigger.signal for trigger in report.triggers.values()} - with_data
    assert "unprofitable_small_caps" in readings  # the E/P counts reading has data
    # the definition a default replaced is studied beside it
    assert "valuation_gap: on trailing earnings (the default before 2026-11)" in report.triggers
    method = report.trigger_method
    assert method is not None and method.first_day == "1927-12-30"
    ten_year = report.triggers["ten_year_above"]
    assert ten_year.first_known is not None and ten_year.first_known < "1963-01-01"  # DGS10
    for name, trigger in report.triggers.items():
        assert trigger.line and trigger.finding, name
        assert (trigger.warning is not None) == (trigger.independent < method.minimum_episodes)
        horizons = {item.horizon_days for item in trigger.forward}
        assert horizons == set(method.horizons), name
        for item in trigger.forward:  # every episode counted had a whole window
            assert item.episodes <= len(trigger.episodes), name
    assert not report.triggers["term_premium_rising"].point_in_time  # ACM is re-estimated
    assert report.triggers["vix_stress"].point_in_time
    index = (out / "index.html").read_text()
    assert 'href="evidence.html"' in index
    page = (out / "evidence.html").read_text()
    for name in with_data:
        assert f'id="trigger-{name}"' in page, name
    assert "not point-in-time" in page
    calibration = report.calibration  # the option model against CBOE PPUT
    assert calibration is not None and calibration.start < "1990-02-01"
    assert calibration.monthly_correlation is not None and calibration.monthly_correlation >= 0.95
    assert abs((calibration.model_cagr or 0.0) - (calibration.index_cagr or 0.0)) <= 0.01
    assert len(calibration.drawdowns) == 4 and 'id="calibration"' in page


def test_evidence_alone_refuses_a_run_folder_and_writes_a_folder_of_its_own(
    default_run: tuple[Path, str],
    tmp_path: Path,
    pack_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, _ = default_run
    before = sorted(path.name for path in out.iterdir())
    refused = run_cli(
        ["evidence", "--pack", str(pack_path), "--out", str(out)], capsys, monkeypatch
    )
    assert refused.code == 2 and "is a macropatch run" in refused.stderr
    assert sorted(path.name for path in out.iterdir()) == before
    alone = tmp_path / "evidence"
    outcome = run_cli(
        ["evidence", "--pack", str(pack_path), "--out", str(alone)], capsys, monkeypatch
    )
    assert outcome.code == 0, outcome.stderr
    assert sorted(path.name for path in alone.iterdir()) == [
        "assets",
        "evidence.html",
        "evidence.json",
    ]
    assert (alone / "assets" / "plotly.min.js").is_file()  # the page's charts, offline
    assert "The triggers as predictors" in outcome.stdout


def _numbers_close(first: object, second: object) -> bool:
    """Two JSON documents equal, floats to 1e-9 relative (a run's files round-trip CSV)."""
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(
            _numbers_close(first[key], second[key]) for key in first
        )
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(map(_numbers_close, first, second))
    if isinstance(first, float) and isinstance(second, float):
        return first == pytest.approx(second, rel=1e-9, abs=1e-12, nan_ok=True)
    return first == second


def test_a_finished_runs_evidence_is_measured_again_from_its_files(
    default_run: tuple[Path, str],
    tmp_path: Path,
    pack_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``evidence RUN_DIR`` backtests the run's strategies again on its prices and signals
    (checked against returns.csv) and finds the evidence the run wrote; a run whose files
    disagree is refused in one line and left as it was."""
    run = tmp_path / "run"
    shutil.copytree(default_run[0], run)
    written = json.loads((run / "evidence.json").read_text())
    summary = (run / "summary.json").read_bytes()
    outcome = run_cli(["evidence", str(run), "--pack", str(pack_path)], capsys, monkeypatch)
    assert outcome.code == 0, outcome.stderr
    assert "The triggers as predictors" in outcome.stdout
    again = json.loads((run / "evidence.json").read_text())
    assert _numbers_close(again, written)
    assert (run / "summary.json").read_bytes() == summary
    returns = run / "returns.csv"
    lines = returns.read_text().splitlines()
    date, *values = lines[-1].split(",")
    lines[-1] = ",".join([date, str(float(values[0]) + 0.01), *values[1:]])
    returns.write_text("\n".join(lines) + "\n")
    before = tree_digest(run)
    for arguments, message in (
        (["evidence", str(run)], "differs from returns.csv"),
        (["evidence", str(run), "--out", str(tmp_path / "elsewhere")], "not both"),
    ):
        refused = run_cli([*arguments, "--pack", str(pack_path)], capsys, monkeypatch)
        assert refused.code == 2 and message in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
    assert tree_digest(run) == before


def test_weights_chosen_over_unknown_signals_are_marked_neutral_by_default(
    default_run: tuple[Path, str],
) -> None:
    out, _ = default_run
    summary = json.loads((out / "summary.json").read_text())
    weights = pd.read_csv(
        out / "weights" / "real_assets.csv", index_col="date", keep_default_na=False
    )
    marks = weights["neutral_by_default"]
    neutral = summary["strategies"]["real_assets"]["neutral_by_default"]
    assert neutral["of"] == len(weights)
    assert neutral["rebalances"] == int((marks != "").sum()) > 0
    # federal interest outlays end 2025Q1 in the pack: fiscal_stress unknown at the end
    assert "fiscal_stress" in marks.iloc[-1] and neutral["last"] == marks.index[-1]
    assert summary["strategies"]["spy_buy_and_hold"]["neutral_by_default"] is None
    assert "neutral_by_default" not in pd.read_csv(out / "weights" / "sixty_forty.csv").columns
    assert "Neutral by default" in (out / "index.html").read_text()


def test_every_run_reports_metrics_without_proxies(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    summary = json.loads((out / "summary.json").read_text())
    strategies = summary["strategies"]
    joined = {item["series"]: item["joined"] for item in summary["run"]["splices"]}
    # quality_over_growth holds QUAL, spliced with a factor proxy until 2013-07-18
    quality = strategies["quality_over_growth"]["without_proxies"]
    assert quality["start"] == joined["qual"] == "2013-07-18"
    assert quality["days"] < strategies["quality_over_growth"]["days"]
    assert quality["benchmark_cagr"] is not None
    assert strategies["spy_buy_and_hold"]["without_proxies"] is None  # SPY from 1993
    assert "Without proxies" in (out / "index.html").read_text()


def test_evidence_shows_what_the_default_hedge_bought(default_run: tuple[Path, str]) -> None:
    out, _ = default_run
    report = EvidenceReport.model_validate_json((out / "evidence.json").read_text())
    hedged = {item.strategy: item for item in report.hedges}
    assert set(hedged) == {"long_volatility", "patched_portfolio"}
    protection = hedged["long_volatility"]
    assert protection.benchmark == "spy_buy_and_hold" and protection.hedge_cost > 0.01
    # all of the equity protected: the worst drawdown at least 8 points shallower than SPY's
    assert protection.max_drawdown > protection.benchmark_max_drawdown + 0.08
    crashes = {crash.start: crash for crash in protection.crashes}
    assert crashes["2020-02-19"].strategy > crashes["2020-02-19"].benchmark + 0.10
    page = (out / "evidence.html").read_text()
    assert 'id="hedges"' in page and "What the hedges bought in this run" in page
