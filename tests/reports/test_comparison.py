"""index.html: one row per strategy, the numbers of summary.json, nothing fetched."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from macropatch.backtests.engine.result import Result, ResultSet
from macropatch.reports.comparison import write_comparison
from macropatch.reports.documents import WindowOutcome
from macropatch.reports.html import (
    TableMetric,
    ValueKind,
    external_links,
    format_metric,
    format_value,
)
from macropatch.reports.signals_page import write_signals_page
from macropatch.reports.summary import build_summary, write_summary

EXTERNAL_URL = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def make_result(name: str, returns: np.ndarray, **parameters: object) -> Result:
    index = pd.bdate_range("2021-01-04", periods=len(returns))
    series = pd.Series(returns, index=index, name=name, dtype=float)
    turnover = pd.Series(0.0, index=index)
    turnover.iloc[::21] = 0.2
    return Result(
        name=name,
        returns=series,
        value=(1.0 + series).cumprod(),
        weights=pd.DataFrame({"spy": 1.0}, index=index[::21]),
        trades=pd.DataFrame(
            columns=["date", "asset", "side", "quantity", "price", "value", "fees"]
        ),
        turnover=turnover,
        parameters=parameters,
        config_hash=f"cfg-{name}",
        data_hash="data-0123",
    )


@pytest.fixture
def results() -> ResultSet:
    rng = np.random.default_rng(11)
    drifts = {"long_real_assets": 0.0005, "avoid_fragility": 0.0002, "long_volatility": -0.0003}
    made = []
    for name, drift in drifts.items():
        values = rng.normal(drift, 0.011, 800)
        values[0] = 0.0
        made.append(make_result(name, values, threshold=5.0, window=20))
    benchmark = rng.normal(0.0004, 0.009, 800)
    benchmark[0] = 0.0
    made.append(make_result("sixty_forty", benchmark))
    made.append(make_result("all_cash", np.zeros(800)))  # n/a ratios
    return ResultSet(tuple(made))


@pytest.fixture
def run_info() -> dict[str, object]:
    return {
        "experiment": "default",
        "macropatch_version": "0.1.0",
        "period": {"start": "2021-01-04", "end": "2024-01-26"},
        "costs": {"fees": 0.0005, "slippage": 0.0002},
        "execution_lag": 1,
        "benchmark": "sixty_forty",
        "data": [
            {
                "series": "dgs10",
                "source": "fred",
                "location": "https://fred.stlouisfed.org/series/DGS10",
                "last_date": date(2024, 1, 26),
                "content_hash": "f" * 64,
            }
        ],
    }


class MetricsTable(HTMLParser):
    """Cells of ``table#<table_id>``: strategy -> cell key -> text.

    The cell key is the ``data-metric`` attribute in the metrics table and
    ``data-column`` in the crisis, annual-returns and correlation tables.
    """

    def __init__(self, table_id: str = "metrics", attribute: str = "data-metric") -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.order: list[str] = []
        self._table_id = table_id
        self._attribute = attribute
        self._inside = False
        self._strategy: str | None = None
        self._metric: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id") == self._table_id:
            self._inside = True
        elif self._inside and tag == "tr" and attributes.get("data-strategy"):
            self._strategy = attributes["data-strategy"]
            self.order.append(self._strategy or "")
            self.rows[self._strategy or ""] = {}
        elif self._strategy and tag == "td" and attributes.get(self._attribute):
            self._metric = attributes[self._attribute]
            self.rows[self._strategy][self._metric or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._inside = False
        elif tag == "td":
            self._metric = None
        elif tag == "tr":
            self._strategy = None

    def handle_data(self, data: str) -> None:
        if self._strategy and self._metric:
            self.rows[self._strategy][self._metric] += data


def _write(results: ResultSet, run_info: dict[str, object], folder: Path) -> tuple[str, dict]:
    summary = build_summary(results, run_info=run_info)
    write_summary(summary, folder / "summary.json")
    links = {name: f"tearsheets/{name}.html" for name in results.names if name != "all_cash"}
    path = write_comparison(
        results.returns(), summary=summary, path=folder / "index.html", tearsheet_links=links
    )
    return path.read_text(encoding="utf-8"), json.loads((folder / "summary.json").read_text())


def test_one_row_per_strategy_with_the_numbers_of_summary_json(
    results: ResultSet, run_info: dict[str, object], tmp_path: Path
) -> None:
    page, summary = _write(results, run_info, tmp_path)
    table = MetricsTable()
    table.feed(page)
    assert table.order == results.names
    for name, cells in table.rows.items():
        assert set(cells) == {metric.key for metric in TableMetric}
        for metric in TableMetric:
            value = summary["strategies"][name][metric.key]
            assert cells[metric.key] == format_metric(metric, value), (name, metric)
            if value is not None:
                shown = float(cells[metric.key].rstrip("%"))
                scale = 100 if metric.kind is ValueKind.PERCENT else 1
                assert shown == pytest.approx(value * scale, abs=0.005 + 1e-12)
    assert table.rows["all_cash"]["sharpe"] == "n/a"


def _cells(page: str, table_id: str) -> MetricsTable:
    table = MetricsTable(table_id, "data-column")
    table.feed(page)
    return table


def _assert_shown(text: str, value: object, kind: ValueKind) -> None:
    assert text == format_value(value, kind)
    if value is not None:
        shown = float(text.rstrip("%"))
        scale = 100 if kind is ValueKind.PERCENT else 1
        assert isinstance(value, float)
        assert shown == pytest.approx(value * scale, abs=0.005 + 1e-12)


def test_crisis_table_one_row_per_strategy_with_summary_numbers(
    results: ResultSet, run_info: dict[str, object], tmp_path: Path
) -> None:
    page, summary = _write(results, run_info, tmp_path)
    table = _cells(page, "crises")
    assert table.order == results.names
    for name, cells in table.rows.items():
        assert list(cells) == ["2022 rate shock"]  # the only window inside 2021-2024
        numbers = summary["strategies"][name]["stress_windows"]["2022 rate shock"]
        _assert_shown(cells["2022 rate shock"], numbers["return"], ValueKind.PERCENT)
        deepest = format_value(numbers["max_drawdown"], ValueKind.PERCENT)
        assert f"{name}, 2022 rate shock: max drawdown {deepest}" in page
    assert "2022-01-03 to 2022-10-12" in page
    assert "Outside the data (not shown): 2000-02 dot-com bust" in page
    assert 'class="heat down"' in page and 'class="heat up"' in page


def test_annual_and_correlation_tables_show_summary_numbers(
    results: ResultSet, run_info: dict[str, object], tmp_path: Path
) -> None:
    page, summary = _write(results, run_info, tmp_path)
    annual = _cells(page, "annual-returns")
    assert annual.order == results.names
    for name, cells in annual.rows.items():
        expected = summary["strategies"][name]["annual_returns"]
        assert list(cells) == ["2021", "2022", "2023", "2024"] == list(expected)
        for year, text in cells.items():
            _assert_shown(text, expected[year], ValueKind.PERCENT)
    matrix = _cells(page, "correlation")
    assert matrix.order == results.names
    for name, cells in matrix.rows.items():
        assert list(cells) == results.names
        for other, text in cells.items():
            _assert_shown(text, summary["correlation"][name][other], ValueKind.RATIO)
    assert matrix.rows["sixty_forty"]["sixty_forty"] == "1.00"
    assert matrix.rows["all_cash"]["sixty_forty"] == "n/a"


def test_no_crisis_inside_the_data_is_said(
    results: ResultSet, run_info: dict[str, object], tmp_path: Path
) -> None:
    built = build_summary(results, run_info=run_info)
    uncovered = {
        "2022 rate shock": {
            "return": None,
            "max_drawdown": None,
            "start": "2022-01-03",
            "end": "2022-10-12",
        }
    }
    summary = built.model_copy(
        update={
            "strategies": {
                name: entry.model_copy(
                    update={
                        "stress_windows": {
                            key: WindowOutcome.model_validate(value)
                            for key, value in uncovered.items()
                        }
                    }
                )
                for name, entry in built.strategies.items()
            }
        }
    )
    path = write_comparison(
        results.returns(), summary=summary, path=tmp_path / "i.html", tearsheet_links={}
    )
    page = path.read_text(encoding="utf-8")
    assert 'id="crises"' not in page
    assert "No stress window falls inside the data." in page


def test_page_is_offline_and_self_contained(
    results: ResultSet, run_info: dict[str, object], tmp_path: Path
) -> None:
    page, _ = _write(results, run_info, tmp_path)
    assert not EXTERNAL_URL.search(page)
    assert external_links(page) == []
    # the only script file is plotly.js in the page's own folder, written once beside it
    assert re.findall(r"<script src=\"([^\"]*)\"", page) == ["assets/plotly.min.js"]
    assert (tmp_path / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    assert "<img" not in page and "@import" not in page
    # growth, drawdowns, rolling Sharpe and volatility (no weights were given)
    assert re.findall(r'<div class="plot" id="([^"]+)"', page) == [
        "growth",
        "drawdowns",
        "rolling-sharpe",
        "rolling-volatility",
    ]
    assert "fred.stlouisfed.org" in page  # shown as provenance text, not fetched
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "assets",
        "index.html",
        "summary.json",
    ]


def test_page_links_and_explains(
    results: ResultSet, run_info: dict[str, object], tmp_path: Path
) -> None:
    page, _ = _write(results, run_info, tmp_path)
    assert 'href="signals.html"' in page
    for name in ("long_real_assets", "sixty_forty"):
        assert f'href="tearsheets/{name}.html"' in page
    assert "tearsheets/all_cash.html" not in page
    assert 'id="metrics"' in page and 'class="benchmark"' in page
    assert TableMetric.SHARPE.label in page and "(rf = 0)" in page
    assert "5 bp" in page and "2 bp" in page and "at the next close" in page
    assert "0.1.0" in page and "2024-01-26" in page
    assert "threshold = 5.0" in page


def test_missing_strategy_in_summary_is_an_error(
    results: ResultSet, run_info: dict[str, object], tmp_path: Path
) -> None:
    summary = build_summary(ResultSet((results["sixty_forty"],)), run_info=run_info)
    with pytest.raises(KeyError, match="long_real_assets"):
        write_comparison(
            results.returns(), summary=summary, path=tmp_path / "i.html", tearsheet_links={}
        )


def test_external_link_is_refused(
    results: ResultSet, run_info: dict[str, object], tmp_path: Path
) -> None:
    summary = build_summary(results, run_info=run_info)
    links = {"sixty_forty": "https://example.com/t.html"}
    with pytest.raises(ValueError, match="outside"):
        write_comparison(
            results.returns(), summary=summary, path=tmp_path / "i.html", tearsheet_links=links
        )
    assert not (tmp_path / "i.html").exists() and not (tmp_path / "assets").exists()


def test_signals_page(tmp_path: Path) -> None:
    page = write_signals_page(tmp_path / "signals.html", period=("2021-01-04", "2024-01-26"))
    text = page.read_text(encoding="utf-8")
    assert "Signals arrive with the signals stage" in text
    assert 'href="index.html"' in text
    assert not EXTERNAL_URL.search(text)


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (0.1234, ValueKind.PERCENT, "12.34%"),
        (-0.031, ValueKind.PERCENT, "-3.10%"),
        (-0.00001, ValueKind.PERCENT, "0.00%"),
        (1.2345678, ValueKind.RATIO, "1.23"),
        (-0.0001, ValueKind.RATIO, "0.00"),
        (3, ValueKind.RATIO, "3.00"),
        (None, ValueKind.RATIO, "n/a"),
        (math.nan, ValueKind.PERCENT, "n/a"),
        (math.inf, ValueKind.RATIO, "n/a"),
    ],
)
def test_format_value(value: object, kind: ValueKind, text: str) -> None:
    assert format_value(value, kind) == text


def test_fired_runs_are_contiguous_true_stretches() -> None:
    from macropatch.reports.heat_tables import fired_runs

    index = pd.bdate_range("2024-01-01", periods=8)
    fired = pd.Series(
        pd.array([False, True, True, None, True, False, True, True], dtype="boolean"), index=index
    )
    assert fired_runs(fired) == [(index[1], index[2]), (index[4], index[4]), (index[6], index[7])]
