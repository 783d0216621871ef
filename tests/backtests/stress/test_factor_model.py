"""The factor model: known betas recovered, exact zero and linear shock P&L, bands, errors."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from macropatch.backtests.stress.factor_model import (
    BandMethod,
    FactorModel,
    PortfolioPnl,
    fit_factor_model,
)
from macropatch.marketdata.errors import UserError

Z90 = 1.6448536269514722


def _synthetic(months: int, seed: int, noise: float = 0.1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``a = 0.01 + 2 x1 - 0.5 x2 + e``, ``b = -x1 + 0.3 x2 + e``, ``c = 0.5 x2 + e``."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("1990-01-31", periods=months, freq="ME")
    factors = pd.DataFrame(rng.normal(0.0, 1.0, (months, 2)), index=index, columns=["x1", "x2"])
    x1, x2 = factors["x1"], factors["x2"]
    errors = rng.normal(0.0, noise, (months, 3))
    assets = pd.DataFrame(
        {
            "a": 0.01 + 2.0 * x1 - 0.5 * x2 + errors[:, 0],
            "b": -x1 + 0.3 * x2 + errors[:, 1],
            "c": 0.5 * x2 + errors[:, 2],
        },
        index=index,
    )
    return assets, factors


@pytest.fixture(scope="module")
def model() -> FactorModel:
    assets, factors = _synthetic(240, seed=1)
    return fit_factor_model(assets, factors)


# ---------------------------------------------------------------- fitting


def test_recovers_known_betas_on_a_long_sample() -> None:
    assets, factors = _synthetic(20_000, seed=2)
    fitted = fit_factor_model(assets, factors)
    assert fitted.factors == ("x1", "x2")
    expected = pd.DataFrame(
        [[2.0, -0.5], [-1.0, 0.3], [0.0, 0.5]], index=["a", "b", "c"], columns=["x1", "x2"]
    )
    pd.testing.assert_frame_equal(fitted.betas, expected, atol=0.005, check_exact=False)
    assert fitted.fits.loc["a", "intercept"] == pytest.approx(0.01, abs=0.003)
    assert fitted.fits["residual_variance"].to_numpy() == pytest.approx([0.01] * 3, rel=0.05)
    assert fitted.fits.loc["a", "r_squared"] > 0.99
    assert (fitted.fits["observations"] == 20_000).all()
    assert fitted.fits.loc["a", "first_month"] == pd.Timestamp("1990-01-31")
    assert fitted.unfitted == ()


def test_matches_a_direct_least_squares_fit(model: FactorModel) -> None:
    assets, factors = _synthetic(240, seed=1)
    design = np.column_stack([np.ones(240), factors.to_numpy()])
    coefficients, residual_sum, _, _ = np.linalg.lstsq(design, assets["b"].to_numpy(), rcond=None)
    assert model.betas.loc["b"].to_numpy() == pytest.approx(coefficients[1:], rel=1e-10)
    assert model.fits.loc["b", "residual_variance"] == pytest.approx(residual_sum[0] / 237)
    assert model.inverse_gram["b"] == pytest.approx(np.linalg.inv(design.T @ design))
    # the same months: one shared (X'X)^-1
    assert model.inverse_gram["a"] is model.inverse_gram["b"]


def test_each_asset_is_fitted_on_its_own_history() -> None:
    assets, factors = _synthetic(240, seed=3)
    assets.loc[assets.index[:100], "b"] = np.nan
    factors.loc[factors.index[5], "x2"] = np.nan  # a missing factor month drops for every asset
    fitted = fit_factor_model(assets, factors)
    alone = fit_factor_model(assets[["b"]].iloc[100:], factors.iloc[100:])
    pd.testing.assert_series_equal(fitted.betas.loc["b"], alone.betas.loc["b"], rtol=1e-10)
    assert fitted.fits.loc["b", "observations"] == 140
    assert fitted.fits.loc["a", "observations"] == 239
    assert fitted.fits.loc["b", "first_month"] == assets.index[100]
    assert fitted.inverse_gram["a"] is not fitted.inverse_gram["b"]
    assert fitted.residuals["b"].iloc[:100].isna().all()


def test_an_asset_with_too_few_months_is_unfitted() -> None:
    assets, factors = _synthetic(120, seed=4)
    assets.loc[assets.index[:90], "c"] = np.nan  # 30 months < 36
    fitted = fit_factor_model(assets, factors)
    assert fitted.unfitted == ("c",)
    assert fitted.betas.loc["c"].isna().all()
    assert fitted.fits.loc["c", "observations"] == 30
    assert "c" not in fitted.inverse_gram
    assert fitted.shock_pnl({"x1": 1.0}).loc["c"].isna().all()
    with pytest.raises(UserError, match=r"'c' is weighted but unfitted \(30 of 36 months\)"):
        fitted.portfolio_pnl({"a": 0.5, "c": 0.5}, {"x1": 1.0})
    assert fit_factor_model(assets, factors, minimum_observations=30).unfitted == ()


def test_input_errors() -> None:
    assets, factors = _synthetic(60, seed=5)
    with pytest.raises(UserError, match="same months"):
        fit_factor_model(assets.iloc[1:], factors)
    infinite = assets.copy()
    infinite.iloc[3, 1] = np.inf
    with pytest.raises(UserError, match="'b' holds infinite values"):
        fit_factor_model(infinite, factors)
    collinear = factors.assign(x3=2.0 * factors["x1"])
    with pytest.raises(UserError, match="collinear"):
        fit_factor_model(assets, collinear)
    with pytest.raises(ValueError, match="minimum_observations"):
        fit_factor_model(assets, factors, minimum_observations=3)


# ---------------------------------------------------------------- shock P&L


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 1000),
    confidence=st.floats(0.01, 0.99),
    explicit=st.booleans(),
)
def test_a_zero_shock_gives_exactly_zero(seed: int, confidence: float, explicit: bool) -> None:
    assets, factors = _synthetic(60, seed=seed)
    fitted = fit_factor_model(assets, factors)
    shocks = {"x1": 0.0, "x2": 0.0} if explicit else {}
    table = fitted.shock_pnl(shocks, confidence=confidence)
    assert (table[["expected", "low", "high"]].to_numpy() == 0.0).all()
    # one outcome still varies by the residual: +-z sigma
    quantile = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    sigma = np.sqrt(fitted.fits["residual_variance"].to_numpy())
    assert table["prediction_high"].to_numpy() == pytest.approx(quantile * sigma)
    result = fitted.portfolio_pnl({"a": 0.6, "b": -0.4}, shocks, confidence=confidence)
    assert (result.expected, result.low, result.high) == (0.0, 0.0, 0.0)


SHOCK = st.floats(-10.0, 10.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(a=SHOCK, b=SHOCK, first=st.tuples(SHOCK, SHOCK), second=st.tuples(SHOCK, SHOCK))
def test_expected_pnl_is_linear_in_the_shocks(
    model: FactorModel,
    a: float,
    b: float,
    first: tuple[float, float],
    second: tuple[float, float],
) -> None:
    def shocks(values: tuple[float, float]) -> dict[str, float]:
        return dict(zip(model.factors, values, strict=True))

    combined = (a * first[0] + b * second[0], a * first[1] + b * second[1])
    left = model.shock_pnl(shocks(combined))["expected"].to_numpy()
    one = model.shock_pnl(shocks(first))["expected"].to_numpy()
    two = model.shock_pnl(shocks(second))["expected"].to_numpy()
    right = a * one + b * two
    # scale of the terms, so that cancellation to ~0 is compared in absolute terms
    scale = np.abs(model.betas.to_numpy()) @ (np.abs(combined) + np.abs(a * np.array(first)))
    scale += np.abs(model.betas.to_numpy()) @ np.abs(b * np.array(second))
    assert np.all(np.abs(left - right) <= 1e-12 * np.maximum(scale, np.abs(right)) + 1e-300)


def test_expected_pnl_is_the_sum_of_beta_times_shock(model: FactorModel) -> None:
    table = model.shock_pnl({"x2": -1.5})  # x1 not named: 0
    assert table["expected"].to_numpy() == pytest.approx(model.betas["x2"].to_numpy() * -1.5)
    assert list(table.columns) == ["expected", "low", "high", "prediction_low", "prediction_high"]


def test_bands_match_a_hand_computation(model: FactorModel) -> None:
    shock = np.array([0.0, 1.0, -2.0])  # intercept term 0
    table = model.shock_pnl({"x1": 1.0, "x2": -2.0})
    for asset in ["a", "b", "c"]:
        sigma2 = model.fits.loc[asset, "residual_variance"]
        spread = shock @ model.inverse_gram[asset] @ shock
        row = table.loc[asset]
        assert row["high"] - row["expected"] == pytest.approx(Z90 * np.sqrt(sigma2 * spread))
        assert row["expected"] - row["prediction_low"] == pytest.approx(
            Z90 * np.sqrt(sigma2 * (spread + 1.0))
        )
    wide = model.shock_pnl({"x1": 1.0, "x2": -2.0}, confidence=0.99)
    quantile = NormalDist().inv_cdf(0.995)
    ratio = (wide["high"] - wide["expected"]) / (table["high"] - table["expected"])
    assert ratio.to_numpy() == pytest.approx([quantile / Z90] * 3)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 1000), x1=SHOCK, x2=SHOCK)
def test_bands_contain_the_expected_pnl(seed: int, x1: float, x2: float) -> None:
    assets, factors = _synthetic(48, seed=seed)
    table = fit_factor_model(assets, factors).shock_pnl({"x1": x1, "x2": x2})
    assert (table["prediction_low"] <= table["low"]).all()
    assert (table["low"] <= table["expected"]).all()
    assert (table["expected"] <= table["high"]).all()
    assert (table["high"] <= table["prediction_high"]).all()


def test_confidence_bands_shrink_with_more_data() -> None:
    shocks = {"x1": 1.0, "x2": 1.0}
    widths = []
    for months in (60, 600, 6000):
        table = fit_factor_model(*_synthetic(months, seed=6)).shock_pnl(shocks)
        widths.append((table["high"] - table["low"]).to_numpy())
    assert np.all(widths[0] > widths[1]) and np.all(widths[1] > widths[2])
    # parameter uncertainty shrinks like 1 / sqrt(n): a tenth of the data, ~3.2 times the width
    assert widths[1] / widths[2] == pytest.approx([np.sqrt(10)] * 3, rel=0.15)


def test_shock_errors(model: FactorModel) -> None:
    with pytest.raises(UserError, match="unknown factor 'oil'; the model has x1, x2"):
        model.shock_pnl({"x1": 1.0, "oil": 0.1})
    with pytest.raises(UserError, match="'x2' is nan"):
        model.shock_pnl({"x2": float("nan")})
    with pytest.raises(ValueError, match="confidence"):
        model.shock_pnl({"x1": 1.0}, confidence=1.0)


# ---------------------------------------------------------------- portfolio P&L


def test_a_single_asset_portfolio_is_its_row(model: FactorModel) -> None:
    shocks = {"x1": -1.0, "x2": 0.5}
    row = model.shock_pnl(shocks).loc["a"]
    result = model.portfolio_pnl({"a": 1.0}, shocks)
    assert result.band_method is BandMethod.JOINT
    assert result.expected == pytest.approx(row["expected"])
    assert result.low == pytest.approx(row["low"])
    assert result.prediction_high == pytest.approx(row["prediction_high"])


def test_joint_band_uses_the_residual_covariance(model: FactorModel) -> None:
    shocks = {"x1": 1.0, "x2": -1.0}
    weights = {"a": 0.5, "b": 0.3, "c": -0.2}
    result = model.portfolio_pnl(weights, shocks)
    table = model.shock_pnl(shocks)
    w = np.array(list(weights.values()))
    assert result.expected == pytest.approx(w @ table["expected"].to_numpy())
    # stacked OLS: Cov(b_a, b_c) = sigma_ac (X'X)^-1, with sigma_ac = e_a'e_c / (n - k - 1)
    errors = model.residuals[["a", "b", "c"]].to_numpy()
    sigma = errors.T @ errors / (240 - 3)
    shock = np.array([0.0, 1.0, -1.0])
    spread = shock @ model.inverse_gram["a"] @ shock
    assert result.band_method is BandMethod.JOINT
    assert result.high - result.expected == pytest.approx(Z90 * np.sqrt(spread * (w @ sigma @ w)))
    assert result.prediction_high - result.expected == pytest.approx(
        Z90 * np.sqrt((spread + 1.0) * (w @ sigma @ w))
    )
    # never wider than the perfectly correlated sum
    halves = (table["high"] - table["expected"]).to_numpy()
    assert result.high - result.expected <= np.abs(w) @ halves + 1e-15


def test_different_samples_fall_back_to_the_conservative_sum() -> None:
    assets, factors = _synthetic(120, seed=7)
    assets.loc[assets.index[:40], "b"] = np.nan
    fitted = fit_factor_model(assets, factors)
    shocks = {"x1": 1.0}
    table = fitted.shock_pnl(shocks)
    result = fitted.portfolio_pnl({"a": 0.7, "b": -0.3}, shocks)
    assert result.band_method is BandMethod.CONSERVATIVE_SUM
    halves = table["high"] - table["expected"]
    assert result.high - result.expected == pytest.approx(0.7 * halves["a"] + 0.3 * halves["b"])
    prediction = table["prediction_high"] - table["expected"]
    assert result.expected - result.prediction_low == pytest.approx(
        0.7 * prediction["a"] + 0.3 * prediction["b"]
    )


def test_riskless_and_unknown_assets(model: FactorModel) -> None:
    shocks = {"x1": 1.0}
    with_cash = model.portfolio_pnl({"a": 0.6, "cash": 0.4}, shocks, riskless=["cash"])
    assert with_cash == model.portfolio_pnl({"a": 0.6}, shocks)
    with pytest.raises(UserError, match="'cash' is weighted but neither modelled nor riskless"):
        model.portfolio_pnl({"a": 0.6, "cash": 0.4}, shocks)
    assert model.portfolio_pnl({"a": 1.0, "gold": 0.0}, shocks).expected != 0.0  # zero: ignored
    with pytest.raises(UserError, match="'a' is in the factor model and declared riskless"):
        model.portfolio_pnl({"a": 1.0}, shocks, riskless={"a"})
    nothing = model.portfolio_pnl({"cash": 1.0}, shocks, riskless=["cash"])
    assert nothing == PortfolioPnl(
        expected=0.0,
        low=0.0,
        high=0.0,
        prediction_low=0.0,
        prediction_high=0.0,
        band_method=BandMethod.JOINT,
        confidence=0.9,
    )
    assert nothing.as_dict()["band_method"] == "joint"
    with pytest.raises(UserError, match="weight of asset 'a' is inf"):
        model.portfolio_pnl({"a": float("inf")}, shocks)
