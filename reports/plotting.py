"""Interactive charts with Plotly: the look every chart shares, its markup, and plotly.js.

Requires Plotly figures (``plotly.graph_objects``) built by the chart modules.
Produces:

- :func:`layout`: the shared look (no Plotly template, so no theme is
  embedded in each page; fonts and grid colours as the pages' CSS);
- :func:`chart_markup`: a ``<div>`` and the inline script that draws it with
  ``Plotly.newPlot``; the figure's JSON is embedded with ``<``, ``>`` and ``&``
  written as JSON escapes, so no name or label can close the script;
- :func:`write_plotly_js`: ``assets/plotly.min.js`` in an output folder, the
  one copy of plotly.js every page of that folder loads by a relative path
  (pages stay offline and small);
- :func:`weekly`: long daily curves as weekly points, so that pages stay light.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup, escape
from plotly.offline import get_plotlyjs

from macropatch.reports.html import THIN_ABOVE, write_page, write_text_atomically

__all__ = [
    "FONT",
    "PLOTLY_JS",
    "chart_markup",
    "dates",
    "ensure_plotly_js",
    "figure",
    "layout",
    "line_trace",
    "log_ticks",
    "values",
    "weekly",
    "by_week",
    "week_ends",
    "write_charted_page",
    "write_plotly_js",
]

PLOTLY_JS = "assets/plotly.min.js"
"""Where plotly.js sits in an output folder, relative to its pages."""

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
GRID = "#e9ecf1"
AXIS = "#c9ced6"
MUTED = "#5b6574"

_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}


def layout(**overrides: Any) -> dict[str, Any]:
    """The shared layout, with ``overrides`` on top (a nested dict replaces its default)."""
    axis = {
        "gridcolor": GRID,
        "linecolor": AXIS,
        "zeroline": False,
        "tickfont": {"color": MUTED, "size": 11},
        "title": {"font": {"color": MUTED, "size": 12}},
        "automargin": True,
    }
    base: dict[str, Any] = {
        "template": "none",
        "font": {"family": FONT, "size": 12, "color": "#1d2430"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 56, "r": 40, "t": 36, "b": 36},
        "modebar": {"orientation": "v", "bgcolor": "rgba(255,255,255,0.7)"},
        "hovermode": "x unified",
        "hoverlabel": {"font": {"family": FONT, "size": 12}},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        "xaxis": {**axis, "type": "date"},
        "yaxis": dict(axis),
    }
    base.update(overrides)
    return base


def figure(**overrides: Any) -> go.Figure:
    """An empty figure with :func:`layout` (``overrides`` on top)."""
    return go.Figure(layout=layout(**overrides))


def dates(index: pd.Index) -> np.ndarray:
    """A DatetimeIndex as ISO dates (what Plotly reads as a date axis)."""
    return np.asarray(pd.DatetimeIndex(index).strftime("%Y-%m-%d"), dtype=object)


def values(series: pd.Series | np.ndarray | Sequence[float | None]) -> np.ndarray:
    """Numbers as single-precision floats (7 significant digits, plenty for a chart, and
    half the bytes on the page), NaN and None as NaN: a gap in a line.
    """
    if isinstance(series, pd.Series | np.ndarray):
        array = np.asarray(series, dtype=float)
    else:
        array = np.asarray([np.nan if x is None else x for x in series], dtype=float)
    return array.astype(np.float32)


def line_trace(
    series: pd.Series,
    *,
    name: str,
    line: Mapping[str, Any],
    hovertemplate: str,
    fill: str | None = None,
    fillcolor: str | None = None,
) -> go.Scatter:
    """A dated series as a line (gaps where it is NaN), optionally filled to zero."""
    return go.Scatter(
        x=dates(series.index),
        y=values(series),
        name=name,
        mode="lines",
        line=dict(line),
        hovertemplate=hovertemplate,
        fill=fill,
        fillcolor=fillcolor,
    )


def log_ticks(low: float, high: float) -> list[float]:
    """Ticks for a log axis from ``low`` to ``high``: 1-2-5 steps, or finer over a narrow range."""
    low, high = max(low, 1e-9), max(high, low * 1.0001)
    steps = (
        (1.0, 2.0, 5.0) if high / low >= 4 else (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
    )
    ticks = []
    for power in range(int(np.floor(np.log10(low))) - 1, int(np.ceil(np.log10(high))) + 1):
        for step in steps:
            tick = step * 10.0**power
            if low / 1.05 <= tick <= high * 1.05:
                ticks.append(float(f"{tick:.6g}"))
    return ticks


def week_ends(index: pd.Index) -> pd.DatetimeIndex:
    """The Friday that ends each day's week (Saturday and Sunday belong to the next week),
    as ``resample("W-FRI")`` labels it; computed in one step (pandas builds weekly bins in a
    Python loop, about 20 ms a series).
    """
    days = pd.DatetimeIndex(index).normalize()
    return days + pd.to_timedelta((4 - days.day_of_week) % 7, unit="D")


def by_week(series: pd.Series, how: str) -> pd.Series:
    """One value per week that has days in ``series``: its ``last`` (non-missing), ``min``
    or ``max``, labelled by the week's Friday (weeks without a day are left out).
    """
    weeks = series.groupby(week_ends(series.index))
    return {"last": weeks.last, "min": weeks.min, "max": weeks.max}[how]()


def weekly(series: pd.Series, *, how: str = "last") -> pd.Series:
    """A long daily series as one point a week (``last``, ``min`` or ``max`` of the week)."""
    if len(series) <= THIN_ABOVE:
        return series
    return by_week(series, how).dropna()


def _json(document: object) -> str:
    """JSON that is safe inside an HTML ``<script>``."""
    text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def chart_markup(
    chart: go.Figure,
    *,
    chart_id: str,
    label: str,
    height: int,
    shapes: Sequence[Mapping[str, Any]] = (),
) -> Markup:
    """The ``<div>`` of a chart and the script that draws it (needs plotly.js loaded first).

    Parameters
    ----------
    chart
        The figure.
    chart_id
        The element id (letters, digits, ``-`` and ``_``; unique on the page).
    label
        The chart's accessible name (``aria-label``).
    height
        Pixels.
    shapes
        Layout shapes (shaded periods, threshold lines) added to the figure's
        JSON as they are: Plotly validates each shape object it holds, a
        millisecond apiece, which hundreds of shaded runs make slow.
    """
    document = json.loads(chart.to_json())
    layout_document = {**document.get("layout", {}), "height": height}
    layout_document.pop("template", None)
    if shapes:
        layout_document["shapes"] = [*layout_document.get("shapes", []), *shapes]
    identifier = escape(chart_id)
    return Markup(
        f'<div class="plot" id="{identifier}" role="img" aria-label="{escape(label)}" '
        f'style="height:{int(height)}px"></div>\n'
        f"<script>Plotly.newPlot({_json(chart_id)},{_json(document.get('data', []))},"
        f"{_json(layout_document)},{_json(_CONFIG)});</script>"
    )


def ensure_plotly_js(folder: Path) -> Path:
    """``folder/assets/plotly.min.js``, written unless an identical copy is there already
    (so the pages of one folder share one copy, written once).
    """
    path = Path(folder) / PLOTLY_JS
    script = get_plotlyjs()
    try:
        same = path.stat().st_size == len(script.encode("utf-8"))
    except OSError:
        same = False
    if same and path.read_text(encoding="utf-8") == script:
        return path
    return write_text_atomically(path, script)


def write_charted_page(path: Path, document: str) -> Path:
    """Write a page with interactive charts (:func:`macropatch.reports.html.write_page`: its
    offline check, atomically), then plotly.js beside it if it is not there yet.
    """
    written = write_page(Path(path), document)
    ensure_plotly_js(written.parent)  # after the page passed its offline check
    return written


def write_plotly_js(folder: Path) -> Path:
    """Write plotly.js (the version Plotly for Python bundles) to ``folder/assets``."""
    return write_text_atomically(Path(folder) / PLOTLY_JS, get_plotlyjs())
