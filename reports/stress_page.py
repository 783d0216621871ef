"""``stress.html``: what each strategy did in history's crises and would do in the report's.

Requires the content of ``stress.json`` (:func:`macropatch.backtests.stress.study.stress_test`).
Produces one self-contained page:

- the historical replay (``id="replay"``): each strategy's return, deepest
  drawdown and trading days to recover in each crisis window, the benchmark
  first;
- the report's scenarios (``id="scenario-<n>"``): the shocks, each strategy's
  expected P&L with the regression's confidence and prediction bands, and
  the P&L of every asset with its fit;
- the conditional bootstrap (``id="bootstrap"``): one-year outcomes drawn from
  the days the chosen signals fired: median, 5% and 95% quantiles, the chance
  of losing more than 20%, and a box chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from macropatch.backtests.stress.document import (
    BootstrapReport,
    ScenarioReport,
    ShockRecord,
    StressReport,
)
from macropatch.reports.charts import HEAT_STYLE, heat_cell
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

__all__ = ["write_stress_page"]


def _percent(value: object) -> str:
    return format_value(value, ValueKind.PERCENT)


def _probability(value: object) -> str:
    return _percent(value)


def _names(stress: StressReport) -> list[str]:
    benchmark = stress.benchmark
    names = list(stress.strategies)
    return sorted(names, key=lambda name: name != benchmark)  # the benchmark first


def _label(name: str, benchmark: object) -> str:
    tag = ' <span class="tag">benchmark</span>' if name == benchmark else ""
    return f"<strong>{escape(name)}</strong>{tag}"


def _replay(stress: StressReport) -> str:
    replay = stress.replay
    windows = [window.name for window in replay.windows]
    names = _names(stress)
    benchmark = stress.benchmark
    tables = []
    for key, title, kind in (
        ("return_", "Return", ValueKind.PERCENT),
        ("max_drawdown", "Deepest drawdown", ValueKind.PERCENT),
    ):
        rows = []
        for name in names:
            cells = "".join(
                heat_cell(
                    getattr(replay.rows[name][window], key), kind=kind, scale=0.4, column=window
                )
                for window in windows
            )
            rows.append(
                f'<tr data-strategy="{escape(name, quote=True)}"><td class="name">'
                f"{_label(name, benchmark)}</td>{cells}</tr>"
            )
        tables.append(_table(f"replay-{key.rstrip('_')}", title, windows, rows))
    recovery = []
    for name in names:
        marks = []
        for window in windows:
            outcome = replay.rows[name][window]
            days = outcome.days_to_recover
            text = f"{days:,}" if outcome.recovered and days is not None else "not yet"
            marks.append(f'<td class="num" data-column="{escape(window, quote=True)}">{text}</td>')
        recovery.append(
            f'<tr data-strategy="{escape(name, quote=True)}"><td class="name">'
            f"{_label(name, benchmark)}</td>{''.join(marks)}</tr>"
        )
    tables.append(_table("replay-recovery", "Trading days to recover", windows, recovery))
    dated = ", ".join(f"{window.name}: {window.start} to {window.end}" for window in replay.windows)
    skipped = replay.skipped
    note = f" Skipped, outside the data: {escape(', '.join(skipped))}." if skipped else ""
    return (
        '<section id="replay">\n<h2>History: the crises replayed</h2>\n'
        '<p class="note">Each window runs from the S&amp;P 500\'s closing peak to its trough '
        f"({escape(dated)}). Drawdowns are measured inside the window; recovery counts the "
        "trading days from the strategy's own trough until it is back at its value on the "
        f"window's first day, after the window if need be.{note}</p>\n"
        + "\n".join(tables)
        + "\n</section>"
    )


def _table(table_id: str, title: str, columns: Sequence[str], rows: Sequence[str]) -> str:
    heads = "".join(f'<th class="num">{escape(column)}</th>' for column in columns)
    return (
        f"<h3>{escape(title)}</h3>\n"
        f'<div class="table-wrap"><table class="heat" id="{escape(table_id, quote=True)}">\n'
        f"<thead><tr><th>Strategy</th>{heads}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table></div>"
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


def _scenario(number: int, scenario: ScenarioReport, stress: StressReport) -> str:
    benchmark = stress.benchmark
    confidence = scenario.confidence
    rows = [
        (
            _label(name, benchmark),
            _percent(outcome.expected),
            escape(outcome.note)
            if outcome.note
            else f"{_percent(outcome.low)} to {_percent(outcome.high)}",
            f"{_percent(outcome.prediction_low)} to {_percent(outcome.prediction_high)}",
        )
        for name in _names(stress)
        for outcome in [scenario.strategies[name]]
    ]
    band = f"{confidence:.0%}"
    strategies = html_table(
        ("Strategy", "Expected P&L", f"{band} confidence band", f"{band} prediction band"),
        rows,
        numeric=(1, 2, 3),
    )
    assets = html_table(
        ("Asset", "Expected P&L", f"{band} confidence band", "R²", "Months"),
        [
            (
                f'<span class="mono">{escape(asset)}</span>',
                _percent(move.expected),
                f"{_percent(move.low)} to {_percent(move.high)}",
                text_or_na(None if move.r2 is None else f"{move.r2:.2f}"),
                text_or_na(move.months),
            )
            for asset, move in scenario.assets.items()
        ],
        numeric=(1, 2, 3, 4),
    )
    estimation = scenario.estimation
    shocks = "".join(f"<li>{escape(_shock_text(shock))}</li>" for shock in scenario.shocks)
    return (
        f'<section id="scenario-{number}">\n<h2>Scenario: {escape(scenario.name)}</h2>\n'
        f"<p>{escape(scenario.description)}</p>\n<ul>{shocks}</ul>\n{strategies}\n"
        f"<details><summary>Every asset</summary>\n{assets}\n</details>\n"
        '<p class="note">Each asset\'s monthly returns are regressed on the monthly moves of '
        f"the shocked factors ({escape(estimation.start)} to "
        f"{escape(estimation.end)}); its P&amp;L is its betas times the shocks (the "
        "regression's intercept, a normal month's drift, is left out). A strategy's P&amp;L "
        f"weighs its assets by its holdings on {escape(stress.as_of)}; cash moves 0. "
        "The confidence band is the uncertainty of the betas; the prediction band adds what "
        "the factors leave unexplained. Shocks far beyond a month's history are a linear "
        "extrapolation.</p>\n</section>"
    )


def _bootstrap_chart(bootstrap: BootstrapReport, names: Sequence[str]) -> str:
    figure = Figure(figsize=(11, 0.8 + 0.45 * len(names)), layout="constrained")
    axes = figure.add_subplot()
    stats = []
    for name in names:
        numbers = bootstrap.strategies[name]
        stats.append(
            {
                "label": name,
                "med": numbers["median"],
                "q1": numbers["quantile_25"],
                "q3": numbers["quantile_75"],
                "whislo": numbers["quantile_05"],
                "whishi": numbers["quantile_95"],
            }
        )
    axes.bxp(stats, orientation="horizontal", showfliers=False, patch_artist=False)
    axes.axvline(0.0, color="#9aa3af", linewidth=0.8)
    axes.axvline(-0.2, color="#b3261e", linewidth=0.8, linestyle="--")
    axes.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    axes.invert_yaxis()
    axes.set_xlabel("One-year return (box: 25% to 75%, whiskers: 5% to 95%; dashed: -20%)")
    return figure_to_svg(figure, label="Bootstrapped one-year returns per strategy")


def _bootstrap(stress: StressReport) -> str:
    bootstrap = stress.bootstrap
    if bootstrap.skipped:
        return (
            '<section id="bootstrap">\n<h2>One year from a stressed start: the bootstrap</h2>\n'
            f'<p class="note">Not drawn: {escape(bootstrap.skipped)}.</p>\n</section>'
        )
    names = _names(stress)
    benchmark = stress.benchmark
    rows = [
        (
            _label(name, benchmark),
            _percent(numbers.get("median")),
            _percent(numbers.get("quantile_05")),
            _percent(numbers.get("quantile_95")),
            _probability(numbers.get("probability_loss_20")),
            _probability(numbers.get("probability_loss")),
        )
        for name in names
        for numbers in [bootstrap.strategies[name]]
    ]
    table = html_table(
        ("Strategy", "Median", "5% quantile", "95% quantile", "P(loss > 20%)", "P(loss)"),
        rows,
        numeric=(1, 2, 3, 4, 5),
    )
    with chart_style():
        chart = _bootstrap_chart(bootstrap, names)
    return (
        '<section id="bootstrap">\n<h2>One year from a stressed start: the bootstrap</h2>\n'
        f'<p class="note">{bootstrap.paths:,} one-year paths ({bootstrap.horizon_days} '
        f"trading days), each made of blocks of {bootstrap.block_days} consecutive days that "
        f"start on a day when {escape(' or '.join(bootstrap.signals))} fired "
        f"({bootstrap.condition_days or 0:,} such days, {bootstrap.eligible_starts or 0:,} block "
        f"starts), drawn with replacement, the same blocks for every strategy; seed "
        f'{bootstrap.seed}.</p>\n{table}\n<div class="chart">{chart}</div>\n</section>'
    )


def write_stress_page(path: Path, *, stress: StressReport) -> Path:
    """Write ``stress.html`` from the stress report (``stress.json``)."""
    scenarios = "\n".join(
        _scenario(number, scenario, stress) for number, scenario in enumerate(stress.scenarios)
    )
    body = "\n".join(
        [
            "<h1>Stress tests</h1>",
            f'<p class="subtitle">Holdings as of {escape(stress.as_of)} · benchmark '
            f"{escape(text_or_na(stress.benchmark))} · "
            '<a href="index.html">back to the comparison</a></p>',
            _replay(stress),
            scenarios,
            _bootstrap(stress),
            "<footer>Written by macropatch "
            f"{escape(text_or_na(stress.macropatch_version))}. This page is "
            "self-contained.</footer>",
        ]
    )
    page = render_page(title="macropatch · stress tests", body=body, extra_style=HEAT_STYLE)
    return write_page(Path(path), page)
