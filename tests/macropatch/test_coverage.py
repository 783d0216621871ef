"""One series never silently shortens a run; an explicit end or start is obeyed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from macropatch.api import backtest_experiment
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.pack import Pack
from tests.macropatch.cli_helpers import partial_pack

REPOSITORY = Path(__file__).resolve().parents[2]
SIXTY_FORTY = REPOSITORY / "experiments" / "variants" / "sixty_forty_quarterly.toml"
IEF = "etf/ief_adjclose_daily.csv"

pytestmark = pytest.mark.pack


def _ief_ending(pack_path: Path, target: Path, end: str) -> Pack:
    lines = (pack_path / IEF).read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0], *(line for line in lines[1:] if line[:10] <= end)]
    return Pack(partial_pack(pack_path, target, replace={IEF: "".join(kept)}))


def test_a_series_that_ends_early_stops_the_run_with_both_dates(
    pack_path: Path, tmp_path: Path
) -> None:
    pack = _ief_ending(pack_path, tmp_path / "pack", "2024-06-28")
    with pytest.raises(UserError) as caught:
        backtest_experiment(experiment_path=SIXTY_FORTY, pack=pack)
    message = str(caught.value)
    assert "series 'ief'" in message and "2024-06-28" in message and "2026-08-03" in message


def test_an_explicit_end_at_that_date_runs(pack_path: Path, tmp_path: Path) -> None:
    pack = _ief_ending(pack_path, tmp_path / "pack", "2024-06-28")
    done = backtest_experiment(experiment_path=SIXTY_FORTY, pack=pack, end=dt.date(2024, 6, 28))
    assert done.prices.index[-1] == pd.Timestamp("2024-06-28")
    assert done.prices.index[0] == pd.Timestamp("2000-01-03")


def test_a_few_days_apart_is_a_note_not_an_error(pack_path: Path, tmp_path: Path) -> None:
    pack = _ief_ending(pack_path, tmp_path / "pack", "2026-07-30")  # two trading days short
    done = backtest_experiment(experiment_path=SIXTY_FORTY, pack=pack)
    assert done.prices.index[-1] == pd.Timestamp("2026-07-30")
    assert any("the period ends on 2026-07-30" in note for note in done.notes), done.notes


def test_an_asked_for_start_before_an_assets_first_price_is_a_note(
    pack_path: Path, tmp_path: Path
) -> None:
    """With the start in the file, gold's eight months in cash are said, not refused."""
    experiment = tmp_path / "real.toml"
    experiment.write_text(
        'name = "real"\nbenchmark = "spy_buy_and_hold"\n[period]\nstart = "2000-01-03"\n'
        '[[strategies]]\nstrategy = "real_assets"\n'
        '[[strategies]]\nstrategy = "spy_buy_and_hold"\nrebalance = "once"\n',
        encoding="utf-8",
    )
    done = backtest_experiment(experiment_path=experiment, pack=Pack(pack_path))
    assert done.prices.index[0] == pd.Timestamp("2000-01-03")
    assert any("'gld'" in note and "no price before 2000-08-30" in note for note in done.notes), (
        done.notes
    )
    # the same, the start not asked for: refused, naming the asset that starts last (copper)
    with pytest.raises(UserError, match="series 'cper'.* starts on 2011-11-15"):
        experiment.write_text(experiment.read_text().replace('start = "2000-01-03"\n', ""))
        backtest_experiment(experiment_path=experiment, pack=Pack(pack_path))
