"""The tearsheet's monthly-returns heatmap, with the months outside the data left blank.

quantstats 0.0.86 fills every month of the first and last years, so the months
after a run's last day (and before its first) show ``0.00`` as if the
strategy had been flat. This chart replaces it: requires a strategy's daily
returns; produces an inline SVG in quantstats' layout (years down, months
across, red losses and green gains, values in percent) where a month without
a trading day in the data is an empty cell.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from macropatch.reports.html import figure_to_svg

__all__ = ["monthly_heatmap", "monthly_table"]

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def monthly_table(returns: pd.Series) -> pd.DataFrame:
    """Compounded return of each calendar month, years down and months 1-12 across.

    A month in which ``returns`` has no day is NaN, never 0.
    """
    daily = returns.dropna().astype(float)
    index = pd.DatetimeIndex(daily.index)
    grouped = daily.add(1.0).groupby([index.year, index.month]).prod() - 1.0
    table = grouped.unstack()
    return table.reindex(columns=range(1, 13))


def monthly_heatmap(returns: pd.Series) -> str:
    """The heatmap of :func:`monthly_table` as inline SVG, titled after the strategy."""
    table = monthly_table(returns)
    values = table.to_numpy(dtype=float) * 100.0
    finite = values[np.isfinite(values)]
    reach = float(np.max(np.abs(finite))) if finite.size else 1.0
    figure = Figure(figsize=(8, 1.0 + 0.26 * len(table)))
    axes = figure.add_subplot()
    axes.imshow(
        np.ma.masked_invalid(values),
        cmap=colormaps["RdYlGn"],
        norm=TwoSlopeNorm(vcenter=0.0, vmin=-max(reach, 1e-9), vmax=max(reach, 1e-9)),
        aspect="auto",
        interpolation="nearest",
    )
    for (row, column), value in np.ndenumerate(values):
        if np.isfinite(value):
            axes.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=7.5)
    axes.set_xticks(range(12), MONTHS, fontsize=8)
    axes.set_yticks(range(len(table)), [str(year) for year in table.index], fontsize=8)
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    figure.suptitle(
        f"{returns.name} - Monthly Returns (%)", fontweight="bold", fontsize=12, color="black"
    )
    figure.tight_layout(rect=(0.0, 0.0, 1.0, 0.97))
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # numbers as text, not glyph paths
        return figure_to_svg(
            figure, label="Monthly returns in percent; months outside the data blank"
        )
