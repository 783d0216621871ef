"""``evidence.html``: what each signal adds to its strategies, and what followed each trigger.

Requires the content of ``evidence.json``
(:class:`~macropatch.backtests.evidence.document.EvidenceReport`). Produces
one self-contained page:

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

import re
from html import escape
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from macropatch.backtests.evidence.document import (
    AS_CONFIGURED,
    ActiveSummary,
    EvidenceReport,
    ForwardSummary,
    TriggerEvidence,
)
from macropatch.reports.html import (
    ValueKind,
    chart_style,
    figure_to_svg,
    format_value,
    html_table,
    render_page,
    text_or_na,
    write_page,
)

__all__ = ["write_evidence_page"]

MARKET = "S&P 500"
"""The panel series the summary table and the charts show."""


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


def _twins(evidence: EvidenceReport) -> str:
    if not evidence.strategies:
        return (
            '<section id="twins">\n<h2>What the signals add: neutral twins</h2>\n'
            '<p class="note">No strategy of this run reads a signal.</p>\n</section>'
        )
    heads = (
        "Strategy", "Signals read", "Active/yr", "Tracking error", "IR", "t (NW)", "PSR", "DSR",
    )  # fmt: skip
    rows = [
        (
            f"<strong>{escape(name)}</strong>",
            escape(", ".join(found.signals)),
            *_active_cells(found.twin),
        )
        for name, found in evidence.strategies.items()
    ]
    lines = "\n".join(
        f"<li><strong>{escape(name)}</strong>: {escape(found.verdict)}.</li>"
        for name, found in evidence.strategies.items()
    )
    contribution_rows = [
        (escape(name), escape(signal), *_active_cells(active))
        for name, found in evidence.strategies.items()
        for signal, active in found.contributions.items()
    ]
    contributions = html_table(
        ("Strategy", "Signal", "Adds/yr", "Tracking error", "IR", "t (NW)", "PSR", "DSR"),
        contribution_rows,
        numeric=(2, 3, 4, 5, 6, 7),
    )
    return (
        '<section id="twins">\n<h2>What the signals add: neutral twins</h2>\n'
        f'<p class="note">{escape(evidence.method)}</p>\n'
        f"{html_table(heads, rows, numeric=(2, 3, 4, 5, 6, 7))}\n<ul>\n{lines}\n</ul>\n"
        "<h3>Each signal's contribution (the strategy against itself with that signal "
        f"held quiet)</h3>\n{contributions}\n</section>"
    )


def _tags(trigger: TriggerEvidence) -> str:
    tags = []
    if trigger.warning:
        tags.append('<span class="tag warn">too few episodes</span>')
    if not trigger.point_in_time:
        tags.append(
            '<span class="tag warn" title="its input is re-estimated by its publisher">'
            "not point-in-time</span>"
        )
    return " ".join(tags)


def _anchor(key: str) -> str:
    """The element id of a trigger's details: ``trigger-`` and its key, made id-safe."""
    return "trigger-" + re.sub(r"[^A-Za-z0-9_]+", "-", key).strip("-")


def _title(trigger: TriggerEvidence) -> str:
    """The signal's name, and the report reading when it is not the configured definition."""
    if trigger.reading == AS_CONFIGURED:
        return f"<strong>{escape(trigger.signal)}</strong>"
    return f"{escape(trigger.signal)} <small>· {escape(trigger.reading)}</small>"


def _summary_row(name: str, trigger: TriggerEvidence, horizon: int) -> tuple[str, ...]:
    main = next(
        (item for item in trigger.forward if item.asset == MARKET and item.horizon_days == horizon),
        None,
    )
    first = trigger.drawdowns[0] if trigger.drawdowns else None
    judged = None if first is None else first.hits + first.false_alarms
    return (
        f'<a href="#{_anchor(name)}">{_title(trigger)}</a> {_tags(trigger)}',
        f'<span class="mono" style="white-space:nowrap">{text_or_na(trigger.first_known)}'
        f"<br>to {text_or_na(trigger.last_known)}</span>",
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
        escape(trigger.finding.split(":")[0]),
    )


def _triggers(evidence: EvidenceReport) -> str:
    method = evidence.trigger_method
    if method is None or not evidence.triggers:
        return (
            '<section id="triggers">\n<h2>The triggers as predictors</h2>\n'
            '<p class="note">No trigger had data to study.</p>\n</section>'
        )
    horizon = max(method.horizons)
    heads = (
        "Signal",
        "Known",
        "Episodes (independent)",
        f"{MARKET} next {horizon} days",
        "All days",
        f"Difference, {method.level:.0%} interval",
        "10% drawdown followed",
        "Base rate",
        "p",
        "Median lead (days)",
        "Finding",
    )
    rows = [_summary_row(name, trigger, horizon) for name, trigger in evidence.triggers.items()]
    details = "\n".join(
        _detail(name, trigger, method.horizons) for name, trigger in evidence.triggers.items()
    )
    return (
        '<section id="triggers">\n<h2>The triggers as predictors</h2>\n'
        f'<p class="note">History: {escape(method.calendar)}, {escape(method.first_day)} to '
        f"{escape(method.last_day)}; each signal from the first day its inputs make it known. "
        f"Episodes: a firing after {method.quiet_days} quiet days. Each signal as the "
        "experiment configures it comes first (in bold), then the report's own readings of "
        "it (<small>· reading</small>), studied the same way.</p>\n"
        f"{html_table(heads, rows, numeric=(2, 3, 4, 5, 6, 7, 8, 9))}\n{details}\n</section>"
    )


def _forward_cell(item: ForwardSummary | None) -> str:
    if item is None or not item.episodes:
        return "n/a"
    interval = (
        ""
        if item.low is None
        else f"<br><small>{_percent(item.low)} to {_percent(item.high)}</small>"
    )
    return f"{_percent(item.mean_after)} <small>vs {_percent(item.unconditional)}</small>{interval}"


def _detail(name: str, trigger: TriggerEvidence, horizons: list[int]) -> str:
    assets = list(dict.fromkeys(item.asset for item in trigger.forward))
    found = {(item.asset, item.horizon_days): item for item in trigger.forward}
    rows = [
        (escape(asset), *(_forward_cell(found.get((asset, horizon))) for horizon in horizons))
        for asset in assets
    ]
    table = html_table(
        ("After an episode", *(f"{horizon} days" for horizon in horizons)),
        rows,
        numeric=tuple(range(1, len(horizons) + 1)),
    )
    with chart_style():
        chart = _chart(name, [found.get((MARKET, horizon)) for horizon in horizons], horizons)
    warning = f'<p class="note warn">{escape(trigger.warning)}.</p>\n' if trigger.warning else ""
    return (
        f'<article id="{_anchor(name)}">\n<h3>{_title(trigger)} {_tags(trigger)}</h3>\n'
        f"<p>{escape(trigger.line)}.</p>\n{warning}"
        f'<p class="note">Signal as studied: <code>{escape(trigger.output_name)}</code>. '
        "Cells: mean after the episodes vs all days, and the interval of the difference "
        f"(rates and spreads: change as a fraction).</p>\n{table}\n"
        f'<div class="chart">{chart}</div>\n</article>'
    )


def _chart(name: str, outcomes: list[ForwardSummary | None], horizons: list[int]) -> str:
    figure = Figure(figsize=(11, 3.2), layout="constrained")
    axes = figure.add_subplot()
    stats, positions = [], []
    for position, outcome in enumerate(outcomes):
        if outcome is None or len(outcome.unconditional_quantiles) != 5:
            continue
        low, q1, median, q3, high = (
            float(value or 0.0) for value in outcome.unconditional_quantiles
        )
        stats.append({"med": median, "q1": q1, "q3": q3, "whislo": low, "whishi": high})
        positions.append(position)
        values = [float(value) for value in outcome.after if value is not None]
        offsets = [position + 0.25 + 0.1 * ((index % 5) / 4 - 0.5) for index in range(len(values))]
        axes.scatter(offsets, values, s=14, color="#b3261e", alpha=0.75, zorder=3)
        if outcome.mean_after is not None:
            axes.plot([position + 0.13, position + 0.37], [outcome.mean_after] * 2, color="#b3261e")
    if stats:
        axes.bxp(stats, positions=positions, widths=0.3, showfliers=False)
    axes.axhline(0.0, color="#9aa3af", linewidth=0.8)
    axes.set_xticks(range(len(horizons)), [f"{horizon} days" for horizon in horizons])
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    axes.set_ylabel(f"{MARKET} forward return")
    axes.set_title(
        "Grey box: every known day (5%, 25%, 50%, 75%, 95%); red dots: each episode; "
        "red line: their mean",
        fontsize=9,
    )
    return figure_to_svg(figure, label=f"{MARKET} forward returns after {name}")


def _calibration(evidence: EvidenceReport) -> str:
    """The option model against CBOE PPUT: figures, crashes and a growth chart."""
    found = evidence.calibration
    if found is None:
        reason = evidence.calibration_note or "no calibration in this evidence"
        return (
            '<section id="calibration">\n<h2>The option model against CBOE PPUT</h2>\n'
            f'<p class="note">Not drawn: {escape(reason)}.</p>\n</section>'
        )
    facts = html_table(
        ("", "Replica", "CBOE PPUT", "S&P 500 total return"),
        [
            ("CAGR", _percent(found.model_cagr), _percent(found.index_cagr),
             _percent(found.unhedged_cagr)),
            ("Volatility", _percent(found.model_volatility), _percent(found.index_volatility),
             _percent(found.unhedged_volatility)),
            ("Monthly correlation with PPUT", _number(found.monthly_correlation, 3), "", ""),
            ("Tracking error (monthly, a year)", _percent(found.tracking_error), "", ""),
            *(
                (f"Drawdown {escape(crash.start)} to {escape(crash.end)}",
                 _percent(crash.replica), _percent(crash.index), _percent(crash.unhedged))
                for crash in found.drawdowns
            ),
        ],
        numeric=(1, 2, 3),
    )  # fmt: skip
    with chart_style():
        chart = _calibration_chart(found.labels, found.monthly)
    return (
        '<section id="calibration">\n<h2>The option model against CBOE PPUT</h2>\n'
        '<p class="note">A replica built like CBOE PPUT (the S&P 500 total return plus '
        "one-month puts 5% out of the money on all of its notional, rolled on third Fridays, "
        "bought at the ask) and priced by the same option model as long_volatility's hedge "
        f"(<code>{escape(found.model)}</code>), from {escape(found.start)} to "
        f"{escape(found.end)}. What full protection costs is the gap between the replica's "
        "CAGR and the unhedged index's; what it buys is the gap between their drawdowns.</p>\n"
        f'{facts}\n<div class="chart">{chart}</div>\n</section>'
    )


def _hedges(evidence: EvidenceReport) -> str:
    """What the run's hedged strategies paid for protection and what it bought, crash by crash."""
    if not evidence.hedges:
        return ""

    def pair(strategy: float | None, benchmark: float | None) -> str:
        return f"{_percent(strategy)} / {_percent(benchmark)}"

    first = evidence.hedges[0]
    rows = [
        ("Hedge cost / year", *(_percent(item.hedge_cost) for item in evidence.hedges)),
        ("CAGR", *(pair(item.cagr, item.benchmark_cagr) for item in evidence.hedges)),
        (
            "Max drawdown",
            *(pair(item.max_drawdown, item.benchmark_max_drawdown) for item in evidence.hedges),
        ),
        (
            "Worst month",
            *(pair(item.worst_month, item.benchmark_worst_month) for item in evidence.hedges),
        ),
        *(
            (
                f"Drawdown {escape(crash.start)} to {escape(crash.end)}",
                *(
                    pair(item.crashes[number].strategy, item.crashes[number].benchmark)
                    for item in evidence.hedges
                ),
            )
            for number, crash in enumerate(first.crashes)
        ),
    ]
    table = html_table(
        ("", *(item.strategy for item in evidence.hedges)),
        rows,
        numeric=tuple(range(1, len(evidence.hedges) + 1)),
    )
    return (
        '<section id="hedges">\n<h2>What the hedges bought in this run</h2>\n'
        '<p class="note">Each strategy that holds insurance against the benchmark '
        f"(<code>{escape(first.benchmark)}</code>) over the same days, as strategy / "
        "benchmark. The hedge cost is net of what the hedges paid out, a year; the "
        "drawdowns are the deepest falls inside each crash window.</p>\n"
        f"{table}\n</section>"
    )


def _calibration_chart(labels: list[str], monthly: dict[str, list[float | None]]) -> str:
    figure = Figure(figsize=(11, 3.4), layout="constrained")
    axes = figure.add_subplot()
    dates = pd.DatetimeIndex(labels).to_numpy()
    names = {"replica": "replica", "index": "CBOE PPUT", "unhedged": "S&P 500 total return"}
    for key, label in names.items():
        values = [float("nan") if value is None else float(value) for value in monthly[key]]
        axes.plot(dates, values, label=label, linewidth=1.2)
    axes.set_yscale("log")
    axes.set_ylabel("Growth of 100 (log scale)")
    axes.legend(loc="upper left", frameon=False)
    return figure_to_svg(figure, label="Replica, CBOE PPUT and the S&P 500, growth of 100")


def write_evidence_page(
    path: Path, *, evidence: EvidenceReport, comparison_link: str | None = "index.html"
) -> Path:
    """Write ``evidence.html`` from the evidence report (``evidence.json``); it links back to
    ``comparison_link`` (None: the evidence stands alone).
    """
    method = evidence.trigger_method
    back = (
        ""
        if comparison_link is None
        else f' <a href="{escape(comparison_link, quote=True)}">Back to the comparison</a>.'
    )
    body = (
        "<h1>Evidence: what the signals add, and what the triggers preceded</h1>\n"
        f'<p class="note">As of {escape(evidence.as_of)}.{back}</p>\n'
        f"{_twins(evidence)}\n{_triggers(evidence)}\n{_calibration(evidence)}\n{_hedges(evidence)}\n"
        '<section id="method">\n<h2>How these were measured</h2>\n'
        f"<p>{escape(evidence.method)}</p>\n"
        f"<p>{escape('' if method is None else method.text)}</p>\n"
        + (
            ""
            if method is None
            else "<p>Panel: "
            + escape("; ".join(f"{label}: {name}" for label, name in method.panel.items()))
            + f". Bootstrap: {method.draws:,} draws, seed {method.seed}.</p>\n"
        )
        + "</section>"
    )
    return write_page(path, render_page(title="macropatch evidence", body=body))
