"""``signals.html``: the signal dashboard of a run.

Requires the run's period and the :class:`macropatch.signals.base.SignalResult` of every
signal computed for it. Produces one self-contained HTML page (inline CSS,
charts as inline SVG from matplotlib's SVG backend, nothing fetched):

- a short note on timing (values are shown on the day they were knowable);
- the summary table (``id="signals"``, one row per signal with
  ``data-signal="<output name>"``): family, what fires it, output name, state on
  the last day of the period (``data-state``), value, threshold, date of the
  latest data, and share of known days on which it fired;
- per family, in :class:`macropatch.signals.base.Family` order, one small chart per
  signal: its value, its threshold (dashed), fired stretches shaded red and
  unknown stretches hatched grey; a signal whose optional series was never
  imported shows how to import it instead.

Numbers (:func:`format_signal_number`): 4 significant figures; when the
signal's threshold is a fraction (``|threshold| < 1``, a rate, spread or share)
a value below 1 in size is shown as a percentage. Periods longer than
:data:`reports.html.THIN_ABOVE` days are drawn weekly (the week's last value;
fired if it fired on any day of the week). With no result the page says that
no signal was computed yet.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from macropatch.reports.documents import SignalRecord
from macropatch.reports.html import (
    NOT_AVAILABLE,
    THIN_ABOVE,
    chart_style,
    date_axis,
    figure_to_svg,
    render_page,
    write_page,
)
from macropatch.signals.base import Family, SignalResult, SignalState

__all__ = ["format_signal_number", "write_signals_page"]

LINE_COLOUR = "#1f5fbf"
FIRED_COLOUR = "#d1495b"
THRESHOLD_COLOUR = "#5b6574"
UNKNOWN_COLOUR = "#c9ced6"

_STYLE = """
.state{display:inline-block;font-size:12px;font-weight:600;border-radius:999px;padding:1px 9px;
white-space:nowrap}
.state-fired{background:#fbe4e6;color:#b3261e}
.state-quiet{background:#e3f3ea;color:#1a7f4b}
.state-unknown{background:#eceef2;color:#5b6574}
.state-no-data{background:#fdf0d5;color:#8a5a00}
.coverage{font-size:12px;color:#5b6574;white-space:nowrap}
.family{font-size:12.5px;color:var(--muted);white-space:nowrap}
.signal-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(470px,1fr));gap:22px 30px}
.signal{margin:0;min-width:0}
.signal h3{margin:0 0 2px;display:flex;gap:10px;align-items:baseline;justify-content:space-between}
.signal .output{color:var(--muted);margin:0 0 4px;overflow-wrap:anywhere}
.nodata{border:1px dashed #e09f1f;background:#fdf6e7;border-radius:6px;padding:14px 16px;
margin-top:6px;font-size:14px}
.key{display:flex;flex-wrap:wrap;gap:6px 20px;font-size:13px;color:var(--muted);margin:0 0 8px}
.key span{display:inline-flex;align-items:center;gap:6px}
.key i{display:inline-block;width:18px;height:10px}
"""


def write_signals_page(
    path: Path,
    *,
    period: tuple[str, str],
    results: Sequence[SignalResult] = (),
    records: Sequence[SignalRecord] = (),
) -> Path:
    """Write the signal dashboard.

    Parameters
    ----------
    path
        Where to write (``<out>/signals.html``); written atomically.
    period
        First and last date of the run (ISO dates). States and values in the
        table are those of the last calendar day on or before the last date;
        charts and shares cover the period.
    results
        The signals of the run, any order (the page groups them by family).
        With none, the page says that no signal was computed yet.
    records
        What ``summary.json`` says of each signal (by output name): its
        distance to the threshold, percentile, trend and stalest input on the
        last day; a signal without a record shows n/a there.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        If two results share an output name, or the period ends before it starts.
    """
    start, end = pd.Timestamp(period[0]), pd.Timestamp(period[1])
    if end < start:
        raise ValueError(f"period ends before it starts: {period[0]} to {period[1]}")
    names = [result.name for result in results]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"signals listed twice: {', '.join(repeated)}")
    header = (
        "<header>\n<h1>Signals</h1>\n"
        f'<p class="subtitle">{escape(str(period[0]))} to {escape(str(period[1]))}'
        f"{_count(len(results))}</p>\n"
        '<nav class="links"><a href="index.html">Back to the comparison</a></nav>\n'
        "</header>"
    )
    if not results:
        body = header + "\n" + _EMPTY
    else:
        ordered = sorted(results, key=lambda result: _FAMILY_ORDER[result.signal.family])
        anchors = {result.name: f"signal-{position}" for position, result in enumerate(ordered)}
        body = "\n".join(
            [
                header,
                _timing(),
                _summary_table(
                    ordered, anchors, start, end, {record.name: record for record in records}
                ),
                _families(ordered, anchors, start, end),
                "<footer>This page is self-contained: it loads no script, font or image.</footer>",
            ]
        )
    document = render_page(title="macropatch · signals", body=body, extra_style=_STYLE)
    return write_page(Path(path), document)


def format_signal_number(value: object, *, fraction: bool) -> str:
    """A signal's value or threshold for the page.

    Parameters
    ----------
    value
        A number, or ``None`` / NaN for none.
    fraction
        The signal's threshold is a fraction (a rate, spread or share): values
        below 1 in size are then shown as percentages.

    Returns
    -------
    str
        4 significant figures: ``4.523%`` (0.04523 as a fraction), ``0.4523``,
        ``18.25``, ``12,346`` (no exponent), or ``n/a``.
    """
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return NOT_AVAILABLE
    number = float(value)
    if not math.isfinite(number):
        return NOT_AVAILABLE
    if fraction and abs(number) < 1:
        text = f"{number * 100:.4g}%"
    elif abs(number) >= 10_000:
        text = f"{number:,.0f}"
    else:
        text = f"{number:.4g}"
    return text[1:] if re.fullmatch(r"-0(\.0*)?%?", text) else text


# -- sections -------------------------------------------------------------------

_FAMILY_ORDER = {family: position for position, family in enumerate(Family)}

_EMPTY = (
    '<section>\n<div class="empty">\n'
    "<h2>No signals computed yet</h2>\n"
    "<p>Signals arrive with the signals stage: every macro trigger of the report "
    "(the 10-year yield, the term premium, credit spreads, delinquencies, volatility) "
    "will be shown here over time, on the dates it was knowable.</p>\n"
    "</div>\n</section>"
)


def _breakable(name: str) -> str:
    """An output name escaped, allowed to wrap after each comma and bracket."""
    return escape(name).replace(",", ",<wbr>").replace("[", "[<wbr>")


def _reading_cells(record: SignalRecord | None, fraction: bool) -> str:
    """Distance, percentile, trend and stalest input of a signal (n/a without a record)."""
    if record is None:
        return f'<td class="num">{NOT_AVAILABLE}</td>' * 3 + f"<td>{NOT_AVAILABLE}</td>"
    percentile = NOT_AVAILABLE if record.percentile is None else f"{float(record.percentile):.0%}"
    stalest = (
        NOT_AVAILABLE
        if record.stalest_input is None
        else f'<span class="mono">{escape(record.stalest_input)}</span> '
        f"{escape(record.stalest_date or 'no data')}"
    )
    tag = "" if record.point_in_time else ' <span class="tag warn">not point-in-time</span>'
    return (
        f'<td class="num">{format_signal_number(record.distance, fraction=fraction)}</td>'
        f'<td class="num">{percentile}</td>'
        f'<td class="num">{format_signal_number(record.trend, fraction=fraction)}</td>'
        f"<td>{stalest}{tag}</td>"
    )


def _timing() -> str:
    return (
        '<p class="lead">Every value is shown on the day it was knowable: an observation '
        "appears only from its release date (or the end of its period plus the series' "
        "publication lag), is carried forward on later days until a newer one is published, "
        "and turns <em>unknown</em> once it is older than the series' staleness limit. A "
        "signal is unknown when an input is missing, stale or not yet long enough for its "
        "window; <em>no data</em> means an optional series was never imported.</p>"
    )


def _summary_table(
    results: Sequence[SignalResult],
    anchors: dict[str, str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    records: Mapping[str, SignalRecord],
) -> str:
    rows = []
    for result in results:
        fraction = _is_fraction(result)
        state = result.state_on(end)
        value = None if result.missing else _on_or_before(result.value, end)
        record = records.get(result.name)
        rows.append(
            f'<tr data-signal="{escape(result.name, quote=True)}">'
            f'<td class="family">{escape(result.signal.family.value)}</td>'
            f"<td>{escape(result.signal.summary)}</td>"
            f'<td><a class="mono" href="#{anchors[result.name]}">{_breakable(result.name)}</a></td>'
            f'<td data-state="{state.value}">{_state_pill(state, result.coverage_on(end))}</td>'
            f'<td class="num">{format_signal_number(value, fraction=fraction)}</td>'
            f'<td class="num">{format_signal_number(result.threshold, fraction=fraction)}</td>'
            f"{_reading_cells(record, fraction)}"
            f'<td class="num">{_share_fired(result, start, end)}</td></tr>'
        )
    day = end.strftime("%Y-%m-%d")
    return (
        "<section>\n<h2>State of every signal</h2>\n"
        '<div class="table-wrap"><table id="signals">\n'
        "<thead><tr><th>Family</th><th>Fires when</th><th>Output</th>"
        f'<th>State on {day}</th><th class="num">Value on {day}</th>'
        '<th class="num">Threshold</th><th class="num">Distance</th>'
        '<th class="num">Percentile</th><th class="num">3-month change</th>'
        "<th>Stalest input</th>"
        '<th class="num">Fired (share of known days)</th></tr></thead>\n'
        f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table></div>\n"
        '<p class="note">Distance: value minus threshold. Percentile: the value among the '
        "signal's own known values up to that day. Stalest input: the input in use whose "
        "latest observation is the oldest, with its date (for an unknown signal, the input "
        "that is stale or missing): a signal is as fresh as that input, not its freshest. "
        '<span class="tag warn">not point-in-time</span> marks a signal reading a model '
        "series its publisher re-estimates over the whole history. Percentages are fractions of a signal whose threshold is a rate, spread or share; "
        "other values are plain numbers, 4 significant figures. n/a: no known value.</p>\n"
        "</section>"
    )


def _families(
    results: Sequence[SignalResult],
    anchors: dict[str, str],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> str:
    key = (
        '<div class="key">'
        f'<span><i style="border-top:2px solid {LINE_COLOUR};height:0"></i>value</span>'
        f'<span><i style="border-top:2px dashed {THRESHOLD_COLOUR};height:0"></i>threshold</span>'
        f'<span><i style="background:{FIRED_COLOUR};opacity:.25"></i>fired</span>'
        '<span><i style="background:repeating-linear-gradient(135deg,#c9ced6 0 2px,#f3f4f7 2px 5px)">'
        "</i>unknown</span></div>"
    )
    thinned = (
        f" Periods longer than {THIN_ABOVE:,} days are drawn weekly: the week's last value, "
        "shaded fired if the signal fired on any day of that week."
    )
    parts = [
        "<section>\n<h2>Signals over the period</h2>",
        key,
        f'<p class="note">Each chart runs from {start:%Y-%m-%d} to {end:%Y-%m-%d}.{thinned}</p>',
    ]
    with chart_style():
        for family in Family:
            members = [result for result in results if result.signal.family is family]
            if not members:
                continue
            cards = [_card(result, anchors[result.name], start, end) for result in members]
            parts.append(
                f"<h3>{escape(family.value.capitalize())}</h3>\n"
                f'<div class="signal-grid">\n{chr(10).join(cards)}\n</div>'
            )
    parts.append("</section>")
    return "\n".join(parts)


def _card(result: SignalResult, anchor: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
    state = result.state_on(end)
    if result.missing:
        hints = "".join(
            f"<p>No data: import <code>{escape(series)}</code> with "
            f"<code>macropatch data import-series {escape(series)} FILE.csv</code></p>"
            for series in result.missing
        )
        content = f'<div class="nodata">{hints}</div>'
    else:
        svg = _chart(result, start, end)
        content = f'<div class="chart">{svg}</div>'
    return (
        f'<figure class="signal" id="{anchor}">\n'
        f"<h3><span>{escape(result.signal.summary)}</span>"
        f"{_state_pill(state, result.coverage_on(end))}</h3>\n"
        f'<p class="output mono">{escape(result.name)}</p>\n{content}\n</figure>'
    )


# -- the chart ------------------------------------------------------------------------


def _chart(result: SignalResult, start: pd.Timestamp, end: pd.Timestamp) -> str:
    value = result.value.loc[start:end].astype(float)
    # 1.0 fired, 0.0 quiet, NaN unknown
    flags = result.fired.loc[start:end].astype("Float64").astype(float)
    step = pd.Timedelta(days=1)
    if len(value) > THIN_ABOVE:
        value = value.resample("W-FRI").last()
        # any day fired -> fired; weeks labelled by their start so the shading covers them
        flags = flags.resample("W-FRI", label="left", closed="right").max()
        step = pd.Timedelta(days=7)
    figure = Figure(figsize=(5.8, 2.3), layout="constrained")
    axes = figure.add_subplot()
    if len(flags):
        index = pd.DatetimeIndex(flags.index)
        _shade(axes, index, step, flags.to_numpy() == 1.0, fired=True)
        _shade(axes, index, step, flags.isna().to_numpy(), fired=False)
    known = value.dropna()
    if len(value):
        axes.plot(value.index, value.to_numpy(), color=LINE_COLOUR, linewidth=1.3, zorder=3)
    if result.threshold is not None:
        axes.axhline(
            result.threshold,
            color=THRESHOLD_COLOUR,
            linewidth=1.1,
            linestyle=(0, (4, 3)),
            zorder=2,
        )
    if known.empty:
        axes.text(
            0.5, 0.5, "no known value in the period", transform=axes.transAxes,
            ha="center", va="center", color=THRESHOLD_COLOUR, fontsize=9,
        )  # fmt: skip
    if _is_fraction(result):
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
    date_axis(axes, few_ticks=True)
    axes.set_xlim(float(date2num(start)), float(date2num(end)))
    return figure_to_svg(figure, label=f"{result.signal.summary}: {result.name}")


def _shade(
    axes: Axes,
    index: pd.DatetimeIndex,
    step: pd.Timedelta,
    mask: np.ndarray,
    *,
    fired: bool,
) -> None:
    """Shade the runs of ``mask`` from their first day to the day after their last."""
    if not mask.any():
        return
    edges = np.append(index.to_numpy(), (index[-1] + step).to_datetime64())
    # a run covers [first, first day after it): the point after each run is included
    spans = np.append(mask, False) | np.insert(mask, 0, False)
    axes.fill_between(
        edges,
        0,
        1,
        where=spans,
        step="post",
        transform=axes.get_xaxis_transform(),
        zorder=1,
        facecolor=FIRED_COLOUR if fired else "#f3f4f7",
        alpha=0.2 if fired else None,
        edgecolor=UNKNOWN_COLOUR,
        hatch=None if fired else "////",
        linewidth=0,
    )


# -- words ----------------------------------------------------------------------------


def _state_pill(state: SignalState, coverage: str = "") -> str:
    """The state as a coloured pill; a composite's coverage beside it ("4 of 8 known")."""
    css = state.value.replace(" ", "-")
    pill = f'<span class="state state-{css}">{escape(state.value)}</span>'
    return f'{pill} <span class="coverage">{escape(coverage)}</span>' if coverage else pill


def _count(signals: int) -> str:
    if not signals:
        return ""
    return f" · {signals} signal" if signals == 1 else f" · {signals} signals"


def _is_fraction(result: SignalResult) -> bool:
    return result.threshold is not None and abs(result.threshold) < 1


def _on_or_before(series: pd.Series, day: pd.Timestamp) -> object:
    """The element of ``series`` on the last day on or before ``day``; None if none or missing."""
    position = int(series.index.searchsorted(day, side="right")) - 1
    if position < 0:
        return None
    item = series.iloc[position]
    if pd.isna(item):
        return None
    return item.item() if isinstance(item, np.generic) else item


def _share_fired(result: SignalResult, start: pd.Timestamp, end: pd.Timestamp) -> str:
    if result.missing:
        return NOT_AVAILABLE
    known = result.fired.loc[start:end].dropna()
    if known.empty:
        return NOT_AVAILABLE
    share = float(known.astype(bool).mean())
    return f"{share * 100:.1f}% of {len(known):,}"
