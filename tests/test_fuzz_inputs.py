"""Fuzzing the input parsers: whatever the bytes, a parser returns a valid value or raises
``UserError`` with a one-line message, never anything else; and a failed
``data import-series`` leaves the store exactly as it was.

Inputs are random bytes and random edits of valid files (lines deleted,
duplicated or swapped, characters flipped, values replaced by NaN, infinities,
huge numbers, odd dates, quotes, NUL bytes...): the CSV reader of the pack and
of user series, the experiment loader (with the strategies, signals and sweep
variants it names), the scenario loader and ``--param`` assignments.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from macropatch.backtests.sweep.grid import parse_assignment
from macropatch.backtests.sweep.variants import plan_variants
from macropatch.cli import main
from macropatch.experiment import Experiment, load_experiment
from macropatch.marketdata.csvfile import (
    EARLIEST_DATE,
    LATEST_DATE,
    read_series_csv,
    read_user_series,
)
from macropatch.marketdata.errors import UserError
from macropatch.scenario_files import load_scenario
from macropatch.signals.registry import SIGNALS, build_signal
from macropatch.strategies.registry import STRATEGIES, build_strategy
from tests.macropatch.cli_helpers import tree_digest

# A warning from a parser (pandas dropping fields, guessing a date format) is a bug too.
pytestmark = pytest.mark.filterwarnings("error")

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_EXPERIMENT = (REPOSITORY / "experiments/default.toml").read_text(encoding="utf-8")
SCENARIO = (REPOSITORY / "macropatch/scenarios/1_bond_vigilantes.toml").read_text(encoding="utf-8")

SERIES_CSV = (
    "date,value,release_date\n"
    "2021-01-01,0.38,2021-02-15\n"
    "2021-04-01,0.39,2021-05-14\n"
    "2021-07-01,0.41,\n"
    "2021-10-01,,2021-11-15\n"
    "2022-01-01,0.40,2022-02-15\n"
    "2022-04-01,0.42,2022-05-16\n"
    "2022-07-01,0.43,2022-08-15\n"
    "2022-10-01,0.45,2022-11-14\n"
)

#: Examples per property; MACROPATCH_FUZZ_EXAMPLES=5000 makes a longer hunt.
EXAMPLES = int(os.environ.get("MACROPATCH_FUZZ_EXAMPLES", "250"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ----------------------------------------------------------------- edits of valid text

#: Cells and tokens that break parsers: non-finite and huge numbers, odd dates, quotes,
#: separators, control characters, other scripts and encodings' leftovers.
NASTY = [
    "", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999", "-1e999", "1e308",
    "9" * 400, "0x1F", "1_000", "1,5", '"1,5"', '"', '""', "'", "\\", "\x00", "\r", "\t",
    "\ufeff", "٣", "0000-01-01", "9999-12-31", "2021-02-30", "2021-13-01", "2021/01/01",
    "01/02/2021", "2021-01-01T00:00:00", "1e-320", "-0", "+1", "true", "null", "None",
    "#", "[", "]", "{", "}", "=", ",", ";", ":", "\n", "date", "value", "release_date",
    "é", "\u2028", "\x85", "[[", "]]", "'''", '"""',
]  # fmt: skip

#: TOML values a key may be given instead of its own.
TOML_VALUES = [
    "nan", "inf", "-inf", "+inf", "0", "-1", "1e308", "1e-320", "9223372036854775807",
    "-9223372036854775808", "99999999999999999999999", "true", "false", '""', '"x"',
    '"nan"', '"2000-02-30"', "2000-02-30", "2000-01-03", "0001-01-01", "9999-12-31",
    "2000-01-03T10:00:00", "10:00:00", "[]", "[1, 2]", '["a", 1]', "[[1]]", "{}",
    "{ start = 0, stop = 1, step = 0 }", "{ start = 0, stop = 1, step = 1e-320 }",
    "{ start = 1, stop = 0, step = 0.1 }", "{ to = 1 }", "{ change = nan }",
    "{ change = 1, to = 1 }", '"\\u0000"', '"a\\nb"', "'''x'''",
]  # fmt: skip

Edit = Callable[[list[str]], list[str]]


@st.composite
def edits(draw: st.DrawFn, tokens: list[str]) -> Edit:
    """One random edit of a list of lines."""
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "flip", "insert", "token", "cut"]))
    first = draw(st.integers(min_value=0, max_value=10_000))
    second = draw(st.integers(min_value=0, max_value=10_000))
    token = draw(st.sampled_from(tokens) | st.text(max_size=6))
    where = draw(st.floats(min_value=0.0, max_value=1.0))

    def edit(lines: list[str]) -> list[str]:
        lines = list(lines)
        if not lines:
            return [token]
        a, b = first % len(lines), second % len(lines)
        if kind == "delete":
            del lines[a]
        elif kind == "duplicate":
            lines.insert(a, lines[a])
        elif kind == "swap":
            lines[a], lines[b] = lines[b], lines[a]
        elif kind == "flip" and lines[a]:
            position = int(where * (len(lines[a]) - 1))
            lines[a] = lines[a][:position] + (token[:1] or "x") + lines[a][position + 1 :]
        elif kind == "insert":
            lines.insert(a, token)
        elif kind == "token":
            # replace the text after a separator ("," in a CSV, "=" in TOML) by the token
            for separator in (",", "="):
                if separator in lines[a]:
                    head, _, tail = lines[a].rpartition(separator)
                    lines[a] = head + separator + (" " if separator == "=" else "") + token
                    break
            else:
                lines[a] = token
        elif kind == "cut":
            lines = lines[: a + 1]
            lines[-1] = lines[-1][: int(where * len(lines[-1]))]
        return lines

    return edit


def edited(text: str, tokens: list[str], *, max_edits: int = 4) -> st.SearchStrategy[bytes]:
    """``text`` after a few random edits, encoded (mostly UTF-8)."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        lines = text.split("\n")
        for edit in draw(st.lists(edits(tokens), min_size=1, max_size=max_edits)):
            lines = edit(lines)
        result = "\n".join(lines)
        encoding = draw(st.sampled_from(["utf-8"] * 8 + ["utf-16", "latin-1", "utf-8-sig"]))
        return result.encode(encoding, errors="replace")

    return build()


def random_bytes() -> st.SearchStrategy[bytes]:
    return st.binary(max_size=600) | st.text(max_size=300).map(lambda text: text.encode())


def _one_line(error: UserError) -> None:
    message = str(error)
    event("refused")
    assert message and "\n" not in message and "\r" not in message, repr(message)


# ----------------------------------------------------------------- the CSV reader


def _check_series(series: pd.Series) -> None:
    index = pd.DatetimeIndex(series.index)
    assert len(series) > 0
    assert index.is_monotonic_increasing and index.is_unique
    assert np.isfinite(series.to_numpy(dtype=float)).all()
    assert index[0] >= pd.Timestamp(EARLIEST_DATE) and index[-1] <= pd.Timestamp(LATEST_DATE)


def _read_csv_both_ways(path: Path) -> None:
    for read in (
        lambda: read_series_csv(path, "value", label="fuzz.csv"),
        lambda: read_user_series(path, label="fuzz.csv"),
    ):
        try:
            result = read()
        except UserError as error:
            _one_line(error)
            assert str(error).startswith("fuzz.csv: "), str(error)
            continue
        if isinstance(result, tuple):
            values, released = result
            _check_series(values)
            event("read")
            if released is not None:
                assert released.index.equals(values.index)
                known = released.dropna()
                assert (known.to_numpy() >= known.index.to_numpy()).all()
        else:
            _check_series(result)
            event("read")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(content=random_bytes())
def test_csv_reader_on_random_bytes(scratch: Path, content: bytes) -> None:
    path = scratch / "random.csv"
    path.write_bytes(content)
    _read_csv_both_ways(path)


@FUZZ
@given(content=edited(SERIES_CSV, NASTY))
def test_csv_reader_on_edited_series(scratch: Path, content: bytes) -> None:
    path = scratch / "edited.csv"
    path.write_bytes(content)
    _read_csv_both_ways(path)


# ----------------------------------------------------------------- the experiment loader


def _use_experiment(experiment: Experiment) -> None:
    """What a run or a sweep does with the file before any data: build its strategies and,
    when it names one, plan the sweep's variants."""
    entries = {entry.label: entry for entry in experiment.strategies}
    for entry in entries.values():
        build_strategy(entry.strategy, entry.parameters)
    settings_ = experiment.sweep
    if settings_.grid is not None and settings_.strategy in entries and len(settings_.grid) <= 400:
        entry = entries[settings_.strategy]
        plan_variants(
            strategy=entry.strategy,
            parameters=entry.parameters,
            signals=experiment.signals,
            grid=settings_.grid,
        )


def _load_experiment(path: Path) -> None:
    try:
        experiment = load_experiment(path)
        _use_experiment(experiment)
    except UserError as error:
        _one_line(error)
        return
    event("loaded")
    assert experiment.strategies and experiment.benchmark in {
        entry.label for entry in experiment.strategies
    }
    assert experiment.end is None or experiment.start <= experiment.end
    assert experiment.costs.fees + experiment.costs.slippage > 0
    assert math.isfinite(experiment.costs.fees) and math.isfinite(experiment.costs.slippage)


@FUZZ
@given(content=random_bytes())
def test_experiment_loader_on_random_bytes(scratch: Path, content: bytes) -> None:
    path = scratch / "random.toml"
    path.write_bytes(content)
    _load_experiment(path)


@FUZZ
@given(content=edited(DEFAULT_EXPERIMENT, TOML_VALUES + NASTY, max_edits=2))
def test_experiment_loader_on_edited_default(scratch: Path, content: bytes) -> None:
    path = scratch / "edited.toml"
    path.write_bytes(content)
    _load_experiment(path)


# ----------------------------------------------------------------- scenarios, --param


def _load_scenario(path: Path) -> None:
    try:
        scenario = load_scenario(path)
    except UserError as error:
        _one_line(error)
        return
    event("loaded")
    assert scenario.name and scenario.shocks
    for shock in scenario.shocks:
        size = shock.change if shock.change is not None else shock.to
        assert size is not None and math.isfinite(size)


@FUZZ
@given(content=random_bytes() | edited(SCENARIO, TOML_VALUES + NASTY, max_edits=2))
def test_scenario_loader(scratch: Path, content: bytes) -> None:
    path = scratch / "scenario.toml"
    path.write_bytes(content)
    _load_scenario(path)


ASSIGNMENT_PARTS = [
    "signals.ten_year_above.threshold", "signals.vix_cheap.window_days", "strategy.growth_weight",
    "signals.x", "=", ":", ",", "0", "0.04", "1e-308", "1e308", "nan", "inf", "-1", "abc",
    "true", " ", "", "9" * 30, "٣",
]  # fmt: skip


@FUZZ
@given(
    text=st.lists(st.sampled_from(ASSIGNMENT_PARTS) | st.text(max_size=4), max_size=8).map("".join)
)
def test_param_assignment(text: str) -> None:
    try:
        path, values = parse_assignment(text)
    except UserError as error:
        _one_line(error)
        return
    assert values and str(path)
    for value in values:
        if isinstance(value, float):
            assert math.isfinite(value)


# ----------------------------------------------------------------- import-series: no partial write


def _cli(args: list[str]) -> tuple[int, str]:
    """The command line in-process: exit code and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["macropatch", *args])
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main()
                code: Any = 0
            except SystemExit as exited:
                code = exited.code
    return (code if isinstance(code, int) else 1), stderr.getvalue()


@pytest.fixture(scope="module")
def prepared_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MACROPATCH_HOME whose store already holds unprofitable_small_caps and central_bank_gold."""
    home = tmp_path_factory.mktemp("fuzz_home")
    series = tmp_path_factory.mktemp("fuzz_series")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MACROPATCH_HOME", str(home))
        patch.setenv("MACROPATCH_OFFLINE", "1")
        for series_id, text in (
            ("unprofitable_small_caps", SERIES_CSV),
            ("central_bank_gold", "date,value\n2022-01-01,290\n2022-04-01,180\n"),
        ):
            path = series / f"{series_id}.csv"
            path.write_text(text, encoding="utf-8")
            code, stderr = _cli(["data", "import-series", series_id, str(path)])
            assert code == 0, stderr
    return home


@settings(
    max_examples=max(EXAMPLES // 2, 1),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(content=edited(SERIES_CSV, NASTY, max_edits=3))
def test_failed_import_series_leaves_the_store_unchanged(
    prepared_store: Path, scratch: Path, content: bytes
) -> None:
    home = scratch / "home"
    if home.exists():
        shutil.rmtree(home)
    shutil.copytree(prepared_store, home)
    path = scratch / "user.csv"
    path.write_bytes(content)
    before = tree_digest(home)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MACROPATCH_HOME", str(home))
        patch.setenv("MACROPATCH_OFFLINE", "1")
        code, stderr = _cli(["data", "import-series", "unprofitable_small_caps", str(path)])
    event(f"exit code {code}")
    if code == 0:
        return
    assert code == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    assert tree_digest(home) == before, f"a failed import changed the store: {lines[0]}"


# ----------------------------------------------------------------- signal and strategy parameters


def _field_names(cls: type) -> list[str]:
    return [item.name for item in dataclasses.fields(cls) if item.init]


TOML_SCALARS = (
    st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0, 1, 2, 5, 21, 252, 0.0, 0.05, 0.5, 1.0, 1.5, -1.0, 1e-9, 1e300])
    | st.booleans()
    | st.text(max_size=12)
    | st.sampled_from(list(SIGNALS) + list(STRATEGIES) + ["spy", "gld", "put_overlay", "equal"])
    | st.dates()
)
TOML_ITEMS = (
    TOML_SCALARS
    | st.lists(TOML_SCALARS, max_size=9)
    | st.dictionaries(st.text(max_size=5), TOML_SCALARS, max_size=2)
)


@st.composite
def parameters_of(draw: st.DrawFn, registry: Mapping[str, type]) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(sorted(registry)))
    fields = _field_names(registry[name])
    keys = draw(st.lists(st.sampled_from(fields), max_size=3, unique=True))
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        keys.append(draw(st.text(max_size=8)))  # now and then a key the class lacks
    numbers = st.integers(min_value=-(2**70), max_value=2**70) | st.floats()
    return name, {key: draw(numbers | numbers | TOML_ITEMS) for key in keys}


@FUZZ
@given(chosen=parameters_of(SIGNALS) | parameters_of(STRATEGIES))
def test_signal_and_strategy_parameters(chosen: tuple[str, dict[str, Any]]) -> None:
    name, parameters = chosen
    build = build_signal if name in SIGNALS else build_strategy
    try:
        built = build(name, parameters)
    except UserError as error:
        _one_line(error)
        return
    event("built")
    for key, value in parameters.items():
        if isinstance(value, float):
            assert math.isfinite(getattr(built, key)), key
