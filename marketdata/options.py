"""Option prices from Black-Scholes, and the put overlay built from them.

The put overlay is a synthetic asset: the price index of a position fully
invested in out-of-the-money index puts, rolled on a fixed schedule and
marked each day with Black-Scholes from the VIX. Like every synthetic asset
it is a price series built before the engine runs.

Conventions
-----------
Time to expiry
    Calendar days / 365.
Rate
    The 3-month T-bill is quoted on a discount basis ``d`` (a fraction). The
    price of the 91-day bill is ``P = 1 - d * 91 / 360``; the continuously
    compounded rate over its life is ``r = -ln(P) * 365 / 91``
    (:func:`continuously_compounded_rate`).
Volatility
    The VIX (index points) divided by 100, with a linear skew for the put's
    moneyness (:func:`implied_volatility_for_strike`).
Point in time
    The day-t mark uses the underlying's close of day t, the VIX and the rate
    as knowable on day t (each value visible from its availability date,
    carried forward, hidden once older than the series' ``stale_after_days``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Annotated, Protocol, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from macropatch.marketdata.bounds import Range
from macropatch.marketdata.parameters import check_parameters
from macropatch.marketdata.pointintime import knowable_on
from macropatch.marketdata.series import SeriesData

__all__ = [
    "DividendYield",
    "Moneyness",
    "Months",
    "PutShare",
    "Skew",
    "MINIMUM_VOLATILITY",
    "PutOverlay",
    "SeriesLoader",
    "black_scholes_call",
    "black_scholes_put",
    "continuously_compounded_rate",
    "month_end_rolls",
    "implied_volatility_for_strike",
]

Moneyness = Annotated[float, Range(0.0, 1.0, high_open=True)]
"""How far below spot a put is struck, as a fraction of spot."""
Months = Annotated[int, Range(1, 60, unit="months")]
"""A put's tenor or roll period."""
Skew = Annotated[float, Range(0.0, 20.0)]
"""The volatility added per unit of moneyness (see :func:`skewed_volatility`)."""
DividendYield = Annotated[float, Range(-1.0, 1.0, low_open=True, high_open=True, what="a fraction")]
"""The index's continuous dividend yield."""
PutShare = Annotated[float, Range(0.0, 1.0, low_open=True)]
"""The share of an overlay's value spent on puts at each roll."""


FloatArray = npt.NDArray[np.float64]

#: Floor of :func:`implied_volatility_for_strike` (1% a year): the linear skew
#: would turn negative for puts far in the money after a crash.
MINIMUM_VOLATILITY = 0.01

_BILL_DAYS = 91.0


class SeriesLoader(Protocol):
    """Anything that loads a catalog series (:class:`macropatch.marketdata.sources.DataSources`)."""

    def load(self, series_id: str) -> SeriesData:
        """The values of one catalog series."""


# ---------------------------------------------------------------- pure pricing


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _black_scholes_scalar(
    s: float, k: float, t: float, r: float, q: float, v: float, *, call: bool
) -> float:
    """:func:`_black_scholes` for one option, in plain floats (a numpy call costs ~60 us
    of overhead, and a hedge marks one put a day for decades).
    """
    sign = 1.0 if call else -1.0
    if t <= 0:
        return max(sign * (s - k), 0.0)
    spot_discounted, strike_discounted = s * math.exp(-q * t), k * math.exp(-r * t)
    if v <= 0:
        return max(sign * (spot_discounted - strike_discounted), 0.0)
    root = v * math.sqrt(t)
    d1 = (math.log(s / k) + (r - q + 0.5 * v * v) * t) / root
    d2 = d1 - root
    return sign * (
        spot_discounted * _normal_cdf(sign * d1) - strike_discounted * _normal_cdf(sign * d2)
    )


def _black_scholes(
    spot: npt.ArrayLike,
    strike: npt.ArrayLike,
    years: npt.ArrayLike,
    rate: npt.ArrayLike,
    dividend_yield: npt.ArrayLike,
    volatility: npt.ArrayLike,
    *,
    call: bool,
) -> FloatArray:
    inputs = (spot, strike, years, rate, dividend_yield, volatility)
    if all(isinstance(item, float | int) and not isinstance(item, bool) for item in inputs):
        scalars = [float(item) for item in inputs]  # type: ignore[arg-type]
        if all(math.isfinite(item) for item in scalars) and scalars[0] > 0 and scalars[1] > 0:
            return np.asarray(_black_scholes_scalar(*scalars, call=call), dtype=float)
    s, k, t, r, q, v = np.broadcast_arrays(
        *(
            np.asarray(item, dtype=float)
            for item in (spot, strike, years, rate, dividend_yield, volatility)
        )
    )
    from scipy.special import ndtr  # imported here: listing strategies need not load scipy

    live = (t > 0) & (v > 0)
    safe_t = np.where(live, t, 1.0)
    safe_v = np.where(live, v, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = safe_v * np.sqrt(safe_t)
        d1 = (np.log(s / k) + (r - q + 0.5 * safe_v**2) * safe_t) / root
        d2 = d1 - root
    spot_discounted = s * np.exp(-q * np.where(t > 0, t, 0.0))
    strike_discounted = k * np.exp(-r * np.where(t > 0, t, 0.0))
    sign = 1.0 if call else -1.0
    model = sign * (spot_discounted * ndtr(sign * d1) - strike_discounted * ndtr(sign * d2))
    # Zero volatility: the discounted forward payoff; expired: the intrinsic value.
    riskless = np.maximum(sign * (spot_discounted - strike_discounted), 0.0)
    intrinsic = np.maximum(sign * (s - k), 0.0)
    price = np.where(t <= 0, intrinsic, np.where(live, model, riskless))
    return np.asarray(price, dtype=float)


@overload
def black_scholes_put(
    spot: float,
    strike: float,
    years: float,
    rate: float,
    dividend_yield: float,
    volatility: float,
) -> float: ...
@overload
def black_scholes_put(
    spot: npt.ArrayLike,
    strike: npt.ArrayLike,
    years: npt.ArrayLike,
    rate: npt.ArrayLike,
    dividend_yield: npt.ArrayLike,
    volatility: npt.ArrayLike,
) -> FloatArray: ...
def black_scholes_put(
    spot: npt.ArrayLike,
    strike: npt.ArrayLike,
    years: npt.ArrayLike,
    rate: npt.ArrayLike,
    dividend_yield: npt.ArrayLike,
    volatility: npt.ArrayLike,
) -> float | FloatArray:
    """Black-Scholes(-Merton) price of a European put.

    Parameters
    ----------
    spot, strike
        Underlying price and strike (same units, positive).
    years
        Time to expiry in years; at ``years <= 0`` the intrinsic value
        ``max(strike - spot, 0)``.
    rate, dividend_yield
        Continuously compounded risk-free rate and dividend yield (fractions).
    volatility
        Annual volatility (fraction); at 0 the discounted forward payoff.

    Returns
    -------
    float or numpy.ndarray
        A float when every input is a scalar, else an array of the broadcast
        shape.
    """
    price = _black_scholes(spot, strike, years, rate, dividend_yield, volatility, call=False)
    return float(price) if price.ndim == 0 else price


@overload
def black_scholes_call(
    spot: float,
    strike: float,
    years: float,
    rate: float,
    dividend_yield: float,
    volatility: float,
) -> float: ...
@overload
def black_scholes_call(
    spot: npt.ArrayLike,
    strike: npt.ArrayLike,
    years: npt.ArrayLike,
    rate: npt.ArrayLike,
    dividend_yield: npt.ArrayLike,
    volatility: npt.ArrayLike,
) -> FloatArray: ...
def black_scholes_call(
    spot: npt.ArrayLike,
    strike: npt.ArrayLike,
    years: npt.ArrayLike,
    rate: npt.ArrayLike,
    dividend_yield: npt.ArrayLike,
    volatility: npt.ArrayLike,
) -> float | FloatArray:
    """Black-Scholes(-Merton) price of a European call; parameters as
    :func:`black_scholes_put` (intrinsic ``max(spot - strike, 0)`` at expiry).
    """
    price = _black_scholes(spot, strike, years, rate, dividend_yield, volatility, call=True)
    return float(price) if price.ndim == 0 else price


@overload
def implied_volatility_for_strike(vix_level: float, moneyness: float, skew: float) -> float: ...
@overload
def implied_volatility_for_strike(
    vix_level: npt.ArrayLike, moneyness: npt.ArrayLike, skew: float
) -> FloatArray: ...
def implied_volatility_for_strike(
    vix_level: npt.ArrayLike, moneyness: npt.ArrayLike, skew: float
) -> float | FloatArray:
    """Volatility of a put from the VIX, with a simple linear skew.

    ``sigma = vix / 100 * (1 + skew * moneyness)``, floored at
    :data:`MINIMUM_VOLATILITY`.

    Parameters
    ----------
    vix_level
        The VIX in index points (20 means 20% a year, the 30-day at-the-money
        implied volatility, roughly).
    moneyness
        How far out of the money the put is: ``1 - strike / spot`` (0.10 for a
        put struck 10% below spot; negative once the put is in the money).
    skew
        Relative volatility added per unit of moneyness. The default used by
        :class:`PutOverlay`, 1.0, gives a 10% out-of-the-money put 10% more
        volatility than at the money (VIX 20 -> 22%): a deliberately mild,
        round slope. Quoted 3-month S&P 500 puts 10% out of the money have
        often traded 20-40% above at-the-money volatility, so ``skew`` 2-4 is
        the range to test for dearer insurance; 0 prices every strike at the
        VIX. The skew is linear: no smile, no term structure (the VIX is a
        30-day volatility, used for every tenor), the same slope in calm and
        stressed markets. Puts in the money (negative moneyness) get less
        volatility, down to the floor.
    """
    level = np.asarray(vix_level, dtype=float) / 100.0
    sigma = np.maximum(
        level * (1.0 + skew * np.asarray(moneyness, dtype=float)), MINIMUM_VOLATILITY
    )
    sigma = np.where(np.isnan(level), np.nan, sigma)
    return float(sigma) if sigma.ndim == 0 else np.asarray(sigma, dtype=float)


@overload
def continuously_compounded_rate(discount_rate: float) -> float: ...
@overload
def continuously_compounded_rate(discount_rate: npt.ArrayLike) -> FloatArray: ...
def continuously_compounded_rate(discount_rate: npt.ArrayLike) -> float | FloatArray:
    """The continuously compounded rate of a 91-day T-bill quoted on a discount basis.

    ``-ln(1 - d * 91 / 360) * 365 / 91`` for a discount rate ``d`` (fraction):
    the bill's price is ``1 - d * 91 / 360`` and it pays 1 after 91 days.
    """
    discount = np.asarray(discount_rate, dtype=float)
    rate = -np.log1p(-discount * _BILL_DAYS / 360.0) * 365.0 / _BILL_DAYS
    return float(rate) if rate.ndim == 0 else np.asarray(rate, dtype=float)


# ---------------------------------------------------------------- the put overlay


def _known_on(data: SeriesData, calendar: pd.DatetimeIndex) -> FloatArray:
    """``data`` as knowable on each day of ``calendar`` (:func:`knowable_on`), as an array."""
    values, _observed = knowable_on(data, calendar)
    return values.to_numpy(dtype=float)


def month_end_rolls(calendar: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
    """True on the last day of each month in ``calendar``; the calendar's last
    day counts only when the next business day falls in another month.
    """
    month = np.asarray(calendar.year * 12 + calendar.month)
    ends = np.zeros(len(calendar), dtype=bool)
    ends[:-1] = month[1:] != month[:-1]
    if len(calendar):
        last = calendar[-1]
        ends[-1] = (last + pd.offsets.BDay(1)).month != last.month
    return ends


_Puts = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Strike, expiry and settled value of a put, per day."""


@dataclass(frozen=True, kw_only=True)
class PutOverlay:
    """A position fully invested in out-of-the-money index puts, rolled monthly.

    Parameters
    ----------
    moneyness
        How far below spot the puts are struck: strike = ``(1 - moneyness) * spot``
        at purchase (0 <= moneyness < 1).
    tenor_months
        Expiry of a new put, in calendar months after its purchase date.
    roll_months
        The puts are sold and new ones bought on the last trading day of every
        ``roll_months``-th month (1 <= roll_months <= tenor_months). With
        ``roll_months == tenor_months`` the puts are held to (about) expiry:
        when they expire out of the money the premium is lost, and the next
        roll buys new puts with ``put_share`` of what the index holds.
    skew
        Slope of the linear volatility skew (:func:`implied_volatility_for_strike`).
    dividend_yield
        Continuous dividend yield of the underlying (fraction a year).
    underlying, volatility, rate
        Catalog ids of the underlying price index, its implied volatility in
        index points (the VIX) and the 3-month T-bill on a discount basis.
    put_share
        Share of the index spent on puts at each roll (default 0.02); the
        rest is T-bill collateral accruing the knowable 3-month rate, like
        the CBOE's collateralised option indexes. A fully invested put
        position (``put_share = 1``) loses most of its value every quiet
        month and would fall below any price a backtest engine can trade
        (1e-148 over 2000-2026); the collateral keeps the index tradable
        while its put exposure stays ``put_share`` of its value at each roll.

    Notes
    -----
    Requires the three series from ``sources``. Produces (:meth:`build`) a
    price index on ``calendar`` starting at 1.0 on the first day all three are
    known, NaN before. Timing:

    - On that first day the index buys ``1 / price`` puts. It rolls on the
      last trading day (last day of the calendar) of months ``m0 + roll_months
      - 1``, ``m0 + 2 * roll_months - 1``... where ``m0`` is the first day's
      month: it sells the held puts at their mark and spends the proceeds on
      new puts struck at ``(1 - moneyness)`` times that day's close, expiring
      ``tenor_months`` calendar months later.
    - Each day the held puts are marked with :func:`black_scholes_put` at that
      day's close, the VIX and rate knowable that day (module docstring), the
      skew for the put's current moneyness ``1 - strike / spot``, and
      ``dividend_yield``. On the first day at or after expiry the put is worth
      exactly ``max(strike - spot, 0)``; that amount is then held, without
      interest, until the next roll.
    - A day on which an input is missing (no close, a stale VIX or rate)
      carries the last mark; a roll or a settlement due that day happens on
      the next day with all inputs.
    """

    moneyness: Moneyness = 0.10
    tenor_months: Months = 3
    roll_months: Months = 1
    skew: Skew = 1.0
    dividend_yield: DividendYield = 0.015
    underlying: str = "sp500"
    volatility: str = "vix"
    rate: str = "tbill_3m"
    put_share: PutShare = 0.02

    def __post_init__(self) -> None:
        """Check the parameters, the series ids, and that a put is not rolled after its expiry."""
        check_parameters(self)
        for name in ("underlying", "volatility", "rate"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"PutOverlay.{name} must be a series id, got {value!r}")
        if self.roll_months > self.tenor_months:
            raise ValueError(
                f"PutOverlay.roll_months ({self.roll_months}) must be <= tenor_months "
                f"({self.tenor_months})"
            )

    @property
    def asset_id(self) -> str:
        """The asset's name with its parameters, e.g.
        ``put_overlay[moneyness=0.1,tenor_months=3,roll_months=1]``; the other
        fields appear only when they differ from their defaults.
        """
        always = ("moneyness", "tenor_months", "roll_months")
        parts = [f"{name}={getattr(self, name)!r}" for name in always]
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name not in always and value != item.default:
                parts.append(
                    f"{item.name}={value}" if isinstance(value, str) else f"{item.name}={value!r}"
                )
        return f"put_overlay[{','.join(parts)}]"

    def build(self, sources: SeriesLoader, calendar: pd.DatetimeIndex) -> pd.Series:
        """The collateralised overlay's price index on ``calendar`` (1.0 on its first day).

        NaN before the first day all inputs are known and after the
        underlying's last close. See the class notes for timing.
        """
        calendar = pd.DatetimeIndex(calendar)
        table = self.positions(sources, calendar)
        mark = table["mark"].to_numpy(dtype=float)
        sold = table["sold"].to_numpy(dtype=float)
        rolled = table["rolled"].to_numpy(dtype=bool)
        rate = pd.Series(
            continuously_compounded_rate(_known_on(sources.load(self.rate), calendar)),
            index=calendar,
        ).ffill()
        elapsed = np.diff(calendar.to_numpy(dtype="datetime64[ns]")) / np.timedelta64(1, "D")
        growth = np.ones(len(calendar))
        growth[1:] = np.exp(rate.to_numpy()[:-1] * elapsed / 365.0)
        collateral = np.cumprod(np.where(np.isfinite(growth), growth, 1.0))
        index = np.full(len(calendar), np.nan)
        if rolled.any():
            # Between rolls the index holds one put (its mark relative to the price paid)
            # and T-bills; on a roll day the held put is sold at its value (zero when it
            # expired out of the money) and put_share of the new level buys the next one.
            anchor = first = int(np.argmax(rolled))
            level = 1.0
            for i in range(first, len(calendar)):
                roll = bool(rolled[i]) and i > first
                held = sold[i] if roll else mark[i]
                value = level * (
                    self.put_share * held / mark[anchor]
                    + (1.0 - self.put_share) * collateral[i] / collateral[anchor]
                )
                if roll:
                    level, anchor = value, i
                index[i] = value
        spot = sources.load(self.underlying).values.dropna()
        index[np.asarray(calendar > spot.index[-1])] = np.nan
        return pd.Series(index, index=calendar, name=self.asset_id)

    def positions(self, sources: SeriesLoader, calendar: pd.DatetimeIndex) -> pd.DataFrame:
        """The position held at each day's close.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``calendar``: ``strike``, ``expiry`` (of the put held
            after the day's trades), ``units`` (number of puts of a position
            that only holds puts: zero for good once a put expires worthless),
            ``mark`` (value of one put; carried on days with a missing input),
            ``sold`` (on roll days, the value of the put sold, 0 if it expired
            out of the money; NaN on other days) and ``rolled`` (puts bought
            that day). ``units * mark`` is the puts-only index.
        """
        calendar = pd.DatetimeIndex(calendar)
        n = len(calendar)
        spot = (
            sources.load(self.underlying)
            .values.reindex(calendar)
            .to_numpy(dtype=float, na_value=np.nan)
        )
        vix = _known_on(sources.load(self.volatility), calendar)
        rate = continuously_compounded_rate(_known_on(sources.load(self.rate), calendar))
        valid = np.isfinite(spot) & (spot > 0) & np.isfinite(vix) & (vix > 0) & np.isfinite(rate)

        held, outgoing_put, rolled = self._rolls(calendar, spot, valid)
        strike, expiry, settled = held
        mark = self._marks(spot, vix, rate, strike, expiry, settled, dates=calendar, valid=valid)
        outgoing = self._marks(spot, vix, rate, *outgoing_put, dates=calendar, valid=valid)
        if np.any(rolled & ~(mark > 0)):
            day = calendar[int(np.argmax(rolled & ~(mark > 0)))]
            raise ValueError(f"{self.asset_id}: a new put has no positive price on {day.date()}")
        ratio = np.ones(n)
        first_roll = int(np.argmax(rolled)) if rolled.any() else n
        later = rolled.copy()
        later[: first_roll + 1] = False
        ratio[later] = outgoing[later] / mark[later]
        units = np.full(n, np.nan)
        if first_roll < n:
            units[first_roll:] = np.cumprod(ratio[first_roll:]) / mark[first_roll]
        return pd.DataFrame(
            {
                "strike": strike,
                "expiry": pd.DatetimeIndex(expiry),
                "units": units,
                "mark": pd.Series(mark).ffill().to_numpy(),
                "sold": np.where(later, outgoing, np.nan),
                "rolled": rolled,
            },
            index=calendar,
        )

    def _rolls(
        self, calendar: pd.DatetimeIndex, spot: np.ndarray, valid: np.ndarray
    ) -> tuple[_Puts, _Puts, np.ndarray]:
        """The put held after each day's trades, the put sold on each roll day, and the roll days.

        Each put is ``(strike, expiry, settled)``: ``settled`` is its value
        once expired (NaN before). Rolls are due on the month ends of the
        roll calendar and happen on the first day with every input.
        """
        n = len(calendar)
        strike = np.full(n, np.nan)
        expiry = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        rolled = np.zeros(n, dtype=bool)
        settled = np.full(n, np.nan)  # value of the held put once it has expired
        outgoing_strike = np.full(n, np.nan)
        outgoing_expiry = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        outgoing_settled = np.full(n, np.nan)

        if valid.any():
            dates = calendar.to_numpy(dtype="datetime64[ns]")
            month = np.asarray(calendar.year * 12 + calendar.month)
            month_end = month_end_rolls(calendar)
            first = int(np.argmax(valid))
            tenor = pd.DateOffset(months=self.tenor_months)
            held_strike = math.nan
            held_expiry: np.datetime64 = np.datetime64("NaT", "ns")
            held_settled = math.nan
            pending = False
            for i in range(first, n):
                due = month_end[i] and (month[i] - month[first] + 1) % self.roll_months == 0
                pending = pending or i == first or (i > first and due)
                if valid[i] and i > first and dates[i] >= held_expiry and math.isnan(held_settled):
                    held_settled = max(held_strike - spot[i], 0.0)
                if valid[i] and pending:
                    if i > first:
                        outgoing_strike[i] = held_strike
                        outgoing_expiry[i] = held_expiry
                        outgoing_settled[i] = held_settled
                    held_strike = (1.0 - self.moneyness) * spot[i]
                    held_expiry = (calendar[i] + tenor).to_datetime64()
                    held_settled = math.nan
                    rolled[i] = True
                    pending = False
                strike[i] = held_strike
                expiry[i] = held_expiry
                settled[i] = held_settled

        held = (strike, expiry, settled)
        return held, (outgoing_strike, outgoing_expiry, outgoing_settled), rolled

    def _marks(
        self,
        spot: FloatArray,
        vix: FloatArray,
        rate: FloatArray,
        strike: FloatArray,
        expiry: npt.NDArray[np.datetime64],
        settled: FloatArray,
        *,
        dates: pd.DatetimeIndex,
        valid: npt.NDArray[np.bool_],
    ) -> FloatArray:
        """One put's value on each valid day holding one (NaN elsewhere)."""
        days = (expiry - dates.to_numpy(dtype="datetime64[ns]")) / np.timedelta64(1, "D")
        years = np.where(np.isnan(days), 0.0, days) / 365.0
        with np.errstate(invalid="ignore", divide="ignore"):
            sigma = implied_volatility_for_strike(vix, 1.0 - strike / spot, self.skew)
            model = black_scholes_put(spot, strike, years, rate, self.dividend_yield, sigma)
        value = np.where(np.isnan(settled), model, settled)
        return np.where(valid & np.isfinite(strike), value, np.nan)
