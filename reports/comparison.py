"""``index.html``: every strategy of a run side by side, on one offline page.

Requires the run's daily returns, one column per strategy (for the curves), and its
summary from :func:`macropatch.reports.summary.build_summary` (for every number shown, so
the page and ``summary.json`` cannot disagree). Produces one self-contained
HTML file: inline CSS, charts as inline SVG drawn with matplotlib's SVG
backend, no script, font or image from anywhere.

The page holds a short explanation, the metrics table (``id="metrics"``, one
row per strategy with ``data-strategy="<name>"`` and one cell per metric with
``data-metric="<key>"``), equity curves on a log scale, drawdowns, the
crisis table (``id="crises"``), the calendar-year heatmap
(``id="annual-returns"``) and the correlation matrix (``id="correlation"``) --
rows with ``data-strategy``, cells with ``data-column`` (:mod:`macropatch.reports.charts`)
-- the strategies' parameters, and the provenance of the run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

import pandas as pd

from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR
from macropatch.reports.charts import (
    HEAT_STYLE,
    annual_section,
    correlation_section,
    crises_section,
    drawdown_chart,
    equity_chart,
)
from macropatch.reports.documents import (
    NeutralByDefault,
    RunInfo,
    RunSummary,
    StrategySummary,
    WithoutProxies,
)
from macropatch.reports.html import (
    TableMetric,
    ValueKind,
    chart_style,
    format_metric,
    format_value,
    html_table,
    render_page,
    short_hash,
    text_or_na,
    write_page,
)

__all__ = ["write_comparison"]

PALETTE = ("#1f5fbf", "#d1495b", "#2e933c", "#e09f1f", "#7b4fa0", "#00798c", "#e0662b", "#8c564b")
"""Strategy colours, in run order; the benchmark is drawn in ``BENCHMARK_COLOUR``."""

BENCHMARK_COLOUR = "#1d2430"

_SIGNED_METRICS = (TableMetric.CAGR, TableMetric.SHARPE, TableMetric.SORTINO, TableMetric.CALMAR)


def write_comparison(
    returns: pd.DataFrame,
    *,
    summary: RunSummary,
    path: Path,
    tearsheet_links: Mapping[str, str],
    signals_link: str = "signals.html",
    shaded: Mapping[str, pd.Series] | None = None,
    stress_link: str | None = None,
    evidence_link: str | None = None,
) -> Path:
    """Write the comparison page of a run.

    Parameters
    ----------
    returns
        Daily returns of the strategies of the run, one column each, the
        benchmark included; rows of the table follow the column order.
    summary
        The run's summary (:func:`macropatch.reports.summary.build_summary`): every number
        in the table is formatted from it with :func:`reports.html.format_metric`.
    path
        Where to write (``<out>/index.html``); written atomically.
    tearsheet_links
        Strategy name to the relative address of its tearsheet
        (``tearsheets/<name>.html``); a strategy without one gets no link.
    signals_link
        Relative address of the signal dashboard.
    stress_link
        Relative address of the stress tests (``None``: no link).
    evidence_link
        Relative address of the evidence page (``None``: no link).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    KeyError
        If the summary has no entry for a strategy of ``returns``.
    ValueError
        If a link points to another host (the page must stay offline).
    """
    run, measured = summary.run, summary.strategies
    names = [str(name) for name in returns.columns]
    absent = [name for name in names if name not in measured]
    if absent:
        raise KeyError(f"summary has no metrics for {', '.join(absent)}")
    benchmark = run.benchmark
    colours = _colours(names, benchmark)
    experiment = run.experiment
    headings = {name: f"{_swatch(colours[name])}<strong>{escape(name)}</strong>" for name in names}
    body = "\n".join(
        [
            _introduction(
                run,
                names,
                tearsheet_links,
                signals_link,
                {"Stress tests": stress_link, "Evidence: what the signals add": evidence_link},
            ),
            _metrics_table(names, measured, benchmark, colours, tearsheet_links),
            _charts(returns, benchmark, colours, measured, shaded or {}),
            crises_section(names, measured, headings),
            annual_section(names, measured, headings),
            correlation_section(names, summary.correlation, headings),
            _strategies_table(names, measured, colours),
            _provenance(run),
            _footer(run),
        ]
    )
    page = render_page(title=f"macropatch · {experiment}", body=body, extra_style=HEAT_STYLE)
    return write_page(Path(path), page)


# -- sections -------------------------------------------------------------------


def _introduction(
    run: RunInfo,
    names: Sequence[str],
    tearsheet_links: Mapping[str, str],
    signals_link: str,
    pages: Mapping[str, str | None],
) -> str:
    costs, benchmark = run.costs, run.benchmark
    start, end = run.period.start, run.period.end
    subtitle = f"{start} to {end} · {len(names)} strategies"
    if benchmark:
        subtitle += f" · benchmark {benchmark}"
    benchmark_sentence = (
        f" The highlighted row is the benchmark, <strong>{escape(str(benchmark))}</strong>."
        if benchmark
        else ""
    )
    explanation = (
        "Each strategy of the experiment "
        f"<strong>{escape(run.experiment)}</strong> was backtested on daily "
        f"closing prices from {escape(start)} to {escape(end)}. A decision taken at the close of "
        f"one day is traded {_lag_phrase(run.execution_lag)}, paying fees of "
        f"{_cost(costs.fees)} and slippage of {_cost(costs.slippage)} of the value "
        "traded, so returns are net of costs. Ratios are annualised over "
        f"{PERIODS_PER_YEAR} trading days with a risk-free rate of zero (rf = 0); turnover is "
        f"the value traded per year as a share of the portfolio.{benchmark_sentence} Every "
        "number here is also in <code>summary.json</code>; each strategy's full tearsheet is "
        "linked from its row."
    )
    links = [f'<a href="{escape(signals_link, quote=True)}">Signals</a>']
    links += [
        f'<a href="{escape(link, quote=True)}">{escape(title)}</a>'
        for title, link in pages.items()
        if link
    ]
    links += [
        f'<a href="{escape(tearsheet_links[name], quote=True)}">{escape(name)} tearsheet</a>'
        for name in names
        if name in tearsheet_links
    ]
    notes = [note for note in run.notes if note]
    callout = (
        '<div class="callout"><strong>Read before comparing</strong><ul>'
        + "".join(f"<li>{escape(note)}</li>" for note in notes)
        + "</ul></div>\n"
        if notes
        else ""
    )
    return (
        "<header>\n<h1>Patch strategies compared</h1>\n"
        f'<p class="subtitle">{escape(subtitle)}</p>\n'
        f'<p class="lead">{explanation}</p>\n{callout}'
        f'<nav class="links">{"".join(links)}</nav>\n</header>'
    )


def _metrics_table(
    names: Sequence[str],
    measured: Mapping[str, StrategySummary],
    benchmark: str,
    colours: Mapping[str, str],
    tearsheet_links: Mapping[str, str],
) -> str:
    heads = "".join(f'<th class="num">{escape(metric.label)}</th>' for metric in TableMetric)
    rows = []
    for name in names:
        cells = []
        for metric in TableMetric:
            value = measured[name].metric(metric.key)
            negative = metric in _SIGNED_METRICS and _is_negative(value)
            cells.append(
                f'<td class="{"num neg" if negative else "num"}" data-metric="{metric.key}">'
                f"{format_metric(metric, value)}</td>"
            )
        link = tearsheet_links.get(name)
        tearsheet = f'<a href="{escape(link, quote=True)}">tearsheet</a>' if link else "—"
        tag = '<span class="tag">benchmark</span>' if name == benchmark else ""
        row_class = ' class="benchmark"' if name == benchmark else ""
        rows.append(
            f'<tr data-strategy="{escape(name, quote=True)}"{row_class}>'
            f'<td class="name">{_swatch(colours[name])}<strong>{escape(name)}</strong>{tag}</td>'
            f"{''.join(cells)}<td>{tearsheet}</td></tr>"
        )
    return (
        "<section>\n<h2>Performance</h2>\n"
        '<div class="table-wrap"><table id="metrics">\n'
        f"<thead><tr><th>Strategy</th>{heads}<th>Report</th></tr></thead>\n"
        f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table></div>\n"
        '<p class="note">CAGR counts 252 trading days as a year. Max drawdown is the deepest fall '
        "from a running peak; worst month is the lowest calendar-month return; Calmar is CAGR over "
        "the absolute max drawdown. Hedge cost is what a strategy's insurance cost a year net of "
        "its payouts: the S&P 500 held with puts against the bare index, a put overlay or a "
        "volatility fund against holding that weight in cash; positive is a cost, negative a "
        "net gain. n/a: not defined (no loss, no drawdown, no "
        "trade or no hedge).</p>\n"
        "</section>"
    )


def _charts(
    returns: pd.DataFrame,
    benchmark: str,
    colours: Mapping[str, str],
    measured: Mapping[str, StrategySummary],
    shaded: Mapping[str, pd.Series],
) -> str:
    with chart_style():
        equity = equity_chart(returns, benchmark, colours, shaded)
        drawdowns = drawdown_chart(returns, benchmark, colours, measured)
    return (
        "<section>\n<h2>Growth of 1 (log scale)</h2>\n"
        f'<div class="chart">{equity}</div>\n'
        "<h2>Drawdowns</h2>\n"
        f'<div class="chart">{drawdowns}</div>\n'
        '<p class="note">Colours as in the table; the benchmark is dashed above and shaded grey '
        "below. Curves start at 1 before the first trading day."
        + (
            f" Shaded behind the growth curves: the days on which {escape(', '.join(shaded))} fired,"
            " as knowable that day (signals.html shows every trigger)."
            if shaded
            else ""
        )
        + "</p>\n</section>"
    )


def _strategies_table(
    names: Sequence[str],
    measured: Mapping[str, StrategySummary],
    colours: Mapping[str, str],
) -> str:
    rows = []
    for name in names:
        values = measured[name]
        listed = "<br>".join(
            f"<code>{escape(str(key))} = {escape(_parameter(value))}</code>"
            for key, value in values.parameters.items()
        )
        rows.append(
            (
                f"{_swatch(colours[name])}{escape(name)}",
                listed or '<span class="note">none</span>',
                escape(f"{values.start} to {values.end}"),
                escape(str(values.days)),
                _neutral_cell(values.neutral_by_default),
                _without_proxies_cell(values.without_proxies),
                short_hash(values.config_hash),
                short_hash(values.data_hash),
            )
        )
    heads = (
        "Strategy",
        "Parameters",
        "Measured",
        "Days",
        "Neutral by default",
        "Without proxies",
        "Config hash",
        "Data hash",
    )
    return (
        '<section id="strategies">\n<h2>Strategies as run</h2>\n'
        f"{html_table(heads, rows, numeric=(3,))}\n"
        '<p class="note">Neutral by default: trades decided while a signal the strategy reads '
        "was unknown (missing or stale data); that signal's part of the weights was then its "
        "neutral one, not a quiet reading. <code>weights/&lt;name&gt;.csv</code> marks each such "
        "trade in its <code>neutral_by_default</code> column. Without proxies: the headline "
        "metrics from the first day every asset the strategy trades has its own prices (no "
        "index, factor or futures series standing in before an ETF existed).</p>\n</section>"
    )


def _without_proxies_cell(found: WithoutProxies | None) -> str:
    """The strategy's headline metrics from its first day without a proxy."""
    if found is None:
        return '<span class="note">no proxy in the run</span>'
    return (
        f"from {escape(found.start)}:<br><small>CAGR {format_value(found.cagr, ValueKind.PERCENT)}"
        f", Sharpe {format_value(found.sharpe, ValueKind.RATIO)}, max drawdown "
        f"{format_value(found.max_drawdown, ValueKind.PERCENT)}; the benchmark CAGR "
        f"{format_value(found.benchmark_cagr, ValueKind.PERCENT)}</small>"
    )


def _neutral_cell(neutral: NeutralByDefault | None) -> str:
    """The neutral-by-default trades of a strategy in words (n/a: it reads no signal)."""
    if neutral is None:
        return '<span class="note">reads no signal</span>'
    if not neutral.rebalances:
        return f"none of {neutral.of}"
    worst = sorted(neutral.signals.items(), key=lambda item: -item[1])[:3]
    names = ", ".join(f"{escape(name)} ({count})" for name, count in worst)
    return (
        f'<span class="tag warn">{neutral.rebalances} of {neutral.of} trades</span><br>'
        f"<small>{names}; last {escape(str(neutral.last))}</small>"
    )


def _provenance(run: RunInfo) -> str:
    facts = [
        ("Experiment", run.experiment),
        ("Period", f"{run.period.start} to {run.period.end}"),
        ("Execution", f"traded {_lag_phrase(run.execution_lag)} after the decision"),
        ("Fees", _cost(run.costs.fees)),
        ("Slippage", _cost(run.costs.slippage)),
        ("Benchmark", run.benchmark),
        ("Annualisation", f"{PERIODS_PER_YEAR} trading days, rf = 0"),
        ("macropatch", run.macropatch_version),
    ]
    listed = "".join(f"<dt>{escape(key)}</dt><dd>{escape(value)}</dd>" for key, value in facts)
    rows = [
        (
            f"<strong>{escape(source.series)}</strong>",
            escape(source.source),
            f'<span class="mono">{escape(source.location)}</span>',
            escape(text_or_na(source.first_date)),
            escape(source.last_date),
            short_hash(source.content_hash),
        )
        for source in run.data
    ]
    heads = ("Series", "Source", "Location", "First date", "Last date", "Content hash")
    data = html_table(heads, rows) if rows else '<p class="note">No data source was recorded.</p>'
    parts = [
        "<section>\n<h2>Provenance</h2>",
        f'<dl class="facts">{listed}</dl>',
        f"<h3>Data</h3>\n{data}",
    ]
    splices = [
        (escape(item.series), escape(item.proxy), escape(item.joined)) for item in run.splices
    ]
    if splices:
        parts.append(
            "<h3>Spliced series</h3>\n"
            '<p class="note">Before the date joined, a series is its proxy.</p>\n'
            + html_table(("Series", "Proxy", "Joined"), splices)
        )
    return "\n".join(parts) + "\n</section>"


def _footer(run: RunInfo) -> str:
    return (
        f"<footer>Written by macropatch {escape(run.macropatch_version)}. "
        "This page is self-contained: it loads no script, font or image.</footer>"
    )


def _colours(names: Sequence[str], benchmark: str) -> dict[str, str]:
    colours: dict[str, str] = {}
    others = [name for name in names if name != benchmark]
    for position, name in enumerate(others):
        colours[name] = PALETTE[position % len(PALETTE)]
    if benchmark in names:
        colours[benchmark] = BENCHMARK_COLOUR
    return colours


# -- words ------------------------------------------------------------------------------


def _swatch(colour: str) -> str:
    return f'<span class="swatch" style="background:{colour}"></span>'


def _parameter(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _is_negative(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value < 0


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
