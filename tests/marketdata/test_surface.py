"""The volatility term structure: total variance interpolated by tenor, the VIX as fallback."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.marketdata.protective_put import ProtectivePutIndex
from macropatch.marketdata.series import Provenance, SeriesData
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


class _Loader:
    """Catalog series from hand-made values (what a synthetic asset's ``build`` reads)."""

    def __init__(self, values: dict[str, pd.Series]) -> None:
        from macropatch.marketdata.catalog import load_catalog

        self.catalog = load_catalog()
        self.values = values

    def load(self, series_id: str) -> SeriesData:
        return SeriesData(
            spec=self.catalog[series_id],
            values=self.values[series_id],
            provenance=Provenance(source="test", location="", fetched_at="", content_hash=""),
        )


CALENDAR = pd.bdate_range("2023-01-02", "2023-12-29", name="date")


def _loader(seed: int) -> dict[str, pd.Series]:
    rng = np.random.default_rng(seed)
    n = len(CALENDAR)
    spot = 4000.0 * np.cumprod(1.0 + rng.normal(0.0, 0.012, n))
    vix = np.clip(18.0 + np.cumsum(rng.normal(0.0, 0.8, n)), 9.0, 80.0)
    series = {
        "sp500": spot,
        "spy": spot * 0.1 * np.cumprod(np.full(n, 1.00006)),
        "vix": vix,
        "vix9d": vix * rng.uniform(0.85, 1.1, n),
        "vix3m": vix * rng.uniform(1.0, 1.15, n),
        "vix6m": vix * rng.uniform(1.05, 1.2, n),
        "tbill_3m": np.full(n, 0.05),
    }
    return {
        name: pd.Series(values, index=CALENDAR, name="value") for name, values in series.items()
    }


@settings(max_examples=15, deadline=None)
@given(cut=st.integers(20, len(CALENDAR) - 2), seed=st.integers(0, 2**16))
def test_the_hedge_never_reads_a_volatility_index_after_the_decision_day(
    cut: int, seed: int
) -> None:
    model = ProtectivePutIndex(
        moneyness=0.10, tenor_months=3, roll_days_before=21, term_structure=True
    )
    values = _loader(seed)
    before = model.build(_Loader(values), CALENDAR)
    rng = np.random.default_rng(seed + 1)
    changed = {name: series.copy() for name, series in values.items()}
    for name in ("vix", "vix9d", "vix3m", "vix6m", "tbill_3m", "sp500", "spy"):
        changed[name].iloc[cut + 1 :] *= rng.uniform(0.6, 1.6)
    after = model.build(_Loader(changed), CALENDAR)
    assert before.iloc[: cut + 1].notna().sum() > 0
    pd.testing.assert_series_equal(before.iloc[: cut + 1], after.iloc[: cut + 1])
    # and the term structure does change the prices: a flat VIX gives another index
    flat = ProtectivePutIndex(moneyness=0.10, tenor_months=3, roll_days_before=21)
    assert not np.allclose(flat.build(_Loader(values), CALENDAR), before, equal_nan=True)
