"""Data-quality checks: each check on hand-made series, the limits, the real pack, the refusal."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.panel import build_price_panel
from macropatch.marketdata.quality import (
    Check,
    Move,
    Severity,
    check_gaps,
    check_non_positive,
    check_series,
    check_spikes,
    check_stale,
    limits_for,
    summarise,
)
from macropatch.marketdata.series import Provenance, SeriesData
from macropatch.marketdata.sources import DataSources, DirtyDataError
from tests.conftest import cheap_experiment
from tests.macropatch.cli_helpers import partial_pack, run_cli

CATALOG = load_catalog()


def series(series_id: str, values: list[float], dates: list[str] | None = None) -> SeriesData:
    index = (
        pd.DatetimeIndex(dates, name="date")
        if dates is not None
        else pd.bdate_range("2024-01-02", periods=len(values), name="date")
    )
    return SeriesData(
        spec=CATALOG[series_id],
        values=pd.Series(values, index=index, name=series_id, dtype=float),
        provenance=Provenance(
            source="pack", location=f"{series_id}.csv", fetched_at="2024-01-01", content_hash="x"
        ),
    )


def kinds(findings) -> list[tuple[str, str, str]]:
    return [(f.check.value, f.severity.value, str(f.date.date())) for f in findings]


# ------------------------------------------------------------------ limits


def test_limits_follow_kind_frequency_and_units() -> None:
    spy, vix, wti, dgs10 = (limits_for(CATALOG[sid]) for sid in ("spy", "vix", "wti", "dgs10"))
    assert (spy.move, spy.spike_warning, spy.spike_hard) == (Move.RELATIVE, 0.25, 0.5)
    assert (spy.gap_warning_days, spy.gap_hard_days, spy.non_positive) == (7, 30, Severity.HARD)
    assert (vix.spike_warning, vix.spike_hard) == (1.0, 3.0)  # the VIX doubled on 2018-02-05
    assert (wti.non_positive, wti.spike_warning, wti.spike_hard) == (Severity.WARNING, 0.4, 4.0)
    assert (dgs10.move, dgs10.spike_warning, dgs10.non_positive) == (Move.LEVEL, 0.015, None)
    assert limits_for(CATALOG["gold"]).spike_hard == 1.0  # monthly prices move more
    assert limits_for(CATALOG["unrate"]).move is Move.LEVEL  # percent: a change in level
    assert limits_for(CATALOG["cpi"]).move is Move.GROWTH
    assert limits_for(CATALOG["usrec"]).move is None  # an indicator jumps from 0 to 1
    assert limits_for(CATALOG["ff5_mkt_rf"]).move is Move.VALUE
    quarterly = limits_for(CATALOG["card_delinquency"])
    assert (quarterly.gap_warning_days, quarterly.gap_hard_days) == (135, 300)
    assert limits_for(CATALOG["vixy"]).spike_hard == 1.5  # catalog override


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("quality = { spike_warn = 0.3 }", "unknown key 'spike_warn'"),
        ("quality = { spike_hard = 'big' }", "spike_hard: input should be a valid number"),
        ("quality = { gap_hard_days = 2.5 }", "gap_hard_days: input should be a valid integer"),
        ("quality = { spike_warning = 0.9, spike_hard = 0.5 }", "spike_warning is above"),
        (
            "quality = { allow_non_positive = 1 }",
            "allow_non_positive: input should be a valid boolean",
        ),
        ("quality = { spike_hard = -1.0 }", "greater than 0"),
    ],
)
def test_catalog_overrides_are_checked(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(
        f'[series.x]\nname = "X"\nkind = "price"\nfrequency = "daily"\nunits = "usd"\n'
        f'yfinance = "X"\n{table}\n'
    )
    with pytest.raises(UserError, match=message):
        load_catalog(path)


# ------------------------------------------------------------------ each check


def test_gaps_by_length() -> None:
    limits = limits_for(CATALOG["spy"])
    dates = ["2024-01-02", "2024-01-09", "2024-01-20", "2024-03-01", "2024-03-04"]
    data = series("spy", [1.0] * 5, dates)
    assert kinds(check_gaps("spy", data.values, limits)) == [
        ("gap", "warning", "2024-01-09"),  # 11 days
        ("gap", "hard", "2024-01-20"),  # 41 days
    ]  # 7 days (01-02 to 01-09) is allowed: the week of September 11, 2001


def test_known_market_closures_do_not_count() -> None:
    limits = limits_for(CATALOG["sp500"])
    closed = series("sp500", [6.8, 6.9], ["1933-03-03", "1933-03-15"])  # the bank holiday
    assert check_gaps("sp500", closed.values, limits) == []
    open_market = series("sp500", [6.8, 6.9], ["1934-03-03", "1934-03-15"])
    assert kinds(check_gaps("sp500", open_market.values, limits)) == [
        ("gap", "warning", "1934-03-03")
    ]


def test_monthly_gap_limits() -> None:
    limits = limits_for(CATALOG["cpi"])
    dates = ["2025-08-01", "2025-09-01", "2025-11-01", "2026-03-01"]
    findings = check_gaps("cpi", series("cpi", [1.0] * 4, dates).values, limits)
    assert kinds(findings) == [("gap", "warning", "2025-09-01"), ("gap", "hard", "2025-11-01")]
    assert "61 days" in findings[0].detail


def test_price_spikes_are_relative() -> None:
    limits = limits_for(CATALOG["spy"])
    values = series("spy", [100, 130, 130, 60, 100, 101, 101 * 1.6]).values
    findings = check_spikes("spy", values, limits)
    assert [(f.severity.value, str(f.date.date())) for f in findings] == [
        ("warning", "2024-01-03"),  # +30%
        ("hard", "2024-01-05"),  # -53.8%
        ("hard", "2024-01-08"),  # +66.7%
        ("hard", "2024-01-10"),  # +60%
    ]
    assert findings[0].detail.startswith("+30.0% in one observation (100 to 130)")


def test_a_spike_that_reverts_is_called_a_bad_print() -> None:
    values = series("cper", [19.52, 13.05, 19.56, 19.5]).values
    first, second = check_spikes("cper", values, limits_for(CATALOG["cper"]))
    assert "bad print" in first.detail and "bad print" not in second.detail
    assert (first.severity, second.severity) == (Severity.WARNING, Severity.WARNING)


def test_rate_spikes_are_changes_in_level() -> None:
    limits = limits_for(CATALOG["dgs10"])
    values = series("dgs10", [0.04, 0.041, 0.061, 0.061, 0.12, -0.001]).values
    assert kinds(check_spikes("dgs10", values, limits)) == [
        ("spike", "warning", "2024-01-04"),  # +2 points
        ("spike", "hard", "2024-01-08"),  # +5.9 points
        ("spike", "hard", "2024-01-09"),  # -12.1 points
    ]
    assert check_non_positive("dgs10", values, limits) == []  # rates may be negative


def test_returns_are_checked_by_size_and_indicators_not_at_all() -> None:
    returns = series("ff5_mkt_rf", [0.01, -0.2, 0.6]).values
    assert kinds(check_spikes("ff5_mkt_rf", returns, limits_for(CATALOG["ff5_mkt_rf"]))) == [
        ("spike", "warning", "2024-01-03"),
        ("spike", "hard", "2024-01-04"),
    ]
    recession = series("usrec", [0.0, 1.0, 0.0], ["2020-01-01", "2020-02-01", "2020-03-01"])
    assert check_series(recession) == []


def test_statistics_grow_between_positive_values_only() -> None:
    dates = ["2023-01-01", "2023-04-01", "2023-07-01", "2023-10-01", "2024-01-01"]
    flows = series("central_bank_gold", [100.0, -20.0, 30.0, 70.0, 900.0], dates)
    limits = limits_for(CATALOG["central_bank_gold"])
    assert kinds(check_spikes("central_bank_gold", flows.values, limits)) == [
        ("spike", "warning", "2023-10-01"),  # +133%; net selling in between is not a move
        ("spike", "hard", "2024-01-01"),  # +1186%
    ]
    assert check_non_positive("central_bank_gold", flows.values, limits) == []


def test_non_positive_prices() -> None:
    values = series("spy", [10.0, 0.0, -1.0, 10.0]).values
    (finding,) = check_non_positive("spy", values, limits_for(CATALOG["spy"]))
    assert (finding.check, finding.severity, str(finding.date.date())) == (
        Check.NON_POSITIVE,
        Severity.HARD,
        "2024-01-03",
    )
    assert finding.detail == "2 values at or below zero, the first 0"
    (allowed,) = check_non_positive("wti", values, limits_for(CATALOG["wti"]))
    assert allowed.severity is Severity.WARNING  # the catalog allows WTI's -$37


def test_stale_against_the_reference_day() -> None:
    data = series("unrate", [0.04, 0.041], ["2026-01-01", "2026-02-01"])
    # February's value is knowable on 2026-02-28 + 10 days; stale 45 days later.
    assert check_stale(data, dt.date(2026, 4, 24)) == []
    (finding,) = check_stale(data, dt.date(2026, 4, 25))
    assert (finding.check, finding.severity) == (Check.STALE, Severity.WARNING)
    assert "knowable 2026-03-10" in finding.detail
    assert check_series(data) == []  # no reference day, no staleness
    assert kinds(check_series(data, as_of=dt.date(2026, 11, 1))) == [
        ("stale", "warning", "2026-02-01")
    ]


def test_summary_counts() -> None:
    findings = check_series(series("spy", [10.0, -1.0, 10.0, 13.0]))
    assert summarise(findings) == "3 hard findings, 1 warning (non_positive 1, spike 3)"
    assert summarise([]) == "0 hard findings, 0 warnings"


# ------------------------------------------------------------------ runs refuse dirty data


def dirty_pack(pack_path: Path, target: Path) -> Path:
    """The pack with one bad print in IEF (x1.8 on 2019-06-03) and in the Russell 2000."""
    replace = {}
    for relative, day, factor in (
        ("etf/ief_adjclose_daily.csv", "2019-06-03", 1.8),
        ("prices/russell2000_index_daily.csv", "2010-06-01", 0.3),
    ):
        lines = (pack_path / relative).read_text().splitlines()
        for number, line in enumerate(lines):
            if line.startswith(day):
                date, value, *rest = line.split(",")
                lines[number] = ",".join([date, str(float(value) * factor), *rest])
        replace[relative] = "\n".join(lines) + "\n"
    return partial_pack(pack_path, target, replace=replace)


pack_tests = pytest.mark.pack


@pack_tests
def test_sources_refuse_a_dirty_series_or_record_it(pack_path: Path, tmp_path: Path) -> None:
    pack = Pack(dirty_pack(pack_path, tmp_path / "pack"))
    with pytest.raises(DirtyDataError) as refused:
        DataSources(catalog=CATALOG, pack=pack).load("ief")
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(
        "series 'ief' (pack etf/ief_adjclose_daily.csv) fails the spike check on 2019-06-03 (+80.9%"
    )
    assert "--allow-dirty" in message and "import it again" in message
    allowing = DataSources(catalog=CATALOG, pack=pack, allow_dirty=True)
    assert allowing.load("ief").values.loc["2019-06-03"] > 150
    (note,) = allowing.dirty_notes()
    assert note.startswith("dirty data used (--allow-dirty): ief (pack etf/ief_adjclose_daily.csv)")


@pack_tests
def test_a_dirty_proxy_is_refused_not_skipped(pack_path: Path, tmp_path: Path) -> None:
    pack = Pack(dirty_pack(pack_path, tmp_path / "pack"))
    sources = DataSources(catalog=CATALOG, pack=pack)
    with pytest.raises(DirtyDataError, match="series 'russell2000'"):
        build_price_panel(sources, ["iwm"], start=pd.Timestamp("2019-01-02"))
    assert sources.notes == []


CHEAP_SWEEP = """
[sweep]
strategy = "sixty_forty"

[sweep.parameters]
"strategy.equity_weight" = [0.5, 0.6]
"""


@pack_tests
def test_run_stress_and_sweep_refuse_dirty_data_and_run_allows_it(
    pack_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pack = dirty_pack(pack_path, tmp_path / "pack")
    experiment = tmp_path / "cheap.toml"
    cheap_experiment(experiment, CHEAP_SWEEP)
    common = ["--experiment", str(experiment), "--pack", str(pack)]
    period = ["--start", "2019-01-02", "--end", "2020-12-31"]
    for command in (
        ["run", *common, *period, "--out", str(tmp_path / "run")],
        ["stress", *common, "--out", str(tmp_path / "stress")],
        ["sweep", *common, "--out", str(tmp_path / "sweep"), "--executor", "inline"],
    ):
        refused = run_cli(command, capsys, monkeypatch)
        assert refused.code == 2, refused.stderr
        (line,) = refused.stderr.splitlines()
        assert line.startswith("error: series 'ief' (pack etf/ief_adjclose_daily.csv) fails the")
        assert "spike check on 2019-06-03" in line and "--allow-dirty" in line
    assert not (tmp_path / "run").exists() and not (tmp_path / "sweep").exists()

    out = tmp_path / "run"
    allowed = run_cli(
        ["run", *common, *period, "--out", str(out), "--allow-dirty"], capsys, monkeypatch
    )
    assert allowed.code == 0, allowed.stderr
    notes = json.loads((out / "summary.json").read_text())["run"]["notes"]
    dirty = [note for note in notes if note.startswith("dirty data used (--allow-dirty): ")]
    assert len(dirty) == 1 and "ief (pack etf/ief_adjclose_daily.csv)" in dirty[0]
    assert "spike on 2019-06-03" in dirty[0]


# ------------------------------------------------------------------ the real pack


#: What the checks say about the real pack, besides staleness. Spikes: CPER's two bad prints
#: (a day at two thirds of the price, back the next day), the VIX's 2018-02-05, April 2020 in
#: oil (WTI below zero; spot assessed at $14.10 on 2020-03-30), oil funds and gold miners on their
#: wildest days, 1932's rally in monthly averages, 2009's rebound of reported earnings, the
#: Volcker fed funds of May 1980, April 2020's unemployment and the 1987 crash. Gaps: the
#: October 2025 statistics never published (the government shutdown).
PACK_WARNINGS = {
    ("gdx", "spike", "2008-11-21"),
    ("cper", "spike", "2014-12-04"),
    ("cper", "spike", "2014-12-05"),
    ("cper", "spike", "2015-02-02"),
    ("cper", "spike", "2015-02-03"),
    ("uso", "spike", "2020-03-09"),
    ("uso", "spike", "2020-04-21"),
    ("vix", "spike", "2018-02-05"),
    ("shiller_price", "spike", "1932-08-01"),
    ("shiller_earnings", "spike", "2009-10-01"),
    # July formations of the 1950s, when a handful of firms had losses (2 in 1952, 9 in 1953)
    ("listed_loss_firms", "spike", "1953-07-01"),
    ("listed_loss_firms", "spike", "1955-07-01"),
    # 5 February 2018, the short-volatility unwind: the 9-day index tripled in a day
    ("vix9d", "spike", "2018-02-05"),
    ("sp500_monthly", "spike", "1932-08-01"),
    ("sp500_earnings_monthly", "spike", "2009-10-01"),
    ("wti", "non_positive", "2020-04-20"),
    ("wti", "spike", "2020-03-31"),
    ("wti", "spike", "2020-04-20"),
    ("wti", "spike", "2020-04-21"),
    ("wti", "spike", "2020-04-22"),
    ("brent", "spike", "2020-04-21"),
    ("brent", "spike", "2020-04-22"),
    ("fedfunds", "spike", "1980-05-01"),
    ("unrate", "spike", "2020-04-01"),
    ("ff5_mkt_rf", "spike", "1987-10-19"),
    ("unrate", "gap", "2025-09-01"),
    ("sahm_realtime", "gap", "2025-09-01"),
    ("cpi", "gap", "2025-09-01"),
}


@pack_tests
def test_the_real_pack_has_no_hard_finding(pack_path: Path) -> None:
    pack = Pack(pack_path)
    findings = [
        finding
        for spec in CATALOG.values()
        if spec.pack_file is not None and pack.has(spec)
        for finding in check_series(pack.read(spec), as_of=dt.date(2026, 6, 30))
    ]
    assert [f for f in findings if f.severity is Severity.HARD] == []
    warnings = {
        (f.series_id, f.check.value, str(f.date.date()))
        for f in findings
        if f.check is not Check.STALE
    }
    assert warnings == PACK_WARNINGS


@pack_tests
def test_data_check_command(
    pack_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clean = run_cli(["data", "check", "wti", "spy", "--pack", str(pack_path)], capsys, monkeypatch)
    assert clean.code == 0, clean.stderr
    assert "2 series checked: 0 hard findings" in clean.stdout
    assert "non_positive" in clean.stdout and clean.stdout.count(" pack ") >= 5

    user_file = tmp_path / "unprofitable.csv"
    user_file.write_text("date,value\n2023-01-01,0.40\n2023-04-01,0.72\n2023-07-01,0.62\n")
    imported = run_cli(
        ["data", "import-series", "unprofitable_small_caps", str(user_file)], capsys, monkeypatch
    )
    assert imported.code == 0, imported.stderr
    assert "hard: unprofitable_small_caps: spike on 2023-04-01" in imported.stdout
    assert "Data quality: 1 hard finding, 2 warnings (spike 2, stale 1); runs refuse" in (
        imported.stdout
    )

    dirty = run_cli(["data", "check", "--asof", "2023-08-01"], capsys, monkeypatch)
    assert dirty.code == 2
    (line,) = dirty.stderr.splitlines()
    assert line == (
        "error: 1 hard finding in 1 series (unprofitable_small_caps); the first: "
        "unprofitable_small_caps (store) spike on 2023-04-01 (+32.00 points in one observation "
        "(0.4 to 0.72)); runs refuse these series without --allow-dirty"
    )
    assert "1 series checked: 1 hard finding, 1 warning (spike 2)" in dirty.stdout


def test_a_move_from_zero_is_said_without_a_percentage_or_a_warning() -> None:
    """A zero price printed a RuntimeWarning on stderr and '+inf%'."""
    import warnings

    data = series("spy", [10.0, 0.0, 10.0, 10.1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        findings = check_spikes("spy", data.values, limits_for(CATALOG["spy"]))
    details = [finding.detail for finding in findings]
    assert any(detail.startswith("from 0 to 10 in one observation") for detail in details)
    assert not any("inf" in detail for detail in details), details
