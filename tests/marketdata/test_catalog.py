from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.catalog import Frequency, Kind, load_catalog
from macropatch.marketdata.derived import DERIVATIONS
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.units import canonical_units

REQUIRED = [
    "spy",
    "qqq",
    "iwm",
    "xly",
    "xlp",
    "xlu",
    "xle",
    "xlk",
    "vnq",
    "iyr",
    "gld",
    "cper",
    "copx",
    "ura",
    "ccj",
    "nlr",
    "qual",
    "usmv",
    "tlt",
    "ief",
    "shy",
    "bil",
    "uup",
    "vixy",
    "vix",
    "sp500_tr",
    "sp500",
    "shiller_price",
    "shiller_earnings",
    "shiller_cape",
    "dgs10",
    "dgs2",
    "dtb3",
    "tbill_3m",
    "acm_term_premium_10y",
    "hy_oas",
    "baa10y",
    "card_delinquency",
    "unrate",
    "sahm_realtime",
    "cpi",
    "federal_debt",
    "federal_interest",
    "dollar_broad",
    "gold",
    "copper",
    "uranium",
    "ff5_mkt_rf",
    "ff5_smb",
    "ff5_hml",
    "ff5_rmw",
    "ff5_cma",
    "ff5_rf",
    "cash",
]


def test_catalog_has_every_series_the_strategies_and_triggers_need() -> None:
    catalog = load_catalog()
    missing = [series_id for series_id in REQUIRED if series_id not in catalog]
    assert missing == []


def test_every_entry_is_complete_and_consistent() -> None:
    catalog = load_catalog()
    for spec in catalog.values():
        canonical_units(spec.units)  # known units
        assert spec.publication_lag_days >= 0 and spec.stale_after_days > 0
        if spec.derive is not None:
            assert spec.derive.method in DERIVATIONS
        else:
            assert spec.pack_file or spec.live_source or spec.user_supplied, spec.id
        for proxy in spec.proxies:
            assert catalog[proxy].kind is Kind.PRICE, (spec.id, proxy)


def test_etfs_starting_after_2000_used_by_benchmarks_have_a_proxy() -> None:
    catalog = load_catalog()
    for series_id in ("ief", "tlt", "shy", "iwm", "gld", "qual", "bil", "uup"):
        assert catalog[series_id].proxies, series_id


def test_quarterly_values_are_not_knowable_at_their_label_date() -> None:
    spec = load_catalog()["card_delinquency"]
    assert spec.frequency is Frequency.QUARTERLY
    available = spec.availability(pd.DatetimeIndex(["2024-01-01"]))[0]
    # Q1 2024 ends 2024-03-31; the Fed publishes "approximately sixty days" later.
    assert available == pd.Timestamp("2024-03-31") + pd.Timedelta(days=65)


def test_monthly_values_available_after_month_end_plus_lag() -> None:
    spec = load_catalog()["cpi"]
    assert spec.availability(pd.DatetimeIndex(["2024-02-01"]))[0] == pd.Timestamp("2024-03-21")


def test_unknown_series_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown series 'nope'"):
        load_catalog()["nope"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[series.x]\nname="x"\nkind="price"\nfrequency="daily"\nunits="usd"\npack_file="x.csv"\ncolour="red"\n',
            "unknown key 'colour'",
        ),
        (
            '[series.x]\nname="x"\nkind="stock"\nfrequency="daily"\nunits="usd"\npack_file="x.csv"\n',
            "'stock' is not one of",
        ),
        (
            '[series.x]\nname="x"\nkind="price"\nfrequency="daily"\nunits="usd"\npack_file="x.csv"\nproxies=["y"]\n',
            "unknown series 'y'",
        ),
        (
            '[series.x]\nname="x"\nkind="price"\nfrequency="daily"\nunits="usd"\n',
            "no pack file, live source or derivation",
        ),
        ("[series.x\n", "invalid TOML"),
    ],
)
def test_bad_catalogs(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(text)
    with pytest.raises(UserError, match=message):
        load_catalog(path)
