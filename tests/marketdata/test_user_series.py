"""Optional user-supplied series: import, release dates, bad files."""

from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.errors import DataError, UserError
from macropatch.marketdata.ingest import import_user_series
from macropatch.marketdata.store import Store


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "series.csv"
    path.write_text(text)
    return path


def test_import_with_release_dates(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.duckdb")
    path = write(
        tmp_path, "date,value,release_date\n2024-01-01,0.41,2024-05-10\n2024-04-01,0.43,\n"
    )
    import_user_series("unprofitable_small_caps", path, store)
    data = store.read(load_catalog(), "unprofitable_small_caps")
    assert data is not None and data.values.tolist() == [0.41, 0.43]
    available = data.availability()
    assert available[0] == pd.Timestamp("2024-05-10")  # the real release date
    assert available[1] == pd.Timestamp("2024-06-30") + pd.Timedelta(
        days=45
    )  # quarter end + catalog lag


def test_import_without_release_dates(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.duckdb")
    import_user_series("central_bank_gold", write(tmp_path, "date,value\n2024-01-01,290\n"), store)
    data = store.read(load_catalog(), "central_bank_gold")
    assert data is not None and data.release_dates is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,value\n2024-01-01,lots\n", "line 2: non-numeric value 'lots'"),
        ("date,value\n2024-01-01,1\n2024-01-01,2\n", "line 3: duplicate date"),
        ("date,value,release_date\n2024-01-01,1,soon\n", "line 2: unparsable release_date 'soon'"),
        (
            "date,value,release_date\n2024-03-01,1,2024-01-01\n",
            "line 2: release_date 2024-01-01 is before",
        ),
        ("when,value\n2024-01-01,1\n", "first column must be 'date'"),
    ],
)
def test_bad_user_files(tmp_path: Path, text: str, message: str) -> None:
    store = Store(tmp_path / "store.duckdb")
    with pytest.raises(DataError, match=message):
        import_user_series("unprofitable_small_caps", write(tmp_path, text), store)
    assert not store.exists


def test_only_optional_series_can_be_imported(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a user-supplied series"):
        import_user_series(
            "spy", write(tmp_path, "date,value\n2024-01-01,1\n"), Store(tmp_path / "s.duckdb")
        )
