"""Units, normalised once, here, on the way into macropatch.

Convention inside macropatch: every rate, yield, spread, percentage and
return is a **fraction** (0.05 means 5%). Sources quote many of them in
percent (FRED yields and spreads, Ken French returns); :func:`to_canonical`
divides those by 100. Prices and index levels keep their units. Nothing
downstream rescales again: displays format fractions as percentages.

The table of units is closed: a catalog entry whose units are not listed here
is an error, so a new unit is a deliberate decision, not a silent default.
"""

from __future__ import annotations

import pandas as pd

from macropatch.marketdata.errors import UserError

__all__ = ["CANONICAL_UNITS", "PERCENT_UNITS", "canonical_units", "to_canonical"]

#: Source units quoted in percent (or percentage points): divided by 100.
PERCENT_UNITS = frozenset({"percent"})

#: Units kept as they are.
CANONICAL_UNITS = frozenset(
    {
        "fraction",
        "usd",
        "index",
        "index_points",
        "ratio",
        "indicator",
        "usd_per_oz",
        "usd_per_lb",
        "usd_per_barrel",
        "usd_per_metric_ton",
        "millions_usd",
        "billions_usd",
        "count",
    }
)


def canonical_units(units: str) -> str:
    """The units a series has inside macropatch, given its source units."""
    if units in PERCENT_UNITS:
        return "fraction"
    if units in CANONICAL_UNITS:
        return units
    raise UserError(
        f"unknown units {units!r} (known: {', '.join(sorted(PERCENT_UNITS | CANONICAL_UNITS))})"
    )


def to_canonical(values: pd.Series, units: str) -> pd.Series:
    """Return ``values`` (in source ``units``) in macropatch's canonical units."""
    target = canonical_units(units)
    if target == units:
        return values.astype(float)
    return values.astype(float) / 100.0
