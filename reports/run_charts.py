"""The interactive charts of ``index.html``: growth, drawdowns, rolling risk and weights.

Requires the run's daily returns (one column per strategy, the benchmark
included), the colour of each strategy and, for the weights, each strategy's
target weights on its execution dates and the fired flags of the signals it
reads. Produces Plotly chart markup (:func:`macropatch.reports.plotting.chart_markup`):

- :func:`growth_chart`: growth of 1 on a log scale, the benchmark dashed;
  hover shows every strategy's value on the day, a click on a legend entry
  hides a line and a double click isolates it;
- :func:`drawdown_chart`: small multiples, each strategy over the benchmark;
- :func:`rolling_chart`: one-year rolling Sharpe ratio and volatility;
- :func:`weights_chart`: a strategy's target weights as a stacked area, with
  a strip below it shading the weeks on which each of its signals fired.

Daily curves longer than :data:`macropatch.reports.html.THIN_ABOVE` days are
drawn weekly (the week's last value; a drawdown's deepest).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.subplots import make_subplots

from macropatch.backtests.metrics.performance import (
    PERIODS_PER_YEAR,
    drawdown_series,
    equity_curve,
)
from macropatch.reports.plotting import (
    MUTED,
    by_week,
    chart_markup,
    dates,
    figure,
    layout,
    line_trace,
    log_ticks,
    values,
    weekly,
)
from macropatch.reports.templating import anchor

__all__ = [
    "ASSET_COLOURS",
    "ROLLING_DAYS",
    "drawdown_chart",
    "growth_chart",
    "rolling_chart",
    "weights_chart",
]

ROLLING_DAYS = PERIODS_PER_YEAR
"""The window of the rolling Sharpe ratio and volatility: one year of trading days."""

ASSET_COLOURS = (
    "#1f5fbf", "#e09f1f", "#2e933c", "#d1495b", "#7b4fa0", "#00798c", "#e0662b", "#8c564b",
    "#5f9ed1", "#c85200", "#a2c8ec", "#898989", "#ffbc79", "#cfcfcf",
)  # fmt: skip
CASH_COLOUR = "#d7dbe2"
FIRED_COLOUR = "#d1495b"


def _line(name: str, benchmark: str, colours: Mapping[str, str]) -> dict[str, object]:
    if name == benchmark:
        return {"color": colours[name], "width": 2, "dash": "dash"}
    return {"color": colours[name], "width": 1.5}


def growth_chart(returns: pd.DataFrame, benchmark: str, colours: Mapping[str, str]) -> Markup:
    """Growth of 1 per strategy on a log scale (weekly points), the benchmark dashed."""
    curves = {str(name): weekly(equity_curve(returns[name])) for name in returns.columns}
    low = min([1.0, *(float(curve.min()) for curve in curves.values() if len(curve))])
    high = max([1.0, *(float(curve.max()) for curve in curves.values() if len(curve))])
    ticks = log_ticks(low, high)
    chart = figure(
        yaxis={
            **layout()["yaxis"],
            "type": "log",
            "title": {"text": "Growth of 1"},
            "tickvals": ticks,
            "ticktext": [f"{tick:g}" for tick in ticks],
        }
    )
    for name, wealth in curves.items():
        line = _line(name, benchmark, colours)
        chart.add_trace(line_trace(wealth, name=name, line=line, hovertemplate="%{y:.3f}"))
    return chart_markup(
        chart, chart_id="growth", label="Growth of 1 per strategy, log scale", height=460
    )


def drawdown_chart(returns: pd.DataFrame, benchmark: str, colours: Mapping[str, str]) -> Markup:
    """Small multiples: each strategy's drawdowns (line) over the benchmark's (grey area)."""
    every = [str(name) for name in returns.columns]
    names = [name for name in every if name != benchmark] or every
    columns = 1 if len(names) == 1 else 2 if len(names) in (2, 4) else 3
    rows = -(-len(names) // columns)
    chart = make_subplots(
        rows=rows,
        cols=columns,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=names,
        vertical_spacing=0.12 / max(rows - 1, 1) if rows > 1 else 0.0,
        horizontal_spacing=0.04,
    )
    chart.update_layout(layout(showlegend=False, margin={"l": 56, "r": 40, "t": 40, "b": 30}))
    reference = (
        weekly(drawdown_series(returns[benchmark]), how="min") if benchmark in every else None
    )
    for position, name in enumerate(names):
        row, column = divmod(position, columns)
        where = {"row": row + 1, "col": column + 1}
        if reference is not None and name != benchmark:
            chart.add_trace(
                line_trace(
                    reference,
                    name=benchmark,
                    line={"width": 0, "color": "#8d96a3"},
                    hovertemplate="%{y:.1%}",
                    fill="tozeroy",
                    fillcolor="rgba(141,150,163,0.3)",
                ),
                **where,
            )
        drawdown = weekly(drawdown_series(returns[name]), how="min")
        chart.add_trace(
            line_trace(
                drawdown,
                name=name,
                line={"width": 1.3, "color": colours[name]},
                hovertemplate="%{y:.1%}",
            ),
            **where,
        )
    chart.update_yaxes(
        tickformat=".0%", gridcolor="#e9ecf1", rangemode="tozero", showline=False,
        zeroline=True, zerolinecolor="#9aa3af", zerolinewidth=1,
    )  # fmt: skip
    chart.update_xaxes(gridcolor="#e9ecf1", type="date", showline=False)
    chart.update_annotations(font={"size": 12}, xanchor="left", x=None)
    for annotation, axis in zip(chart.layout.annotations, _x_domains(chart), strict=False):
        annotation.update(x=axis)
    return chart_markup(
        chart,
        chart_id="drawdowns",
        label="Drawdowns per strategy, the benchmark shaded grey",
        height=70 + 190 * rows,
    )


def _x_domains(chart: go.Figure) -> list[float]:
    """The left edge of each subplot, in the order of its titles (to left-align them)."""
    edges = []
    for name in sorted(
        (key for key in chart.layout.to_plotly_json() if key.startswith("xaxis")),
        key=lambda key: int(key[5:] or 1),
    ):
        edges.append(float(chart.layout[name].domain[0]))
    return edges


def rolling_chart(
    returns: pd.DataFrame, benchmark: str, colours: Mapping[str, str], *, measure: str
) -> Markup:
    """One-year rolling Sharpe ratio (``measure="sharpe"``) or volatility (``"volatility"``)."""
    sharpe = measure == "sharpe"
    chart = figure(
        showlegend=False,  # colours as in the growth chart; hover names each line
        margin={"l": 56, "r": 40, "t": 16, "b": 36},
        yaxis={
            **layout()["yaxis"],
            "tickformat": ".1f" if sharpe else ".0%",
            "title": {"text": "Sharpe, one year (rf = 0)" if sharpe else "Volatility, one year"},
        },
    )
    for name in (str(column) for column in returns.columns):
        daily = returns[name].astype(float)
        window = daily.rolling(ROLLING_DAYS, min_periods=ROLLING_DAYS)
        deviation = window.std(ddof=1)
        if sharpe:
            # a flat stretch (cash) has no volatility and so no Sharpe ratio: a gap, not infinity
            series = (window.mean() / deviation.where(deviation > 0)) * np.sqrt(PERIODS_PER_YEAR)
        else:
            series = deviation * np.sqrt(PERIODS_PER_YEAR)
        chart.add_trace(
            line_trace(
                weekly(series.dropna()),
                name=name,
                line=_line(name, benchmark, colours),
                hovertemplate="%{y:.2f}" if sharpe else "%{y:.1%}",
            )
        )
    label = "Rolling one-year Sharpe ratio" if sharpe else "Rolling one-year volatility"
    return chart_markup(chart, chart_id=f"rolling-{measure}", label=label, height=340)


def _weekly_fired(fired: pd.Series, index: pd.DatetimeIndex) -> pd.Series:
    """1 in a week on which the signal fired on a day, 0 if it was quiet all week, else NaN."""
    daily = fired.reindex(index)
    known = by_week(daily.notna().astype(float), "max")
    on = by_week(daily.fillna(False).astype(float), "max")
    return on.where(known > 0)


def weights_chart(
    name: str,
    weights: pd.DataFrame,
    *,
    period: tuple[pd.Timestamp, pd.Timestamp],
    fired: Mapping[str, pd.Series],
) -> Markup:
    """A strategy's target weights over time (stacked, held between rebalances), and below
    them one strip per signal it reads, red in the weeks on which the signal fired.

    Parameters
    ----------
    name
        The strategy's label (names the chart).
    weights
        Target weights on execution dates, one column per asset, cash included.
    period
        The run's first and last day: the last weights are held to the end.
    fired
        The strategy's signals by name, each a daily fired flag (NA unknown).
    """
    held = weights.astype(float).fillna(0.0)
    end = pd.Timestamp(period[1])
    if len(held) and held.index[-1] < end:
        held.loc[end] = held.iloc[-1]
    strips = len(fired)
    rows = 2 if strips else 1
    chart = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.74, 0.26] if strips else [1.0],
        vertical_spacing=0.06,
    )
    chart.update_layout(layout(margin={"l": 56, "r": 40, "t": 30, "b": 30}))
    chart.update_layout(legend={"traceorder": "normal"})
    palette = iter(ASSET_COLOURS)
    for asset in (str(column) for column in held.columns):
        colour = CASH_COLOUR if asset == "cash" else next(palette, MUTED)
        chart.add_trace(
            go.Scatter(
                x=dates(held.index),
                y=values(held[asset]),
                name=asset,
                mode="lines",
                line={"width": 0.5, "color": colour, "shape": "hv"},
                stackgroup="weights",
                fillcolor=colour,
                hovertemplate="%{y:.1%}",
            ),
            row=1,
            col=1,
        )
    chart.update_yaxes(
        tickformat=".0%", gridcolor="#e9ecf1", row=1, col=1, title_text="Weight", automargin=True
    )
    chart.update_xaxes(type="date", gridcolor="#e9ecf1")
    if strips:
        _fired_strip(chart, fired, pd.DatetimeIndex(pd.date_range(period[0], end, freq="D")))
    return chart_markup(
        chart,
        chart_id=anchor(name, "weights-"),
        label=f"Target weights of {name} over time"
        + (", and the weeks its signals fired" if strips else ""),
        height=330 + (24 * strips + 40 if strips else 0),
    )


def _fired_strip(
    chart: go.Figure, fired: Mapping[str, pd.Series], calendar: pd.DatetimeIndex
) -> None:
    """One row per signal: red where it fired in a week, pale where quiet, blank where unknown."""
    names: Sequence[str] = list(fired)
    weeks = [_weekly_fired(fired[signal], calendar) for signal in names]
    index = weeks[0].index
    grid = np.vstack([week.reindex(index).to_numpy(dtype=float) for week in weeks])
    chart.add_trace(
        go.Heatmap(
            x=dates(index),
            y=list(names),
            z=grid.astype(np.float32),
            zmin=0,
            zmax=1,
            colorscale=[[0.0, "#eef1f5"], [1.0, FIRED_COLOUR]],
            showscale=False,
            xgap=0,
            ygap=2,
            hovertemplate="%{y}: %{customdata}<extra></extra>",
            customdata=np.where(grid == 1, "fired", np.where(grid == 0, "quiet", "unknown")).astype(
                object
            ),
            name="signals",
        ),
        row=2,
        col=1,
    )
    chart.update_yaxes(row=2, col=1, autorange="reversed", tickfont={"size": 10}, automargin=True)
