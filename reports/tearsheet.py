"""The quantstats tearsheet of one strategy: the only module that imports quantstats.

Requires a strategy's daily returns and a benchmark's daily returns on the same
calendar. Produces one self-contained HTML file (``tearsheets/<name>.html``).

How quantstats is held:

- 252 periods a year, rf = 0, compounded: the conventions of
  :mod:`macropatch.backtests.metrics.performance`, so the tearsheet's CAGR, volatility, Sharpe,
  Sortino, maximum drawdown and Calmar equal ``summary.json``;
- ``match_dates=False``: with its default, quantstats drops every day before
  the first non-zero return of the strategy *or* the benchmark, so its
  statistics would cover fewer days than ours (a backtest's first return is
  always 0);
- the benchmark is a return series, never a ticker (a ticker downloads);
- ``qs.extend_pandas()`` is never called;
- importing quantstats restyles matplotlib globally (a seaborn theme, Arial);
  the first import here is made inside :func:`matplotlib.rc_context`, so the
  global settings come back, and the theme is applied during rendering only.
  (``import vectorbt`` imports quantstats too and leaves its theme in place.)

The HTML quantstats writes links a favicon and its home page on other hosts
and calls an undefined ``save()`` on load; the page is post-processed so that
it stays offline and clean, then written atomically. Two pandas-3 and font
defects are mended on the way: the "EOY Returns vs Benchmark" bars (drawn by
pandas at period ordinals, far from their labels) are replaced by a chart
drawn here, and the "CAGR﹪" label loses its small percent sign (U+FE6A, a
glyph most fonts lack).
"""

from __future__ import annotations

import functools
import html
import logging
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from matplotlib.typing import RcKeyType

from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR
from macropatch.reports.html import figure_to_svg, write_page
from macropatch.reports.reuse import key_tag
from macropatch.reports.tearsheet_heatmap import monthly_heatmap

__all__ = ["MINIMUM_DAYS", "write_tearsheet"]

MINIMUM_DAYS = 21
"""Fewer trading days than this (a month) make no tearsheet: quantstats' distribution
charts fail on a handful of returns. A short page says so instead."""

RISK_FREE_RATE = 0.0
"""The tearsheet's risk-free rate, as in :mod:`macropatch.backtests.metrics.performance`."""


def write_tearsheet(
    returns: pd.Series,
    *,
    benchmark: pd.Series,
    path: Path,
    title: str,
    subtitle: str = "",
    key: str = "",
) -> Path:
    """Write the quantstats HTML tearsheet of a strategy against a benchmark.

    Parameters
    ----------
    returns
        The strategy's daily returns (fraction) on a DatetimeIndex; named after
        the strategy (the name labels the strategy's column). Missing days are
        skipped, as :func:`macropatch.backtests.metrics.performance.measure` skips them.
    benchmark
        The benchmark's daily returns; it must have a value on every day the
        strategy has one (extra days are ignored). Its name labels its column.
    path
        Where to write the page (``<out>/tearsheets/<name>.html``); folders
        are created.
    title
        Plain-text heading, short (the strategy's name): the period follows it
        on the same line.
    subtitle
        Plain-text line below the heading (the strategy and its parameters).
    key
        The content key of the page (:func:`macropatch.reports.reuse.content_key`),
        written in a ``<meta>`` tag at the top of ``<head>`` so that a later
        run can reuse the page; empty for none.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    TypeError
        If either series lacks a DatetimeIndex.
    ValueError
        If the strategy has no return or the benchmark misses one of its days.
    """
    strategy, reference = _aligned(returns, benchmark)
    path = Path(path)
    if len(strategy) < MINIMUM_DAYS:
        return _unavailable(
            path,
            title,
            f"The period holds {len(strategy)} trading days; a tearsheet needs at least "
            f"{MINIMUM_DAYS}.",
            key=key,
        )
    try:
        return _quantstats_page(strategy, reference, path=path, heading=(title, subtitle), key=key)
    except _CannotDraw as error:
        return _unavailable(
            path, title, f"quantstats could not draw these returns ({error}).", key=key
        )


class _CannotDraw(Exception):
    """quantstats failed on the numbers themselves (constant returns, a handful of values)."""


def _unavailable(path: Path, title: str, reason: str, *, key: str) -> Path:
    """A short page in place of a tearsheet that cannot be drawn, saying why."""
    document = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">{key_tag(key)}'
        f'<link rel="icon" href="data:,"><title>{html.escape(title)}</title></head>\n'
        f"<body><h1>{html.escape(title)}</h1>\n<p>No tearsheet: {html.escape(reason)} "
        "The comparison page (index.html) has this strategy's metrics.</p></body></html>\n"
    )
    return write_page(path, document)


def _quantstats_page(
    strategy: pd.Series, reference: pd.Series, *, path: Path, heading: tuple[str, str], key: str
) -> Path:
    """The quantstats tearsheet, mended and offline."""
    title, subtitle = heading
    quantstats, theme = _quantstats()
    with tempfile.TemporaryDirectory(prefix="macropatch-tearsheet-") as folder:
        raw = Path(folder) / "tearsheet.html"
        with _quiet_rendering(theme):
            yearly_chart = _yearly_returns_chart(strategy, reference)
            monthly_chart = monthly_heatmap(strategy)
            try:
                quantstats.reports.html(
                    strategy,
                    benchmark=reference,
                    rf=RISK_FREE_RATE,
                    title=html.escape(title),
                    output=str(raw),
                    compounded=True,
                    periods_per_year=PERIODS_PER_YEAR,
                    figfmt="svg",
                    match_dates=False,
                    strategy_title=strategy.name,
                    benchmark_title=reference.name,
                )
            except (
                np.linalg.LinAlgError,
                ValueError,
                ZeroDivisionError,
                FloatingPointError,
            ) as error:
                # degenerate returns defeat its regressions and density charts
                raise _CannotDraw(str(error)) from None
        document = raw.read_text(encoding="utf-8")
    document = _EOY_CHART.sub(
        lambda match: match.group(1) + yearly_chart + "</div>", document, count=1
    )
    document = _MONTHLY_CHART.sub(
        lambda match: match.group(1) + monthly_chart + "</div>", document, count=1
    )
    document = _heading(document, subtitle)
    return write_page(path, _offline(document, title=title, key=key))


def _aligned(returns: pd.Series, benchmark: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The strategy without missing days, and the benchmark on the same days."""
    for label, series in (("returns", returns), ("benchmark", benchmark)):
        if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
            raise TypeError(f"{label} must be a pandas Series on a DatetimeIndex")
    strategy_name = str(returns.name) if returns.name else "Strategy"
    benchmark_name = str(benchmark.name) if benchmark.name else "Benchmark"
    if benchmark_name == strategy_name:
        benchmark_name = f"{benchmark_name} (benchmark)"
    strategy = returns.astype(float).dropna().rename(strategy_name)
    if strategy.empty:
        raise ValueError(f"returns of {strategy_name!r} hold no value")
    reference = benchmark.astype(float).reindex(strategy.index).rename(benchmark_name)
    missing = reference.index[reference.isna()]
    if len(missing):
        raise ValueError(
            f"benchmark {benchmark_name!r} has no return on {len(missing)} day(s) of "
            f"{strategy_name!r}, the first {missing[0].date()}: pass it on the strategy's calendar"
        )
    return strategy.copy(), reference


@functools.cache
def _quantstats() -> tuple[ModuleType, dict[RcKeyType, Any]]:
    """quantstats, and the matplotlib settings its import would have imposed."""
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")  # a report has no screen; a backend already chosen is kept
    with matplotlib.rc_context():
        before = dict(matplotlib.rcParams)
        import quantstats

        theme: dict[RcKeyType, Any] = {
            key: value
            for key, value in matplotlib.rcParams.items()
            if key != "backend" and before.get(key) != value
        }
    return quantstats, theme


@contextmanager
def _quiet_rendering(theme: dict[RcKeyType, Any]) -> Iterator[None]:
    """Quantstats' styling, its warnings and the missing-Arial log lines, for one call."""
    font_log = logging.getLogger("matplotlib.font_manager")
    level = font_log.level
    font_log.setLevel(logging.ERROR)  # "findfont: Font family 'Arial' not found", per chart
    try:
        with warnings.catch_warnings(), matplotlib.rc_context(theme):
            warnings.simplefilter("ignore")
            yield
    finally:
        font_log.setLevel(level)


def _yearly_returns_chart(strategy: pd.Series, reference: pd.Series) -> str:
    """The "EOY Returns vs Benchmark" bars, drawn the way quantstats means to.

    quantstats 0.0.86 draws them with ``DataFrame.plot(kind="bar")``, which
    under pandas 3 places the bars at period ordinals (35, 36, ...) while
    quantstats labels positions 0, 1, ...: the bars land far right of their
    labels. This chart replaces it, in quantstats' colours and layout.
    """
    years = pd.DatetimeIndex(strategy.index).year
    table = pd.DataFrame(
        {
            reference.name: reference.add(1.0).groupby(years).prod() - 1.0,
            strategy.name: strategy.add(1.0).groupby(years).prod() - 1.0,
        }
    )
    figure = Figure(figsize=(8, 4))
    axes = figure.add_subplot()
    positions = np.arange(len(table))
    width = 0.4
    for offset, column, colour in zip(
        (-width / 2, width / 2), table.columns, _BAR_COLOURS, strict=True
    ):
        axes.bar(
            positions + offset, table[column].to_numpy(), width, label=str(column), color=colour
        )
    axes.axhline(
        float(table[strategy.name].mean()), linestyle="--", linewidth=1, color="red", zorder=2
    )
    axes.axhline(0.0, linestyle="--", linewidth=1, color="black", zorder=2)
    step = max(1, -(-len(table) // 12))
    labels = [str(year) if index % step == 0 else "" for index, year in enumerate(table.index)]
    axes.set_xticks(positions, labels)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0%}"))
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.legend(fontsize=11)
    figure.suptitle(
        "EOY Returns vs Benchmark", y=0.94, fontweight="bold", fontsize=14, color="black"
    )
    # Room below the labels: the template pulls every chart up by 1.5rem.
    figure.tight_layout(rect=(0.0, 0.07, 1.0, 0.97))
    return figure_to_svg(figure, label="Calendar-year returns of the strategy and the benchmark")


_BAR_COLOURS = ("#FEDD78", "#348DC1")  # quantstats' benchmark and strategy colours
_EOY_CHART = re.compile(r'(<div id="eoy_returns">).*?</div>', re.DOTALL)
_MONTHLY_CHART = re.compile(r'(<div id="monthly_heatmap">).*?</div>', re.DOTALL)
_COMPOUNDED = re.compile(r"\s*\(Compounded\)\s*<dt>")
_HEADING_END = re.compile(r"<h1>.*?</h1>", re.DOTALL)
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL | re.IGNORECASE)
_ICON = re.compile(r"<link\b[^>]*\brel\s*=\s*[\"'][^\"']*icon[^\"']*[\"'][^>]*>", re.IGNORECASE)
_EXTERNAL_ANCHOR = re.compile(
    r"<a\b[^>]*\bhref\s*=\s*[\"']?\s*(?:[a-z][a-z0-9+.-]*:)?//[^>]*>(.*?)</a>",
    re.DOTALL | re.IGNORECASE,
)
_EXTERNAL_ATTRIBUTE = re.compile(
    r"\s(?:src|href|srcset|xlink:href)\s*=\s*(?:\"\s*(?:[a-z][a-z0-9+.-]*:)?//[^\"]*\""
    r"|'\s*(?:[a-z][a-z0-9+.-]*:)?//[^']*')",
    re.IGNORECASE,
)
_ONLOAD = re.compile(r"\sonload\s*=\s*\"save\(\)\"", re.IGNORECASE)
_XML_PROLOGUE = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE svg[^>]*>\s*", re.IGNORECASE)


def _heading(document: str, subtitle: str) -> str:
    """The title on one line with the period, "compounded" and the parameters on a line below."""
    document = _COMPOUNDED.sub(" <dt>", document, count=1)
    line = "Compounded returns" + (f" · {html.escape(subtitle)}" if subtitle else "")
    return _HEADING_END.sub(
        lambda match: match.group(0) + f'\n<p class="parameters">{line}</p>', document, count=1
    )


def _offline(document: str, *, title: str, key: str) -> str:
    """The tearsheet with nothing fetched from elsewhere, our title in the tab and its key."""
    document = _TITLE.sub(
        lambda _: f"{key_tag(key)}<title>{html.escape(title)}</title>", document, count=1
    )
    document = _ICON.sub('<link rel="icon" href="data:,">', document)
    document = _EXTERNAL_ANCHOR.sub(r"\1", document)
    document = _EXTERNAL_ATTRIBUTE.sub("", document)
    document = _ONLOAD.sub("", document)
    # "CAGR﹪" uses a small percent sign (U+FE6A) that common fonts lack.
    document = document.replace("<td>CAGR\ufe6a</td>", "<td>CAGR</td>")
    document = document.replace("</head>", f"<style>{_STYLE_FIXES}</style>\n</head>", 1)
    # Long snake_case names in narrow column headings may break after an underscore.
    document = _HEADING.sub(lambda match: match.group(0).replace("_", "_<wbr>"), document)
    return _XML_PROLOGUE.sub("", document)


_STYLE_FIXES = (
    "#right table th{white-space:normal}"
    "h1 dt{white-space:nowrap}"
    ".parameters{color:#555;margin:6px 0 8px;font-size:13px;overflow-wrap:anywhere}"
)
_HEADING = re.compile(r"<th>[^<]*</th>")
