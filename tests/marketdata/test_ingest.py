"""Filling the store: pack import, live pull as one transaction, resolution order."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata import ingest
from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.errors import ProviderError
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.series import Provenance, SeriesData
from macropatch.marketdata.sources import DataSources
from macropatch.marketdata.store import Store


def fake_live(spec, values=(1.0, 2.0)) -> SeriesData:
    index = pd.bdate_range("2026-01-05", periods=len(values), name="date")
    return SeriesData(
        spec=spec,
        values=pd.Series(list(values), index=index, name=spec.id),
        provenance=Provenance(
            source="fred",
            location=spec.fred or "",
            fetched_at="2026-01-09T00:00:00+00:00",
            content_hash="x",
        ),
    )


def test_pull_is_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "store.duckdb")
    monkeypatch.setattr(ingest, "fetch_live", lambda spec: fake_live(spec))
    ingest.pull_live(["dgs10", "dgs2"], store)
    assert {row.series_id for row in store.status()} == {"dgs10", "dgs2"}

    def failing(spec):
        if spec.id == "dgs2":
            raise ProviderError("series 'dgs2': FRED download of DGS2 failed: HTTP 500")
        return fake_live(spec, values=(9.0, 9.0, 9.0))

    monkeypatch.setattr(ingest, "fetch_live", failing)
    with pytest.raises(ProviderError, match="dgs2"):
        ingest.pull_live(["dgs10", "dgs2"], store)
    kept = store.read(load_catalog(), "dgs10")
    assert kept is not None and kept.values.tolist() == [1.0, 2.0]


def test_store_comes_before_the_pack(tmp_path: Path, pack_path: Path) -> None:
    catalog = load_catalog()
    store = Store(tmp_path / "store.duckdb")
    store.write([fake_live(catalog["dgs10"], values=(0.05, 0.06))])
    sources = DataSources(catalog=catalog, store=store, pack=Pack(pack_path))
    assert sources.load("dgs10").values.tolist() == [0.05, 0.06]
    assert sources.load("dgs2").provenance.source == "pack"


def test_import_reads_percent_as_fraction(tmp_path: Path, pack_path: Path) -> None:
    store = Store(tmp_path / "store.duckdb")
    report = ingest.import_pack(Pack(pack_path), store)
    assert "dgs10" in report.imported and report.absent == ()
    dgs10 = store.read(load_catalog(), "dgs10")
    assert dgs10 is not None
    assert dgs10.values.loc["2024-01-02"] == pytest.approx(0.0395)


def test_status_marks_missing_derived_and_stale(tmp_path: Path) -> None:
    catalog = load_catalog()
    store = Store(tmp_path / "store.duckdb")
    store.write([fake_live(catalog["dgs10"])])
    rows = {row.series_id: row for row in ingest.catalog_status(store, today=dt.date(2026, 1, 10))}
    assert rows["dgs10"].stale == "fresh"
    assert rows["spy"].source == "missing (not in the store; no pack given)"
    assert rows["cash"].source.startswith("derived")
    later = {row.series_id: row for row in ingest.catalog_status(store, today=dt.date(2026, 6, 1))}
    assert later["dgs10"].stale == "stale"


@pytest.mark.pack
def test_status_with_a_pack_says_where_each_series_would_come_from(
    tmp_path: Path, pack_path: Path
) -> None:
    """Right after a run from the pack, status said 90 series were 'missing'."""
    catalog = load_catalog()
    store = Store(tmp_path / "store.duckdb")
    store.write([fake_live(catalog["dgs10"])])
    rows = {
        row.series_id: row
        for row in ingest.catalog_status(store, today=dt.date(2026, 8, 10), pack=Pack(pack_path))
    }
    assert rows["dgs10"].source.endswith("(in the store)")  # the store comes first
    assert rows["spy"].source.startswith("pack:etf/spy_adjclose_daily.csv (not imported")
    assert rows["spy"].first_date == "1993-01-29" and int(rows["spy"].rows) > 8000
    assert rows["unprofitable_small_caps"].source.startswith("optional")
    assert not [row for row in rows.values() if row.source.startswith("missing")]
