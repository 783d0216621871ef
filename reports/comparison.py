"""``index.html``: every strategy of a run side by side, on one offline page.

Requires the run's :class:`backtests.result.ResultSet` (for the curves) and its
summary from :func:`reports.summary.build_summary` (for every number shown, so
the page and ``summary.json`` cannot disagree). Produces one self-contained
HTML file: inline CSS, charts as inline SVG drawn with matplotlib's SVG
backend, no script, font or image from anywhere.

The page holds a short explanation, the metrics table (``id="metrics"``, one
row per strategy with ``data-strategy="<name>"`` and one cell per metric with
``data-metric="<key>"``), equity curves on a log scale, drawdowns, the
strategies' parameters, and the provenance of the run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates
import matplotlib.style
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, MaxNLocator, PercentFormatter

from backtests.metrics import PERIODS_PER_YEAR, drawdown_series, equity_curve
from backtests.result import ResultSet
from reports.html import TableMetric, figure_to_svg, format_metric, render_page, write_page

__all__ = ["write_comparison"]

PALETTE = (
    "#1f5fbf",
    "#d1495b",
    "#2e933c",
    "#e09f1f",
    "#7b4fa0",
    "#00798c",
    "#e0662b",
    "#8c564b",
    "#c2185b",
    "#6b7a8f",
)
"""Strategy colours, in run order; the benchmark is drawn in ``BENCHMARK_COLOUR``."""

BENCHMARK_COLOUR = "#1d2430"

_CHART_STYLE: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "macropatch",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#c9ced6",
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.labelcolor": "#5b6574",
    "grid.color": "#e9ecf1",
    "grid.linewidth": 0.8,
    "xtick.color": "#5b6574",
    "ytick.color": "#5b6574",
    "legend.frameon": False,
    "lines.linewidth": 1.5,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
}

_SIGNED_METRICS = (TableMetric.CAGR, TableMetric.SHARPE, TableMetric.SORTINO, TableMetric.CALMAR)


def write_comparison(
    results: ResultSet,
    *,
    summary: Mapping[str, Any],
    path: Path,
    tearsheet_links: Mapping[str, str],
    signals_link: str = "signals.html",
) -> Path:
    """Write the comparison page of a run.

    Parameters
    ----------
    results
        The strategies of the run, the benchmark included; rows follow their
        order.
    summary
        The run's summary (:func:`reports.summary.build_summary`): every number
        in the table is formatted from it with :func:`reports.html.format_metric`.
    path
        Where to write (``<out>/index.html``); written atomically.
    tearsheet_links
        Strategy name to the relative address of its tearsheet
        (``tearsheets/<name>.html``); a strategy without one gets no link.
    signals_link
        Relative address of the signal dashboard.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    KeyError
        If the summary has no entry for a strategy of ``results``.
    ValueError
        If a link points to another host (the page must stay offline).
    """
    run: Mapping[str, Any] = summary.get("run", {})
    measured: Mapping[str, Mapping[str, Any]] = summary["strategies"]
    absent = [name for name in results.names if name not in measured]
    if absent:
        raise KeyError(f"summary has no metrics for {', '.join(absent)}")
    benchmark = str(run.get("benchmark", ""))
    colours = _colours(results.names, benchmark)
    experiment = str(run.get("experiment", "run"))
    body = "\n".join(
        [
            _introduction(run, results.names, tearsheet_links, signals_link),
            _metrics_table(results.names, measured, benchmark, colours, tearsheet_links),
            _charts(results, benchmark, colours),
            _strategies_table(results.names, measured, colours),
            _provenance(run),
            _footer(run),
        ]
    )
    return write_page(Path(path), render_page(title=f"macropatch · {experiment}", body=body))


# -- sections -------------------------------------------------------------------


def _introduction(
    run: Mapping[str, Any],
    names: Sequence[str],
    tearsheet_links: Mapping[str, str],
    signals_link: str,
) -> str:
    period = run.get("period") or {}
    costs = run.get("costs") or {}
    benchmark = run.get("benchmark")
    start, end = _text(period.get("start")), _text(period.get("end"))
    subtitle = f"{start} to {end} · {len(names)} strategies"
    if benchmark:
        subtitle += f" · benchmark {benchmark}"
    benchmark_sentence = (
        f" The highlighted row is the benchmark, <strong>{escape(str(benchmark))}</strong>."
        if benchmark
        else ""
    )
    explanation = (
        f"Each strategy of the experiment <strong>{escape(_text(run.get('experiment')))}</strong> "
        f"was backtested on daily closing prices from {escape(start)} to {escape(end)}. "
        f"A decision taken at the close of one day is traded {_lag_phrase(run.get('execution_lag'))}, "
        f"paying fees of {_cost(costs.get('fees'))} and slippage of "
        f"{_cost(costs.get('slippage'))} of the value traded, so returns are net of costs. "
        f"Ratios are annualised over {PERIODS_PER_YEAR} trading days with a risk-free rate of "
        f"zero (rf = 0); turnover is the value traded per year as a share of the portfolio."
        f"{benchmark_sentence} Every number here is also in <code>summary.json</code>; "
        "each strategy's full tearsheet is linked from its row."
    )
    links = [f'<a href="{escape(signals_link, quote=True)}">Signals</a>']
    links += [
        f'<a href="{escape(tearsheet_links[name], quote=True)}">{escape(name)} tearsheet</a>'
        for name in names
        if name in tearsheet_links
    ]
    return (
        "<header>\n"
        "<h1>Patch strategies compared</h1>\n"
        f'<p class="subtitle">{escape(subtitle)}</p>\n'
        f'<p class="lead">{explanation}</p>\n'
        f'<nav class="links">{"".join(links)}</nav>\n'
        "</header>"
    )


def _metrics_table(
    names: Sequence[str],
    measured: Mapping[str, Mapping[str, Any]],
    benchmark: str,
    colours: Mapping[str, str],
    tearsheet_links: Mapping[str, str],
) -> str:
    heads = "".join(f'<th class="num">{escape(metric.label)}</th>' for metric in TableMetric)
    rows = []
    for name in names:
        values = measured[name]
        cells = []
        for metric in TableMetric:
            value = values.get(metric.key)
            negative = metric in _SIGNED_METRICS and _is_negative(value)
            css = "num neg" if negative else "num"
            cells.append(
                f'<td class="{css}" data-metric="{metric.key}">{format_metric(metric, value)}</td>'
            )
        link = tearsheet_links.get(name)
        tearsheet = f'<a href="{escape(link, quote=True)}">tearsheet</a>' if link else "—"
        tag = '<span class="tag">benchmark</span>' if name == benchmark else ""
        row_class = ' class="benchmark"' if name == benchmark else ""
        rows.append(
            f'<tr data-strategy="{escape(name, quote=True)}"{row_class}>'
            f'<td><span class="swatch" style="background:{colours[name]}"></span>'
            f"<strong>{escape(name)}</strong>{tag}</td>"
            f"{''.join(cells)}<td>{tearsheet}</td></tr>"
        )
    return (
        "<section>\n<h2>Performance</h2>\n"
        '<div class="table-wrap"><table id="metrics">\n'
        f"<thead><tr><th>Strategy</th>{heads}<th>Report</th></tr></thead>\n"
        f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table></div>\n"
        '<p class="note">CAGR counts 252 trading days as a year. Max drawdown is the deepest fall '
        "from a running peak; worst month is the lowest calendar-month return; Calmar is CAGR over "
        "the absolute max drawdown. n/a: not defined (no loss, no drawdown or no trade).</p>\n"
        "</section>"
    )


def _charts(results: ResultSet, benchmark: str, colours: Mapping[str, str]) -> str:
    with matplotlib.style.context("default"), matplotlib.rc_context(_CHART_STYLE):
        equity = _equity_chart(results, benchmark, colours)
        drawdowns = _drawdown_chart(results, benchmark, colours)
    return (
        "<section>\n<h2>Growth of 1 (log scale)</h2>\n"
        f'<div class="chart">{equity}</div>\n'
        "<h2>Drawdowns</h2>\n"
        f'<div class="chart">{drawdowns}</div>\n'
        '<p class="note">Colours as in the table; the benchmark is dashed. Values start at 1 '
        "before the first trading day.</p>\n</section>"
    )


def _strategies_table(
    names: Sequence[str],
    measured: Mapping[str, Mapping[str, Any]],
    colours: Mapping[str, str],
) -> str:
    rows = []
    for name in names:
        values = measured[name]
        parameters = values.get("parameters") or {}
        listed = (
            "<br>".join(
                f"<code>{escape(str(key))} = {escape(_parameter(value))}</code>"
                for key, value in parameters.items()
            )
            or '<span class="note">none</span>'
        )
        period = f"{_text(values.get('start'))} to {_text(values.get('end'))}"
        rows.append(
            f'<tr><td><span class="swatch" style="background:{colours[name]}"></span>'
            f"{escape(name)}</td><td>{listed}</td>"
            f"<td>{escape(period)}</td>"
            f'<td class="num">{escape(_text(values.get("days")))}</td>'
            f'<td class="mono">{escape(_text(values.get("config_hash")))}</td>'
            f'<td class="mono">{escape(_text(values.get("data_hash")))}</td></tr>'
        )
    return (
        "<section>\n<h2>Strategies as run</h2>\n"
        '<div class="table-wrap"><table>\n'
        "<thead><tr><th>Strategy</th><th>Parameters</th><th>Measured</th>"
        '<th class="num">Days</th><th>Config hash</th><th>Data hash</th></tr></thead>\n'
        f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table></div>\n</section>"
    )


def _provenance(run: Mapping[str, Any]) -> str:
    period = run.get("period") or {}
    costs = run.get("costs") or {}
    facts = [
        ("Experiment", _text(run.get("experiment"))),
        ("Period", f"{_text(period.get('start'))} to {_text(period.get('end'))}"),
        ("Execution", f"traded {_lag_phrase(run.get('execution_lag'))} after the decision"),
        ("Fees", _cost(costs.get("fees"))),
        ("Slippage", _cost(costs.get("slippage"))),
        ("Benchmark", _text(run.get("benchmark"))),
        ("Annualisation", f"{PERIODS_PER_YEAR} trading days, rf = 0"),
        ("macropatch", _text(run.get("macropatch_version"))),
    ]
    listed = "".join(f"<dt>{escape(key)}</dt><dd>{escape(value)}</dd>" for key, value in facts)
    sources = run.get("data") or []
    rows = []
    for source in sources:
        content_hash = _text(source.get("content_hash"))
        rows.append(
            f"<tr><td><strong>{escape(_text(source.get('series')))}</strong></td>"
            f"<td>{escape(_text(source.get('source')))}</td>"
            f'<td class="mono">{escape(_text(source.get("location")))}</td>'
            f"<td>{escape(_text(source.get('last_date')))}</td>"
            f'<td class="mono" title="{escape(content_hash, quote=True)}">'
            f"{escape(content_hash[:12])}</td></tr>"
        )
    table = (
        '<div class="table-wrap"><table>\n'
        "<thead><tr><th>Series</th><th>Source</th><th>Location</th><th>Last date</th>"
        "<th>Content hash</th></tr></thead>\n"
        f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table></div>"
        if rows
        else '<p class="note">No data source was recorded.</p>'
    )
    return (
        "<section>\n<h2>Provenance</h2>\n"
        f'<dl class="facts">{listed}</dl>\n<h3>Data</h3>\n{table}\n</section>'
    )


def _footer(run: Mapping[str, Any]) -> str:
    return (
        f"<footer>Written by macropatch {escape(_text(run.get('macropatch_version')))}. "
        "This page is self-contained: it loads no script, font or image.</footer>"
    )


# -- charts ---------------------------------------------------------------------------


def _equity_chart(results: ResultSet, benchmark: str, colours: Mapping[str, str]) -> str:
    figure = Figure(figsize=(11, 4.6), layout="constrained")
    axes = figure.add_subplot()
    low, high = math.inf, -math.inf
    for result in _benchmark_last(results, benchmark):
        wealth = equity_curve(result.returns)
        low, high = min(low, float(wealth.min()), 1.0), max(high, float(wealth.max()), 1.0)
        axes.plot(wealth.index, wealth.to_numpy(), label=result.name, **_line(result.name, benchmark, colours))
    axes.set_yscale("log")
    _growth_ticks(axes, low, high)
    axes.axhline(1.0, color="#9aa3af", linewidth=0.8, zorder=1)
    axes.set_ylabel("Growth of 1")
    _date_axis(axes)
    handles, labels = axes.get_legend_handles_labels()
    order = [labels.index(name) for name in results.names]
    axes.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncol=min(len(order), 5),
        fontsize=9,
        handlelength=2.4,
    )
    return figure_to_svg(figure, label="Growth of 1 per strategy, log scale")


def _drawdown_chart(results: ResultSet, benchmark: str, colours: Mapping[str, str]) -> str:
    figure = Figure(figsize=(11, 3.4), layout="constrained")
    axes = figure.add_subplot()
    for result in _benchmark_last(results, benchmark):
        drawdown = drawdown_series(result.returns)
        style = _line(result.name, benchmark, colours)
        if result.name == benchmark:
            axes.fill_between(drawdown.index, drawdown.to_numpy(), 0.0, color="#1d2430", alpha=0.07, linewidth=0)
        axes.plot(drawdown.index, drawdown.to_numpy(), **style)
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    axes.set_ylim(top=0.005)
    axes.set_ylabel("Below running peak")
    _date_axis(axes)
    return figure_to_svg(figure, label="Drawdown per strategy")


def _line(name: str, benchmark: str, colours: Mapping[str, str]) -> dict[str, Any]:
    if name == benchmark:
        return {"color": colours[name], "linewidth": 1.7, "linestyle": (0, (5, 2.5)), "zorder": 3}
    return {"color": colours[name], "linewidth": 1.4, "alpha": 0.95, "zorder": 2}


def _date_axis(axes: Any) -> None:
    locator = matplotlib.dates.AutoDateLocator(minticks=5, maxticks=12)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(locator))
    axes.margins(x=0.01)


def _growth_ticks(axes: Any, low: float, high: float) -> None:
    """Readable ticks on a log axis: plain steps over a narrow range, 1-2-5 over a wide one."""
    if high / low < 4:
        ticks = MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)
        axes.yaxis.set_major_locator(FixedLocator([t for t in ticks if t > 0]))
    else:
        axes.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axes.yaxis.set_minor_locator(FixedLocator([]))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.set_ylim(low / 1.03, high * 1.03)


def _benchmark_last(results: ResultSet, benchmark: str) -> list[Any]:
    """Strategies in run order with the benchmark drawn last, on top."""
    return sorted(results, key=lambda result: result.name == benchmark)


def _colours(names: Sequence[str], benchmark: str) -> dict[str, str]:
    colours: dict[str, str] = {}
    others = [name for name in names if name != benchmark]
    for position, name in enumerate(others):
        colours[name] = PALETTE[position % len(PALETTE)]
    if benchmark in names:
        colours[benchmark] = BENCHMARK_COLOUR
    return colours


# -- words ------------------------------------------------------------------------------


def _text(value: object) -> str:
    return "n/a" if value is None or value == "" else str(value)


def _parameter(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _is_negative(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value) and value < 0


def _cost(value: object) -> str:
    """A cost as a fraction of traded value, in basis points: 0.0005 -> ``5 bp``."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "n/a"
    return f"{float(value) * 10_000:g} bp"


def _lag_phrase(lag: object) -> str:
    if not isinstance(lag, int) or isinstance(lag, bool):
        return "after an unrecorded lag"
    if lag == 0:
        return "at the same close"
    if lag == 1:
        return "at the next close"
    return f"at the close {lag} trading days later"
