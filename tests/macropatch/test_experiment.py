import datetime as dt
from pathlib import Path

import pytest

from macropatch.experiment import load_experiment
from macropatch.marketdata.errors import UserError

VALID = """
name = "t"
benchmark = "spy_buy_and_hold"
[period]
start = "2001-01-02"
[costs]
fees_bps = 5
slippage_bps = 2
[[strategies]]
strategy = "spy_buy_and_hold"
[[strategies]]
strategy = "sixty_forty"
label = "sixty_forty_q"
parameters = { rebalance = "quarterly" }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "experiment.toml"
    path.write_text(text)
    return path


def test_default_experiment_is_valid(repository: Path) -> None:
    experiment = load_experiment(repository / "experiments" / "default.toml")
    assert experiment.start == dt.date(2000, 1, 3)
    assert experiment.execution_lag == 1
    assert experiment.costs.fees > 0


def test_every_variant_is_valid(repository: Path) -> None:
    for path in sorted((repository / "experiments" / "variants").glob("*.toml")):
        load_experiment(path)


def test_valid_experiment(tmp_path: Path) -> None:
    experiment = load_experiment(write(tmp_path, VALID))
    assert [entry.label for entry in experiment.strategies] == ["spy_buy_and_hold", "sixty_forty_q"]
    assert [entry.rebalance.value for entry in experiment.strategies] == ["monthly", "monthly"]
    assert experiment.costs.fees == pytest.approx(0.0005)
    assert len(experiment.config_hash) == 16


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda text: text.replace("[costs]", "[costs]\nfee_bps = 3"),
            "unknown key 'costs.fee_bps'",
        ),
        (lambda text: text + "\ncolour = 'red'\n", "unknown key"),
        (
            lambda text: text.replace(
                'start = "2001-01-02"', 'start = "2001-01-02"\nend = "2000-01-01"'
            ),
            "after end",
        ),
        (
            lambda text: text.replace('benchmark = "spy_buy_and_hold"', 'benchmark = "qqq"'),
            "benchmark 'qqq' is not one of",
        ),
        (
            lambda text: text.replace('label = "sixty_forty_q"', 'label = "spy_buy_and_hold"'),
            "labelled 'spy_buy_and_hold'",
        ),
        (
            lambda text: text.replace("fees_bps = 5", "fees_bps = 0").replace(
                "slippage_bps = 2", "slippage_bps = 0"
            ),
            "costs are always on",
        ),
        (lambda text: text.replace("fees_bps = 5", "fees_bps = -1"), "costs.fees_bps"),
        (lambda text: text.replace('name = "t"', ""), "missing key 'name'"),
        (lambda text: text.replace('start = "2001-01-02"', 'start = "yesterday"'), "period.start"),
        (lambda text: text + "\n[[strategies\n", "invalid TOML"),
        (
            lambda text: text.replace(
                'label = "sixty_forty_q"', 'label = "sixty_forty_q"\nrebalance = "hourly"'
            ),
            "strategies.1.rebalance",
        ),
        (
            lambda text: text.replace('label = "sixty_forty_q"', 'label = "../evil"'),
            "strategies.1.label",
        ),
    ],
)
def test_bad_experiments_name_the_culprit(tmp_path: Path, edit, message: str) -> None:
    with pytest.raises(UserError, match=message):
        load_experiment(write(tmp_path, edit(VALID)))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found"):
        load_experiment(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '[signals.ten_year_above]\nthreshold = "high"\n',
            "signal 'ten_year_above': 'threshold' must be a number",
        ),
        ("[signals.ten_year_above]\nthreshold = 5.0\n", "threshold must be a fraction"),
        ("[signals.ten_year_above]\nlevel = 0.05\n", "unknown parameter 'level'"),
        ("[signals.ten_year_bellow]\nthreshold = 0.05\n", "unknown signal 'ten_year_bellow'"),
    ],
)
def test_bad_signal_parameters_name_the_field(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        load_experiment(write(tmp_path, VALID + "\n" + table))


def test_signal_parameters_override_defaults(tmp_path: Path) -> None:
    experiment = load_experiment(
        write(tmp_path, VALID + "\n[signals.ten_year_above]\nthreshold = 0.045\n")
    )
    names = [signal.output_name() for signal in experiment.signals]
    assert "ten_year_above[threshold=0.045,rule=above,window_days=252,rise=0.01]" in names


def test_a_sweep_of_another_strategy_starts_from_an_empty_grid(repository) -> None:  # type: ignore[no-untyped-def]
    """`--strategy real_assets --param strategy.gold_weight=...` used to merge the file's
    grid for quality_over_growth in, and fail on its signals."""
    from macropatch.experiment import load_experiment
    from macropatch.marketdata.errors import UserError
    from macropatch.sweeps import sweep_grid

    experiment = load_experiment(repository / "experiments" / "default.toml")
    grid = sweep_grid(experiment, ["strategy.gold_weight=0.2,0.3"], "real_assets")
    assert [str(path) for path, _ in grid.axes] == ["strategy.gold_weight"]
    own = sweep_grid(experiment, [], "quality_over_growth")
    assert len(own) == 216
    with pytest.raises(UserError, match="is for 'quality_over_growth' and no --param"):
        sweep_grid(experiment, [], "real_assets")
