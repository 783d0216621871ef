"""The corpus of bad inputs: every case fails cleanly and leaves nothing behind.

Each ``tests/bad_inputs/<category>/<case>.toml`` describes one bad input: the
command line, the files to create first and the text that the error must
contain (see :data:`CASE_KEYS` and :data:`FILE_KEYS`). Each case asserts that
the command exits with code 2, that stderr is exactly one line starting
``error:`` which names the culprit, that no traceback is shown, and that
neither the store (prepared once per session with two user series) nor the
output folder (holding a fake earlier run) changed, nor anything new appeared
beside them.

Placeholders in arguments, paths, file contents and expected texts:
``{pack}`` (the offline pack, or a partial pack with the case's ``[[pack]]``
files rewritten), ``{tmp}`` (the case's folder), ``{out}`` (the output
folder), ``{repo}`` (the repository), ``{home}`` (MACROPATCH_HOME).

A case with ``xfail = "reason"`` documents a bug in a file this suite does
not own; it runs as ``xfail(strict=True)``, so fixing the bug makes it fail
until the marker goes.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from macropatch.cli import main
from macropatch.experiment import load_experiment
from tests.macropatch.cli_helpers import Outcome, partial_pack, run_cli, tree_digest

CORPUS = Path(__file__).parent
REPOSITORY = CORPUS.parents[1]
CATEGORIES = ("experiment", "pack_csv", "command_line", "user_series", "sweep", "scenarios")

#: Keys of a case file.
CASE_KEYS = {
    "description",  # what is wrong, in a sentence (required)
    "args",  # the command line after `macropatch` (required)
    "expect",  # text the one error line must contain (required)
    "xfail",  # reason: a known bug in a file this suite does not own
    "files",  # [[files]]: written under {tmp} before the command
    "pack",  # [[pack]]: pack files rewritten ({pack} becomes a partial pack)
    "pack_without",  # pack files left out of the partial pack
    "regression",  # the parser bug this case caught (fixed)
}

#: Keys of a ``[[files]]`` or ``[[pack]]`` entry. The content is ``text``, ``hex`` (raw
#: bytes) or ``copy`` (a file; for ``[[pack]]`` the default is the pack's own file),
#: then edited in this order: ``keep_lines``, ``set_lines``, ``swap_lines``,
#: ``delete_lines``, ``replace``, ``prepend``, ``append``; finally written in ``encoding``.
FILE_KEYS = {
    "path",
    "text",
    "hex",
    "copy",
    "keep_lines",  # keep the first N lines
    "set_lines",  # { "3" = "new text of line 3" }
    "swap_lines",  # [3, 4]
    "delete_lines",  # [3, 7]
    "replace",  # [["old", "new"], ...]
    "prepend",
    "append",
    "encoding",  # utf-8 by default
}

SESSION_SERIES = {
    "unprofitable_small_caps": "date,value\n2022-01-01,0.40\n2022-04-01,0.41\n2022-07-01,0.43\n",
    "central_bank_gold": "date,value,release_date\n2022-01-01,290,2022-02-10\n2022-04-01,180,\n",
}


@dataclass(frozen=True)
class Case:
    name: str
    spec: dict[str, Any]

    @property
    def category(self) -> str:
        return self.name.split("/")[0]


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CORPUS.glob("*/*.toml")):
        try:
            spec = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{path}: {error}") from None
        cases.append(Case(name=f"{path.parent.name}/{path.stem}", spec=spec))
    return cases


CASES = load_cases()


def _parameters() -> list[Any]:
    parameters = []
    for case in CASES:
        marks = []
        if "xfail" in case.spec:
            marks.append(pytest.mark.xfail(strict=True, reason=case.spec["xfail"]))
        if "{pack}" in json.dumps(case.spec) or "pack" in case.spec:
            marks.append(pytest.mark.pack)
        parameters.append(pytest.param(case, id=case.name, marks=marks))
    return parameters


def _run_in_process(args: list[str]) -> tuple[int, str]:
    """The command line in-process outside a test (a session fixture): exit code, stderr."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(sys, "argv", ["macropatch", *args])
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        with (
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
            pytest.raises(SystemExit) as exited,
        ):
            main()
    finally:
        monkeypatch.undo()
    code = exited.value.code if isinstance(exited.value.code, int) else 1
    return code, stderr.getvalue()


@pytest.fixture(scope="session")
def prepared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MACROPATCH_HOME whose store holds two user series, imported once per session."""
    home = tmp_path_factory.mktemp("prepared_home")
    sources = tmp_path_factory.mktemp("prepared_series")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("MACROPATCH_HOME", str(home))
        monkeypatch.setenv("MACROPATCH_OFFLINE", "1")
        for series, text in SESSION_SERIES.items():
            path = sources / f"{series}.csv"
            path.write_text(text, encoding="utf-8")
            code, stderr = _run_in_process(["data", "import-series", series, str(path)])
            assert code == 0, stderr
    assert any(home.iterdir()), "the store was not created"
    return home


def _fake_earlier_run(out: Path) -> None:
    """An output folder holding an earlier run (and an earlier sweep) and a user's note."""
    out.mkdir()
    (out / "summary.json").write_text(
        '{"schema": "macropatch.run/1", "run": "an earlier run"}\n', encoding="utf-8"
    )
    (out / "sweep.json").write_text(
        '{"schema": "macropatch.sweep/1", "sweep": "an earlier sweep"}\n', encoding="utf-8"
    )
    (out / "notes.txt").write_text("keep me\n", encoding="utf-8")


class _Placeholders:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def __call__(self, text: str) -> str:
        for key, value in self.values.items():
            text = text.replace("{" + key + "}", value)
        return text


def _lines(content: str) -> tuple[list[str], str]:
    ending = "\r\n" if "\r\n" in content else "\n"
    return content.split(ending), ending


def _content(entry: dict[str, Any], fill: _Placeholders, default: Path | None) -> bytes:
    unknown = set(entry) - FILE_KEYS
    assert not unknown, f"unknown keys {sorted(unknown)} in a file entry"
    if "hex" in entry:
        return bytes.fromhex(entry["hex"])
    if "text" in entry:
        content = fill(entry["text"])
    else:
        source = Path(fill(entry["copy"])) if "copy" in entry else default
        assert source is not None, f"{entry['path']}: give text, hex or copy"
        content = source.read_text(encoding="utf-8")
    lines, ending = _lines(content)
    if "keep_lines" in entry:
        lines = lines[: entry["keep_lines"]] + [""]
    for number, text in entry.get("set_lines", {}).items():
        lines[int(number) - 1] = fill(text)
    if "swap_lines" in entry:
        first, second = (number - 1 for number in entry["swap_lines"])
        lines[first], lines[second] = lines[second], lines[first]
    for number in sorted(entry.get("delete_lines", []), reverse=True):
        del lines[number - 1]
    content = ending.join(lines)
    for old, new in entry.get("replace", []):
        assert old in content, f"{entry['path']}: {old!r} is not in the file"
        content = content.replace(old, fill(new))
    content = fill(entry.get("prepend", "")) + content + fill(entry.get("append", ""))
    return content.encode(entry.get("encoding", "utf-8"))


def test_the_corpus_is_well_formed() -> None:
    assert len(CASES) >= 30
    assert {case.category for case in CASES} == set(CATEGORIES)
    for case in CASES:
        unknown = set(case.spec) - CASE_KEYS
        assert not unknown, f"{case.name}: unknown keys {sorted(unknown)}"
        for key in ("description", "args", "expect"):
            assert case.spec.get(key), f"{case.name}: no {key}"
        assert all(isinstance(arg, str) for arg in case.spec["args"]), case.name
        for entry in case.spec.get("files", []) + case.spec.get("pack", []):
            assert "path" in entry, f"{case.name}: a file without a path"
            unknown = set(entry) - FILE_KEYS
            assert not unknown, f"{case.name}: {entry['path']}: unknown keys {sorted(unknown)}"
            contents = {"text", "hex", "copy"} & set(entry)
            assert len(contents) <= 1, f"{case.name}: {entry['path']}: {sorted(contents)}"


@pytest.mark.parametrize("case", _parameters())
def test_bad_input_fails_cleanly(
    case: Case,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    isolated_environment: Path,
    prepared_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = case.spec
    home = isolated_environment
    shutil.copytree(prepared_home, home, dirs_exist_ok=True)
    out = tmp_path / "out"
    _fake_earlier_run(out)
    values = {"tmp": str(tmp_path), "out": str(out), "repo": str(REPOSITORY), "home": str(home)}
    if "{pack}" in json.dumps(spec) or "pack" in spec:
        pack = request.getfixturevalue("pack_path")
        if "pack" in spec or "pack_without" in spec:
            replace = {
                entry["path"]: _content(entry, _Placeholders(values), pack / entry["path"])
                for entry in spec.get("pack", [])
            }
            pack = _bytes_pack(pack, tmp_path / "pack", replace, spec.get("pack_without", []))
        values["pack"] = str(pack)
    fill = _Placeholders(values)
    for entry in spec.get("files", []):
        target = tmp_path / fill(entry["path"])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_content(entry, fill, None))

    monkeypatch.chdir(tmp_path)  # relative defaults (runs/latest...) land here, if anywhere
    entries_before = sorted(path.name for path in tmp_path.iterdir())
    before = (tree_digest(home), tree_digest(out), _listing(home), _listing(out))
    outcome = run_cli([fill(arg) for arg in spec["args"]], capsys, monkeypatch)
    after = (tree_digest(home), tree_digest(out), _listing(home), _listing(out))

    _assert_clean_failure(outcome, fill(spec["expect"]))
    assert after[0] == before[0], f"the failed command changed the store: {after[2]}"
    assert after[1] == before[1], f"the failed command changed the output folder: {after[3]}"
    assert sorted(path.name for path in tmp_path.iterdir()) == entries_before, (
        "the failed command left files beside the output folder"
    )


def _listing(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def _bytes_pack(source: Path, target: Path, replace: dict[str, bytes], without: list[str]) -> Path:
    """:func:`partial_pack` with files rewritten as bytes (binary junk, other encodings)."""
    partial_pack(source, target, without=tuple(without) + tuple(replace))
    for relative, content in replace.items():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)
    return target


def _assert_clean_failure(outcome: Outcome, expected: str) -> None:
    assert "Traceback" not in outcome.stderr + outcome.stdout, outcome.stderr
    assert outcome.code == 2, f"exit code {outcome.code}: {outcome.stderr}"
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, f"stderr is not one line: {outcome.stderr!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert expected in lines[0], f"{expected!r} is not in {lines[0]!r}"


# Regressions of parser fixes whose input is valid (a bad-input case cannot show them).


def test_an_integer_range_in_sweep_parameters_stays_integer(tmp_path: Path) -> None:
    """``window_days = { start = 21, stop = 63, step = 21 }`` gave 21.0, 42.0, 63.0, which
    the signal then refused ("must be a whole number")."""
    text = (REPOSITORY / "experiments/default.toml").read_text(encoding="utf-8")
    text = text.replace(
        '"signals.term_premium_rising.window_days" = [21, 63, 126, 252]',
        '"signals.term_premium_rising.window_days" = { start = 21, stop = 63, step = 21 }',
    )
    path = tmp_path / "experiment.toml"
    path.write_text(text, encoding="utf-8")
    grid = load_experiment(path).sweep.grid
    assert grid is not None
    values = dict((str(key), value) for key, value in grid.axes)
    window = values["signals.term_premium_rising.window_days"]
    assert window == (21, 42, 63) and all(type(value) is int for value in window)


def test_an_experiment_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    """Editors on Windows write a UTF-8 byte-order mark; tomllib refused it."""
    path = tmp_path / "experiment.toml"
    text = (REPOSITORY / "experiments/default.toml").read_text(encoding="utf-8")
    path.write_text("\ufeff" + text, encoding="utf-8")
    assert load_experiment(path).name == "default"
