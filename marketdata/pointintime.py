"""What was knowable when: a series placed on its availability dates, on a calendar.

The one place, with the backtest's execution lag, that moves data in time.
The Signal base (signals) and the synthetic put overlay (marketdata.options)
both see their inputs through :func:`knowable_on`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from macropatch.marketdata.series import SeriesData

__all__ = ["knowable_on"]


def knowable_on(data: SeriesData, calendar: pd.DatetimeIndex) -> tuple[pd.Series, pd.Series]:
    """``data`` as known on each day of ``calendar``, and the date of the latest observation
    knowable that day.

    A value is visible from its availability date, carried forward until a
    newer one is available, and hidden (NaN) once it is older than the
    series' ``stale_after_days`` (counted from its availability date). The
    observation date is kept when the value goes stale (it says how old the
    data are); it is NaT only before the first observation is available.
    """
    values = data.values.dropna()
    available = data.availability()[data.values.notna().to_numpy()]
    frame = pd.DataFrame(
        {"value": values.to_numpy(dtype=float), "observed": values.index, "available": available}
    )
    # A later-published revision of an earlier date cannot arrive before it is
    # available; if two observations become available the same day, the newer
    # observation wins.
    frame = frame.sort_values(["available", "observed"]).drop_duplicates("available", keep="last")
    frame = frame.set_index("available")
    position = frame.index.searchsorted(calendar, side="right") - 1
    seen = position >= 0
    safe = np.where(seen, position, 0)
    value = np.where(seen, frame["value"].to_numpy()[safe], np.nan)
    observed = pd.DatetimeIndex(
        np.where(seen, frame["observed"].to_numpy()[safe], np.datetime64("NaT"))
    )
    since = pd.DatetimeIndex(np.where(seen, frame.index.to_numpy()[safe], np.datetime64("NaT")))
    stale = (calendar - since) > pd.Timedelta(days=data.spec.stale_after_days)
    value = np.where(stale | ~seen, np.nan, value)
    shown = pd.Series(observed, index=calendar, name=data.spec.id)
    return (
        pd.Series(value, index=calendar, name=data.spec.id),
        shown,
    )
