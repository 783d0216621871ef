"""A linear factor model: how macro shocks move asset returns.

Requires monthly asset returns and factor values (rows = months) on one
``DatetimeIndex``. Produces a :class:`FactorModel`: OLS betas per asset and the
P&L of a scenario of factor shocks per asset or portfolio. Conventions:

- each asset is regressed, with an intercept, on the months where it and every
  factor are known; an asset with too few such months is *unfitted* (NaN betas);
- a scenario is a shock **relative to normal**: its P&L is ``sum_k beta_k *
  shock_k`` (shocks in the factors' units, P&L in the returns' units). The
  intercept (the drift in a month when no factor moves) is kept in
  :attr:`FactorModel.fits` but left out of every P&L: a zero shock gives 0;
- bands are two-sided at ``confidence`` with the normal quantile ``z``: the
  confidence band ``z * sqrt(sigma2 * x'(X'X)^{-1}x)`` (``x = (0, shocks)``, 0
  for the intercept) is the uncertainty of the betas; the prediction band adds
  the residual variance ``sigma2``: the band of one month's outcome.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from macropatch.marketdata.errors import UserError

__all__ = ["BandMethod", "FactorModel", "PortfolioPnl", "fit_factor_model"]

_FIT_COLUMNS = ["intercept", "residual_variance", "r_squared", "observations"]


class BandMethod(enum.Enum):
    """How :meth:`FactorModel.portfolio_pnl` combined the assets' uncertainty."""

    JOINT = "joint"
    """Every weighted asset was fitted on the same months: the joint OLS covariance,
    ``Var = x'(X'X)^{-1}x * w' Sigma w`` with ``Sigma`` the residual covariance."""
    CONSERVATIVE_SUM = "conservative_sum"
    """The samples differ: the sum of the weighted assets' absolute half-widths,
    as if perfectly correlated (an upper bound)."""


@dataclass(frozen=True, kw_only=True)
class PortfolioPnl:
    """The P&L of a weighted portfolio under a scenario (fractions of its value)."""

    expected: float  # sum_a w_a * expected_a
    low: float  # confidence band of expected (uncertainty of the betas)
    high: float
    prediction_low: float  # band of a single outcome (adds the residual variance)
    prediction_high: float
    band_method: BandMethod
    confidence: float

    def as_dict(self) -> dict[str, float | str]:
        """Plain values for JSON: the fields, ``band_method`` as its value."""
        return {**dataclasses.asdict(self), "band_method": self.band_method.value}


@dataclass(frozen=True, kw_only=True, eq=False)
class FactorModel:
    """OLS fits of each asset's monthly returns on the factors.

    Attributes
    ----------
    factors, betas
        The factor names; assets x factors betas (NaN rows for unfitted assets).
    fits
        Per asset: ``intercept``, ``residual_variance`` (``e'e / (n - k - 1)``),
        ``r_squared``, ``observations`` (months used), ``first_month`` and
        ``last_month``; NaN (NaT) where unfitted, except ``observations``.
    inverse_gram
        Per fitted asset, ``(X'X)^{-1}`` of its sample, order ``(intercept,
        *factors)``; assets fitted on the same months share one array.
    residuals
        Months x assets; NaN outside each asset's sample.
    unfitted, minimum_observations
        Assets with fewer usable months than the threshold; the threshold.
    """

    factors: tuple[str, ...]
    betas: pd.DataFrame
    fits: pd.DataFrame
    inverse_gram: Mapping[str, np.ndarray]
    residuals: pd.DataFrame
    unfitted: tuple[str, ...]
    minimum_observations: int

    def shock_pnl(self, shocks: Mapping[str, float], *, confidence: float = 0.90) -> pd.DataFrame:
        """Each asset's P&L under ``shocks`` (``{factor: shock}``, unnamed factors 0).

        Rows = assets (unfitted ones all NaN); columns ``expected``, ``low``,
        ``high`` (confidence band), ``prediction_low``, ``prediction_high``
        (band of one outcome). :class:`UserError` for an unknown factor.
        """
        vector = self._shock_vector(shocks)
        quantile = _normal_quantile(confidence)
        expected = self.betas.to_numpy(dtype=float) @ vector
        halves = self._half_widths(vector, quantile)
        return pd.DataFrame(_bands(expected, *halves), index=self.betas.index)

    def portfolio_pnl(
        self,
        weights: Mapping[str, float],
        shocks: Mapping[str, float],
        *,
        confidence: float = 0.90,
        riskless: Iterable[str] = (),
    ) -> PortfolioPnl:
        """A weighted portfolio's P&L under ``shocks`` (as in :meth:`shock_pnl`).

        ``weights`` maps assets to weights (zeros ignored); ``riskless`` names
        assets outside the model with zero shock P&L (the cash asset).
        :attr:`PortfolioPnl.band_method` says how the bands combined the assets.
        Raises :class:`UserError` if a weighted asset is unfitted, unknown
        (neither in the model nor riskless) or both, or a weight is not finite.
        """
        vector = self._shock_vector(shocks)
        quantile = _normal_quantile(confidence)
        held = self._held_assets(weights, set(riskless))
        held_weights = np.array([weights[asset] for asset in held], dtype=float)
        expected = float(held_weights @ (self.betas.loc[held].to_numpy(dtype=float) @ vector))
        samples = self.residuals[held].notna().to_numpy()
        if not held:  # nothing at risk
            method, confidence_half, prediction_half = BandMethod.JOINT, 0.0, 0.0
        elif (samples == samples[:, :1]).all():  # w' Sigma w from the portfolio's residuals
            method = BandMethod.JOINT
            errors = self.residuals.loc[samples[:, 0], held].to_numpy(dtype=float) @ held_weights
            variance = float(errors @ errors) / (len(errors) - len(self.factors) - 1)
            spread = max(float(vector @ self.inverse_gram[held[0]][1:, 1:] @ vector), 0.0)
            confidence_half = quantile * math.sqrt(spread * variance)
            prediction_half = quantile * math.sqrt((spread + 1.0) * variance)
        else:
            method = BandMethod.CONSERVATIVE_SUM
            halves = self._half_widths(vector, quantile)
            positions = self.betas.index.get_indexer(pd.Index(held))
            confidence_half = float(np.abs(held_weights) @ halves[0][positions])
            prediction_half = float(np.abs(held_weights) @ halves[1][positions])
        return PortfolioPnl(
            **_bands(expected, confidence_half, prediction_half),
            band_method=method,
            confidence=confidence,
        )

    def _shock_vector(self, shocks: Mapping[str, float]) -> np.ndarray:
        vector = np.zeros(len(self.factors))
        for factor, shock in shocks.items():
            if factor not in self.factors:
                raise UserError(
                    f"unknown factor {factor!r}; the model has {', '.join(self.factors)}"
                )
            if not math.isfinite(shock):
                raise UserError(f"the shock to factor {factor!r} is {shock}, not a finite number")
            vector[self.factors.index(factor)] = shock
        return vector

    def _half_widths(self, vector: np.ndarray, quantile: float) -> tuple[np.ndarray, np.ndarray]:
        """Per asset, half-widths of the confidence and prediction bands (NaN if unfitted)."""
        grams = [self.inverse_gram.get(asset) for asset in self.betas.index]
        spread = [math.nan if gram is None else vector @ gram[1:, 1:] @ vector for gram in grams]
        spread = np.maximum(np.array(spread, dtype=float), 0.0)
        variance = self.fits["residual_variance"].to_numpy(dtype=float)
        return quantile * np.sqrt(variance * spread), quantile * np.sqrt(variance * (spread + 1))

    def _held_assets(self, weights: Mapping[str, float], riskless: set[str]) -> list[str]:
        held = []
        for asset, weight in weights.items():
            if not math.isfinite(weight):
                raise UserError(f"the weight of asset {asset!r} is {weight}, not a finite number")
            if weight == 0:
                continue
            if asset not in self.betas.index:
                if asset not in riskless:
                    raise UserError(
                        f"asset {asset!r} is weighted but neither modelled nor riskless"
                    )
                continue
            if asset in riskless:
                raise UserError(f"asset {asset!r} is in the factor model and declared riskless")
            if asset in self.unfitted:
                months = f"{self.fits.at[asset, 'observations']!s} of {self.minimum_observations}"
                raise UserError(f"asset {asset!r} is weighted but unfitted ({months} months)")
            held.append(asset)
        return held


def _checked_values(
    asset_returns: pd.DataFrame, factors: pd.DataFrame, minimum_observations: int
) -> tuple[np.ndarray, np.ndarray]:
    """The two frames as float arrays, after the checks :func:`fit_factor_model` documents."""
    factor_count = len(factors.columns)
    if factor_count == 0 or minimum_observations < factor_count + 2:
        raise ValueError(f"need a factor and minimum_observations >= {factor_count + 2}")
    unique = not (asset_returns.columns.has_duplicates or factors.columns.has_duplicates)
    if not (unique and isinstance(factors.index, pd.DatetimeIndex)):
        raise ValueError("need unique asset and factor names and a DatetimeIndex")
    if not asset_returns.index.equals(factors.index):
        raise UserError(
            "asset returns and factors must cover the same months: asset returns run "
            f"{_span(asset_returns.index)}, factors {_span(factors.index)}"
        )
    returns_values = asset_returns.to_numpy(dtype=float, na_value=np.nan)
    factor_values = factors.to_numpy(dtype=float, na_value=np.nan)
    for frame, values in ((asset_returns, returns_values), (factors, factor_values)):
        infinite = np.isinf(values).any(axis=0)
        if infinite.any():
            raise UserError(f"column {frame.columns[infinite.argmax()]!r} holds infinite values")
    return returns_values, factor_values


def fit_factor_model(
    asset_returns: pd.DataFrame, factors: pd.DataFrame, *, minimum_observations: int = 36
) -> FactorModel:
    """Regress each asset's monthly returns, with an intercept, on the factors.

    Parameters
    ----------
    asset_returns, factors
        Monthly returns (columns = assets; NaN where an asset has no history)
        and factor values (columns = factors) on the same index.
    minimum_observations
        Fewest months (the asset and every factor known) to fit an asset;
        at least the number of coefficients (factors + 1) plus one.

    Raises
    ------
    UserError
        If the frames cover different months, hold infinite values, or the
        factors are collinear on an asset's sample.
    """
    factor_count = len(factors.columns)
    returns_values, factor_values = _checked_values(asset_returns, factors, minimum_observations)
    assets = [str(asset) for asset in asset_returns.columns]
    names = [str(factor) for factor in factors.columns]
    betas = pd.DataFrame(np.nan, index=assets, columns=names)
    fits = pd.DataFrame(np.nan, index=assets, columns=_FIT_COLUMNS)
    no_month = pd.Series(pd.NaT, index=assets, dtype=factors.index.dtype)  # its unit
    fits["first_month"] = fits["last_month"] = no_month
    residuals = pd.DataFrame(np.nan, index=asset_returns.index, columns=assets)
    inverse_gram: dict[str, np.ndarray] = {}
    groups: dict[bytes, list[int]] = {}
    samples = np.isfinite(factor_values).all(axis=1)[:, None] & np.isfinite(returns_values)
    for position in range(len(assets)):  # assets known on the same months share one fit
        groups.setdefault(samples[:, position].tobytes(), []).append(position)
    for positions in groups.values():
        mask = samples[:, positions[0]]
        count = int(mask.sum())
        group = [assets[position] for position in positions]
        fits.loc[group, "observations"] = count
        if count < minimum_observations:
            continue
        months = asset_returns.index[mask]
        design = np.column_stack([np.ones(count), factor_values[mask]])
        targets = returns_values[mask][:, positions]
        coefficients, _, rank, _ = np.linalg.lstsq(design, targets, rcond=None)
        if rank < factor_count + 1:
            span = _span(months)
            raise UserError(f"factors are collinear on {group[0]!r}'s months ({span}); drop one")
        errors = targets - design @ coefficients
        squares = (errors**2).sum(axis=0)
        totals = ((targets - targets.mean(axis=0)) ** 2).sum(axis=0)
        shared = np.linalg.inv(design.T @ design)
        betas.loc[group] = coefficients[1:].T
        fits.loc[group, "intercept"] = coefficients[0]
        fits.loc[group, "residual_variance"] = squares / (count - factor_count - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            fits.loc[group, "r_squared"] = np.where(totals > 0, 1.0 - squares / totals, np.nan)
        fits.loc[group, "first_month"], fits.loc[group, "last_month"] = months[0], months[-1]
        residuals.loc[mask, group] = errors
        inverse_gram.update(dict.fromkeys(group, shared))
    fits["observations"] = fits["observations"].astype(int)
    return FactorModel(
        factors=tuple(names),
        betas=betas,
        fits=fits,
        inverse_gram=inverse_gram,
        residuals=residuals,
        unfitted=tuple(asset for asset in assets if asset not in inverse_gram),
        minimum_observations=minimum_observations,
    )


def _bands(expected: Any, confidence_half: Any, prediction_half: Any) -> dict[str, Any]:
    return {
        "expected": expected,
        "low": expected - confidence_half,
        "high": expected + confidence_half,
        "prediction_low": expected - prediction_half,
        "prediction_high": expected + prediction_half,
    }


def _normal_quantile(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), not {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def _span(index: pd.Index) -> str:
    days = [str(pd.Timestamp(day).date()) for day in index[[0, -1]]] if len(index) else ["-"] * 2
    return f"{days[0]} to {days[1]} ({len(index)} rows)"
