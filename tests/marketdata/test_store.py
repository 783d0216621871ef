import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.series import Provenance, SeriesData
from macropatch.marketdata.store import Store, default_store_path


def series(spec_id: str, values: list[float], start: str = "2024-01-02") -> SeriesData:
    catalog = load_catalog()
    index = pd.bdate_range(start, periods=len(values), name="date")
    return SeriesData(
        spec=catalog[spec_id],
        values=pd.Series(values, index=index, name=spec_id),
        provenance=Provenance(
            source="pack",
            location=f"{spec_id}.csv",
            fetched_at="2024-01-01T00:00:00+00:00",
            content_hash="abc",
        ),
    )


def test_default_path_follows_macropatch_home(isolated_environment: Path) -> None:
    assert default_store_path() == isolated_environment / "store.duckdb"


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.duckdb")
    store.write([series("spy", [1.0, 2.0, 3.0]), series("dgs10", [0.04, 0.041])])
    back = store.read(load_catalog(), "spy")
    assert back is not None
    assert back.values.tolist() == [1.0, 2.0, 3.0]
    assert back.provenance.location == "spy.csv"
    status = {row.series_id: row for row in store.status()}
    assert status["spy"].rows == 3 and status["spy"].last_date == dt.date(2024, 1, 4)


def test_a_failed_batch_leaves_earlier_data_intact(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.duckdb")
    store.write([series("spy", [1.0, 2.0])])
    empty = series("dgs10", [float("nan")])
    with pytest.raises(UserError):
        store.write([series("spy", [9.0, 9.0, 9.0]), empty])
    back = store.read(load_catalog(), "spy")
    assert back is not None and back.values.tolist() == [1.0, 2.0]
    assert [row.series_id for row in store.status()] == ["spy"]


def test_reimport_replaces_values(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.duckdb")
    store.write([series("spy", [1.0, 2.0, 3.0])])
    store.write([series("spy", [5.0], start="2025-01-02")])
    back = store.read(load_catalog(), "spy")
    assert back is not None and back.values.tolist() == [5.0]


def test_missing_store_reads_none(tmp_path: Path) -> None:
    store = Store(tmp_path / "absent.duckdb")
    assert store.read(load_catalog(), "spy") is None
    assert store.status() == []
    assert not (tmp_path / "absent.duckdb").exists()


def test_a_store_with_its_tables_and_no_series_reads_as_empty(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """What a first import interrupted before its commit leaves: it read as a crash."""
    from macropatch.marketdata.catalog import load_catalog
    from macropatch.marketdata.store import Store

    store = Store(tmp_path / "store.duckdb")
    store.create()
    assert store.read_all(load_catalog()) == {}
    assert store.status() == []
