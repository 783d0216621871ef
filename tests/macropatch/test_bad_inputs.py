"""Every bad input of the foundation: exit code 2, one clear line, nothing half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from macropatch.marketdata.errors import UserError
from tests.macropatch.cli_helpers import partial_pack, run_cli, tree_digest

SPY = "etf/spy_adjclose_daily.csv"


def spy_text(pack: Path, edit: Callable[[list[str]], list[str]]) -> str:
    lines = (pack / SPY).read_text().splitlines()
    return "\n".join(edit(lines)) + "\n"


def set_line(number: int, text: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        lines = list(lines)
        lines[number - 1] = text
        return lines

    return edit


def swap_lines(a: int, b: int) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        lines = list(lines)
        lines[a - 1], lines[b - 1] = lines[b - 1], lines[a - 1]
        return lines

    return edit


BAD_CSV = {
    "unparsable date": (
        set_line(3, "1993-02-31,24.5"),
        "etf/spy_adjclose_daily.csv: line 3: unparsable date '1993-02-31'",
    ),
    "non-numeric value": (
        set_line(4, "1993-02-03,abc"),
        "etf/spy_adjclose_daily.csv: line 4: non-numeric value 'abc'",
    ),
    "duplicate dates": (
        set_line(3, "1993-01-29,24.5"),
        "etf/spy_adjclose_daily.csv: line 3: duplicate date 1993-01-29",
    ),
    "unsorted dates": (
        swap_lines(3, 4),
        "etf/spy_adjclose_daily.csv: line 4: date 1993-02-01 is out of order",
    ),
}


@pytest.fixture
def store_file(isolated_environment: Path) -> Path:
    return isolated_environment / "store.duckdb"


def assert_clean_failure(outcome, message: str) -> None:
    assert outcome.code == 2, outcome.stderr
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("error: ")
    assert message in lines[0], lines[0]
    assert "Traceback" not in outcome.stderr


@pytest.mark.usefixtures("pack_path")
class TestRunBadInputs:
    @pytest.fixture(autouse=True)
    def _context(
        self, tmp_path: Path, capsys, monkeypatch, store_file: Path, pack_path: Path
    ) -> None:
        self.tmp = tmp_path
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        self.pack = pack_path
        self.store = store_file
        self.out = tmp_path / "out"

    def run(self, *args: str):
        before = (tree_digest(self.out), tree_digest(self.store.parent))
        outcome = run_cli(["run", "--out", str(self.out), *args], self.capsys, self.monkeypatch)
        assert (tree_digest(self.out), tree_digest(self.store.parent)) == before, (
            "a failed run changed files"
        )
        staging = [path.name for path in self.tmp.iterdir() if path.name.startswith(".out.")]
        assert staging == []
        return outcome

    def test_missing_pack_folder(self) -> None:
        assert_clean_failure(
            self.run("--pack", str(self.tmp / "nowhere")),
            f"pack folder {self.tmp / 'nowhere'} does not exist",
        )

    def test_pack_without_a_required_file(self) -> None:
        pack = partial_pack(self.pack, self.tmp / "pack", without=("etf/ief_adjclose_daily.csv",))
        outcome = self.run("--pack", str(pack))
        assert_clean_failure(outcome, "series 'ief' is not available")
        assert (
            "etf/ief_adjclose_daily.csv" in outcome.stderr
            and "macropatch data import" in outcome.stderr
        )

    @pytest.mark.parametrize("case", sorted(BAD_CSV))
    def test_bad_csv_in_pack(self, case: str) -> None:
        edit, message = BAD_CSV[case]
        pack = partial_pack(self.pack, self.tmp / "pack", replace={SPY: spy_text(self.pack, edit)})
        assert_clean_failure(self.run("--pack", str(pack)), message)

    def test_unknown_strategy(self) -> None:
        experiment = self.tmp / "e.toml"
        experiment.write_text(
            'name="e"\nbenchmark="x"\n[[strategies]]\nstrategy="sixty_fourty"\nlabel="x"\n'
        )
        assert_clean_failure(
            self.run("--pack", str(self.pack), "--experiment", str(experiment)),
            "unknown strategy 'sixty_fourty'",
        )

    def test_unknown_series_in_experiment(self) -> None:
        experiment = self.tmp / "e.toml"
        experiment.write_text(
            'name="e"\nbenchmark="b"\n[[strategies]]\nstrategy="spy_buy_and_hold"\nlabel="b"\nparameters={equity="spx"}\n'
        )
        assert_clean_failure(
            self.run("--pack", str(self.pack), "--experiment", str(experiment)),
            "unknown series 'spx'",
        )

    def test_unknown_key_in_experiment(self, repository: Path) -> None:
        experiment = self.tmp / "e.toml"
        experiment.write_text(
            (repository / "experiments/default.toml")
            .read_text()
            .replace("[costs]", "[costs]\ncommission = 1")
        )
        assert_clean_failure(
            self.run("--pack", str(self.pack), "--experiment", str(experiment)),
            "unknown key 'costs.commission'",
        )

    def test_start_after_end(self) -> None:
        assert_clean_failure(
            self.run("--pack", str(self.pack), "--start", "2010-01-04", "--end", "2005-01-03"),
            "start 2010-01-04 is after end 2005-01-03",
        )

    def test_period_with_no_data(self) -> None:
        assert_clean_failure(
            self.run("--pack", str(self.pack), "--start", "1970-01-02", "--end", "1975-12-31"),
            "no trading days of 'spy' between 1970-01-02 and 1975-12-31",
        )

    def test_output_folder_cannot_be_written(self) -> None:
        blocker = self.tmp / "a_file"
        blocker.write_text("not a folder")
        outcome = run_cli(
            ["run", "--pack", str(self.pack), "--out", str(blocker / "out"), "--end", "2001-01-31"],
            self.capsys,
            self.monkeypatch,
        )
        assert_clean_failure(outcome, f"output folder {blocker / 'out'} cannot be written")
        assert blocker.read_text() == "not a folder"

    def test_output_folder_holding_other_files_is_not_replaced(self) -> None:
        self.out.mkdir()
        (self.out / "thesis.docx").write_text("precious")
        outcome = self.run("--pack", str(self.pack), "--end", "2001-01-31")
        assert_clean_failure(outcome, "is not empty and is not a macropatch run")
        assert (self.out / "thesis.docx").read_text() == "precious"

    @pytest.mark.parametrize("command", ["run", "stress"])
    def test_a_users_folder_with_its_own_summary_json_is_not_replaced(self, command: str) -> None:
        """A file named summary.json is not a run: only one carrying macropatch's schema is."""
        self.out.mkdir()
        (self.out / "summary.json").write_text('{"run": {"mine": true}}\n')
        (self.out / "thesis.md").write_text("precious")
        (self.out / "data").mkdir()
        (self.out / "data" / "raw.csv").write_text("date,value\n2020-01-01,1\n")
        before = tree_digest(self.out)
        outcome = run_cli(
            [command, "--out", str(self.out), "--pack", str(self.pack)],
            self.capsys,
            self.monkeypatch,
        )
        assert_clean_failure(outcome, "is not empty and is not a macropatch run")
        assert tree_digest(self.out) == before

    def test_malformed_date_option(self) -> None:
        outcome = self.run("--pack", str(self.pack), "--start", "2001-13-01")
        assert outcome.code == 2 and "--start" in outcome.stderr


class TestDataBadInputs:
    def test_import_of_a_bad_csv_keeps_the_earlier_store(
        self, tmp_path: Path, capsys, monkeypatch, store_file: Path, pack_path: Path
    ) -> None:
        good = partial_pack(pack_path, tmp_path / "good")
        assert run_cli(["data", "import", str(good)], capsys, monkeypatch).code == 0
        before = tree_digest(store_file.parent)
        edit, message = BAD_CSV["non-numeric value"]
        bad = partial_pack(pack_path, tmp_path / "bad", replace={SPY: spy_text(pack_path, edit)})
        assert_clean_failure(run_cli(["data", "import", str(bad)], capsys, monkeypatch), message)
        assert tree_digest(store_file.parent) == before

    def test_import_of_a_missing_folder(
        self, tmp_path: Path, capsys, monkeypatch, store_file: Path
    ) -> None:
        assert_clean_failure(
            run_cli(["data", "import", str(tmp_path / "nope")], capsys, monkeypatch),
            "does not exist",
        )
        assert not store_file.exists()

    def test_import_of_a_folder_that_is_no_pack(
        self, tmp_path: Path, capsys, monkeypatch, store_file: Path
    ) -> None:
        assert_clean_failure(
            run_cli(["data", "import", str(tmp_path)], capsys, monkeypatch),
            "holds none of the catalog's files",
        )
        assert not store_file.exists()

    def test_pull_of_an_unknown_series(self, capsys, monkeypatch, store_file: Path) -> None:
        assert_clean_failure(
            run_cli(["data", "pull", "spx"], capsys, monkeypatch), "unknown series 'spx'"
        )
        assert not store_file.exists()

    def test_pull_of_a_pack_only_series(self, capsys, monkeypatch, store_file: Path) -> None:
        assert_clean_failure(
            run_cli(["data", "pull", "ff5_rmw"], capsys, monkeypatch),
            "series 'ff5_rmw' has no live source",
        )


class TestSignalBadInputs:
    @pytest.mark.parametrize(
        ("table", "message"),
        [
            (
                '[signals.vix_stress]\nthreshold = "thirty"\n',
                "signal 'vix_stress': 'threshold' must be a number",
            ),
            ("[signals.sahm_rule]\nthreshold = 50\n", "signal 'sahm_rule': threshold must be"),
            (
                "[signals.vix_cheap]\nwindow_days = 1.5\n",
                "signal 'vix_cheap': 'window_days' must be a whole number",
            ),
        ],
    )
    def test_bad_thresholds_in_experiment(
        self,
        tmp_path: Path,
        capsys,
        monkeypatch,
        repository: Path,
        pack_path: Path,
        table: str,
        message: str,
    ) -> None:
        experiment = tmp_path / "e.toml"
        experiment.write_text((repository / "experiments/default.toml").read_text() + "\n" + table)
        out = tmp_path / "out"
        outcome = run_cli(
            ["run", "--pack", str(pack_path), "--experiment", str(experiment), "--out", str(out)],
            capsys,
            monkeypatch,
        )
        assert_clean_failure(outcome, message)
        assert not out.exists()
        outcome = run_cli(
            ["signals", "--pack", str(pack_path), "--experiment", str(experiment)],
            capsys,
            monkeypatch,
        )
        assert_clean_failure(outcome, message)

    def test_malformed_user_series(
        self, tmp_path: Path, capsys, monkeypatch, store_file: Path
    ) -> None:
        path = tmp_path / "share.csv"
        path.write_text("date,value\n2024-01-01,0.41\n2024-04-01,forty\n")
        outcome = run_cli(
            ["data", "import-series", "unprofitable_small_caps", str(path)], capsys, monkeypatch
        )
        assert_clean_failure(outcome, f"{path}: line 3: non-numeric value 'forty'")
        assert not store_file.exists()

    def test_user_series_import_then_signal_has_data(
        self, tmp_path: Path, capsys, monkeypatch, pack_path: Path
    ) -> None:
        path = tmp_path / "share.csv"
        path.write_text("date,value\n2023-01-01,0.42\n2023-04-01,0.44\n2023-07-01,0.45\n")
        assert (
            run_cli(
                ["data", "import-series", "unprofitable_small_caps", str(path)], capsys, monkeypatch
            ).code
            == 0
        )
        outcome = run_cli(
            ["signals", "--pack", str(pack_path), "--asof", "2024-01-15"], capsys, monkeypatch
        )
        row = next(
            line for line in outcome.stdout.splitlines() if " unprofitable_small_caps " in line
        )
        # Q3 2023 (0.45) is knowable from 2023-09-30 + 45 days; on 2024-01-15 it still is (stale after 150)
        assert "fired" in row and "0.45" in row


def test_unknown_option_is_a_usage_error(capsys, monkeypatch) -> None:
    outcome = run_cli(["run", "--colour", "red"], capsys, monkeypatch)
    assert outcome.code == 2
    assert "--colour" in outcome.stderr and "Traceback" not in outcome.stderr


class TestSpecialFiles:
    """A FIFO or a device where a file is expected: refused at once, never read (it hung,
    or read /dev/zero until the memory ran out)."""

    def _run(self, args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "MACROPATCH_HOME": str(home), "MACROPATCH_OFFLINE": "1"}
        return subprocess.run(
            [sys.executable, "-m", "macropatch", *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    @pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
    def test_experiment_file(self, special: str, tmp_path: Path) -> None:
        path = tmp_path / "experiment.toml"
        if special == "fifo":
            os.mkfifo(path)
        done = self._run(["run", "--experiment", str(path if special == "fifo" else special),
                          "--out", str(tmp_path / "out")], tmp_path)  # fmt: skip
        kind = "a FIFO (named pipe)" if special == "fifo" else "a device"
        assert_clean_failure(done_outcome(done), f"is {kind}, not a regular file")

    @pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
    def test_user_series_file(self, special: str, tmp_path: Path) -> None:
        path = tmp_path / "series.csv"
        if special == "fifo":
            os.mkfifo(path)
        target = str(path) if special == "fifo" else special
        done = self._run(["data", "import-series", "unprofitable_small_caps", target], tmp_path)
        assert_clean_failure(done_outcome(done), "not a regular file")

    def test_a_fifo_named_toml_in_a_scenario_folder(self, tmp_path: Path, pack_path: Path) -> None:
        from tests.conftest import cheap_experiment

        scenarios = tmp_path / "scenarios"
        scenarios.mkdir()
        os.mkfifo(scenarios / "9_pipe.toml")
        experiment = cheap_experiment(tmp_path / "cheap.toml")
        done = self._run(
            ["stress", "--experiment", str(experiment), "--scenarios", str(scenarios),
             "--pack", str(pack_path), "--out", str(tmp_path / "out")],
            tmp_path,
        )  # fmt: skip
        assert_clean_failure(done_outcome(done), "9_pipe.toml is a FIFO (named pipe)")


def done_outcome(done: subprocess.CompletedProcess[str]):  # type: ignore[no-untyped-def]
    """A finished subprocess as the Outcome the assertions take."""
    from tests.macropatch.cli_helpers import Outcome

    return Outcome(code=done.returncode, stdout=done.stdout, stderr=done.stderr)


class TestMessages:
    def test_a_store_that_is_a_folder_is_named_not_read_as_empty(
        self, isolated_environment: Path, pack_path: Path, capsys, monkeypatch
    ) -> None:
        (isolated_environment / "store.duckdb").mkdir()
        for args in (["data", "status"], ["data", "import", str(pack_path)]):
            outcome = run_cli(args, capsys, monkeypatch)
            assert_clean_failure(outcome, "is a folder (or another non-file), not a DuckDB file")

    def test_data_check_of_series_missing_from_the_store_says_not(
        self, capsys, monkeypatch
    ) -> None:
        outcome = run_cli(["data", "check", "spy"], capsys, monkeypatch)
        assert_clean_failure(outcome, "nothing to check: those series are not in the store")

    def test_a_full_disk_is_said_in_those_words(
        self, isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """DuckDB's 'No space left on device' during a write (it was reported as 'cannot
        rollback - no transaction is active')."""
        import duckdb

        from macropatch.marketdata.catalog import load_catalog
        from macropatch.marketdata.series import Provenance, SeriesData
        from macropatch.marketdata.store import Store

        store = Store(isolated_environment / "store.duckdb")
        store.create()
        spec = load_catalog()["unprofitable_small_caps"]
        item = SeriesData(
            spec=spec,
            values=pd.Series([0.4], index=pd.DatetimeIndex(["2022-01-01"], name="date")),
            provenance=Provenance(source="user", location="x", fetched_at="", content_hash=""),
        )

        def full(*_args: object, **_kwargs: object) -> None:
            raise duckdb.IOException(
                'IO Error: Could not write file "store.duckdb.wal": No space left on device'
            )

        monkeypatch.setattr("macropatch.marketdata.store._write_one", full)
        with pytest.raises(UserError, match="disk holding .* is full: nothing was written"):
            store.write([item])
        assert store.read_all(load_catalog()) == {}
