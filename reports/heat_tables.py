"""Tables whose cells are shaded by value: crises, calendar years, correlations.

Requires the summary's numbers per strategy. Produces :class:`HeatTable`
documents (rows of :class:`HeatCell`) that the templates draw (the
``heat_table`` macro of ``templates/macros.html.j2``): each cell holds its
formatted text, a direction (``up``/``down``) for the text colour and a
background whose strength grows with the value's size up to ``scale``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from macropatch.reports.documents import StrategySummary
from macropatch.reports.html import NOT_AVAILABLE, ValueKind, format_value

__all__ = [
    "GAIN_RGB",
    "LOSS_RGB",
    "NEGATIVE_RGB",
    "POSITIVE_RGB",
    "HeatCell",
    "HeatRow",
    "HeatTable",
    "annual_table",
    "correlation_table",
    "crises_table",
    "crisis_dates",
    "fired_runs",
    "heat",
]

GAIN_RGB = (26, 127, 75)
LOSS_RGB = (179, 38, 30)
POSITIVE_RGB = (31, 95, 191)
NEGATIVE_RGB = (224, 102, 43)
Palette = tuple[tuple[int, int, int], tuple[int, int, int]]


@dataclass(frozen=True, kw_only=True)
class HeatCell:
    """One shaded cell."""

    text: str
    column: str
    direction: str = ""
    """``up``, ``down`` or empty (zero, or no value)."""
    background: str = ""
    """A CSS colour, empty for no shade."""
    tooltip: str = ""


@dataclass(frozen=True, kw_only=True)
class HeatRow:
    """One strategy's row: its name (``data-strategy``) and cells."""

    name: str
    cells: list[HeatCell]
    benchmark: bool = False


@dataclass(frozen=True, kw_only=True)
class HeatTable:
    """A whole table: id, the corner heading, the column headings and the rows."""

    table_id: str
    corner: str
    columns: list[str]
    rows: list[HeatRow]
    skipped: list[str] = field(default_factory=list)
    """Columns left out because no row has a value in them."""


def heat(
    value: object,
    *,
    kind: ValueKind,
    scale: float,
    column: str,
    tooltip: str = "",
    palette: Palette = (LOSS_RGB, GAIN_RGB),
    text: str | None = None,
) -> HeatCell:
    """A cell for ``value``: shaded at full strength from ``scale`` up (none: ``n/a``).

    ``palette`` gives the RGB of negative and of positive values; ``text``
    replaces the formatted value (the shading still follows ``value``).
    """
    shown = format_value(value, kind) if text is None else text
    if isinstance(value, bool) or not isinstance(value, int | float) or shown == NOT_AVAILABLE:
        return HeatCell(text=shown, column=column, tooltip=tooltip)
    number = float(value)
    strength = min(abs(number) / scale, 1.0) * 0.55 if scale > 0 else 0.0
    red, green, blue = palette[0] if number < 0 else palette[1]
    direction = "" if shown.strip("-0.%") == "" else "down" if number < 0 else "up"
    return HeatCell(
        text=shown,
        column=column,
        direction=direction,
        background=f"rgba({red},{green},{blue},{strength:.3f})",
        tooltip=tooltip,
    )


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


def crises_table(
    names: Sequence[str], measured: Mapping[str, StrategySummary], benchmark: str
) -> HeatTable:
    """Each strategy's return in each crisis window (``id="crises"``); windows no
    strategy's data cover are left out and listed in ``skipped``.
    """
    windows = {name: measured[name].stress_windows for name in names}
    order = list(dict.fromkeys(key for name in names for key in windows[name]))
    shown = [
        key
        for key in order
        if any(key in windows[name] and windows[name][key].return_ is not None for name in names)
    ]
    rows = []
    for name in names:
        cells = []
        for key in shown:
            outcome = windows[name].get(key)
            deepest = format_value(outcome and outcome.max_drawdown, ValueKind.PERCENT)
            cells.append(
                heat(
                    outcome and outcome.return_,
                    kind=ValueKind.PERCENT,
                    scale=0.3,
                    column=key,
                    tooltip=f"{name}, {key}: max drawdown {deepest}",
                )
            )
        rows.append(HeatRow(name=name, cells=cells, benchmark=name == benchmark))
    skipped = [key for key in order if key not in shown]
    return HeatTable(
        table_id="crises", corner="Strategy", columns=shown, rows=rows, skipped=skipped
    )


def crisis_dates(names: Sequence[str], measured: Mapping[str, StrategySummary]) -> list[str]:
    """``window: start to end`` for every crisis window some strategy's data cover."""
    spans: dict[str, str] = {}
    for name in names:
        for key, outcome in measured[name].stress_windows.items():
            if outcome.return_ is not None:
                spans.setdefault(key, f"{key}: {outcome.start} to {outcome.end}")
    return list(spans.values())


def annual_table(
    names: Sequence[str], measured: Mapping[str, StrategySummary], benchmark: str
) -> HeatTable:
    """Calendar-year returns (``id="annual-returns"``); no columns without years."""
    years = sorted({year for name in names for year in measured[name].annual_returns})
    rows = [
        HeatRow(
            name=name,
            cells=[
                heat(
                    measured[name].annual_returns.get(year),
                    kind=ValueKind.PERCENT,
                    scale=0.25,
                    column=year,
                    tooltip=f"{name}, {year}",
                )
                for year in years
            ],
            benchmark=name == benchmark,
        )
        for name in names
    ]
    return HeatTable(table_id="annual-returns", corner="Strategy", columns=years, rows=rows)


def correlation_table(
    names: Sequence[str],
    correlation: Mapping[str, Mapping[str, float | None]],
    benchmark: str,
) -> HeatTable:
    """The correlation matrix of daily returns (``id="correlation"``)."""
    rows = [
        HeatRow(
            name=name,
            cells=[
                heat(
                    (correlation.get(name) or {}).get(other),
                    kind=ValueKind.RATIO,
                    scale=1.0,
                    column=other,
                    palette=(NEGATIVE_RGB, POSITIVE_RGB),
                    tooltip=f"{name} with {other}",
                )
                for other in names
            ],
            benchmark=name == benchmark,
        )
        for name in names
    ]
    return HeatTable(table_id="correlation", corner="Strategy", columns=list(names), rows=rows)
