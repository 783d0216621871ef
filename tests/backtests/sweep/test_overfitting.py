"""Overfitting statistics against hand-worked formulas, a brute-force CSCV and invariants."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from macropatch.backtests.sweep.overfitting import (
    BacktestOverfitting,
    PerformanceMetric,
    deflated_sharpe_ratio,
    deflated_sharpe_ratio_from_moments,
    distinct_columns,
    expected_maximum_sharpe,
    probabilistic_sharpe_ratio,
    probabilistic_sharpe_ratio_from_moments,
    probability_of_backtest_overfitting,
    sharpe_ratios_per_period,
)

# ---------------------------------------------------------------- PSR and DSR, by hand


def test_psr_worked_by_hand() -> None:
    # SR = 0.1 per day, T = 1000, skewness g3 = -0.5, non-excess kurtosis g4 = 4:
    #   variance term = 1 - g3 * SR + (g4 - 1) / 4 * SR^2
    #                 = 1 + 0.05 + 0.75 * 0.01 = 1.0575;  sqrt = 1.0283482
    #   sqrt(T - 1) = sqrt(999) = 31.6069613
    #   z = 0.1 * 31.6069613 / 1.0283482 = 3.0735661;  Phi(3.0735661) = 0.9989424
    # Against SR* = 0.05: z = 0.05 * 31.6069613 / 1.0283482 = 1.5367830;  Phi = 0.9378268
    # sharpe, periods, skewness, kurtosis
    moments = (0.1, 1000, -0.5, 4.0)
    assert probabilistic_sharpe_ratio_from_moments(*moments) == pytest.approx(0.9989424, abs=1e-7)
    against = probabilistic_sharpe_ratio_from_moments(*moments, benchmark_sharpe=0.05)
    assert against == pytest.approx(0.9378268, abs=1e-7)


def test_psr_of_a_series_worked_by_hand() -> None:
    # r = [0.02, -0.01, 0.03, -0.02]: mean 0.005, deviations +-0.015 and +-0.025.
    #   sum of squares = 2 * 0.015^2 + 2 * 0.025^2 = 0.0017
    #   std (ddof=1) = sqrt(0.0017 / 3) = 0.0238048;  SR = 0.005 / 0.0238048 = 0.2100420
    #   m2 = 0.0017 / 4 = 0.000425;  m3 = 0 (symmetric deviations), so g3 = 0
    #   m4 = (2 * 0.015^4 + 2 * 0.025^4) / 4 = 2.20625e-7
    #   g4 = m4 / m2^2 = 2.20625e-7 / 1.80625e-7 = 1.2214533 (non-excess; excess would be -1.78)
    #   variance term = 1 + (1.2214533 - 1) / 4 * 0.2100420^2 = 1.0024425
    #   z = 0.2100420 * sqrt(3) / sqrt(1.0024425) = 0.3633600;  Phi(0.36336) = 0.6418320
    returns = pd.Series([0.02, -0.01, 0.03, -0.02])
    assert probabilistic_sharpe_ratio(returns) == pytest.approx(0.6418320, abs=1e-7)
    assert sharpe_ratios_per_period(returns) == pytest.approx([0.2100420], abs=1e-7)


def test_expected_maximum_sharpe_worked_by_hand() -> None:
    # V = 0.0025 (trial Sharpe ratios with a standard deviation of 0.05), N = 100:
    #   Phi^-1(1 - 1/100) = Phi^-1(0.99) = 2.3263479
    #   1 - 1/(100 e) = 0.9963212;  Phi^-1(0.9963212) = 2.6802104
    #   (1 - 0.5772157) * 2.3263479 + 0.5772157 * 2.6802104 = 2.5306029
    #   E[max SR] = sqrt(0.0025) * 2.5306029 = 0.1265301
    assert expected_maximum_sharpe(0.0025, 100) == pytest.approx(0.1265301, abs=1e-7)


def test_expected_maximum_sharpe_approximates_the_exact_expectation() -> None:
    # The exact expected maximum of 100 standard normals is 2.50759 (numerical integral of
    # x * 100 * phi(x) * Phi(x)^99); the paper's approximation gives 2.53060, 0.9% above.
    assert expected_maximum_sharpe(1.0, 100) == pytest.approx(2.50759, rel=0.02)


def test_dsr_worked_by_hand() -> None:
    # The PSR example above (SR = 0.1, T = 1000, g3 = -0.5, g4 = 4) selected among
    # N = 100 trials whose per-period Sharpe ratios have variance 0.0025:
    #   SR* = E[max SR] = 0.1265301 (previous test)
    #   z = (0.1 - 0.1265301) * 31.6069613 / 1.0283482 = -0.8154215;  Phi = 0.2074155
    value = deflated_sharpe_ratio_from_moments(
        sharpe=0.1, periods=1000, skewness=-0.5, kurtosis=4.0, trials_variance=0.0025, trials=100
    )
    assert value == pytest.approx(0.2074155, abs=1e-7)


def test_dsr_of_a_series_uses_the_trials_variance_with_ddof_1() -> None:
    rng = np.random.default_rng(7)
    returns = rng.standard_t(5, size=1500) * 0.01 + 0.0008
    trials = rng.normal(0.0, 0.03, size=40)
    deviations = returns - returns.mean()
    second = np.mean(deviations**2)
    expected = deflated_sharpe_ratio_from_moments(
        sharpe=returns.mean() / returns.std(ddof=1),
        periods=1500,
        skewness=np.mean(deviations**3) / second**1.5,
        kurtosis=np.mean(deviations**4) / second**2,
        trials_variance=np.sum((trials - trials.mean()) ** 2) / 39,
        trials=40,
    )
    assert deflated_sharpe_ratio(returns, trial_sharpes=trials) == pytest.approx(
        expected, abs=1e-12
    )


def test_dsr_without_dispersion_among_trials_is_the_psr() -> None:
    returns = np.random.default_rng(3).normal(0.0005, 0.01, size=500)
    same = deflated_sharpe_ratio(returns, trial_sharpes=[0.04, 0.04, 0.04])
    assert same == pytest.approx(probabilistic_sharpe_ratio(returns))


def test_psr_drops_missing_values_and_accepts_pandas() -> None:
    values = np.random.default_rng(5).normal(0.0004, 0.01, size=300)
    with_gap = pd.Series(np.concatenate(([np.nan], values)))
    assert probabilistic_sharpe_ratio(with_gap) == probabilistic_sharpe_ratio(values)
    assert probabilistic_sharpe_ratio(pd.DataFrame({"a": values})) == pytest.approx(
        probabilistic_sharpe_ratio(values)
    )


# (sharpe, skewness, kurtosis) with kurtosis >= 1 + skewness^2, as every distribution has
feasible_moments = st.tuples(st.floats(-0.5, 0.5), st.floats(-2.0, 2.0), st.floats(0.0, 20.0))
feasible_moments = feasible_moments.map(lambda m: (m[0], m[1], 1.0 + m[1] ** 2 + m[2]))


@given(feasible_moments, st.integers(2, 10_000))
def test_psr_is_one_half_at_the_benchmark(
    moments: tuple[float, float, float], periods: int
) -> None:
    sharpe, skewness, kurtosis = moments
    value = probabilistic_sharpe_ratio_from_moments(
        sharpe=sharpe,
        periods=periods,
        skewness=skewness,
        kurtosis=kurtosis,
        benchmark_sharpe=sharpe,
    )
    assert value == 0.5


@given(feasible_moments, st.integers(2, 5_000), st.integers(1, 5_000), st.floats(-0.5, 0.5))
def test_psr_is_monotone_in_the_sample_length(
    moments: tuple[float, float, float], periods: int, extra: int, benchmark: float
) -> None:
    sharpe, skewness, kurtosis = moments
    common = {"sharpe": sharpe, "skewness": skewness, "kurtosis": kurtosis}
    shorter = probabilistic_sharpe_ratio_from_moments(
        **common, periods=periods, benchmark_sharpe=benchmark
    )
    longer = probabilistic_sharpe_ratio_from_moments(
        **common, periods=periods + extra, benchmark_sharpe=benchmark
    )
    if sharpe > benchmark:
        assert longer >= shorter
    elif sharpe < benchmark:
        assert longer <= shorter
    assert 0.0 <= shorter <= 1.0


# ---------------------------------------------------------------- PBO


def _brute_force_logits(matrix: np.ndarray, blocks: int, metric: PerformanceMetric) -> np.ndarray:
    """CSCV straight from the paper, on raw rows: the reference for the vectorised one."""
    parts = np.array_split(np.arange(len(matrix)), blocks)
    logits = []
    for chosen in itertools.combinations(range(blocks), blocks // 2):
        inside = np.concatenate([parts[i] for i in chosen])
        outside = np.concatenate([parts[i] for i in range(blocks) if i not in chosen])
        if metric is PerformanceMetric.SHARPE:
            in_metric = matrix[inside].mean(0) / matrix[inside].std(0, ddof=1)
            out_metric = matrix[outside].mean(0) / matrix[outside].std(0, ddof=1)
        else:
            in_metric, out_metric = matrix[inside].mean(0), matrix[outside].mean(0)
        best = out_metric[np.argmax(in_metric)]
        rank = np.sum(out_metric < best) + (np.sum(out_metric == best) + 1) / 2
        relative = rank / (matrix.shape[1] + 1)
        logits.append(math.log(relative / (1 - relative)))
    return np.array(logits)


@pytest.mark.parametrize("metric", list(PerformanceMetric))
@pytest.mark.parametrize(("rows", "blocks"), [(40, 2), (103, 4), (97, 6), (250, 8)])
def test_pbo_matches_a_brute_force_cscv(metric: PerformanceMetric, rows: int, blocks: int) -> None:
    matrix = np.random.default_rng(rows).normal(0.0005, 0.01, size=(rows, 7))
    result = probability_of_backtest_overfitting(matrix, blocks=blocks, metric=metric)
    reference = _brute_force_logits(matrix, blocks, metric)
    np.testing.assert_allclose(result.logits, reference, rtol=0, atol=1e-12)
    assert result.probability == np.mean(reference <= 0)
    assert result.combinations == math.comb(blocks, blocks // 2)


def test_pbo_of_pure_noise_is_about_one_half() -> None:
    # Under iid noise the out-of-sample rank of the in-sample best is uniform on 1..N, so
    # with N = 50 the expected PBO is P(rank <= 25) = 0.5 exactly. One matrix is a poor
    # estimate: the 12,870 combinations reuse the same rows, and over 200 seeds the PBO of
    # one 1600 x 50 matrix had a standard deviation of 0.18 (range 0.07..0.95). The mean of
    # 20 independent matrices has a standard deviation of 0.18 / sqrt(20) = 0.04, so
    # 0.35..0.65 is +-3.7 standard deviations.
    estimates = [
        probability_of_backtest_overfitting(
            np.random.default_rng(seed).normal(0.0, 0.01, size=(1600, 50))
        ).probability
        for seed in range(20)
    ]
    assert 0.35 <= float(np.mean(estimates)) <= 0.65


def test_pbo_of_a_planted_edge_is_near_zero() -> None:
    # Variant 17 earns 0.1 standard deviation a day more than 49 noise variants. Each half
    # holds 3200 days, so a Sharpe ratio's standard error is 1 / sqrt(3200) = 0.018: the edge
    # stands 5.7 errors above 0, the best of 49 noise variants about 2.3 (0.04). Over 100
    # seeds the PBO averaged 0.001 and never exceeded 0.027.
    matrix = np.random.default_rng(11).normal(0.0, 0.01, size=(6400, 50))
    matrix[:, 17] += 0.001
    result = probability_of_backtest_overfitting(pd.DataFrame(matrix))
    assert result.probability < 0.05
    assert np.mean(result.selected_variants == 17) > 0.9
    assert result.probability_of_loss < 0.05
    assert np.all(result.selected_out_of_sample[result.selected_variants == 17] > 0)


def test_pbo_result_is_frozen() -> None:
    result = probability_of_backtest_overfitting(np.random.default_rng(2).normal(size=(64, 5)))
    assert isinstance(result, BacktestOverfitting)
    with pytest.raises(AttributeError):
        result.probability = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.logits[0] = 0.0
    assert result.metric is PerformanceMetric.SHARPE and result.blocks == 16
    assert math.isfinite(result.degradation_slope) and math.isfinite(result.degradation_intercept)


return_matrices = hnp.arrays(
    np.float64,
    st.tuples(st.integers(8, 40), st.integers(2, 6)),
    elements=st.integers(-1000, 1000).map(lambda value: value / 1024),  # exact in binary
)


@settings(max_examples=60, deadline=None)
@given(return_matrices, st.sampled_from([2, 4, 6, 8]), st.sampled_from(list(PerformanceMetric)))
def test_pbo_is_a_probability(matrix: np.ndarray, blocks: int, metric: PerformanceMetric) -> None:
    result = probability_of_backtest_overfitting(matrix, blocks=blocks, metric=metric)
    assert 0.0 <= result.probability <= 1.0
    assert result.logits.shape == (math.comb(blocks, blocks // 2),)
    assert np.all(np.isfinite(result.logits))
    assert result.probability == np.mean(result.logits <= 0)
    assert 0.0 <= result.probability_of_loss <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 12), st.integers(-5, 5))
def test_pbo_by_mean_ignores_a_constant_added_to_every_variant(
    seed: int, variants: int, constant: int
) -> None:
    # Every variant's mean moves by the same constant in every subset, so no rank moves.
    # Continuous returns: no two variants tie, so rounding cannot reorder them (with ties,
    # as in a matrix of repeated dyadic values, the rounding of the mean may break a tie
    # the other way).
    matrix = np.random.default_rng(seed).normal(0.0, 0.01, size=(120, variants))
    before = probability_of_backtest_overfitting(matrix, blocks=4, metric=PerformanceMetric.MEAN)
    after = probability_of_backtest_overfitting(
        matrix + constant, blocks=4, metric=PerformanceMetric.MEAN
    )
    np.testing.assert_array_equal(before.logits, after.logits)


@settings(max_examples=60, deadline=None)
@given(return_matrices, st.integers(-6, 6))
def test_pbo_by_sharpe_ignores_the_scale_of_the_returns(matrix: np.ndarray, power: int) -> None:
    # A Sharpe ratio is scale-free; a power of 2 scales every sum exactly, so ranks agree.
    before = probability_of_backtest_overfitting(matrix, blocks=4)
    after = probability_of_backtest_overfitting(matrix * 2.0**power, blocks=4)
    np.testing.assert_array_equal(before.logits, after.logits)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 12))
def test_pbo_ignores_the_order_of_the_variants(seed: int, variants: int) -> None:
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, 0.01, size=(120, variants))  # continuous: no ties
    order = rng.permutation(variants)
    before = probability_of_backtest_overfitting(matrix, blocks=6)
    after = probability_of_backtest_overfitting(matrix[:, order], blocks=6)
    np.testing.assert_allclose(before.logits, after.logits, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(order[after.selected_variants], before.selected_variants)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        (15, "even integer"),
        (0, "even integer"),
        (True, "must be an integer"),
        (4.0, "must be an integer"),
        (26, "combinations"),
        (16, "12 rows, fewer than the 16 blocks"),
    ],
)
def test_pbo_refuses_bad_blocks(blocks: int, message: str) -> None:
    matrix = np.random.default_rng(0).normal(size=(12, 3))
    with pytest.raises(ValueError, match=message):
        probability_of_backtest_overfitting(matrix, blocks=blocks)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.zeros((100, 1)), "at least 2 variants"),
        (pd.Series(np.zeros(100)), "at least 2 variants"),
        (np.zeros((10, 3, 2)), "2-dimensional"),
        (np.array([[0.1, np.nan]] * 20), "20 missing"),
        (np.array([[0.1, np.inf]] * 20), "infinite"),
    ],
)
def test_pbo_refuses_bad_matrices(matrix: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        probability_of_backtest_overfitting(matrix, blocks=4)


def test_pbo_needs_two_rows_per_half_for_a_sharpe_ratio() -> None:
    matrix = np.random.default_rng(0).normal(size=(3, 4))
    with pytest.raises(ValueError, match="per half"):
        probability_of_backtest_overfitting(matrix, blocks=2)
    by_mean = probability_of_backtest_overfitting(matrix, blocks=2, metric=PerformanceMetric.MEAN)
    assert by_mean.combinations == 2


def test_pbo_refuses_a_metric_that_is_not_the_enum() -> None:
    with pytest.raises(TypeError, match="PerformanceMetric"):
        probability_of_backtest_overfitting(np.zeros((20, 2)), metric="sharpe")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"periods": 1}, "periods"),
        ({"kurtosis": 0.5}, "non-excess"),
        ({"sharpe": math.nan}, "must be finite"),
        ({"sharpe": 1.0, "skewness": 3.0, "kurtosis": 1.0}, "not positive"),
    ],
)
def test_psr_refuses_impossible_moments(changes: dict[str, float], message: str) -> None:
    moments: dict = {"sharpe": 0.1, "periods": 100, "skewness": 0.0, "kurtosis": 3.0}
    with pytest.raises(ValueError, match=message):
        probabilistic_sharpe_ratio_from_moments(**(moments | changes))


@pytest.mark.parametrize(
    ("returns", "message"),
    [
        ([0.01], "at least 2"),
        ([0.01, 0.01, 0.01], "constant"),
        ([0.01, np.inf], "infinite"),
        (np.zeros((5, 2)), "one series"),
    ],
)
def test_psr_refuses_bad_returns(returns: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        probabilistic_sharpe_ratio(returns)


def test_expected_maximum_and_dsr_refuse_bad_trials() -> None:
    with pytest.raises(ValueError, match="trials must be at least 2"):
        expected_maximum_sharpe(0.01, 1)
    with pytest.raises(ValueError, match="trials_variance"):
        expected_maximum_sharpe(-0.01, 10)
    with pytest.raises(ValueError, match="at least 2 finite"):
        deflated_sharpe_ratio([0.01, -0.02, 0.03], trial_sharpes=[0.1])


def test_distinct_columns_keeps_the_first_of_each_group_of_identical_returns() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(0.0, 0.01, size=(50, 3))
    base[4, 1] = np.nan  # NaN compares equal to itself, bit for bit
    matrix = base[:, [0, 1, 0, 2, 1, 1]]
    assert distinct_columns(matrix).tolist() == [0, 1, 3]
    nudged = matrix.copy()
    nudged[10, 5] += 1e-15  # not identical: a trial of its own
    assert distinct_columns(nudged).tolist() == [0, 1, 3, 5]


def test_repeated_variants_do_not_change_pbo() -> None:
    """CSCV on a matrix with exact repeats gives what it gives on the distinct columns."""
    rng = np.random.default_rng(11)
    matrix = rng.normal(0.0003, 0.01, size=(400, 6))
    repeated = matrix[:, [0, 1, 1, 2, 3, 3, 3, 4, 5]]
    kept = repeated[:, distinct_columns(repeated)]
    np.testing.assert_array_equal(kept, matrix)
    assert (
        probability_of_backtest_overfitting(kept, blocks=8).probability
        == probability_of_backtest_overfitting(matrix, blocks=8).probability
    )
