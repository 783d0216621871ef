"""summary.json: every strategy's numbers and the run's facts, NaN as null."""

from __future__ import annotations

import json
import math
from datetime import date
from enum import Enum
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from macropatch.backtests.engine.result import Result, ResultSet
from macropatch.backtests.metrics.performance import measure
from macropatch.reports.crises import DEFAULT_WINDOWS, annual_returns, correlations, stress_windows
from macropatch.reports.documents import RunSummary
from macropatch.reports.summary import build_summary, to_json_value, without_proxies, write_summary

RUN_KEYS = (
    "experiment",
    "macropatch_version",
    "period",
    "costs",
    "execution_lag",
    "benchmark",
    "data",
)


def summarise(results: ResultSet, **kwargs: object) -> dict:
    """The summary's JSON content, as summary.json holds it."""
    return build_summary(results, **kwargs).model_dump(mode="json", by_alias=True)  # type: ignore[arg-type]


PERFORMANCE_KEYS = {
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "turnover",
    "worst_month",
    "total_return",
    "start",
    "end",
    "days",
    "hedge_cost",
}


class Side(Enum):
    LONG = "long"


def make_result(
    name: str, returns: np.ndarray, *, start: str = "2021-01-04", **parameters: object
) -> Result:
    index = pd.bdate_range(start, periods=len(returns))
    series = pd.Series(returns, index=index, name=name, dtype=float)
    value = (1.0 + series).cumprod()
    turnover = pd.Series(0.0, index=index)
    turnover.iloc[::21] = 0.1
    weights = pd.DataFrame({"spy": 0.6, "cash": 0.4}, index=index[::21])
    trades = pd.DataFrame(columns=["date", "asset", "side", "quantity", "price", "value", "fees"])
    return Result(
        name=name,
        returns=series,
        value=value,
        weights=weights,
        trades=trades,
        turnover=turnover,
        parameters=parameters,
        config_hash=f"cfg-{name}",
        data_hash="data-0123456789abcdef",
    )


def run_info() -> dict[str, object]:
    return {
        "experiment": "default",
        "macropatch_version": "0.1.0",
        "period": ("2021-01-04", date(2023, 11, 24)),
        "costs": {"fees": 0.0005, "slippage": 0.0002},
        "execution_lag": 1,
        "benchmark": "sixty_forty",
        "data": [
            {
                "series": "spy",
                "source": "pack",
                "location": "/data/spy.csv",
                "last_date": date(2023, 11, 24),
                "content_hash": "abc123",
            }
        ],
    }


@pytest.fixture
def results() -> ResultSet:
    rng = np.random.default_rng(3)
    strategy = rng.normal(0.0004, 0.01, 756)
    strategy[0] = 0.0
    benchmark = rng.normal(0.0003, 0.008, 756)
    benchmark[0] = 0.0
    flat = np.zeros(756)  # no volatility, no drawdown: NaN ratios
    return ResultSet(
        (
            make_result(
                "long_real_assets", strategy, threshold=5.0, side=Side.LONG, assets=("gld", "xle")
            ),
            make_result("sixty_forty", benchmark),
            make_result("all_cash", flat),
        )
    )


def test_structure(results: ResultSet) -> None:
    summary = summarise(results, run_info=run_info())
    assert set(summary) == {"schema", "run", "strategies", "correlation", "signals"}
    assert summary["schema"] == "macropatch.run/1"
    assert summary["signals"] == []
    assert list(summary["strategies"]) == results.names
    extra = {
        "parameters",
        "config_hash",
        "data_hash",
        "stress_windows",
        "annual_returns",
        "neutral_by_default",
        "without_proxies",
        "signals",
    }
    for entry in summary["strategies"].values():
        assert PERFORMANCE_KEYS | extra == set(entry)
        assert list(entry["stress_windows"]) == [window.name for window in DEFAULT_WINDOWS]
        for numbers in entry["stress_windows"].values():
            assert set(numbers) == {"return", "max_drawdown", "start", "end"}
        assert list(entry["annual_returns"]) == ["2021", "2022", "2023"]
    assert list(summary["correlation"]) == results.names
    for row in summary["correlation"].values():
        assert list(row) == results.names
    run = summary["run"]
    assert set(RUN_KEYS) <= set(run)
    assert run["period"] == {"start": "2021-01-04", "end": "2023-11-24", "days": None}
    info = {**run_info(), "period": {"start": "2021-01-04", "end": "2023-11-24", "days": 756}}
    assert summarise(results, run_info=info)["run"]["period"]["days"] == 756
    assert run["data"][0]["last_date"] == "2023-11-24"
    assert summary["strategies"]["long_real_assets"]["parameters"] == {
        "threshold": 5.0,
        "side": "long",
        "assets": ["gld", "xle"],
    }


def test_numbers_are_measure(results: ResultSet) -> None:
    summary = summarise(results, run_info=run_info())
    result = results["long_real_assets"]
    expected = measure(result.returns, turnover=result.turnover).to_dict()
    entry = summary["strategies"]["long_real_assets"]
    assert {key: entry[key] for key in PERFORMANCE_KEYS} == expected


def test_crisis_years_and_correlation_are_those_of_crises(results: ResultSet) -> None:
    summary = summarise(results, run_info=run_info())
    returns = results["long_real_assets"].returns
    entry = summary["strategies"]["long_real_assets"]
    assert entry["stress_windows"] == stress_windows(returns)
    shock = entry["stress_windows"]["2022 rate shock"]
    assert shock["return"] is not None and shock["max_drawdown"] <= 0
    assert entry["stress_windows"]["2020 Covid crash"] == {
        "return": None,
        "max_drawdown": None,
        "start": "2020-02-19",
        "end": "2020-03-23",
    }
    assert entry["annual_returns"] == annual_returns(returns)
    assert summary["correlation"] == correlations(results)
    assert summary["correlation"]["sixty_forty"]["sixty_forty"] == pytest.approx(1.0)
    assert summary["correlation"]["all_cash"]["sixty_forty"] is None


def test_json_round_trip_with_nan_as_null(results: ResultSet, tmp_path: Path) -> None:
    document = build_summary(results, run_info=run_info())
    summary = document.model_dump(mode="json", by_alias=True)
    path = write_summary(document, tmp_path / "out" / "summary.json")
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    loaded = json.loads(text)
    assert loaded == summary
    assert RunSummary.model_validate_json(text) == document  # read back, the same document
    flat = loaded["strategies"]["all_cash"]
    assert flat["sharpe"] is None and flat["sortino"] is None and flat["calmar"] is None
    assert flat["max_drawdown"] == 0.0
    assert isinstance(loaded["strategies"]["sixty_forty"]["sharpe"], float)
    assert list(tmp_path.joinpath("out").iterdir()) == [path]  # no temporary file left


def test_write_summary_turns_raw_nan_into_null(tmp_path: Path) -> None:
    summary = {"run": {"x": math.nan, "y": np.float64(np.inf)}, "strategies": {"a": {"v": 1.5}}}
    loaded = json.loads(write_summary(summary, tmp_path / "s.json").read_text())
    assert loaded == {"run": {"x": None, "y": None}, "strategies": {"a": {"v": 1.5}}}


def test_missing_run_facts_are_named(results: ResultSet) -> None:
    info = run_info()
    del info["costs"], info["benchmark"]
    with pytest.raises(
        ValueError, match=r"(?s)costs\n  Field required.*benchmark\n  Field required"
    ):
        build_summary(results, run_info=info)
    info = run_info()
    info["data"] = [{"series": "spy"}]
    with pytest.raises(ValueError, match=r"data\.0\.source\n  Field required"):
        build_summary(results, run_info=info)


def test_to_json_value() -> None:
    assert to_json_value(pd.Timestamp("2020-01-02")) == "2020-01-02"
    assert to_json_value(pd.Timestamp("2020-01-02 15:30")) == "2020-01-02T15:30:00"
    assert to_json_value(np.int64(3)) == 3 and isinstance(to_json_value(np.int64(3)), int)
    assert to_json_value({1: {2, 1}}) == {"1": [1, 2]}
    assert to_json_value(Path("a") / "b") == "a/b"
    with pytest.raises(TypeError, match="object"):
        to_json_value(object())


def test_metrics_without_proxies_start_on_the_first_day_with_real_prices() -> None:
    days = pd.bdate_range("2020-01-01", periods=300)
    returns = pd.Series(0.001, index=days)
    benchmark = pd.Series(0.0005, index=days)
    found = without_proxies(returns, days[100], benchmark=benchmark)
    assert found is not None and found["start"] == str(days[100].date())
    assert found["days"] == 200
    assert found["cagr"] > found["benchmark_cagr"] > 0
    assert without_proxies(returns, days[0]) is None  # the whole run has real prices
    assert without_proxies(returns, None) is None
