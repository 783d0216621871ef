"""``sweep.html``: what tuning a strategy's thresholds found, and how far to trust it.

Requires the sweep's summary (the content of ``sweep.json``: the spec, the
best in-sample variant, the walk-forward result, the overfitting statistics
and the verdict) and the metrics of every variant (one row per variant, one
column per parameter then one per metric). Produces one self-contained page:

- the verdict, one line a user can act on;
- the best in-sample variant next to the walk-forward out-of-sample result
  and the benchmark over the same days (the best variant is never shown
  without its out-of-sample result);
- the probabilistic and deflated Sharpe ratios and the probability of
  backtest overfitting, with what each means;
- heatmaps of the objective over every pair of parameters, the other
  parameters held at the best variant's values (``id="heatmap-<n>"``);
- the walk-forward windows and the variant each chose;
- the top variants by the objective, and links to the tearsheets and
  ``variants.csv``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

import pandas as pd

from macropatch.backtests.sweep.document import OverfittingReport, SweepReport
from macropatch.reports.html import (
    NOT_AVAILABLE,
    ValueKind,
    format_value,
    html_table,
    render_page,
    write_page,
)

__all__ = ["OBJECTIVE_KINDS", "write_sweep_page"]

#: How each objective (and metric) is shown.
OBJECTIVE_KINDS = {
    "sharpe": ValueKind.RATIO,
    "sortino": ValueKind.RATIO,
    "calmar": ValueKind.RATIO,
    "cagr": ValueKind.PERCENT,
    "max_drawdown": ValueKind.PERCENT,
    "volatility": ValueKind.PERCENT,
    "worst_month": ValueKind.PERCENT,
    "turnover": ValueKind.PERCENT,
    "total_return": ValueKind.PERCENT,
}

_COMPARED = ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar")
_LABELS = {
    "cagr": "CAGR",
    "volatility": "Volatility",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "max_drawdown": "Max drawdown",
    "calmar": "Calmar",
    "worst_month": "Worst month",
    "turnover": "Turnover / year",
    "total_return": "Total return",
    "active_return": "Return over the twin / year",
    "active_t": "t over the twin (NW)",
    "active_score": "Objective over the twin",
}
_TOP = 20

_STYLE = """
.verdict{border-left:4px solid var(--accent);background:#f3f6fb;padding:10px 14px;margin:14px 0;
font-size:16px}
.verdict.bad{border-color:#b3261e;background:#fbefee}.verdict.good{border-color:#1a7f4b;
background:#eef7f1}
td.grid{text-align:right;font-variant-numeric:tabular-nums}td.grid.best{outline:2px solid #1d2430;
font-weight:700}
"""


def _value(value: object, key: str) -> str:
    return format_value(value, OBJECTIVE_KINDS.get(key, ValueKind.RATIO))


def _fine(value: float, key: str) -> str:
    """A heatmap cell: one more decimal than the tables, as neighbours often differ by little."""
    if not math.isfinite(value):
        return NOT_AVAILABLE
    if OBJECTIVE_KINDS.get(key, ValueKind.RATIO) is ValueKind.PERCENT:
        return f"{value * 100:.3f}%"
    return f"{value:.3f}"


def _probability(value: object) -> str:
    if not isinstance(value, int | float) or not math.isfinite(float(value)):
        return NOT_AVAILABLE
    return f"{float(value):.2f}"


def _comparison(summary: SweepReport) -> str:
    rows = []
    for label, numbers in summary.comparison:
        cells = [escape(label)] + [_value(numbers.get(key), key) for key in _COMPARED]
        rows.append(cells)
    table = html_table(
        ["", *(_LABELS[key] for key in _COMPARED)],
        rows,
        numeric=range(1, len(_COMPARED) + 1),
    )
    windows = summary.walk_forward
    return (
        '<section id="out-of-sample">\n<h2>Best in sample, and out of sample</h2>\n'
        f"{table}\n"
        '<p class="note">The walk-forward picks the best variant on each training window of '
        f"{windows.train_days} trading days ({escape(windows.mode)}), skips "
        f"{windows.gap_days} days (at least the execution lag plus the slowest publication "
        f"lag of the signals read, {windows.gap_minimum} days), then holds it for the next "
        f"{windows.test_days} days; the test windows, stitched, are the out-of-sample "
        "result. Compare it with the best variant on the same days: the gap is what choosing "
        "with hindsight is worth.</p>\n</section>"
    )


def _trials_note(statistics: OverfittingReport) -> str:
    """How many distinct variants the statistics counted, and the tie rule."""
    variants, trials = statistics.variants, statistics.trials
    repeats = variants - trials
    return escape(
        f"{trials} distinct variants of {variants}"
        + (f" ({repeats} repeat another's returns exactly and count once)" if repeats else "")
        + f"; {statistics.tie_rule}."
    )


def _statistics(summary: SweepReport) -> str:
    statistics = summary.overfitting
    rows = [
        (
            "Probabilistic Sharpe ratio of the best variant",
            _probability(statistics.psr),
            "Probability that its true Sharpe ratio is above 0, given its track record's length, "
            "skewness and kurtosis (Bailey and Lopez de Prado, 2012).",
        ),
        (
            "Deflated Sharpe ratio of the best variant",
            _probability(statistics.dsr),
            f"The same, against the best Sharpe ratio {statistics.trials} variants would "
            "show by luck alone (Bailey and Lopez de Prado, 2014). Below 0.95, the best variant's "
            "edge is not distinguishable from the luck of the search.",
        ),
        (
            "Probability of backtest overfitting",
            _probability(statistics.pbo),
            f"Share of the {statistics.combinations} splits of the history into "
            f"{statistics.blocks} blocks in which the best variant in sample ranks below "
            "the median out of sample (Bailey, Borwein, Lopez de Prado and Zhu, 2015). 0.5 is "
            "what pure noise gives.",
        ),
        (
            "Probability of an out-of-sample loss",
            _probability(statistics.probability_of_loss),
            "Share of those splits in which the variant chosen in sample lost out of sample.",
        ),
        (
            "Walk-forward out-of-sample PSR",
            _probability(summary.walk_forward.psr),
            "Probabilistic Sharpe ratio of the stitched out-of-sample returns.",
        ),
    ]
    return (
        '<section id="overfitting">\n<h2>Overfitting statistics</h2>\n'
        + html_table(
            ("Statistic", "Value", "What it says"),
            [(escape(name), value, escape(text)) for name, value, text in rows],
            numeric=(1,),
        )
        + f'\n<p class="note">{_trials_note(statistics)} Sharpe ratios per day in these '
        "formulas, kurtosis not in excess (3 for a normal distribution)."
        + (
            " Every statistic here is of the return over the neutral twin (the same strategy "
            "with its signals held quiet), not of the strategy's own return: the question is "
            "whether its signals add anything, not whether it beats zero."
            if summary.sweep.judged_against == "the neutral twin"
            else ""
        )
        + "</p>\n</section>"
    )


def _heatmaps(metrics: pd.DataFrame, parameters: Sequence[str], objective: str, best: int) -> str:
    best_row = {name: metrics[name].iloc[best] for name in parameters}
    sections = []
    scores = metrics[objective].astype(float)
    centre = float(scores.median())
    scale = float((scores - centre).abs().max()) or 1.0
    pairs: list[tuple[str, str | None]] = list(itertools.combinations(parameters, 2))
    pairs = pairs or [(parameters[0], None)]
    for number, (rows_parameter, columns_parameter) in enumerate(pairs):
        others = [name for name in parameters if name not in (rows_parameter, columns_parameter)]
        mask = pd.Series(True, index=metrics.index)
        for name in others:
            mask &= metrics[name] == best_row[name]
        view = metrics[mask]
        row_values = list(dict.fromkeys(view[rows_parameter]))
        column_values = list(dict.fromkeys(view[columns_parameter])) if columns_parameter else [""]
        lines = []
        for row_value in row_values:
            cells = []
            for column_value in column_values:
                match = view[view[rows_parameter] == row_value]
                if columns_parameter:
                    match = match[match[columns_parameter] == column_value]
                if match.empty:
                    cells.append('<td class="grid">n/a</td>')
                    continue
                score = float(match[objective].iloc[0])
                strength = (
                    min(abs(score - centre) / scale, 1.0) * 0.55 if math.isfinite(score) else 0
                )
                rgb = "26,127,75" if score >= centre else "179,38,30"
                css = "grid best" if match.index[0] == metrics.index[best] else "grid"
                cells.append(
                    f'<td class="{css}" style="background:rgba({rgb},{strength:.3f})">'
                    f"{_fine(score, objective)}</td>"
                )
            lines.append(f"<tr><th>{escape(str(row_value))}</th>{''.join(cells)}</tr>")
        heads = "".join(f'<th class="num">{escape(str(value))}</th>' for value in column_values)
        held = ", ".join(f"{name} = {best_row[name]}" for name in others)
        caption = escape(f"{rows_parameter} (rows)") + (
            escape(f" by {columns_parameter} (columns)") if columns_parameter else ""
        )
        sections.append(
            f"<h3>{caption}</h3>\n"
            + (f'<p class="note">Held at the best variant: {escape(held)}.</p>\n' if held else "")
            + f'<div class="table-wrap"><table id="heatmap-{number}">\n'
            f"<thead><tr><th></th>{heads}</tr></thead>\n<tbody>\n{chr(10).join(lines)}\n"
            "</tbody>\n</table></div>"
        )
    return (
        f'<section id="heatmaps">\n<h2>{escape(_LABELS.get(objective, objective))} over the '
        "grid</h2>\n"
        '<p class="note">Green above the median variant, red below; the outlined cell is the '
        "best variant. A lone bright cell among pale ones is a warning: a robust setting has "
        "good neighbours.</p>\n" + "\n".join(sections) + "\n</section>"
    )


def _windows(summary: SweepReport, objective: str) -> str:
    rows = [
        (
            escape(f"{window['train_start']} to {window['train_end']}"),
            escape(f"{window['test_start']} to {window['test_end']}"),
            f'<span class="mono">{escape(str(window["chosen"]))}</span>',
            _value(window.get("in_sample_score"), objective),
            _value(window.get("out_of_sample_score"), objective),
        )
        for window in summary.walk_forward.windows
    ]
    label = _LABELS.get(objective, objective)
    return (
        '<section id="windows">\n<h2>Walk-forward windows</h2>\n'
        + html_table(
            ("Train", "Test", "Chosen variant", f"{label} in train", f"{label} in test"),
            rows,
            numeric=(3, 4),
        )
        + "\n</section>"
    )


def _top(metrics: pd.DataFrame, parameters: Sequence[str], objective: str) -> str:
    ranked = metrics.sort_values(objective, ascending=False, kind="stable").head(_TOP)
    keys = [key for key in _LABELS if key in metrics.columns]
    rows = [
        [escape(str(row[name])) for name in parameters] + [_value(row[key], key) for key in keys]
        for _, row in ranked.iterrows()
    ]
    return (
        f'<section id="variants">\n<h2>The {min(_TOP, len(metrics))} best of {len(metrics)} '
        "variants in sample</h2>\n"
        + html_table(
            [*parameters, *(_LABELS[key] for key in keys)],
            rows,
            numeric=range(len(parameters), len(parameters) + len(keys)),
        )
        + '\n<p class="note">Every variant is in <a href="variants.csv">variants.csv</a>. '
        "In-sample numbers: read them with the statistics above.</p>\n</section>"
    )


def write_sweep_page(
    path: Path,
    *,
    summary: SweepReport,
    metrics: pd.DataFrame,
    tearsheet_links: Mapping[str, str],
) -> Path:
    """Write ``sweep.html``.

    Parameters
    ----------
    path
        Where to write (atomically).
    summary
        The content of ``sweep.json``: ``sweep`` (spec), ``comparison``
        (label and metrics pairs), ``walk_forward``, ``overfitting``,
        ``best_in_sample`` and ``verdict``.
    metrics
        One row per variant in grid order: a column per parameter (named by
        its path), then the metrics.
    tearsheet_links
        Label to the relative address of a tearsheet.
    """
    spec = summary.sweep
    parameters = list(spec.grid)
    twin = spec.judged_against == "the neutral twin"
    objective = "active_score" if twin and "active_score" in metrics else spec.objective
    best = summary.best_in_sample.position
    verdict = summary.verdict
    links = " · ".join(
        f'<a href="{escape(link, quote=True)}">{escape(label)}</a>'
        for label, link in tearsheet_links.items()
    )
    best_parameters = ", ".join(
        f"{name} = {value}" for name, value in summary.best_in_sample.parameters.items()
    )
    body = "\n".join(
        [
            f"<h1>Sweep of {escape(spec.strategy)}</h1>",
            f'<p class="subtitle">{escape(spec.period.start)} to '
            f"{escape(spec.period.end)} · {spec.variants} "
            f"variants · ranked by {escape(_LABELS.get(spec.objective, spec.objective))}"
            + (" of the return over the neutral twin" if twin else "")
            + f" · {escape(spec.executor)}</p>",
            f'<p class="verdict {escape(verdict.level.value)}" id="verdict">'
            f"{escape(verdict.text)}</p>",
            f"<p>Best in sample: <strong>{escape(best_parameters)}</strong>. Tearsheets: {links}."
            "</p>",
            _comparison(summary),
            _statistics(summary),
            _heatmaps(metrics, parameters, objective, best),
            _windows(summary, objective),
            _top(metrics, parameters, objective),
            "<footer>Written by macropatch "
            f"{escape(spec.macropatch_version)}. Costs on: "
            f"{escape(spec.costs)}; execution lag {spec.execution_lag} "
            "day(s). This page is self-contained.</footer>",
        ]
    )
    page = render_page(
        title=f"macropatch · sweep of {spec.strategy}", body=body, extra_style=_STYLE
    )
    return write_page(Path(path), page)
