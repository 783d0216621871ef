"""``stress.html``: what each strategy did in history's crises and would do in the report's.

Requires the content of ``stress.json`` (:func:`macropatch.backtests.stress.study.stress_test`).
Produces one page from ``templates/stress.html.j2`` (its chart drawn by
``assets/plotly.min.js`` beside it):

- the historical replay (``id="replay"``): each strategy's return, deepest
  drawdown and trading days to recover in each crisis window, the benchmark
  first;
- the report's scenarios (``id="scenario-<n>"``): the shocks, each strategy's
  expected P&L with the regression's confidence and prediction bands, and
  the P&L of every asset with its fit;
- the conditional bootstrap (``id="bootstrap"``): one-year outcomes drawn from
  the days the chosen signals fired: median, 5% and 95% quantiles, the chance
  of losing more than 20%, and an interactive box chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
from markupsafe import Markup

from macropatch.backtests.stress.document import (
    BootstrapReport,
    ScenarioReport,
    ShockRecord,
    StressReport,
)
from macropatch.reports.heat_tables import HeatCell, HeatRow, HeatTable, heat
from macropatch.reports.html import ValueKind, format_value, text_or_na
from macropatch.reports.plotting import PLOTLY_JS, chart_markup, figure, layout, write_charted_page
from macropatch.reports.templating import render_template

__all__ = ["write_stress_page"]


def _percent(value: object) -> str:
    return format_value(value, ValueKind.PERCENT)


def _names(stress: StressReport) -> list[str]:
    benchmark = stress.benchmark
    names = list(stress.strategies)
    return sorted(names, key=lambda name: name != benchmark)  # the benchmark first


def _heading(name: str, benchmark: object) -> Markup:
    tag = Markup(' <span class="tag">benchmark</span>') if name == benchmark else Markup("")
    return Markup("<strong>%s</strong>") % name + tag


def _replay(stress: StressReport) -> list[tuple[str, HeatTable]]:
    """The return, deepest drawdown and recovery tables of the crisis replay."""
    replay = stress.replay
    windows = [window.name for window in replay.windows]
    names = _names(stress)
    tables = []
    for key, title in (("return_", "Return"), ("max_drawdown", "Deepest drawdown")):
        rows = [
            HeatRow(
                name=name,
                cells=[
                    heat(
                        getattr(replay.rows[name][window], key),
                        kind=ValueKind.PERCENT,
                        scale=0.4,
                        column=window,
                    )
                    for window in windows
                ],
                benchmark=name == stress.benchmark,
            )
            for name in names
        ]
        table_id = f"replay-{key.rstrip('_')}"
        tables.append(
            (title, HeatTable(table_id=table_id, corner="Strategy", columns=windows, rows=rows))
        )
    recovery = [
        HeatRow(
            name=name,
            cells=[_recovery(replay.rows[name][window], window) for window in windows],
            benchmark=name == stress.benchmark,
        )
        for name in names
    ]
    tables.append(
        (
            "Trading days to recover",
            HeatTable(
                table_id="replay-recovery", corner="Strategy", columns=windows, rows=recovery
            ),
        )
    )
    return tables


def _recovery(outcome: object, window: str) -> HeatCell:
    days = getattr(outcome, "days_to_recover", None)
    recovered = getattr(outcome, "recovered", False)
    return HeatCell(
        text=f"{days:,}" if recovered and days is not None else "not yet", column=window
    )


def _shock_text(shock: ShockRecord) -> str:
    size = shock.size
    if shock.move == "price":
        return f"{shock.label} {size * 100:+.1f}%"
    points = shock.factor == "vix"  # the VIX is in points, rates and spreads are fractions
    move = f"{size:+.1f} points" if points else f"{size * 100:+.2f} points"
    if shock.level is None:
        return f"{shock.label} {move}"
    start, end = shock.level, shock.level + size
    reached = f"{start:.1f} to {end:.1f}" if points else f"{start:.2%} to {end:.2%}"
    return f"{shock.label} {move} (from {reached})"


@dataclass(frozen=True, kw_only=True)
class ScenarioView:
    """One scenario's section: its shocks in words and its two tables."""

    report: ScenarioReport
    shocks: list[str]
    band: str
    strategies: Sequence[tuple[object, ...]]
    assets: Sequence[tuple[object, ...]]


def _scenario(scenario: ScenarioReport, stress: StressReport) -> ScenarioView:
    strategies = [
        (
            _heading(name, stress.benchmark),
            _percent(outcome.expected),
            outcome.note or f"{_percent(outcome.low)} to {_percent(outcome.high)}",
            f"{_percent(outcome.prediction_low)} to {_percent(outcome.prediction_high)}",
        )
        for name in _names(stress)
        for outcome in [scenario.strategies[name]]
    ]
    assets = [
        (
            Markup('<span class="mono">%s</span>') % asset,
            _percent(move.expected),
            f"{_percent(move.low)} to {_percent(move.high)}",
            text_or_na(None if move.r2 is None else f"{move.r2:.2f}"),
            text_or_na(move.months),
        )
        for asset, move in scenario.assets.items()
    ]
    return ScenarioView(
        report=scenario,
        shocks=[_shock_text(shock) for shock in scenario.shocks],
        band=f"{scenario.confidence:.0%}",
        strategies=strategies,
        assets=assets,
    )


def _bootstrap_chart(bootstrap: BootstrapReport, names: Sequence[str]) -> Markup:
    """Each strategy's one-year outcomes as a box (25-75%) with 5-95% whiskers."""
    chart = figure(
        hovermode="closest",
        showlegend=False,
        xaxis={**layout()["yaxis"], "tickformat": ".0%", "title": {
            "text": "One-year return (box: 25% to 75%, whiskers: 5% to 95%; dashed: -20%)"}},
        yaxis={**layout()["yaxis"], "autorange": "reversed"},
    )  # fmt: skip
    for name in names:
        numbers = bootstrap.strategies[name]
        chart.add_trace(
            go.Box(
                y=[name],
                q1=[numbers["quantile_25"]],
                median=[numbers["median"]],
                q3=[numbers["quantile_75"]],
                lowerfence=[numbers["quantile_05"]],
                upperfence=[numbers["quantile_95"]],
                orientation="h",
                name=name,
                marker={"color": "#1f5fbf"},
                line={"color": "#1f5fbf"},
                fillcolor="rgba(31,95,191,0.15)",
            )
        )
    chart.add_vline(x=0.0, line={"color": "#9aa3af", "width": 1})
    chart.add_vline(x=-0.2, line={"color": "#b3261e", "width": 1, "dash": "dash"})
    return chart_markup(
        chart,
        chart_id="bootstrap-chart",
        label="Bootstrapped one-year returns per strategy",
        height=90 + 42 * len(names),
    )


def _bootstrap_rows(stress: StressReport) -> list[tuple[object, ...]]:
    return [
        (
            _heading(name, stress.benchmark),
            _percent(numbers.get("median")),
            _percent(numbers.get("quantile_05")),
            _percent(numbers.get("quantile_95")),
            _percent(numbers.get("probability_loss_20")),
            _percent(numbers.get("probability_loss")),
        )
        for name in _names(stress)
        for numbers in [stress.bootstrap.strategies[name]]
    ]


def write_stress_page(path: Path, *, stress: StressReport, key: str = "") -> Path:
    """Write ``stress.html`` from the stress report (``stress.json``), with
    ``assets/plotly.min.js`` beside it when it is not there yet (``key``: the page's
    content key, :mod:`macropatch.reports.reuse`).
    """
    names = _names(stress)
    bootstrap = stress.bootstrap
    page = render_template(
        "stress.html.j2",
        title="macropatch · stress tests",
        content_key=key,
        plotly_js=PLOTLY_JS,
        stress=stress,
        headings={name: _heading(name, stress.benchmark) for name in names},
        dated=", ".join(
            f"{window.name}: {window.start} to {window.end}" for window in stress.replay.windows
        ),
        replay=_replay(stress),
        scenarios=[_scenario(scenario, stress) for scenario in stress.scenarios],
        bootstrap_rows=[] if bootstrap.skipped else _bootstrap_rows(stress),
        bootstrap_chart=Markup("") if bootstrap.skipped else _bootstrap_chart(bootstrap, names),
    )
    return write_charted_page(Path(path), page)
