"""index.html opens with the verdict, draws weights with the strategy's own signals, and
escapes every name it embeds in a chart."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from macropatch.backtests.engine.result import ResultSet
from macropatch.backtests.evidence.document import ActiveSummary, EvidenceReport, StrategyEvidence
from macropatch.reports.comparison import rank_strategies, write_comparison
from macropatch.reports.summary import build_summary
from macropatch.signals.base import SignalResult
from tests.reports.test_comparison import make_result
from tests.reports.test_signals_page import LevelAbove, plotly_figures


def _results() -> ResultSet:
    rng = np.random.default_rng(3)
    made = []
    for name, drift in (("steady", 0.0006), ("laggard", -0.0002), ("bench", 0.0003)):
        values = rng.normal(drift, 0.01, 700)
        values[0] = 0.0
        made.append(make_result(name, values, threshold=5.0))
    steady = dataclasses.replace(made[0], signals=("level_above",))
    return ResultSet((steady, made[1], made[2]))


def _run_info(objective: str = "sharpe") -> dict[str, object]:
    return {
        "experiment": "x",
        "macropatch_version": "0.1.0",
        "period": {"start": "2021-01-04", "end": "2023-09-08"},
        "costs": {"fees": 0.0005, "slippage": 0.0002},
        "execution_lag": 1,
        "benchmark": "bench",
        "objective": objective,
        "data": [],
    }


def _evidence(verdict: str) -> EvidenceReport:
    active = ActiveSummary.model_validate(
        {"annual_return": 0.01, "tracking_error": 0.02, "information_ratio": 0.5,
         "t_statistic": 1.1, "psr": 0.8, "days": 700}
    )  # fmt: skip
    return EvidenceReport(
        as_of="2023-09-08",
        strategies={
            "steady": StrategyEvidence(
                signals=["level_above"], twin=active, contributions={}, verdict=verdict
            )
        },
    )


@pytest.mark.parametrize("objective", ["sharpe", "cagr", "max_drawdown"])
def test_the_verdict_ranks_by_the_objective_and_says_beat_or_trailed(objective: str) -> None:
    results = _results()
    summary = build_summary(results, run_info=_run_info(objective))
    standings = rank_strategies(summary, _evidence("its signals add 1.00%/yr over the twin"))
    scores = [summary.strategies[item.name].metric(objective) for item in standings]
    assert scores == sorted(scores, reverse=True)  # higher is better for every objective
    by_name = {item.name: item for item in standings}
    bench = summary.strategies["bench"].metric(objective)
    for name in ("steady", "laggard"):
        mine = summary.strategies[name].metric(objective)
        assert by_name[name].beat is (mine > bench)
        verb = "Beat" if mine > bench else "Trailed"
        assert by_name[name].against_benchmark.startswith(f"{verb} bench on ")
    assert by_name["bench"].against_benchmark == "The benchmark." and by_name["bench"].beat is None
    assert by_name["steady"].against_twin == (
        "Against its neutral twin (its signals held quiet): its signals add 1.00%/yr over the twin."
    )
    assert by_name["laggard"].against_twin == "Reads no signal, so it has no neutral twin."
    # without evidence, no line against a twin is made up
    assert all(item.against_twin is None for item in rank_strategies(summary, None))


def test_index_opens_with_the_verdict_and_draws_weights_with_the_strategys_signals(
    tmp_path: Path,
) -> None:
    results = _results()
    summary = build_summary(results, run_info=_run_info())
    index = results.returns().index
    fired = pd.Series(pd.array([False] * 300 + [True] * 100 + [None] * 300, dtype="boolean"))
    fired.index = index
    signal = SignalResult(
        name="level_above[threshold=0.05]",
        signal=LevelAbove(threshold=0.05),
        value=pd.Series(np.linspace(0, 0.1, len(index)), index=index),
        fired=fired,
        threshold=0.05,
        last_data=pd.Series(index, index=index),
    )
    weights = {
        name: pd.DataFrame({"spy": [0.6, 0.7], "cash": [0.4, 0.3]}, index=index[[0, 400]])
        for name in results.names
    }
    page = write_comparison(
        results.returns(),
        summary=summary,
        path=tmp_path / "index.html",
        tearsheet_links={},
        weights=weights,
        signals=[signal],
        evidence=_evidence("its signals add 1.00%/yr over the twin"),
    ).read_text(encoding="utf-8")
    body = page[page.index("<main>") :]
    assert body.index('id="verdict"') < body.index('id="growth"') < body.index('id="metrics"')
    ranked = re.findall(r'<li data-strategy="([^"]+)"', body)
    assert sorted(ranked) == sorted(results.names)
    figures = {
        identifier: figure
        for identifier, figure in zip(
            re.findall(r'<div class="plot" id="([^"]+)"', page), plotly_figures(page), strict=True
        )
    }
    assert set(figures) >= {"weights-steady", "weights-laggard", "weights-bench"}
    data, _ = figures["weights-steady"]
    strip = [trace for trace in data if trace["type"] == "heatmap"]
    assert [trace["y"] for trace in strip] == [["level_above"]]
    states = set(strip[0]["customdata"][0])
    assert states == {"fired", "quiet", "unknown"}
    # a strategy that reads no signal has no strip
    assert [trace["type"] for trace in figures["weights-laggard"][0]] == ["scatter", "scatter"]
    # weights are held to the run's last day
    last = figures["weights-bench"][0][0]["x"][-1]
    assert last == summary.run.period.end
    assert 'href="signals.html#signal-level_above"' in page


def test_names_inside_charts_cannot_close_the_script(tmp_path: Path) -> None:
    results = _results()
    hostile = "</script><script>alert(1)</script>"
    renamed = ResultSet(
        tuple(
            dataclasses.replace(result, name=hostile, returns=result.returns.rename(hostile))
            if result.name == "laggard"
            else result
            for result in results
        )
    )
    summary = build_summary(renamed, run_info=_run_info())
    page = write_comparison(
        renamed.returns(), summary=summary, path=tmp_path / "i.html", tearsheet_links={}
    ).read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert page.count("</script>") == page.count("<script")
    assert any(
        hostile in str(trace.get("name")) for data, _ in plotly_figures(page) for trace in data
    )
