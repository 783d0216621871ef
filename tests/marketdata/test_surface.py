"""The volatility term structure: total variance interpolated by tenor, the VIX as fallback."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from macropatch.marketdata.surface import TermStructure

DAYS = pd.bdate_range("2024-01-01", periods=3)


def _surface(**levels: list[float]) -> TermStructure:
    return TermStructure.from_knowable(
        {name: pd.Series(values, index=DAYS, dtype=float) for name, values in levels.items()}
    )


def test_total_variance_is_linear_in_tenor_between_nodes() -> None:
    surface = _surface(vix9d=[10.0] * 3, vix=[20.0] * 3, vix3m=[25.0] * 3, vix6m=[30.0] * 3)
    sixty = surface.on(0, 60.0)
    expected = (0.2**2 * 30 + (0.25**2 * 91 - 0.2**2 * 30) * (60 - 30) / (91 - 30)) / 60
    assert sixty == pytest.approx(math.sqrt(expected))
    assert surface.on(0, 30.0) == pytest.approx(0.20)
    assert surface.on(0, 3.0) == pytest.approx(0.10)  # flat before the first node
    assert surface.on(0, 400.0) == pytest.approx(0.30)  # and after the last


def test_missing_nodes_fall_back_to_the_vix_and_no_vix_is_no_volatility() -> None:
    surface = _surface(
        vix9d=[math.nan] * 3,
        vix=[20.0, 20.0, math.nan],
        vix3m=[math.nan, 25.0, 25.0],
        vix6m=[math.nan] * 3,
    )
    assert surface.on(0, 91.0) == pytest.approx(0.20)  # only the VIX known: flat
    assert surface.on(1, 91.0) == pytest.approx(0.25)
    assert math.isnan(surface.on(2, 91.0))
    assert np.allclose(surface.volatility(30.0)[:2], 0.20)
