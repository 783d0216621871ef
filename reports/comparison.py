"""``index.html``: every strategy of a run side by side, the verdict first.

Requires the run's daily returns, one column per strategy (for the curves),
its summary from :func:`macropatch.reports.summary.build_summary` (for every
number shown, so the page and ``summary.json`` cannot disagree) and,
optionally, each strategy's target weights, the run's signal results and its
evidence (for the weights charts and the lines against the neutral twins).
Produces one page from ``templates/index.html.j2`` that loads plotly.js from
``assets/plotly.min.js`` beside it and nothing from elsewhere.

The page opens with the verdict (``id="verdict"``): the strategies ranked by
the experiment's objective, each with a plain line against the benchmark and
one against its neutral twin. Then the interactive charts (growth, drawdowns,
rolling Sharpe ratio and volatility), the metrics table (``id="metrics"``, one
row per strategy with ``data-strategy="<name>"`` and one cell per metric with
``data-metric="<key>"``), per strategy its weights over time with the weeks its
own signals fired (``id="strategy-<name>"``), the crisis, calendar-year and
correlation tables (``id="crises"``, ``"annual-returns"``, ``"correlation"``:
rows with ``data-strategy``, cells with ``data-column``), the strategies as
run and the provenance of the run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from macropatch.backtests.evidence.document import EvidenceReport
from macropatch.backtests.metrics.performance import PERIODS_PER_YEAR
from macropatch.reports.documents import RunInfo, RunSummary, StrategySummary
from macropatch.reports.heat_tables import (
    annual_table,
    correlation_table,
    crises_table,
    crisis_dates,
)
from macropatch.reports.html import TableMetric, ValueKind, format_value
from macropatch.reports.plotting import PLOTLY_JS, write_charted_page
from macropatch.reports.run_charts import (
    ROLLING_DAYS,
    drawdown_chart,
    growth_chart,
    rolling_chart,
    weights_chart,
)
from macropatch.reports.templating import render_template
from macropatch.signals.base import SignalResult

__all__ = ["Standing", "rank_strategies", "write_comparison"]

PALETTE = ("#1f5fbf", "#d1495b", "#2e933c", "#e09f1f", "#7b4fa0", "#00798c", "#e0662b", "#8c564b")
"""Strategy colours, in run order; the benchmark is drawn in ``BENCHMARK_COLOUR``."""

BENCHMARK_COLOUR = "#1d2430"

SIGNED_METRICS = (TableMetric.CAGR, TableMetric.SHARPE, TableMetric.SORTINO, TableMetric.CALMAR)


@dataclass(frozen=True, kw_only=True)
class Standing:
    """One strategy's place in the verdict."""

    rank: int
    name: str
    score: str
    """The objective's value, formatted."""
    benchmark: bool
    against_benchmark: str
    """A plain line: beat, matched or trailed the benchmark on the objective, with CAGR and
    max drawdown beside the benchmark's."""
    against_twin: str | None
    """A plain line against the neutral twin (None: no evidence in this run)."""
    beat: bool | None
    """Whether it scored above the benchmark (None: the benchmark, or no score)."""


def _metric(key: str) -> TableMetric:
    return next(metric for metric in TableMetric if metric.key == key)


def _score(summary: StrategySummary, key: str) -> float | None:
    value = summary.metric(key)
    return None if value is None or value != value else float(value)


def _benchmark_line(
    name: str, measured: Mapping[str, StrategySummary], benchmark: str, objective: TableMetric
) -> tuple[str, bool | None]:
    mine, theirs = measured[name], measured.get(benchmark)
    if name == benchmark or theirs is None:
        return ("The benchmark." if name == benchmark else "No benchmark in this run."), None
    own, other = _score(mine, objective.key), _score(theirs, objective.key)
    if own is None or other is None:
        verb, beat = "Cannot be ranked against", None
    else:
        shown_own, shown_other = (
            format_value(own, objective.kind),
            format_value(other, objective.kind),
        )
        beat = None if shown_own == shown_other else own > other
        verb = {True: "Beat", False: "Trailed", None: "Matched"}[beat]
    percent = ValueKind.PERCENT
    return (
        f"{verb} {benchmark} on {objective.label} ({format_value(own, objective.kind)} against "
        f"{format_value(other, objective.kind)}): CAGR {format_value(mine.cagr, percent)} against "
        f"{format_value(theirs.cagr, percent)}, max drawdown "
        f"{format_value(mine.max_drawdown, percent)} against "
        f"{format_value(theirs.max_drawdown, percent)}."
    ), beat


def _twin_line(name: str, measured: StrategySummary, evidence: EvidenceReport | None) -> str | None:
    if evidence is None:
        return None
    found = evidence.strategies.get(name)
    if found is not None:
        return f"Against its neutral twin (its signals held quiet): {found.verdict}."
    if not measured.signals:
        return "Reads no signal, so it has no neutral twin."
    return "Its neutral twin was not measured in this run."


def rank_strategies(summary: RunSummary, evidence: EvidenceReport | None = None) -> list[Standing]:
    """The strategies of a run ranked by its objective (best first; no score last)."""
    run, measured = summary.run, summary.strategies
    objective = _metric(run.objective)
    order = sorted(
        measured,
        key=lambda name: (_score(measured[name], objective.key) is None,
                          -(_score(measured[name], objective.key) or 0.0)),
    )  # fmt: skip
    standings = []
    for rank, name in enumerate(order, start=1):
        line, beat = _benchmark_line(name, measured, run.benchmark, objective)
        standings.append(
            Standing(
                rank=rank,
                name=name,
                score=format_value(measured[name].metric(objective.key), objective.kind),
                benchmark=name == run.benchmark,
                against_benchmark=line,
                against_twin=_twin_line(name, measured[name], evidence),
                beat=beat,
            )
        )
    return standings


def write_comparison(
    returns: pd.DataFrame,
    *,
    summary: RunSummary,
    path: Path,
    tearsheet_links: Mapping[str, str],
    signals_link: str = "signals.html",
    stress_link: str | None = None,
    evidence_link: str | None = None,
    weights: Mapping[str, pd.DataFrame] | None = None,
    signals: Sequence[SignalResult] = (),
    evidence: EvidenceReport | None = None,
    key: str = "",
) -> Path:
    """Write the comparison page of a run.

    Parameters
    ----------
    returns
        Daily returns of the strategies of the run, one column each, the
        benchmark included; rows of the tables follow the column order.
    summary
        The run's summary: every number in the tables comes from it.
    path
        Where to write (``<out>/index.html``); written atomically, with
        ``assets/plotly.min.js`` beside it when it is not there yet.
    tearsheet_links
        Strategy name to the relative address of its tearsheet; a strategy
        without one gets no link.
    signals_link, stress_link, evidence_link
        Relative addresses of the other pages (``None``: no link).
    weights
        Per strategy, its target weights on execution dates (one column per
        asset, cash included); a strategy without them gets no weights chart.
    signals
        The run's signal results: each strategy's chart shades the weeks on
        which its own signals fired.
    evidence
        The run's evidence: the verdict's lines against the neutral twins.
    key
        The page's content key (:mod:`macropatch.reports.reuse`), in a ``<meta>`` tag.

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
    links = {"Signals": signals_link, "Stress tests": stress_link,
             "Evidence: what the signals add": evidence_link}  # fmt: skip
    page = render_template(
        "index.html.j2",
        title=f"macropatch · {run.experiment}",
        plotly_js=PLOTLY_JS,
        content_key=key,
        pages={title: link for title, link in links.items() if link},
        tearsheet_links=tearsheet_links,
        standings=rank_strategies(summary, evidence),
        **_context(summary, returns, names),
        weights=_weights(names, measured, weights or {}, signals, run),
    )
    return write_charted_page(Path(path), page)


def _context(summary: RunSummary, returns: pd.DataFrame, names: list[str]) -> dict[str, object]:
    """What index.html shows of the run itself: its facts, numbers, charts and tables."""
    run, measured = summary.run, summary.strategies
    benchmark = run.benchmark
    colours = _colours(names, benchmark)
    headings = {
        name: Markup(f'<span class="swatch" style="background:{colours[name]}"></span>')
        + Markup("<strong>%s</strong>") % name
        for name in names
    }
    return {
        "run": run,
        "names": names,
        "measured": measured,
        "benchmark": benchmark,
        "colours": colours,
        "headings": headings,
        "metrics": list(TableMetric),
        "signed": SIGNED_METRICS,
        "objective": _metric(run.objective),
        "charts": _charts(returns, benchmark, colours),
        "crises": crises_table(names, measured, benchmark),
        "crisis_dates": crisis_dates(names, measured),
        "annual": annual_table(names, measured, benchmark),
        "correlation": correlation_table(names, summary.correlation, benchmark)
        if summary.correlation
        else None,
        "words": _words(run),
        "parameter": _parameter,
        "rolling_days": ROLLING_DAYS,
    }


def _charts(returns: pd.DataFrame, benchmark: str, colours: Mapping[str, str]) -> dict[str, Markup]:
    return {
        "growth": growth_chart(returns, benchmark, colours),
        "drawdowns": drawdown_chart(returns, benchmark, colours),
        "sharpe": rolling_chart(returns, benchmark, colours, measure="sharpe"),
        "volatility": rolling_chart(returns, benchmark, colours, measure="volatility"),
    }


@dataclass(frozen=True, kw_only=True)
class WeightsView:
    """One strategy's weights section."""

    name: str
    chart: Markup
    signals: list[str]


def _weights(
    names: Sequence[str],
    measured: Mapping[str, StrategySummary],
    weights: Mapping[str, pd.DataFrame],
    signals: Sequence[SignalResult],
    run: RunInfo,
) -> list[WeightsView]:
    fired = {result.signal.name: result.fired for result in signals}
    period = (pd.Timestamp(run.period.start), pd.Timestamp(run.period.end))
    views = []
    for name in names:
        if name not in weights:
            continue
        own = [signal for signal in measured[name].signals if signal in fired]
        chart = weights_chart(
            name, weights[name], period=period, fired={signal: fired[signal] for signal in own}
        )
        views.append(WeightsView(name=name, chart=chart, signals=list(measured[name].signals)))
    return views


def _colours(names: Sequence[str], benchmark: str) -> dict[str, str]:
    colours: dict[str, str] = {}
    others = [name for name in names if name != benchmark]
    for position, name in enumerate(others):
        colours[name] = PALETTE[position % len(PALETTE)]
    if benchmark in names:
        colours[benchmark] = BENCHMARK_COLOUR
    return colours


def _parameter(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


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


def _words(run: RunInfo) -> dict[str, str]:
    """The run's costs, lag and conventions in words."""
    return {
        "fees": _cost(run.costs.fees),
        "slippage": _cost(run.costs.slippage),
        "lag": _lag_phrase(run.execution_lag),
        "annualisation": f"{PERIODS_PER_YEAR} trading days, rf = 0",
        "days": str(PERIODS_PER_YEAR),
    }
