import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.derived import derive, fit_factor_betas
from macropatch.marketdata.errors import UserError


def test_constant_yield_bond_earns_its_yield() -> None:
    # A par bond whose yield never moves is always worth par: it returns its coupon.
    days = pd.date_range("2020-01-01", periods=366, freq="D")
    yields = pd.Series(0.04, index=days)
    index = derive("constant_maturity_bond", [yields], {"maturity_years": 10.0})
    assert index.iloc[0] == 1.0
    daily = index.pct_change().dropna()
    assert np.allclose(daily, 0.04 / 365, atol=1e-6)


def test_bond_loses_about_duration_times_yield_change() -> None:
    days = pd.DatetimeIndex(["2020-01-01", "2020-01-02"])
    yields = pd.Series([0.04, 0.05], index=days)
    index = derive("constant_maturity_bond", [yields], {"maturity_years": 10.0})
    move = index.iloc[1] - 1.0
    # modified duration of a 10y 4% par bond is about 8.1: -0.081 for +1 point, with convexity a bit less.
    assert -0.082 < move < -0.074


def test_tbill_accrual_uses_bond_equivalent_yield_on_calendar_days() -> None:
    days = pd.DatetimeIndex(["2020-01-01", "2020-01-31"])
    rate = pd.Series([0.05, 0.05], index=days)
    cash = derive("tbill_accrual", [rate], {"carry_days": 0})
    bey = 365 * 0.05 / (360 - 91 * 0.05)
    assert cash.index[0] == days[0] and cash.index[-1] == days[-1]
    assert cash.iloc[-1] == pytest.approx((1 + bey / 365) ** 30, rel=1e-12)


def test_tbill_accrual_carries_last_rate() -> None:
    rate = pd.Series([0.02], index=pd.DatetimeIndex(["2020-01-01"]))
    cash = derive("tbill_accrual", [rate], {"carry_days": 10})
    assert cash.index[-1] == pd.Timestamp("2020-01-11")


def test_extend_levels_fills_before_and_after() -> None:
    daily = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2020-02-03", "2020-02-04"]))
    monthly = pd.Series(
        [9.0, 8.0, 7.0], index=pd.DatetimeIndex(["2020-01-01", "2020-02-01", "2020-03-01"])
    )
    out = derive("extend_levels", [daily, monthly], {})
    assert out.tolist() == [9.0, 8.0, 1.0, 2.0, 7.0]


def test_factor_portfolio_compounds_the_sum() -> None:
    days = pd.date_range("2020-01-01", periods=3, freq="D")
    a = pd.Series([0.01, 0.02, -0.01], index=days)
    b = pd.Series([0.0, 0.01, 0.0], index=days)
    out = derive("factor_portfolio", [a, b], {})
    assert out.iloc[-1] == pytest.approx(1.01 * 1.03 * 0.99)


def test_unknown_method() -> None:
    with pytest.raises(UserError, match="unknown derivation"):
        derive("magic", [pd.Series([1.0])], {})


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(min_value=0.0001, max_value=0.15), min_size=2, max_size=40),
    st.floats(0.5, 30.0),
)
def test_bond_index_is_positive_and_finite(yields: list[float], maturity: float) -> None:
    series = pd.Series(yields, index=pd.bdate_range("2020-01-01", periods=len(yields)))
    index = derive("constant_maturity_bond", [series], {"maturity_years": maturity})
    assert np.isfinite(index).all() and (index > 0).all()


def test_fitted_factor_betas_are_recovered_on_synthetic_data() -> None:
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2010-01-01", periods=2000)
    market = pd.Series(rng.normal(0.0003, 0.01, len(days)), index=days)
    factor = pd.Series(rng.normal(0.0001, 0.004, len(days)), index=days)
    risk_free = pd.Series(0.0001, index=days)
    fund_returns = risk_free + 0.9 * market + 0.3 * factor + rng.normal(0, 0.002, len(days))
    late = days[800:]  # the fund exists only for the last 1,200 days
    fund = (1.0 + fund_returns.loc[late]).cumprod()
    fit = fit_factor_betas(pd.concat([market, factor], axis=1), risk_free, fund)
    assert fit.betas == pytest.approx((0.9, 0.3), abs=0.03)
    assert fit.days == len(late) - 1 and fit.r_squared > 0.9
    proxy = derive("fitted_factor_portfolio", [market, risk_free, factor, fund], {})
    expected = (1.0 + risk_free + fit.betas[0] * market + fit.betas[1] * factor).cumprod()
    np.testing.assert_allclose(proxy.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert proxy.index[0] == days[0]  # the proxy covers the history before the fund


def test_a_fit_on_too_few_days_is_refused() -> None:
    days = pd.bdate_range("2010-01-01", periods=100)
    flat = pd.Series(0.001, index=days)
    with pytest.raises(UserError, match="share 99 days"):
        fit_factor_betas(flat.to_frame(), flat, (1 + flat).cumprod())


def test_the_catalog_fits_the_quality_proxy_to_qual_without_a_cycle() -> None:
    catalog = load_catalog()
    derivation = catalog["quality_factor_proxy"].derive
    assert derivation is not None and derivation.fitted_to == "qual"
    assert "qual" in catalog.dependencies("quality_factor_proxy")
    assert catalog.dependencies("qual")[:2] == ["qual", "quality_factor_proxy"]
