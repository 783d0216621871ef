from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.csvfile import read_series_csv
from macropatch.marketdata.errors import DataError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "series.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_values_and_drops_empty_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "date,DGS10\n2024-01-02,3.95\n2024-01-03,\n2024-01-04,3.99\n")
    series = read_series_csv(path, "DGS10")
    assert list(series.index) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-04")]
    assert series.tolist() == [3.95, 3.99]
    assert series.index.name == "date"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,x\n2024-01-02,1\n2024-13-45,2\n", "line 3: unparsable date '2024-13-45'"),
        ("date,x\n2024-01-02,1\n02/01/2024,2\n", "line 3: unparsable date '02/01/2024'"),
        ("date,x\n2024-01-02,1\n2024-01-03,abc\n", "line 3: non-numeric value 'abc'"),
        ("date,x\n2024-01-02,1\n2024-01-03,inf\n", "line 3: non-numeric value 'inf'"),
        ("date,x\n2024-01-02,1\n2024-01-02,2\n", "line 3: duplicate date 2024-01-02"),
        ("date,x\n2024-01-03,1\n2024-01-02,2\n", "line 3: date 2024-01-02 is out of order"),
        ("day,x\n2024-01-02,1\n", "first column must be 'date'"),
        ("date,y\n2024-01-02,1\n", "no column 'x'"),
        ("date,x\n", "no data rows"),
        ("", "empty file"),
        ("date,x\n2024-01-02,\n", "holds no values"),
    ],
)
def test_bad_files_name_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        read_series_csv(path, "x", label="rates/x.csv")
    assert str(caught.value).startswith("rates/x.csv: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_binary_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\x00\x9c")
    with pytest.raises(DataError, match="x.csv"):
        read_series_csv(path, "x")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_series_csv(tmp_path / "nope.csv", "x")
