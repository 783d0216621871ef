"""The stress study on hand-made data: factor moves, a scenario's P&L, replay and bootstrap."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from macropatch.backtests.stress.factors import (
    Factor,
    Scenario,
    Shock,
    asset_monthly_returns,
    factor_levels,
    monthly_factors,
)
from macropatch.backtests.stress.replay import Window
from macropatch.backtests.stress.study import BootstrapSettings, last_holdings, stress_test
from macropatch.marketdata.catalog import Catalog, load_catalog
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.series import Provenance, SeriesData

DAYS = pd.bdate_range("2010-01-01", "2019-12-31", name="date")


@dataclass
class HandSource:
    """A source of catalog series held in memory."""

    values: dict[str, pd.Series]
    catalog: Catalog = field(default_factory=load_catalog)

    def load(self, series_id: str) -> SeriesData:
        return SeriesData(
            spec=self.catalog[series_id],
            values=self.values[series_id],
            provenance=Provenance(source="test", location="memory", fetched_at="", content_hash=""),
        )


def _market() -> tuple[pd.DataFrame, HandSource]:
    """Two assets driven by the 10-year yield: 'bond' loses 7 per unit, 'gold' gains 2."""
    rng = np.random.default_rng(7)
    yield_changes = rng.normal(0.0, 0.001, len(DAYS))
    ten_year = pd.Series(0.03 + np.cumsum(yield_changes), index=DAYS)
    noise = rng.normal(0.0, 0.0005, (len(DAYS), 2))
    returns = np.column_stack([-7.0 * yield_changes, 2.0 * yield_changes]) + noise
    prices = pd.DataFrame(
        100 * np.cumprod(1 + returns, axis=0), index=DAYS, columns=["bond", "gold"]
    )
    prices["cash"] = 100.0
    return prices, HandSource({"dgs10": ten_year})


def test_factor_moves_are_month_end_changes_and_asset_moves_month_end_returns() -> None:
    prices, source = _market()
    factors = monthly_factors(source, [Factor.TEN_YEAR])
    level = source.values["dgs10"]
    month_end = level.groupby(level.index.to_period("M")).last()
    np.testing.assert_allclose(factors["ten_year"].to_numpy(), month_end.diff().iloc[1:].to_numpy())
    assert factors.index[0] == pd.Timestamp("2010-02-28")
    monthly = asset_monthly_returns(prices[["bond"]])
    bond = prices["bond"].groupby(prices.index.to_period("M")).last()
    np.testing.assert_allclose(monthly["bond"].to_numpy(), bond.pct_change().iloc[1:].to_numpy())
    assert factor_levels(source, [Factor.TEN_YEAR]) == {Factor.TEN_YEAR: float(level.iloc[-1])}


def test_shocks_are_checked() -> None:
    with pytest.raises(UserError, match="exactly one of change and to"):
        Shock(factor=Factor.TEN_YEAR)
    with pytest.raises(UserError, match="use change"):
        Shock(factor=Factor.GOLD, to=2000.0)
    with pytest.raises(UserError, match="below -100%"):
        Shock(factor=Factor.GOLD, change=-1.5)
    with pytest.raises(UserError, match="shocked twice"):
        Scenario(
            name="x",
            description="",
            shocks=(Shock(factor=Factor.VIX, change=1.0), Shock(factor=Factor.VIX, to=40.0)),
        )
    assert Shock(factor=Factor.TEN_YEAR, to=0.05).size({Factor.TEN_YEAR: 0.04}) == pytest.approx(
        0.01
    )


def _study(windows: list[Window] | None = None, signals: tuple[str, ...] = ("calm",)) -> dict:
    prices, source = _market()
    holdings = {"bonds": {"bond": 0.5, "cash": 0.5}, "gold": {"gold": 1.0}}
    returns = pd.DataFrame(
        {
            "bonds": 0.5 * prices["bond"].pct_change().fillna(0.0),
            "gold": prices["gold"].pct_change().fillna(0.0),
        }
    )
    fired = {"calm": pd.Series(True, index=DAYS), "never": pd.Series(False, index=DAYS)}
    rise = Scenario(
        name="rates up a point",
        description="the 10-year yield one point higher",
        shocks=(Shock(factor=Factor.TEN_YEAR, change=0.01),),
    )
    report = stress_test(
        returns=returns,
        holdings=holdings,
        prices=prices,
        sources=source,
        scenarios=[rise],
        fired=fired,
        bootstrap=BootstrapSettings(
            signals=signals, paths=500, horizon_days=63, block_days=21, seed=3
        ),
        windows=windows,
        benchmark="gold",
    )
    return report.model_dump(mode="json", by_alias=True)  # as stress.json holds it


def test_a_scenario_moves_each_strategy_by_its_weights_times_the_fitted_betas() -> None:
    report = _study(
        windows=[
            Window(
                name="2013",
                start=pd.Timestamp("2013-05-01").date(),
                end=pd.Timestamp("2013-09-05").date(),
            )
        ]
    )
    (scenario,) = report["scenarios"]
    assert scenario["shocks"][0]["size"] == pytest.approx(0.01)
    assert scenario["assets"]["bond"]["expected"] == pytest.approx(-0.07, abs=0.004)
    assert scenario["assets"]["gold"]["expected"] == pytest.approx(0.02, abs=0.004)
    assert scenario["assets"]["bond"]["r2"] > 0.9
    # half in bonds, half in cash (which does not move)
    assert scenario["strategies"]["bonds"]["expected"] == pytest.approx(-0.035, abs=0.002)
    assert scenario["strategies"]["gold"]["expected"] == pytest.approx(0.02, abs=0.004)
    assert report["weights"] == {"bonds": {"bond": 0.5, "cash": 0.5}, "gold": {"gold": 1.0}}


def test_the_replay_and_the_bootstrap_are_in_the_report() -> None:
    window = Window(
        name="2013", start=pd.Timestamp("2013-05-01").date(), end=pd.Timestamp("2013-09-05").date()
    )
    report = _study(windows=[window])
    assert report["as_of"] == "2019-12-31" and report["strategies"] == ["bonds", "gold"]
    replayed = report["replay"]
    assert [item["name"] for item in replayed["windows"]] == ["2013"]
    prices, _ = _market()
    inside = prices.loc["2013-05-02":"2013-09-05", "gold"]
    before = prices.at[pd.Timestamp("2013-05-01"), "gold"]
    assert replayed["rows"]["gold"]["2013"]["return"] == pytest.approx(inside.iloc[-1] / before - 1)
    boot = report["bootstrap"]
    assert boot["paths"] == 500 and boot["condition_days"] == len(DAYS)
    assert set(boot["strategies"]) == {"bonds", "gold"}


def test_a_condition_that_never_fired_skips_the_bootstrap_with_a_reason() -> None:
    report = _study(windows=[], signals=("never",))
    assert "fired on 0 days" in report["bootstrap"]["skipped"]


def test_an_unknown_bootstrap_signal_is_refused() -> None:
    with pytest.raises(UserError, match="'nope' is not a signal of the run"):
        _study(windows=[], signals=("nope",))


def test_last_holdings_keep_the_last_row_without_zeros() -> None:
    holdings = pd.DataFrame({"a": [0.2, 0.6], "b": [0.8, 0.0], "cash": [0.0, 0.4]})
    assert last_holdings(holdings) == {"a": 0.6, "cash": 0.4}
