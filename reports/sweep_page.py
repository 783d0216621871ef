"""``sweep.html``: what tuning a strategy's thresholds found, and how far to trust it.

Requires the sweep's summary (the content of ``sweep.json``: the spec, the
best in-sample variant, the walk-forward result, the overfitting statistics
and the verdict) and the metrics of every variant (one row per variant, one
column per parameter then one per metric). Produces one page from ``templates/sweep.html.j2`` (no script, nothing fetched):

- the verdict, one line a user can act on;
- the best in-sample variant next to the walk-forward out-of-sample result
  and the benchmark over the same days (the best variant is never shown
  without its out-of-sample result);
- the probabilistic and deflated Sharpe ratios and the probability of
  backtest overfitting, with what each means;
- heatmaps of the objective over every pair of parameters, the other
  parameters held at the best variant's values (``id="heatmap-<n>"``),
  shaded in proportion to a difference that matters for the objective
  (:data:`MEANINGFUL_DIFFERENCE`), so that noise stays pale;
- the walk-forward windows and the variant each chose;
- the top variants by the objective, and links to the tearsheets and
  ``variants.csv``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from macropatch.backtests.sweep.document import OverfittingReport, SweepReport
from macropatch.reports.heat_tables import heat
from macropatch.reports.html import NOT_AVAILABLE, ValueKind, format_value, write_page
from macropatch.reports.templating import render_template

__all__ = ["MEANINGFUL_DIFFERENCE", "OBJECTIVE_KINDS", "parameter_text", "write_sweep_page"]

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

MEANINGFUL_DIFFERENCE = {
    "sharpe": 0.25,
    "sortino": 0.35,
    "calmar": 0.1,
    "cagr": 0.02,
    "max_drawdown": 0.05,
    "active_score": 0.25,
}
"""The distance from the median variant that a heatmap shades at full strength, per
objective: about what a year of noise moves it (a Sharpe ratio's standard error over a
decade is about 0.3). Smaller differences stay pale, however small the grid's spread."""

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


def parameter_text(value: object) -> str:
    """A parameter's value as a user wrote it: whole numbers without ``.0`` (a window of
    63 days, not ``63.0``), others in their shortest form (``0.035``).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    number = float(value)
    if math.isfinite(number) and number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.10g}"


def _trials_note(statistics: OverfittingReport) -> str:
    """How many distinct variants the statistics counted, and the tie rule."""
    variants, trials = statistics.variants, statistics.trials
    repeats = variants - trials
    return (
        f"{trials} distinct variants of {variants}"
        + (f" ({repeats} repeat another's returns exactly and count once)" if repeats else "")
        + f"; {statistics.tie_rule}."
    )


def _statistics(summary: SweepReport) -> list[tuple[str, str, str]]:
    statistics = summary.overfitting
    return [
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


@dataclass(frozen=True, kw_only=True)
class GridCell:
    """One cell of a heatmap: the score, its shade, and whether it is the best variant."""

    text: str
    background: str = ""
    best: bool = False


@dataclass(frozen=True, kw_only=True)
class GridRow:
    """One row of a heatmap: the row parameter's value and its cells."""

    name: str
    cells: list[GridCell]


@dataclass(frozen=True, kw_only=True)
class Heatmap:
    """The objective over two parameters (or one), the others held at the best variant's."""

    caption: str
    held: str
    columns: list[str]
    rows: list[GridRow]


def _cell(
    view: pd.DataFrame, objective: str, best_label: object, centre: float, scale: float
) -> GridCell:
    if view.empty:
        return GridCell(text=NOT_AVAILABLE)
    score = float(view[objective].iloc[0])
    shade = heat(score - centre, kind=ValueKind.RATIO, scale=scale, column="")  # red below
    return GridCell(
        text=_fine(score, objective),
        background=shade.background if math.isfinite(score) else "",
        best=view.index[0] == best_label,
    )


def _heatmaps(
    metrics: pd.DataFrame, parameters: Sequence[str], objective: str, best: int
) -> list[Heatmap]:
    best_row = {name: metrics[name].iloc[best] for name in parameters}
    scores = metrics[objective].astype(float)
    centre = float(scores.median())
    scale = MEANINGFUL_DIFFERENCE.get(objective, float((scores - centre).abs().max()) or 1.0)
    pairs: list[tuple[str, str | None]] = list(itertools.combinations(parameters, 2))
    maps = []
    for rows_parameter, columns_parameter in pairs or [(parameters[0], None)]:
        others = [name for name in parameters if name not in (rows_parameter, columns_parameter)]
        mask = pd.Series(True, index=metrics.index)
        for name in others:
            mask &= metrics[name] == best_row[name]
        view = metrics[mask]
        row_values = list(dict.fromkeys(view[rows_parameter]))
        column_values = list(dict.fromkeys(view[columns_parameter])) if columns_parameter else [""]
        rows = []
        for row_value in row_values:
            matches = view[view[rows_parameter] == row_value]
            cells = [
                _cell(
                    matches[matches[columns_parameter] == column_value]
                    if columns_parameter
                    else matches,
                    objective,
                    metrics.index[best],
                    centre,
                    scale,
                )
                for column_value in column_values
            ]
            rows.append(GridRow(name=parameter_text(row_value), cells=cells))
        maps.append(
            Heatmap(
                caption=f"{rows_parameter} (rows)"
                + (f" by {columns_parameter} (columns)" if columns_parameter else ""),
                held=", ".join(f"{name} = {parameter_text(best_row[name])}" for name in others),
                columns=[parameter_text(value) for value in column_values],
                rows=rows,
            )
        )
    return maps


def _heat_scale(objective: str) -> str:
    scale = MEANINGFUL_DIFFERENCE.get(objective)
    if scale is None:
        return "at the grid's widest spread"
    return _value(scale, objective)


def _windows(summary: SweepReport, objective: str) -> list[tuple[object, ...]]:
    return [
        (
            f"{window['train_start']} to {window['train_end']}",
            f"{window['test_start']} to {window['test_end']}",
            Markup('<span class="mono">%s</span>') % str(window["chosen"]),
            _value(window.get("in_sample_score"), objective),
            _value(window.get("out_of_sample_score"), objective),
        )
        for window in summary.walk_forward.windows
    ]


def _top(
    metrics: pd.DataFrame, parameters: Sequence[str], objective: str
) -> tuple[list[str], list[list[str]]]:
    ranked = metrics.sort_values(objective, ascending=False, kind="stable").head(_TOP)
    keys = [key for key in _LABELS if key in metrics.columns]
    rows = [
        [parameter_text(row[name]) for name in parameters] + [_value(row[key], key) for key in keys]
        for _, row in ranked.iterrows()
    ]
    return [*parameters, *(_LABELS[key] for key in keys)], rows


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
    top_heads, top_rows = _top(metrics, parameters, objective)
    page = render_template(
        "sweep.html.j2",
        title=f"macropatch · sweep of {spec.strategy}",
        summary=summary,
        spec=spec,
        twin=twin,
        objective_label=_LABELS.get(spec.objective, spec.objective),
        heat_label=_LABELS.get(objective, objective),
        heat_scale=_heat_scale(objective),
        best_parameters=", ".join(
            f"{name} = {parameter_text(value)}"
            for name, value in summary.best_in_sample.parameters.items()
        ),
        tearsheet_links=tearsheet_links,
        comparison_heads=["", *(_LABELS[key] for key in _COMPARED)],
        comparison_rows=[
            [label, *(_value(numbers.get(key), key) for key in _COMPARED)]
            for label, numbers in summary.comparison
        ],
        statistics=_statistics(summary),
        trials_note=_trials_note(summary.overfitting),
        heatmaps=_heatmaps(metrics, parameters, objective, summary.best_in_sample.position),
        windows_rows=_windows(summary, objective),
        parameters=parameters,
        variants=len(metrics),
        top_heads=top_heads,
        top_rows=top_rows,
    )
    return write_page(Path(path), page)
