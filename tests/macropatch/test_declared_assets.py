"""Assets from anywhere: an experiment declares series the catalog lacks (a CSV file, a
yfinance ticker), validated like catalog entries and read with the same checks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import macropatch as mp
from macropatch.marketdata.errors import UserError

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLE = REPOSITORY / "examples" / "assets"


def _example(tmp_path: Path, pack_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(EXAMPLE / "experiment.toml", folder / "experiment.toml")
    subprocess.run(
        [
            sys.executable,
            str(EXAMPLE / "make_my_index.py"),
            str(pack_path),
            str(folder / "my_index.csv"),
        ],
        check=True,
        capture_output=True,
    )
    return folder


def test_a_csv_asset_is_traded_with_its_file_as_provenance(tmp_path: Path, pack_path: Path) -> None:
    folder = _example(tmp_path, pack_path)
    results = mp.backtest(folder / "experiment.toml", pack=pack_path)
    assert "my_index" in results.backtested.prices.columns
    weights = results.weights["spy_and_my_index"]
    assert weights["my_index"].dropna().round(9).unique().tolist() == [0.3]
    used = {item.spec.id: item.provenance for item in results.backtested.sources.loaded()}
    assert used["my_index"].source == "file"
    assert used["my_index"].location == str((folder / "my_index.csv").resolve())


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[assets.spy]\nyfinance = "SPY"', "'spy' is already a catalog series"),
        ('[assets.mine]\nkind = "price"', "assets.mine needs a source: csv, yfinance or fred"),
        ('[assets.mine]\ncsv = "nosuch.csv"', "assets.mine.csv: no such file"),
        ('[assets.mine]\nyfinance = "X"\nkind = "stock"', "assets.*kind"),
        ('[assets.mine]\nyfinance = "X"\ncolour = "red"', "unknown key 'colour'"),
        ('[assets.mine]\nyfinance = "X"\ncolumn = "close"', "assets.mine.column needs a csv file"),
    ],
)
def test_a_bad_declaration_is_one_line_naming_the_asset(
    tmp_path: Path, table: str, message: str
) -> None:
    path = tmp_path / "experiment.toml"
    path.write_text(
        'name = "x"\nbenchmark = "spy_buy_and_hold"\n[[strategies]]\n'
        'strategy = "spy_buy_and_hold"\nrebalance = "once"\n' + table + "\n"
    )
    with pytest.raises(UserError, match=message) as raised:
        mp.load_experiment(path)
    assert "\n" not in str(raised.value)


def test_a_ticker_without_data_offline_names_the_series_and_the_places_tried(
    tmp_path: Path, pack_path: Path
) -> None:
    path = tmp_path / "experiment.toml"
    path.write_text(
        'name = "x"\nbenchmark = "spy_buy_and_hold"\n'
        '[period]\nstart = "2020-01-02"\n'
        '[assets.tsla]\nyfinance = "TSLA"\n'
        '[[strategies]]\nstrategy = "sixty_forty"\nparameters = { bonds = "tsla" }\n'
        '[[strategies]]\nstrategy = "spy_buy_and_hold"\nrebalance = "once"\n'
    )
    with pytest.raises(
        UserError, match=r"series 'tsla' is not available; tried .*yfinance:TSLA \(off\)"
    ):
        mp.backtest(path, pack=pack_path)


def test_a_declared_ticker_imported_into_the_store_runs_offline(
    tmp_path: Path,
    pack_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.macropatch.cli_helpers import run_cli

    folder = _example(tmp_path, pack_path)
    path = tmp_path / "ticker.toml"
    path.write_text(
        'name = "x"\nbenchmark = "spy_buy_and_hold"\n'
        '[period]\nstart = "2020-01-02"\nend = "2024-12-31"\n'
        '[assets.tsla]\nyfinance = "TSLA"\n'
        '[[strategies]]\nstrategy = "sixty_forty"\nparameters = { bonds = "tsla" }\n'
        '[[strategies]]\nstrategy = "spy_buy_and_hold"\nrebalance = "once"\n'
    )
    # a user's own download of the ticker, as date,value
    prices = (folder / "my_index.csv").read_text().replace("date,close", "date,value")
    (tmp_path / "tsla.csv").write_text(prices)
    refused = run_cli(
        ["data", "import-series", "tsla", str(tmp_path / "tsla.csv")], capsys, monkeypatch
    )
    assert refused.code == 2 and "unknown series 'tsla'" in refused.stderr
    imported = run_cli(
        ["data", "import-series", "tsla", str(tmp_path / "tsla.csv"), "--experiment", str(path)],
        capsys,
        monkeypatch,
    )
    assert imported.code == 0, imported.stderr
    results = mp.backtest(path, pack=pack_path)
    assert results.backtested.prices["tsla"].notna().all()
    used = {item.spec.id: item.provenance for item in results.backtested.sources.loaded()}
    assert used["tsla"].source == "user"
