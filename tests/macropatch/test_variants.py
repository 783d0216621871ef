"""Every experiment file in experiments/ builds and backtests (a short period, no reports)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from macropatch.api import backtest_experiment
from macropatch.marketdata.pack import Pack

REPOSITORY = Path(__file__).resolve().parents[2]
EXPERIMENTS = sorted((REPOSITORY / "experiments").rglob("*.toml"))


@pytest.mark.parametrize("path", EXPERIMENTS, ids=[path.stem for path in EXPERIMENTS])
def test_experiment_backtests(pack_path: Path, path: Path) -> None:
    done = backtest_experiment(
        experiment_path=path,
        pack=Pack(pack_path),
        start=dt.date(2019, 1, 2),
        end=dt.date(2020, 12, 31),
    )
    assert len(done.results) == len(done.experiment.strategies)
    for result in done.results:
        assert np.isfinite(result.value).all() and (result.value > 0).all()
        assert np.allclose(result.weights.sum(axis=1), 1.0)
        assert result.returns.index[-1] == done.prices.index[-1]


@pytest.mark.parametrize("path", EXPERIMENTS, ids=[path.stem for path in EXPERIMENTS])
def test_experiment_covers_its_whole_default_period(pack_path: Path, path: Path) -> None:
    """Over the default period every shipped experiment runs from its start to the last
    trading day in the pack (a put overlay that expired out of the money once cut
    long_volatility_pput to two months, with exit 0)."""
    done = backtest_experiment(experiment_path=path, pack=Pack(pack_path))
    spy = Pack(pack_path).read(done.sources.catalog["spy"]).values.dropna()
    assert done.prices.index[0] == spy.index[spy.index >= pd.Timestamp(done.experiment.start)][0]
    assert done.prices.index[-1] == spy.index[-1]
    for result in done.results:
        assert np.isfinite(result.value).all() and (result.value > 0).all()
