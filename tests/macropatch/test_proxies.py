"""``proxies = false``: every asset starts on its own first day, its weight in cash before,
and from then on the run is the run that starts on that day with proxies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from macropatch.backtesting import backtest_experiment
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.pack import Pack

EXPERIMENT = """
name = "proxies"
benchmark = "spy_buy_and_hold"
{proxies}
[period]
start = "{start}"
end = "2019-12-31"

[[strategies]]
strategy = "quality_over_growth"
rebalance = "monthly"

[[strategies]]
strategy = "sixty_forty"
rebalance = "monthly"

[[strategies]]
strategy = "spy_buy_and_hold"
rebalance = "once"
"""

#: QUAL's first day: the last of quality_over_growth's ETFs to start (USMV 2011, QQQ 1999).
QUAL_FIRST_DAY = "2013-07-18"


def _run(tmp_path: Path, pack_path: Path, name: str, *, proxies: str, start: str):  # type: ignore[no-untyped-def]
    path = tmp_path / f"{name}.toml"
    path.write_text(EXPERIMENT.format(proxies=proxies, start=start))
    return backtest_experiment(experiment_path=path, pack=Pack(pack_path))


def test_without_proxies_the_run_is_the_late_start_run_from_the_first_real_day(
    tmp_path: Path, pack_path: Path
) -> None:
    real = _run(tmp_path, pack_path, "real", proxies="proxies = false", start="2000-01-03")
    ief_first = real.sources.load("ief").values.dropna().index[0]
    late = _run(tmp_path, pack_path, "late", proxies="", start=str(ief_first.date()))
    assert not real.panel.splices and late.panel.prices.index[0] == ief_first
    results = {item.name: item for item in real.results}
    references = {item.name: item for item in late.results}
    # no price, no weight: each ETF's weight sits in cash until its own first day
    weights = results["quality_over_growth"].weights
    assert (weights.loc[: pd.Timestamp(QUAL_FIRST_DAY) - pd.Timedelta(days=1), "qual"] == 0).all()
    assert (weights.loc[:"2011-10-19", "usmv"] == 0).all()
    assert weights.loc[QUAL_FIRST_DAY:, "qual"].max() > 0.2
    assert (
        results["sixty_forty"].weights.loc[: ief_first - pd.Timedelta(days=1), "ief"] == 0
    ).all()
    # Once both runs rebalance to the same targets, every daily return is the same. Fees on
    # a rebalancing trade leave the weights a hair off target by an amount that depends on
    # what was held before (cash in one run, nothing in the other), a gap each rebalance
    # shrinks: from the sixth one on it is gone.
    strategy, reference = results["sixty_forty"], references["sixty_forty"]
    sixth_rebalance = reference.weights.dropna(how="all").index[5]
    after = reference.returns.loc[sixth_rebalance:].index
    np.testing.assert_allclose(
        strategy.returns.loc[after].to_numpy(), reference.returns.loc[after].to_numpy(), atol=1e-12
    )
    assert len(after) > 4000
    # with proxies the same run holds the ETFs from the start: a different run
    proxied = _run(tmp_path, pack_path, "proxied", proxies="", start="2000-01-03")
    assert {item.series for item in proxied.panel.splices} >= {"qual", "usmv", "ief"}


def test_proxies_must_be_true_or_false(tmp_path: Path, pack_path: Path) -> None:
    with pytest.raises(UserError, match="proxies"):
        _run(tmp_path, pack_path, "bad", proxies='proxies = "no"', start="2000-01-03")
