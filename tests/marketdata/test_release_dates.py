"""Publication lags against real release dates: no value is used before it was published.

Each row is a release checked in a public source (named beside it). The
catalog must make the observation knowable no earlier than its release, and
not absurdly later (a lag that hides data for months is a defect too).
"""

from __future__ import annotations

import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog

CATALOG = load_catalog()

#: (series, observation date as the data label it, release date, where it was checked)
RELEASES = [
    # BLS Employment Situation
    ("unrate", "2013-09-01", "2013-10-22", "BLS blog, 'post-government shutdown updates' (2013)"),
    ("unrate", "2013-12-01", "2014-01-10", "BLS release calendar: latest regular date, the 10th"),
    ("unrate", "2025-09-01", "2025-11-20", "BLS: delayed September 2025 report (NPR, Mint)"),
    ("unrate", "2025-11-01", "2025-12-16", "BLS: November 2025 report with October payrolls"),
    ("sahm_realtime", "2025-09-01", "2025-11-20", "computed from the Employment Situation"),
    ("sahm_realtime", "2013-09-01", "2013-10-22", "computed from the Employment Situation"),
    # BLS CPI
    ("cpi", "2013-09-01", "2013-10-30", "Reuters CPI table of 2013-10-30; Cleveland Fed notice"),
    ("cpi", "2025-09-01", "2025-10-24", "bls.gov/bls/092025-cpi-reschedule-notice.htm"),
    ("cpi", "2025-11-01", "2025-12-18", "Reuters 2025-11-21: November CPI on December 18"),
    # Federal Reserve charge-off and delinquency rates (dated at the quarter's start)
    ("card_delinquency", "2024-07-01", "2024-11-19", "federalreserve.gov/releases/chargeoff"),
    ("card_delinquency", "2025-07-01", "2025-11-21", "FRED: release updated 2025-11-21"),
]


@pytest.mark.parametrize(("series", "observed", "released", "source"), RELEASES)
def test_a_value_is_knowable_only_once_it_was_published(
    series: str, observed: str, released: str, source: str
) -> None:
    spec = CATALOG[series]
    available = spec.availability(pd.DatetimeIndex([observed]))[0]
    assert available >= pd.Timestamp(released), f"{series} {observed}: {source}"
    assert available <= pd.Timestamp(released) + pd.Timedelta(days=45), (
        f"{series} {observed} waits until {available.date()}, long after its release"
    )


@pytest.mark.parametrize("series", ["unrate", "sahm_realtime", "cpi", "card_delinquency"])
def test_every_lag_states_its_source(series: str) -> None:
    assert CATALOG[series].lag_source


@pytest.mark.parametrize(
    "series", ["shiller_earnings", "shiller_dividend", "shiller_cape", "sp500_earnings_monthly"]
)
def test_every_month_of_a_quarter_waits_for_the_quarters_figure(series: str) -> None:
    """Shiller interpolates monthly values from quarterly figures: January is no more
    knowable than March (it used to be knowable a month earlier)."""
    spec = CATALOG[series]
    january, february, march = spec.availability(
        pd.DatetimeIndex(["2025-01-01", "2025-02-01", "2025-03-01"])
    )
    assert january == february == march == pd.Timestamp("2025-03-31") + pd.Timedelta(days=120)


def test_late_releases_must_be_dates(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from macropatch.marketdata.catalog import load_catalog as load
    from macropatch.marketdata.errors import UserError

    path = tmp_path / "catalog.toml"
    path.write_text(
        '[series.x]\nname = "x"\nkind = "macro"\nfrequency = "monthly"\nunits = "percent"\n'
        'late_releases = { "2013-09-01" = "soon" }\n',
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="late_releases"):
        load(path)
