"""signals.html: one row per signal, the states of the last day, nothing fetched."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from macropatch.reports.html import external_links
from macropatch.reports.signals_page import format_signal_number, write_signals_page
from macropatch.signals.base import Family, Signal, SignalResult, SignalState

PERIOD = ("2021-01-04", "2023-06-30")


def _typed_arrays(item: object) -> object:
    """Plotly's typed arrays (``{"dtype": "f4", "bdata": ...}``) decoded to lists."""
    if isinstance(item, dict) and "bdata" in item and "dtype" in item:
        array = np.frombuffer(base64.b64decode(item["bdata"]), dtype=item["dtype"])
        if "shape" in item:
            array = array.reshape([int(size) for size in str(item["shape"]).split(",")])
        return array.tolist()
    if isinstance(item, dict):
        return {key: _typed_arrays(value) for key, value in item.items()}
    if isinstance(item, list):
        return [_typed_arrays(value) for value in item]
    return item


def plotly_figures(page: str) -> list[tuple[list[dict], dict]]:
    """The data and layout of every ``Plotly.newPlot`` call of a page, parsed as JSON."""
    decoder = json.JSONDecoder()
    figures = []
    for match in re.finditer(r"Plotly\.newPlot\(\"[^\"]+\",", page):
        data, end = decoder.raw_decode(page, match.end())
        layout, _ = decoder.raw_decode(page, end + 1)
        figures.append((_typed_arrays(data), layout))
    return figures


EXTERNAL_URL = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class LevelAbove(Signal):
    """A test signal: a level above a threshold."""

    name = "level_above"
    family = Family.RATES
    summary = "Level above its threshold"

    threshold: float = 0.05

    @property
    def inputs(self) -> tuple[str, ...]:
        return ("level",)

    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        value = knowable["level"]
        return value, value > self.threshold


@dataclass(frozen=True, kw_only=True)
class VolatilityHigh(Signal):
    """A test signal of another family, read from an optional series."""

    name = "vol_high"
    family = Family.VOLATILITY
    summary = "Volatility index high"

    threshold: float = 25.0

    @property
    def inputs(self) -> tuple[str, ...]:
        return ("vix",)

    def compute(self, knowable: Mapping[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
        value = knowable["vix"]
        return value, value > self.threshold


def make_result(
    signal: Signal,
    value: np.ndarray,
    *,
    start: str = PERIOD[0],
    end: str = PERIOD[1],
    unknown: slice | None = None,
    missing: tuple[str, ...] = (),
) -> SignalResult:
    calendar = pd.bdate_range(start, end, name="date")
    values = pd.Series(value[: len(calendar)], index=calendar, dtype=float)
    threshold = signal.chart_threshold()
    assert threshold is not None
    fired = pd.Series(values > threshold, dtype="boolean")
    if unknown is not None:
        values.iloc[unknown] = np.nan
        fired.iloc[unknown] = pd.NA
    if missing:
        values[:] = np.nan
        fired[:] = pd.NA
    last_data = pd.Series(calendar - pd.Timedelta(days=1), index=calendar)
    last_data[values.isna().to_numpy()] = pd.NaT
    return SignalResult(
        name=signal.output_name(),
        signal=signal,
        value=values,
        fired=fired,
        threshold=threshold,
        last_data=last_data,
        missing=missing,
    )


def wave(days: int, centre: float, size: float) -> np.ndarray:
    return centre + size * np.sin(np.linspace(0.0, 12.0, days))


@pytest.fixture
def results() -> list[SignalResult]:
    days = len(pd.bdate_range(*PERIOD))
    fired_at_end = make_result(LevelAbove(threshold=0.04), wave(days, 0.045, 0.01) + 0.01)
    quiet = make_result(VolatilityHigh(threshold=30.0), wave(days, 20.0, 5.0))
    unknown_at_end = make_result(
        LevelAbove(threshold=0.05), wave(days, 0.05, 0.01), unknown=slice(-30, None)
    )
    no_data = make_result(
        VolatilityHigh(threshold=25.0), wave(days, 20.0, 5.0), missing=("vix_futures",)
    )
    return [quiet, fired_at_end, unknown_at_end, no_data]


class Rows(HTMLParser):
    """The ``data-signal`` rows of the summary table and their ``data-state`` cells."""

    def __init__(self) -> None:
        super().__init__()
        self.in_table = False
        self.rows: list[str] = []
        self.states: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self.in_table = found.get("id") == "signals"
        elif self.in_table and tag == "tr" and found.get("data-signal"):
            self.rows.append(str(found["data-signal"]))
        elif self.in_table and tag == "td" and "data-state" in found:
            self.states[self.rows[-1]] = str(found["data-state"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.in_table = False


def read_rows(text: str) -> Rows:
    parser = Rows()
    parser.feed(text)
    return parser


def test_one_row_per_signal_with_the_state_of_the_last_day(
    tmp_path: Path, results: list[SignalResult]
) -> None:
    page = write_signals_page(tmp_path / "signals.html", period=PERIOD, results=results)
    rows = read_rows(page.read_text(encoding="utf-8"))
    assert sorted(rows.rows) == sorted(result.name for result in results)
    last_day = pd.Timestamp(PERIOD[1])
    expected = {result.name: result.state_on(last_day).value for result in results}
    assert rows.states == expected
    assert set(expected.values()) == {state.value for state in SignalState}


def test_rows_follow_the_family_order(tmp_path: Path, results: list[SignalResult]) -> None:
    page = write_signals_page(tmp_path / "signals.html", period=PERIOD, results=results)
    families = [
        next(result for result in results if result.name == name).signal.family
        for name in read_rows(page.read_text(encoding="utf-8")).rows
    ]
    order = list(Family)
    assert families == sorted(families, key=order.index)


def test_missing_series_shows_the_import_hint(tmp_path: Path, results: list[SignalResult]) -> None:
    text = write_signals_page(tmp_path / "s.html", period=PERIOD, results=results).read_text(
        encoding="utf-8"
    )
    assert "macropatch data import-series vix_futures FILE.csv" in text
    # one chart per signal with data, none for the one without
    assert text.count('<div class="plot"') == len(results) - 1


def test_page_is_offline_and_written_atomically(
    tmp_path: Path, results: list[SignalResult]
) -> None:
    target = tmp_path / "out" / "signals.html"
    page = write_signals_page(target, period=PERIOD, results=results)
    assert page == target
    text = page.read_text(encoding="utf-8")
    assert external_links(text) == []
    assert not EXTERNAL_URL.search(text)
    assert 'href="index.html"' in text
    assert "knowable" in text
    assert sorted(item.name for item in target.parent.iterdir()) == ["assets", "signals.html"]
    assert re.findall(r'<script src="([^"]*)"', text) == ["assets/plotly.min.js"]


def test_long_period_is_drawn_weekly(tmp_path: Path) -> None:
    start, end = "2000-01-03", "2023-12-29"
    days = len(pd.bdate_range(start, end))
    result = make_result(LevelAbove(threshold=0.05), wave(days, 0.05, 0.02), start=start, end=end)
    text = write_signals_page(tmp_path / "s.html", period=(start, end), results=[result]).read_text(
        encoding="utf-8"
    )
    data, layout = plotly_figures(text)[0]
    # the value line of at most ~1500 points, not one per day
    assert days > 6000
    assert [len(trace["x"]) for trace in data] == [len(data[0]["y"])]
    assert 1000 < len(data[0]["x"]) <= 1500
    # the threshold as a dashed line, fired runs as shaded rectangles
    lines = [shape for shape in layout["shapes"] if shape["type"] == "line"]
    assert [line["y0"] for line in lines] == [0.05] and lines[0]["line"]["dash"] == "dash"
    assert any(shape["type"] == "rect" for shape in layout["shapes"])


def test_no_results_keeps_the_empty_page(tmp_path: Path) -> None:
    text = write_signals_page(tmp_path / "s.html", period=PERIOD).read_text(encoding="utf-8")
    assert "No signals computed yet" in text
    assert 'id="signals"' not in text


def test_duplicate_names_are_refused(tmp_path: Path, results: list[SignalResult]) -> None:
    with pytest.raises(ValueError, match="twice"):
        write_signals_page(tmp_path / "s.html", period=PERIOD, results=[results[0], results[0]])
    assert not (tmp_path / "s.html").exists()


@pytest.mark.parametrize(
    ("value", "fraction", "text"),
    [
        (0.04523, True, "4.523%"),
        (0.04523, False, "0.04523"),
        (18.254, True, "18.25"),
        (123456.7, False, "123,457"),
        (-0.00001, True, "-0.001%"),
        (None, True, "n/a"),
        (float("nan"), False, "n/a"),
    ],
)
def test_format_signal_number(value: object, fraction: bool, text: str) -> None:
    assert format_signal_number(value, fraction=fraction) == text
