"""``evidence.html``: what each signal adds to its strategies, and what followed each trigger.

Requires the content of ``evidence.json``
(:class:`~macropatch.backtests.evidence.document.EvidenceReport`). Produces
one page from ``templates/evidence.html.j2`` (charts drawn by
``assets/plotly.min.js`` beside it):

- the neutral twins (``id="twins"``): per signal-driven strategy, its active
  return against itself with every signal held quiet, with the Newey-West
  t-statistic and one plain line; then each signal's marginal contribution;
- the triggers as predictors (``id="triggers"``): per signal, the episodes,
  the S&P 500 over the next year against all days, the drawdowns that
  followed, and the finding; then per signal (``id="trigger-<name>"``) the
  forward moves of the whole panel and a chart of the S&P 500's forward
  returns after each episode against the unconditional distribution;
- how the studies were made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from macropatch.backtests.evidence.document import (
    AS_CONFIGURED,
    ActiveSummary,
    CalibrationSummary,
    EvidenceReport,
    ForwardSummary,
    TriggerEvidence,
)
from macropatch.reports.html import ValueKind, format_value, text_or_na
from macropatch.reports.plotting import (
    PLOTLY_JS,
    chart_markup,
    dates,
    figure,
    layout,
    log_ticks,
    values,
    write_charted_page,
)
from macropatch.reports.templating import anchor, render_template

__all__ = ["write_evidence_page"]

MARKET = "S&P 500"
"""The panel series the summary table and the charts show."""

Row = tuple[object, ...]


def _percent(value: object) -> str:
    return format_value(value, ValueKind.PERCENT)


def _number(value: object, digits: int = 2) -> str:
    return text_or_na(None if value is None else f"{float(str(value)):.{digits}f}")


def _active_cells(active: ActiveSummary) -> tuple[str, ...]:
    return (
        _percent(active.annual_return),
        _percent(active.tracking_error),
        _number(active.information_ratio),
        _number(active.t_statistic),
        _number(active.psr),
        _number(active.dsr),
    )


def _twins(evidence: EvidenceReport) -> tuple[list[Row], list[Row]]:
    """The twins table and the per-signal contributions table."""
    twins: list[Row] = [
        (Markup("<strong>%s</strong>") % name, ", ".join(found.signals), *_active_cells(found.twin))
        for name, found in evidence.strategies.items()
    ]
    contributions: list[Row] = [
        (name, signal, *_active_cells(active))
        for name, found in evidence.strategies.items()
        for signal, active in found.contributions.items()
    ]
    return twins, contributions


def _tags(trigger: TriggerEvidence) -> Markup:
    tags = []
    if trigger.warning:
        tags.append(Markup('<span class="tag warn">too few episodes</span>'))
    if not trigger.point_in_time:
        tags.append(
            Markup(
                '<span class="tag warn" title="its input is re-estimated by its publisher">'
                "not point-in-time</span>"
            )
        )
    return Markup(" ").join(tags)


def _title(trigger: TriggerEvidence) -> Markup:
    """The signal's name, and the report reading when it is not the configured definition."""
    if trigger.reading == AS_CONFIGURED:
        return Markup("<strong>%s</strong>") % trigger.signal
    return Markup("%s <small>· %s</small>") % (trigger.signal, trigger.reading)


def _summary_row(name: str, trigger: TriggerEvidence, horizon: int) -> Row:
    main = next(
        (item for item in trigger.forward if item.asset == MARKET and item.horizon_days == horizon),
        None,
    )
    first = trigger.drawdowns[0] if trigger.drawdowns else None
    judged = None if first is None else first.hits + first.false_alarms
    return (
        Markup('<a href="#%s">%s</a> %s')
        % (anchor(name, "trigger-"), _title(trigger), _tags(trigger)),
        Markup('<span class="mono" style="white-space:nowrap">%s<br>to %s</span>')
        % (text_or_na(trigger.first_known), text_or_na(trigger.last_known)),
        f"{len(trigger.episodes)} ({trigger.independent})",
        _percent(None if main is None else main.mean_after),
        _percent(None if main is None else main.unconditional),
        "n/a"
        if main is None or main.low is None
        else f"{_percent(main.low)} to {_percent(main.high)}",
        "n/a" if first is None or not judged else f"{first.hits} of {judged}",
        _percent(None if first is None else first.base_rate),
        _number(None if first is None else first.p_value),
        _number(None if first is None else first.median_lead_days, 0),
    )


def _trigger_heads(evidence: EvidenceReport) -> tuple[str, ...]:
    method = evidence.trigger_method
    if method is None:
        return ()
    return (
        "Signal",
        "Finding",
        "Known",
        "Episodes (independent)",
        f"{MARKET} next {max(method.horizons)} days",
        "All days",
        f"Difference, {method.level:.0%} interval",
        "10% drawdown followed",
        "Base rate",
        "p",
        "Median lead (days)",
        "Finding",
    )


def _forward_cell(item: ForwardSummary | None) -> Markup | str:
    if item is None or not item.episodes:
        return "n/a"
    cell = Markup("%s <small>vs %s</small>") % (
        _percent(item.mean_after),
        _percent(item.unconditional),
    )
    if item.low is None:
        return cell
    return cell + Markup("<br><small>%s to %s</small>") % (_percent(item.low), _percent(item.high))


@dataclass(frozen=True, kw_only=True)
class TriggerDetail:
    """One trigger's article: its forward moves table and its chart."""

    anchor: str
    title: Markup
    tags: Markup
    trigger: TriggerEvidence
    heads: tuple[str, ...]
    rows: list[Row]
    numeric: tuple[int, ...]
    chart: Markup


def _detail(name: str, trigger: TriggerEvidence, horizons: list[int]) -> TriggerDetail:
    assets = list(dict.fromkeys(item.asset for item in trigger.forward))
    found = {(item.asset, item.horizon_days): item for item in trigger.forward}
    rows: list[Row] = [
        (asset, *(_forward_cell(found.get((asset, horizon))) for horizon in horizons))
        for asset in assets
    ]
    return TriggerDetail(
        anchor=anchor(name, "trigger-"),
        title=_title(trigger),
        tags=_tags(trigger),
        trigger=trigger,
        heads=("After an episode", *(f"{horizon} days" for horizon in horizons)),
        rows=rows,
        numeric=tuple(range(1, len(horizons) + 1)),
        chart=_forward_chart(
            name, [found.get((MARKET, horizon)) for horizon in horizons], horizons
        ),
    )


def _forward_chart(name: str, outcomes: list[ForwardSummary | None], horizons: list[int]) -> Markup:
    """Per horizon: every known day's forward return as a grey box (5-25-50-75-95%), each
    episode's as a red dot and their mean as a red bar.
    """
    chart = figure(
        hovermode="closest",
        showlegend=False,
        xaxis={**layout()["yaxis"], "type": "category", "title": {"text": ""}},
        yaxis={**layout()["yaxis"], "tickformat": ".0%", "title": {"text": f"{MARKET} forward return"}},
        margin={"l": 60, "r": 40, "t": 30, "b": 30},
        title={"text": "Grey box: every known day (5%, 25%, 50%, 75%, 95%); red dots: each episode;"
               " red bar: their mean", "font": {"size": 12}, "x": 0.01},
    )  # fmt: skip
    for outcome, horizon in zip(outcomes, horizons, strict=True):
        if outcome is None or len(outcome.unconditional_quantiles) != 5:
            continue
        label = f"{horizon} days"
        low, q1, median, q3, high = (
            float(value or 0.0) for value in outcome.unconditional_quantiles
        )
        chart.add_trace(
            go.Box(
                x=[label], q1=[q1], median=[median], q3=[q3], lowerfence=[low], upperfence=[high],
                name="every known day", marker={"color": "#8d96a3"}, line={"color": "#5b6574"},
                fillcolor="rgba(141,150,163,0.25)", offsetgroup="all",
            )
        )  # fmt: skip
        after = [float(value) for value in outcome.after if value is not None]
        chart.add_trace(
            go.Box(
                x=[label] * len(after), y=values(after), name="after each episode",
                boxpoints="all", jitter=0.5, pointpos=0, fillcolor="rgba(0,0,0,0)",
                line={"color": "rgba(0,0,0,0)"}, marker={"color": "#b3261e", "size": 6},
                offsetgroup="episodes", hoveron="points",
            )
        )  # fmt: skip
        if outcome.mean_after is not None:
            chart.add_trace(
                go.Scatter(
                    x=[label], y=[outcome.mean_after], mode="markers", name="mean after episodes",
                    marker={"symbol": "line-ew-open", "size": 34, "color": "#b3261e",
                            "line": {"width": 3}},
                    offsetgroup="episodes", hovertemplate="mean %{y:.1%}<extra></extra>",
                )
            )  # fmt: skip
    chart.update_layout(boxmode="group", scattermode="group")
    chart.add_hline(y=0.0, line={"color": "#9aa3af", "width": 1})
    return chart_markup(
        chart,
        chart_id=anchor(name, "forward-"),
        label=f"{MARKET} forward returns after {name}",
        height=300,
    )


def _calibration_rows(found: CalibrationSummary) -> list[Row]:
    return [
        ("CAGR", _percent(found.model_cagr), _percent(found.index_cagr),
         _percent(found.unhedged_cagr)),
        ("Volatility", _percent(found.model_volatility), _percent(found.index_volatility),
         _percent(found.unhedged_volatility)),
        ("Monthly correlation with PPUT", _number(found.monthly_correlation, 3), "", ""),
        ("Tracking error (monthly, a year)", _percent(found.tracking_error), "", ""),
        *(
            (f"Drawdown {crash.start} to {crash.end}", _percent(crash.replica),
             _percent(crash.index), _percent(crash.unhedged))
            for crash in found.drawdowns
        ),
    ]  # fmt: skip


def _calibration_chart(found: CalibrationSummary) -> Markup:
    index = pd.DatetimeIndex(found.labels)
    names = {"replica": "replica", "index": "CBOE PPUT", "unhedged": "S&P 500 total return"}
    numbers = [value for key in names for value in found.monthly[key] if value is not None]
    ticks = log_ticks(min(numbers, default=100.0), max(numbers, default=100.0))
    chart = figure(
        yaxis={**layout()["yaxis"], "type": "log", "title": {"text": "Growth of 100 (log scale)"},
               "tickvals": ticks, "ticktext": [f"{tick:g}" for tick in ticks]},
    )  # fmt: skip
    for (key, label), colour in zip(names.items(), ("#1f5fbf", "#d1495b", "#1d2430"), strict=True):
        chart.add_trace(
            go.Scatter(
                x=dates(index), y=values(found.monthly[key]), name=label, mode="lines",
                line={"color": colour, "width": 1.5}, hovertemplate="%{y:.1f}",
            )
        )  # fmt: skip
    return chart_markup(
        chart,
        chart_id="calibration-chart",
        label="Replica, CBOE PPUT and the S&P 500, growth of 100",
        height=340,
    )


def _hedges(evidence: EvidenceReport) -> tuple[tuple[str, ...], list[Row], tuple[int, ...]]:
    """What the run's hedged strategies paid for protection and what it bought, crash by crash."""
    if not evidence.hedges:
        return (), [], ()
    hedges = evidence.hedges

    def pair(strategy: float | None, benchmark: float | None) -> str:
        return f"{_percent(strategy)} / {_percent(benchmark)}"

    rows: list[Row] = [
        ("Hedge cost / year", *(_percent(item.hedge_cost) for item in hedges)),
        ("CAGR", *(pair(item.cagr, item.benchmark_cagr) for item in hedges)),
        ("Max drawdown", *(pair(item.max_drawdown, item.benchmark_max_drawdown) for item in hedges)),
        ("Worst month", *(pair(item.worst_month, item.benchmark_worst_month) for item in hedges)),
        *(
            (f"Drawdown {crash.start} to {crash.end}",
             *(pair(item.crashes[number].strategy, item.crashes[number].benchmark)
               for item in hedges))
            for number, crash in enumerate(hedges[0].crashes)
        ),
    ]  # fmt: skip
    heads = ("", *(item.strategy for item in hedges))
    return heads, rows, tuple(range(1, len(hedges) + 1))


def write_evidence_page(
    path: Path,
    *,
    evidence: EvidenceReport,
    comparison_link: str | None = "index.html",
    key: str = "",
) -> Path:
    """Write ``evidence.html`` from the evidence report (``evidence.json``), with
    ``assets/plotly.min.js`` beside it when it is not there yet; it links back to
    ``comparison_link`` (None: the evidence stands alone; ``key``: the page's content
    key, :mod:`macropatch.reports.reuse`).
    """
    method = evidence.trigger_method
    twins, contributions = _twins(evidence)
    hedge_heads, hedge_rows, hedge_numeric = _hedges(evidence)
    found = evidence.calibration
    page = render_template(
        "evidence.html.j2",
        title="macropatch · evidence",
        content_key=key,
        plotly_js=PLOTLY_JS,
        evidence=evidence,
        comparison_link=comparison_link,
        twins=twins,
        contributions=contributions,
        trigger_heads=_trigger_heads(evidence),
        trigger_rows=[]
        if method is None
        else [
            _summary_row(name, trigger, max(method.horizons))
            for name, trigger in evidence.triggers.items()
        ],
        details=[]
        if method is None
        else [
            _detail(name, trigger, method.horizons) for name, trigger in evidence.triggers.items()
        ],
        calibration_rows=[] if found is None else _calibration_rows(found),
        calibration_chart=Markup("") if found is None else _calibration_chart(found),
        hedge_heads=hedge_heads,
        hedge_rows=hedge_rows,
        hedge_numeric=hedge_numeric,
    )
    return write_charted_page(Path(path), page)
