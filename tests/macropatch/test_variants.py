"""Every experiment file in experiments/ builds and backtests (a short period, no reports)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from macropatch.api import backtest_experiment
from marketdata.pack import Pack

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
