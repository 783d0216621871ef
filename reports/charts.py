"""The pictures of the comparison page: curves as inline SVG, heatmaps as tables.

Requires the strategies' daily returns (one column each), their colours and
the summary's numbers. Produces ``<svg>`` markup drawn with matplotlib's SVG
backend (:func:`reports.html.figure_to_svg`; call inside
:func:`reports.html.chart_style`) and HTML tables whose cells are shaded by
value (:func:`heat_table`, styled by :data:`HEAT_STYLE`): no file, no script,
nothing fetched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, MaxNLocator, PercentFormatter

from macropatch.backtests.metrics.performance import drawdown_series, equity_curve
from macropatch.reports.documents import StrategySummary
from macropatch.reports.html import (
    TableMetric,
    ValueKind,
    date_axis,
    figure_to_svg,
    format_metric,
    format_value,
    legend_in_rows,
    thin_curve,
)

__all__ = [
    "HEAT_STYLE",
    "annual_section",
    "correlation_section",
    "crises_section",
    "drawdown_chart",
    "equity_chart",
    "heat_cell",
    "heat_table",
]


#: Colours of the shaded periods behind the growth chart, in order.
SHADE_COLOURS = ("#f4c7c3", "#fde2b8", "#d9d2f0")


def fired_runs(fired: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Start and end of each run of consecutive days on which ``fired`` is True (NA = not fired)."""
    flags = fired.fillna(False).astype(bool).to_numpy()
    runs = []
    start = None
    for position, flag in enumerate(flags):
        if flag and start is None:
            start = position
        if not flag and start is not None:
            runs.append((fired.index[start], fired.index[position - 1]))
            start = None
    if start is not None:
        runs.append((fired.index[start], fired.index[-1]))
    return runs


def equity_chart(
    returns: pd.DataFrame,
    benchmark: str,
    colours: Mapping[str, str],
    shaded: Mapping[str, pd.Series] | None = None,
) -> str:
    """Growth of 1 per strategy on a log scale, the benchmark dashed and drawn on top.

    ``shaded`` maps a label to a daily boolean series (a trigger that fired):
    its runs of True are shaded behind the curves, one colour per label.

    Parameters
    ----------
    returns
        Daily returns, one column per strategy; the legend follows their order.
    benchmark
        Name of the benchmark (``""`` for none).
    colours
        Strategy name to line colour.

    Returns
    -------
    str
        Inline ``<svg>`` markup.
    """
    figure = Figure(figsize=(11, 4.6), layout="constrained")
    axes = figure.add_subplot()
    for (label, fired), colour in zip((shaded or {}).items(), SHADE_COLOURS, strict=False):
        for number, (start, end) in enumerate(fired_runs(fired)):
            axes.axvspan(
                mdates.date2num(start),
                mdates.date2num(end),
                color=colour,
                alpha=0.6,
                linewidth=0,
                zorder=0,
                label=label if number == 0 else None,
            )
    low, high = 1.0, 1.0
    names = [str(name) for name in returns.columns]
    for name in sorted(names, key=lambda name: name == benchmark):  # the benchmark on top
        wealth = thin_curve(equity_curve(returns[name]), minimum=False)
        low, high = min(low, float(wealth.min())), max(high, float(wealth.max()))
        axes.plot(wealth.index, wealth.to_numpy(), label=name, **_line(name, benchmark, colours))
    axes.set_yscale("log")
    _growth_ticks(axes, low, high)
    axes.axhline(1.0, color="#9aa3af", linewidth=0.8, zorder=1)
    axes.set_ylabel("Growth of 1")
    date_axis(axes)
    handles, labels = axes.get_legend_handles_labels()
    by_name = dict(zip(labels, handles, strict=True))
    columns = min(len(names), 6)
    entries = [(by_name[name], name) for name in names]
    entries += [(by_name[label], f"{label} fired") for label in (shaded or {}) if label in by_name]
    ordered = legend_in_rows(entries, columns)
    axes.legend(
        [handle for handle, _ in ordered],
        [label for _, label in ordered],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncol=columns,
        fontsize=9,
        handlelength=2.4,
    )
    return figure_to_svg(figure, label="Growth of 1 per strategy, log scale")


def drawdown_chart(
    returns: pd.DataFrame,
    benchmark: str,
    colours: Mapping[str, str],
    measured: Mapping[str, StrategySummary],
) -> str:
    """Small multiples: each strategy's drawdowns over the benchmark's, shaded.

    Parameters
    ----------
    returns, benchmark, colours
        As in :func:`equity_chart`.
    measured
        The summary's metrics per strategy: each panel's title shows its
        ``max_drawdown`` through :func:`reports.html.format_metric`.

    Returns
    -------
    str
        Inline ``<svg>`` markup.
    """
    every = [str(name) for name in returns.columns]
    names = [name for name in every if name != benchmark] or every
    columns = 1 if len(names) == 1 else 2 if len(names) in (2, 4) else 3
    rows = -(-len(names) // columns)
    figure = Figure(figsize=(11, 0.4 + 2.2 * rows), layout="constrained")
    grid = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    reference = (
        thin_curve(drawdown_series(returns[benchmark]), minimum=True)
        if benchmark in every
        else None
    )
    for position, axes in enumerate(grid.flat):
        if position >= len(names):
            axes.set_visible(False)
            continue
        name = names[position]
        if reference is not None and name != benchmark:
            axes.fill_between(
                reference.index, reference.to_numpy(), 0.0, color="#8d96a3", alpha=0.28, linewidth=0
            )
        drawdown = thin_curve(drawdown_series(returns[name]), minimum=True)
        axes.fill_between(
            drawdown.index, drawdown.to_numpy(), 0.0, color=colours[name], alpha=0.12, linewidth=0
        )
        axes.plot(drawdown.index, drawdown.to_numpy(), color=colours[name], linewidth=1.1)
        deepest = format_metric(TableMetric.MAX_DRAWDOWN, measured[name].max_drawdown)
        axes.set_title(f"{name}   max {deepest}", loc="left", fontsize=10, color="#1d2430")
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
        date_axis(axes, few_ticks=True)
    grid[0][0].set_ylim(top=0.0)
    return figure_to_svg(figure, label="Drawdowns per strategy, benchmark shaded grey")


def _line(name: str, benchmark: str, colours: Mapping[str, str]) -> dict[str, Any]:
    if name == benchmark:
        return {"color": colours[name], "linewidth": 1.7, "linestyle": (0, (5, 2.5)), "zorder": 3}
    return {"color": colours[name], "linewidth": 1.4, "alpha": 0.95, "zorder": 2}


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


# -- heatmap tables ----------------------------------------------------------------

HEAT_STYLE = """
table.heat td.heat{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.heat td.heat.up{color:var(--good)}
table.heat td.heat.down{color:var(--bad)}
table.heat th.num{white-space:nowrap}
"""
"""CSS of the heatmap tables (pass to :func:`reports.html.render_page`)."""

GAIN_RGB = (26, 127, 75)
LOSS_RGB = (179, 38, 30)
POSITIVE_RGB = (31, 95, 191)
NEGATIVE_RGB = (224, 102, 43)


def heat_cell(
    value: object,
    *,
    kind: ValueKind,
    scale: float,
    column: str,
    tooltip: str = "",
    colours: tuple[tuple[int, int, int], tuple[int, int, int]] = (LOSS_RGB, GAIN_RGB),
) -> str:
    """One ``<td>`` of a heatmap table: the formatted value on a shaded background.

    Parameters
    ----------
    value
        The number from the summary (``None`` shows ``n/a``, unshaded).
    kind
        How :func:`reports.html.format_value` shows it.
    scale
        The magnitude shaded at full strength; smaller values are paler.
    column
        Value of the cell's ``data-column`` attribute (plain text, escaped here).
    tooltip
        Plain-text ``title`` of the cell (escaped here); none when empty.
    colours
        RGB of negative and of positive values (loss red and gain green by
        default); the text takes the class ``down`` or ``up`` accordingly.

    Returns
    -------
    str
        ``<td class="heat up" data-column="..." style="background:rgba(...)">12.34%</td>``.
    """
    text = format_value(value, kind)
    css, style = "heat", ""
    if isinstance(value, int | float) and not isinstance(value, bool) and text != "n/a":
        number = float(value)
        strength = min(abs(number) / scale, 1.0) * 0.55 if scale > 0 else 0.0
        red, green, blue = colours[0] if number < 0 else colours[1]
        if text.strip("-0.%") != "":
            css += " down" if number < 0 else " up"
        style = f' style="background:rgba({red},{green},{blue},{strength:.3f})"'
    title = f' title="{escape(tooltip, quote=True)}"' if tooltip else ""
    return f'<td class="{css}" data-column="{escape(column, quote=True)}"{title}{style}>{text}</td>'


def heat_table(
    table_id: str,
    corner: str,
    columns: Sequence[str],
    rows: Sequence[tuple[str, str, Sequence[str]]],
) -> str:
    """A table of shaded cells, one row per strategy.

    Parameters
    ----------
    table_id
        The table's ``id``.
    corner
        Heading of the first column (plain text).
    columns
        Headings of the value columns (plain text, escaped here).
    rows
        ``(strategy name, row heading as HTML, cells from heat_cell)``; the row
        carries ``data-strategy="<name>"``.

    Returns
    -------
    str
        The table in a horizontally scrolling wrapper.
    """
    heads = "".join(f'<th class="num">{escape(column)}</th>' for column in columns)
    body = "\n".join(
        f'<tr data-strategy="{escape(name, quote=True)}"><td class="name">{heading}</td>'
        f"{''.join(cells)}</tr>"
        for name, heading, cells in rows
    )
    return (
        f'<div class="table-wrap"><table class="heat" id="{escape(table_id, quote=True)}">\n'
        f"<thead><tr><th>{escape(corner)}</th>{heads}</tr></thead>\n"
        f"<tbody>\n{body}\n</tbody>\n</table></div>"
    )


# -- sections of the page ------------------------------------------------------------


def crises_section(
    names: Sequence[str],
    measured: Mapping[str, StrategySummary],
    headings: Mapping[str, str],
) -> str:
    """The crisis table (``id="crises"``): each strategy's return in each stress window.

    Parameters
    ----------
    names
        Strategies in row order.
    measured
        The summary's entries per strategy; reads ``stress_windows``.
    headings
        Strategy name to its row heading (HTML).

    Returns
    -------
    str
        A ``<section>``; windows no strategy's data cover are left out and named.
    """
    windows = {name: measured[name].stress_windows for name in names}
    # The run's own windows, in its order: those the stress tests replay (stress.html).
    order = list(dict.fromkeys(key for name in names for key in windows[name]))
    shown = [
        key
        for key in order
        if any(key in windows[name] and windows[name][key].return_ is not None for name in names)
    ]
    skipped = [key for key in dict.fromkeys(order) if key not in shown]
    heading = "<section>\n<h2>Crises: return from the market's peak to its trough</h2>\n"
    if not shown:
        return heading + '<p class="note">No stress window falls inside the data.</p>\n</section>'
    rows = []
    for name in names:
        cells = []
        for key in shown:
            outcome = windows[name].get(key)
            deepest = format_value(outcome and outcome.max_drawdown, ValueKind.PERCENT)
            cells.append(
                heat_cell(
                    outcome and outcome.return_,
                    kind=ValueKind.PERCENT,
                    scale=0.3,
                    column=key,
                    tooltip=f"{name}, {key}: max drawdown {deepest}",
                )
            )
        rows.append((name, headings[name], cells))
    outside = f" Outside the data (not shown): {escape(', '.join(skipped))}." if skipped else ""
    spans = {key: outcome for name in names for key, outcome in windows[name].items()}
    dates = "; ".join(
        f"{escape(key)}: {escape(spans[key].start)} to {escape(spans[key].end)}"
        for key in shown
        if key in spans
    )
    return (
        heading
        + heat_table("crises", "Strategy", shown, rows)
        + '\n<p class="note">Compounded return from the close of the S&amp;P 500\'s peak to '
        f"the close of its trough ({dates}); hover a cell for the max drawdown inside the window. "
        f"n/a: the strategy's data do not cover the whole window.{outside}</p>\n</section>"
    )


def annual_section(
    names: Sequence[str],
    measured: Mapping[str, StrategySummary],
    headings: Mapping[str, str],
) -> str:
    """The calendar-year heatmap (``id="annual-returns"``), or ``""`` without years.

    Parameters are as in :func:`crises_section`; reads ``annual_returns``.
    """
    years = sorted({year for name in names for year in measured[name].annual_returns})
    if not years:
        return ""
    rows = []
    for name in names:
        annual = measured[name].annual_returns
        cells = [
            heat_cell(annual.get(year), kind=ValueKind.PERCENT, scale=0.25, column=year)
            for year in years
        ]
        rows.append((name, headings[name], cells))
    return (
        "<section>\n<h2>Calendar-year returns</h2>\n"
        + heat_table("annual-returns", "Strategy", years, rows)
        + '\n<p class="note">Compounded over the trading days of each year the strategy was '
        "measured; the first and last years may be partial. Green gains, red losses, deeper "
        "for larger moves.</p>\n</section>"
    )


def correlation_section(
    names: Sequence[str],
    correlation: Mapping[str, Mapping[str, float | None]],
    headings: Mapping[str, str],
) -> str:
    """The correlation matrix (``id="correlation"``), or ``""`` without one.

    Parameters
    ----------
    names
        Strategies in row and column order.
    correlation
        The summary's ``correlation``: ``{name: {name: value}}``.
    headings
        Strategy name to its row heading (HTML).
    """
    if not correlation:
        return ""
    rows = []
    for name in names:
        row = correlation.get(name) or {}
        cells = [
            heat_cell(
                row.get(other),
                kind=ValueKind.RATIO,
                scale=1.0,
                column=other,
                colours=(NEGATIVE_RGB, POSITIVE_RGB),
            )
            for other in names
        ]
        rows.append((name, headings[name], cells))
    return (
        "<section>\n<h2>Correlation of daily returns</h2>\n"
        + heat_table("correlation", "Strategy", names, rows)
        + '\n<p class="note">Pearson correlation over the days both strategies were measured. '
        "Blue moves together, orange moves apart; n/a where a strategy's returns never vary "
        "(cash).</p>\n</section>"
    )
