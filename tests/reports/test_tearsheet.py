"""The quantstats tearsheet: renders offline, agrees with our metrics, leaves no trace."""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from macropatch.backtests.metrics.performance import measure
from macropatch.reports.tearsheet import write_tearsheet

EXTERNAL_URL = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
CHART_SECTIONS = (
    "log_returns",
    "vol_returns",
    "eoy_returns",
    "monthly_dist",
    "daily_returns",
    "rolling_beta",
    "rolling_vol",
    "rolling_sharpe",
    "rolling_sortino",
    "dd_periods",
    "dd_plot",
    "monthly_heatmap",
    "returns_dist",
)
TITLE = "long_real_assets <v2> & co"
SUBTITLE = "long_real_assets(threshold=5.0, window=20), rebalance monthly"


def _series(name: str, seed: int, drift: float, days: int = 756) -> pd.Series:
    rng = np.random.default_rng(seed)
    values = rng.normal(drift, 0.011, days)
    values[0] = 0.0
    return pd.Series(values, index=pd.bdate_range("2021-01-04", periods=days), name=name)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.Series, pd.Series, list]:
    folder = tmp_path_factory.mktemp("out") / "tearsheets"
    # ends mid-month: the heatmap must not pretend the months after the end were flat
    strategy = _series("long_real_assets", 1, 0.0005)[:-5]
    benchmark = _series("sixty_forty", 2, 0.0003)
    before = dict(matplotlib.rcParams)
    handler = _Collect()
    logging.getLogger("matplotlib").addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            path = write_tearsheet(
                strategy,
                benchmark=benchmark,
                path=folder / "long_real_assets.html",
                title=TITLE,
                subtitle=SUBTITLE,
                key="ab" * 32,
            )
    finally:
        logging.getLogger("matplotlib").removeHandler(handler)
    changed = [key for key, value in matplotlib.rcParams.items() if before.get(key) != value]
    assert changed == [], f"rcParams changed: {changed}"
    return path, strategy, benchmark, [*handler.records, *caught]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.records.append(record)


def test_renders_every_section_with_the_title(rendered: tuple) -> None:
    path, _, _, _ = rendered
    page = path.read_text(encoding="utf-8")
    escaped = "long_real_assets &lt;v2&gt; &amp; co"
    assert f"<title>{escaped}</title>" in page
    # a short heading with the period on its line, the parameters on the line below
    assert re.search(rf"<h1>{re.escape(escaped)} <dt>\s*\d+ \w+, 2021 -", page)
    assert "(Compounded)" not in page
    assert f'<p class="parameters">Compounded returns · {SUBTITLE}</p>' in page
    assert '<meta name="macropatch-key" content="' + "ab" * 32 + '">' in page[:4096]
    for section in CHART_SECTIONS:
        match = re.search(
            rf'<div id="{section}">(.*?)</div>\s*<div id=|<div id="{section}">(.*)', page, re.DOTALL
        )
        assert match and "<svg" in (match.group(1) or match.group(2) or ""), section
    assert "Key Performance Metrics" in page and "EOY Returns vs Benchmark" in page
    assert "Worst 10 Drawdowns" in page and "{{" not in page
    # quantstats' own EOY bars are misplaced under pandas 3: ours replace them
    eoy = page.split('<div id="eoy_returns">', 1)[1].split("</div>", 1)[0]
    assert 'aria-label="Calendar-year returns' in eoy
    assert "<td>CAGR</td>" in page
    assert "sixty_forty" in page.upper() or "SIXTY_FORTY" in page


def test_monthly_heatmap_leaves_the_months_outside_the_data_blank(rendered: tuple) -> None:
    from macropatch.reports.tearsheet_heatmap import monthly_table

    path, strategy, _, _ = rendered
    table = monthly_table(strategy)
    last = strategy.index[-1]
    assert last.month < 12  # the fixture ends inside a year
    assert table.loc[last.year, last.month + 1 :].isna().all()
    assert table.loc[2021, 1] == pytest.approx(float(strategy["2021-01"].add(1).prod() - 1.0))
    page = path.read_text(encoding="utf-8")
    heatmap = page.split('<div id="monthly_heatmap">', 1)[1].split("</div>", 1)[0]
    assert "months outside the data blank" in heatmap
    shown = len(re.findall(r">-?\d+\.\d\d<", heatmap))
    assert shown == int(table.notna().to_numpy().sum())


def test_page_stays_offline(rendered: tuple) -> None:
    path, _, _, _ = rendered
    page = path.read_text(encoding="utf-8")
    assert not EXTERNAL_URL.search(page)
    assert "qtpylib.io" not in page and 'href="http://quantstats.io"' not in page
    assert 'onload="save()"' not in page and "<!DOCTYPE svg" not in page
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_quiet(rendered: tuple) -> None:
    _, _, _, noise = rendered
    assert noise == [], [str(getattr(item, "message", item)) for item in noise]


def _cell(page: str, label: str) -> tuple[str, str]:
    match = re.search(
        rf"<tr><td>{re.escape(label)}</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page
    )
    assert match, label
    return match.group(1), match.group(2)


def test_headline_numbers_agree_with_our_metrics(rendered: tuple) -> None:
    path, strategy, benchmark, _ = rendered
    page = path.read_text(encoding="utf-8")
    ours = {"strategy": measure(strategy), "benchmark": measure(benchmark[strategy.index])}
    rows = {
        "CAGR": ("cagr", 100),
        "Sharpe": ("sharpe", 1),
        "Sortino": ("sortino", 1),
        "Max Drawdown": ("max_drawdown", 100),
        "Volatility (ann.)": ("volatility", 100),
        "Calmar": ("calmar", 1),
        "Worst Month": ("worst_month", 100),
    }
    for label, (field, scale) in rows.items():
        shown_benchmark, shown_strategy = _cell(page, label)
        for who, shown in (("benchmark", shown_benchmark), ("strategy", shown_strategy)):
            expected = round(getattr(ours[who], field) * scale, 2)
            assert float(shown.rstrip("%")) == pytest.approx(expected, abs=1e-9), (label, who)


def test_benchmark_must_cover_the_strategy(tmp_path: Path) -> None:
    strategy = _series("a", 1, 0.0)
    benchmark = _series("b", 2, 0.0).iloc[10:]
    with pytest.raises(ValueError, match="no return on 10 day"):
        write_tearsheet(strategy, benchmark=benchmark, path=tmp_path / "a.html", title="a")
    assert not (tmp_path / "a.html").exists()


def test_benchmark_with_the_strategy_name(tmp_path: Path) -> None:
    strategy = _series("sixty_forty", 1, 0.0003, days=300)
    path = write_tearsheet(
        strategy, benchmark=strategy.copy(), path=tmp_path / "b.html", title="sixty_forty"
    )
    assert "sixty_forty (benchmark)".upper() in path.read_text(encoding="utf-8").upper()


def test_a_week_makes_a_page_that_says_why_there_is_no_tearsheet(tmp_path: Path) -> None:
    """quantstats failed with a LinAlgError on five days, and the run with exit 1."""
    days = pd.bdate_range("2020-01-06", periods=5, name="date")
    returns = pd.Series([0.0, 0.01, -0.005, 0.002, 0.003], index=days, name="mine")
    path = write_tearsheet(
        returns, benchmark=returns.rename("spy"), path=tmp_path / "mine.html", title="mine"
    )
    page = path.read_text(encoding="utf-8")
    assert "No tearsheet: The period holds 5 trading days" in page


def test_returns_quantstats_cannot_draw_make_a_page_that_says_so(tmp_path: Path) -> None:
    """Constant returns (an all-cash strategy) defeat quantstats' density charts."""
    days = pd.bdate_range("2020-01-06", periods=60, name="date")
    flat = pd.Series(0.0001, index=days, name="cash_only")
    benchmark = pd.Series(np.random.default_rng(1).normal(0, 0.01, 60), index=days, name="spy")
    path = write_tearsheet(flat, benchmark=benchmark, path=tmp_path / "flat.html", title="flat")
    page = path.read_text(encoding="utf-8")
    assert "<title>flat</title>" in page
    assert "No tearsheet: quantstats could not draw these returns" in page
