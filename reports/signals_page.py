"""``signals.html``: the signal dashboard of a run.

Requires the run's period and the :class:`macropatch.signals.base.SignalResult` of every
signal computed for it. Produces one page from ``templates/signals.html.j2`` whose interactive charts
are drawn by ``assets/plotly.min.js`` beside it (nothing fetched from elsewhere):

- a short note on timing (values are shown on the day they were knowable);
- the summary table (``id="signals"``, one row per signal with
  ``data-signal="<output name>"``): what fires it and its output name, family,
  state on the last day of the period (``data-state``), value, threshold, the
  reading's distance, percentile and trend, the stalest input, the share of
  known days on which it fired, and the strategies of the run that read it;
- per family, in :class:`macropatch.signals.base.Family` order, one chart per
  signal (``id="signal-<name>"``): its value, its threshold (dashed), fired
  stretches shaded red and unknown stretches grey; a signal whose optional
  series was never imported shows how to import it instead.

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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from macropatch.reports.documents import SignalRecord
from macropatch.reports.heat_tables import fired_runs
from macropatch.reports.html import NOT_AVAILABLE, THIN_ABOVE, write_page
from macropatch.reports.plotting import (
    PLOTLY_JS,
    by_week,
    chart_markup,
    dates,
    figure,
    write_charted_page,
)
from macropatch.reports.plotting import layout as base_layout
from macropatch.reports.plotting import values as plot_values
from macropatch.reports.templating import anchor, render_template
from macropatch.signals.base import Family, SignalResult, SignalState

__all__ = ["family_heading", "format_signal_number", "write_signals_page"]

COLOURS = {"line": "#1f5fbf", "fired": "#d1495b", "threshold": "#5b6574", "unknown": "#e3e6ec"}


def family_heading(family: Family) -> str:
    """A family's name as a heading: its first letter raised, the rest as written
    (``AI capex``, ``Consumer (K shape)``).
    """
    return family.value[:1].upper() + family.value[1:]


@dataclass(frozen=True, kw_only=True)
class SignalView:
    """What the page shows of one signal."""

    result: SignalResult
    anchor: str
    family: str
    state: SignalState
    coverage: str
    value: str
    threshold: str
    distance: str = NOT_AVAILABLE
    percentile: str = NOT_AVAILABLE
    trend: str = NOT_AVAILABLE
    stalest: str | None = None
    stalest_date: str = ""
    point_in_time: bool = True
    share_fired: str = NOT_AVAILABLE
    readers: list[str] = field(default_factory=list)
    chart: Markup | None = None


def write_signals_page(
    path: Path,
    *,
    period: tuple[str, str],
    results: Sequence[SignalResult] = (),
    records: Sequence[SignalRecord] = (),
    readers: Mapping[str, Sequence[str]] | None = None,
    key: str = "",
) -> Path:
    """Write the signal dashboard.

    Parameters
    ----------
    path
        Where to write (``<out>/signals.html``); written atomically, with
        ``assets/plotly.min.js`` beside it when it is not there yet.
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
    readers
        Per registered signal name, the strategies of the run that read it
        (linked to their weights on index.html).
    key
        The page's content key (:mod:`macropatch.reports.reuse`), in a ``<meta>`` tag.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        If two results share an output name, or the period ends before it starts.
    """
    start, end = _checked(period, results)
    ordered = sorted(results, key=lambda result: _FAMILY_ORDER[result.signal.family])
    by_record = {record.name: record for record in records}
    views = [
        _view(
            result,
            start,
            end,
            by_record.get(result.name),
            list((readers or {}).get(result.signal.name, ())),
        )
        for result in ordered
    ]
    families = [
        (family_heading(family), [view for view in views if view.result.signal.family is family])
        for family in Family
    ]
    page = render_template(
        "signals.html.j2",
        title="macropatch · signals",
        content_key=key,
        plotly_js=PLOTLY_JS if views else None,
        start=f"{start:%Y-%m-%d}",
        end=f"{end:%Y-%m-%d}",
        views=views,
        families=[(heading, members) for heading, members in families if members],
        pill=_state_pill,
        colours=COLOURS,
        thinned=(end - start).days > THIN_ABOVE,
        thin_above=THIN_ABOVE,
    )
    return write_charted_page(Path(path), page) if views else write_page(Path(path), page)


def _checked(
    period: tuple[str, str], results: Sequence[SignalResult]
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period's first and last day, after checking it and that no output name repeats."""
    start, end = pd.Timestamp(period[0]), pd.Timestamp(period[1])
    if end < start:
        raise ValueError(f"period ends before it starts: {period[0]} to {period[1]}")
    names = [result.name for result in results]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"signals listed twice: {', '.join(repeated)}")
    return start, end


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


_FAMILY_ORDER = {family: position for position, family in enumerate(Family)}


def _view(
    result: SignalResult,
    start: pd.Timestamp,
    end: pd.Timestamp,
    record: SignalRecord | None,
    readers: list[str],
) -> SignalView:
    fraction = _is_fraction(result)
    value = None if result.missing else _on_or_before(result.value, end)
    reading = {}
    if record is not None:
        reading = {
            "distance": format_signal_number(record.distance, fraction=fraction),
            "percentile": NOT_AVAILABLE
            if record.percentile is None
            else f"{float(record.percentile):.0%}",
            "trend": format_signal_number(record.trend, fraction=fraction),
            "stalest": record.stalest_input,
            "stalest_date": record.stalest_date or "no data",
            "point_in_time": record.point_in_time,
        }
    return SignalView(
        result=result,
        anchor=anchor(result.signal.name, "signal-"),
        family=result.signal.family.value,
        state=result.state_on(end),
        coverage=result.coverage_on(end),
        value=format_signal_number(value, fraction=fraction),
        threshold=format_signal_number(result.threshold, fraction=fraction),
        share_fired=_share_fired(result, start, end),
        readers=readers,
        chart=None if result.missing else _chart(result, start, end),
        **reading,  # type: ignore[arg-type]
    )


# -- the chart ------------------------------------------------------------------------


def _chart(result: SignalResult, start: pd.Timestamp, end: pd.Timestamp) -> Markup:
    """The value (weekly over long periods), the threshold dashed, fired weeks shaded red and
    unknown ones grey.
    """
    value = result.value.loc[start:end].astype(float)
    flags = result.fired.loc[start:end].astype("Float64").astype(float)  # 1 fired, 0, NaN
    step = pd.Timedelta(days=1)
    if len(value) > THIN_ABOVE:
        value = by_week(value, "last")
        # any day fired -> fired; weeks labelled by their start so the shading covers them
        flags = by_week(flags, "max")
        flags.index = pd.DatetimeIndex(flags.index) - pd.Timedelta(days=7)
        step = pd.Timedelta(days=7)
    fraction = _is_fraction(result)
    chart = figure(
        showlegend=False,
        hovermode="x",
        margin={"l": 52, "r": 40, "t": 10, "b": 30},
        xaxis={**base_layout()["xaxis"], "range": [f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"]},
        yaxis={**base_layout()["yaxis"], "tickformat": ".1%" if fraction else "", "nticks": 5},
    )
    shapes = [
        {
            "type": "rect", "xref": "x", "yref": "paper", "y0": 0, "y1": 1,
            "x0": f"{first:%Y-%m-%d}", "x1": f"{last + step:%Y-%m-%d}",
            "fillcolor": colour, "opacity": opacity, "line": {"width": 0}, "layer": "below",
        }
        for mask, colour, opacity in (
            (flags == 1.0, COLOURS["fired"], 0.22),
            (flags.isna(), COLOURS["unknown"], 0.9),
        )
        for first, last in fired_runs(pd.Series(mask.to_numpy(), index=flags.index))
    ]  # fmt: skip
    if result.threshold is not None:
        shapes.append(
            {
                "type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1,
                "y0": result.threshold, "y1": result.threshold,
                "line": {"color": COLOURS["threshold"], "width": 1.2, "dash": "dash"},
            }
        )  # fmt: skip
    chart.add_trace(
        go.Scatter(
            x=dates(value.index),
            y=plot_values(value),
            mode="lines",
            line={"color": COLOURS["line"], "width": 1.4},
            name=result.signal.name,
            hovertemplate="%{y:.2%}<extra></extra>" if fraction else "%{y:.4g}<extra></extra>",
        )
    )
    if value.dropna().empty:
        chart.add_annotation(
            text="no known value in the period", showarrow=False, x=0.5, y=0.5,
            xref="paper", yref="paper", font={"color": COLOURS["threshold"]},
        )  # fmt: skip
    return chart_markup(
        chart,
        chart_id=anchor(result.signal.name, "chart-"),
        label=f"{result.signal.summary}: {result.name}",
        height=230,
        shapes=shapes,
    )


# -- words ----------------------------------------------------------------------------


def _state_pill(state: SignalState, coverage: str = "") -> Markup:
    """The state as a coloured pill; a composite's coverage beside it ("4 of 8 known")."""
    css = state.value.replace(" ", "-")
    pill = Markup('<span class="state state-%s">%s</span>') % (css, state.value)
    return pill + Markup(' <span class="coverage">%s</span>') % coverage if coverage else pill


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
