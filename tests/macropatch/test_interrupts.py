"""Ctrl-C and kill -9 at awkward moments, with real signals on real processes.

- Ctrl-C (SIGINT to the whole process group, as a terminal sends it) at any
  moment, start-up imports included: exit 130, one line on stderr saying what
  was kept, no traceback, and what the line says is true of the folder.
- kill -9 of the main process: its worker processes (tearsheet renderers, the
  sweep's fork server and workers) do not outlive it.
- A rebuild holds the store's write lock: an import started during it waits
  and then lands in the new store.
- A process killed between the two renames of a folder swap (where the system
  cannot exchange two folders at once) leaves the old version aside; the next
  use puts it back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.ingest import import_pack
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.store import Store
from macropatch.reports.output import FolderKind, check_output_folder
from tests.conftest import cheap_experiment
from tests.macropatch.cli_helpers import partial_pack, tree_digest

pytestmark = pytest.mark.pack

REPOSITORY = Path(__file__).resolve().parents[2]


def _environment(home: Path) -> dict[str, str]:
    return {**os.environ, "MACROPATCH_HOME": str(home), "MACROPATCH_OFFLINE": "1"}


def _start(arguments: list[str], home: Path, **options: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "macropatch", *arguments],
        env=_environment(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a command in a terminal
        **options,  # type: ignore[arg-type]
    )


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], limit: float) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert process.poll() is None, f"it finished first: {process.stderr.read()}"  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the moment never came"
        time.sleep(0.01)


def _interrupt(process: subprocess.Popen[str]) -> tuple[int, str]:
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _assert_one_line(stderr: str, code: int) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 130, stderr
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1 and lines[0].startswith("interrupted: "), stderr
    return lines[0]


@pytest.fixture
def earlier_run(tmp_path: Path, pack_path: Path) -> tuple[Path, Path, str]:
    """A finished run of the cheap experiment in ``out``; its digest."""
    experiment = cheap_experiment(tmp_path / "cheap.toml")
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "macropatch", "run", "--experiment", str(experiment),
         "--pack", str(pack_path), "--out", str(out)],
        env=_environment(tmp_path), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return experiment, out, tree_digest(out)


@pytest.mark.parametrize("moment", ["importing", "computing", "rendering"])
def test_ctrl_c_during_a_run_says_what_was_kept_and_it_is_true(
    moment: str, earlier_run: tuple[Path, Path, str], tmp_path: Path, pack_path: Path
) -> None:
    experiment, out, before = earlier_run
    process = _start(
        ["run", "--experiment", str(experiment), "--pack", str(pack_path), "--out", str(out)],
        tmp_path,
    )
    if moment == "importing":
        time.sleep(0.3)  # pandas, numba and vectorbt are still loading
    elif moment == "computing":
        time.sleep(4.0)
    else:
        _wait_for(lambda: any(tmp_path.glob(".out.staging-*/tearsheets")), process, 300)
    code, stderr = _interrupt(process)
    line = _assert_one_line(stderr, code)
    if "is as it was" in line or "nothing was written" in line:
        assert tree_digest(out) == before
    else:
        assert "was written in full" in line or "had been written in full" in line, line
        assert (out / "index.html").is_file() and (out / "summary.json").is_file()
    assert not list(tmp_path.glob(".out.*")), "a staging folder was left behind"
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):  # nothing of the process group survives
        os.killpg(process.pid, 0)


def test_ctrl_c_during_an_import_is_all_or_nothing_and_says_which(
    tmp_path: Path, pack_path: Path
) -> None:
    catalog = load_catalog()
    started = time.monotonic()
    timed = _start(["data", "import", str(pack_path)], tmp_path / "timed")
    assert timed.wait(timeout=300) == 0
    whole = time.monotonic() - started  # start-up, reading, writing
    for trial, share in enumerate((0.5, 0.75, 0.9, 0.97)):
        delay = whole * share
        home = tmp_path / f"home{trial}"
        process = _start(["data", "import", str(pack_path)], home)
        time.sleep(delay)
        code, stderr = _interrupt(process)
        if code == 0:
            continue  # it finished before the signal: nothing to check
        line = _assert_one_line(stderr, code)
        stored = (
            Store(home / "store.duckdb").read_all(catalog)
            if (home / "store.duckdb").exists()
            else {}
        )
        if "had been committed" in line:
            expected = [
                spec.id for spec in catalog.values() if spec.pack_file and Pack(pack_path).has(spec)
            ]
            assert sorted(stored) == sorted(expected), line
        else:
            assert "is as it was" in line or "nothing was written" in line, line
            assert stored == {}, line


def _worker_processes_after_kill(
    process: subprocess.Popen[str], ready: Callable[[], bool]
) -> set[int]:
    _wait_for(ready, process, 600)
    time.sleep(0.5)
    workers = _descendants(process.pid)
    assert workers, "no worker process was running"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    return {pid for pid in workers if _alive(pid)}


def test_tearsheet_workers_die_with_a_killed_run(tmp_path: Path, pack_path: Path) -> None:
    experiment = cheap_experiment(tmp_path / "cheap.toml")
    out = tmp_path / "out"
    process = _start(
        ["run", "--experiment", str(experiment), "--pack", str(pack_path), "--out", str(out)],
        tmp_path,
    )
    survivors = _worker_processes_after_kill(
        process, lambda: any(tmp_path.glob(".out.staging-*/tearsheets"))
    )
    assert not survivors, f"worker processes outlived their parent: {survivors}"


def test_sweep_workers_die_with_a_killed_sweep(tmp_path: Path, pack_path: Path) -> None:
    from tests.conftest import sweep_experiment

    experiment = sweep_experiment(tmp_path)
    out = tmp_path / "out"
    process = _start(
        ["sweep", "--experiment", str(experiment), "--pack", str(pack_path), "--out", str(out),
         "--executor", "local", "--workers", "2"],
        tmp_path,
    )  # fmt: skip
    survivors = _worker_processes_after_kill(
        process, lambda: (out / "batches" / "manifest.json").exists()
    )
    assert not survivors, f"worker processes outlived their parent: {survivors}"


def test_an_import_during_a_rebuild_waits_and_lands_in_the_new_store(
    tmp_path: Path, pack_path: Path
) -> None:
    home = tmp_path / "home"
    import_pack(Pack(pack_path), Store(home / "store.duckdb"))
    series = tmp_path / "share.csv"
    series.write_text("date,value\n2022-01-01,0.40\n2022-04-01,0.41\n", encoding="utf-8")
    rebuild = _start(["data", "rebuild", str(pack_path)], home)
    _wait_for(lambda: any(home.glob("store.duckdb.rebuilding-*")), rebuild, 120)
    imported = subprocess.run(
        [sys.executable, "-m", "macropatch", "data", "import-series", "unprofitable_small_caps",
         str(series)],
        env=_environment(home), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    rebuild.communicate(timeout=300)
    assert rebuild.returncode == 0
    assert imported.returncode == 0, imported.stderr
    assert any(
        rebuild_done.name.startswith("store.duckdb.previous-") for rebuild_done in home.iterdir()
    )
    stored = Store(home / "store.duckdb").read_all(load_catalog())
    assert "unprofitable_small_caps" in stored, "the import was lost in the rebuild"


KILL_BETWEEN_RENAMES = """
import os, sys
from pathlib import Path
from macropatch.reports import output

output._exchange = lambda first, second: False  # a system that cannot swap two folders
real_replace = os.replace
calls = []

def replace(source, target):
    calls.append(source)
    real_replace(source, target)
    if len(calls) == 1:
        os._exit(9)  # killed between the two renames

output.os.replace = replace
staging = Path(sys.argv[1])
output.swap_folders(staging, Path(sys.argv[2]))
"""


def test_a_kill_between_the_two_renames_of_a_swap_is_undone_on_the_next_use(
    tmp_path: Path,
) -> None:
    target = tmp_path / "latest"
    target.mkdir()
    (target / "summary.json").write_text('{"schema": "macropatch.run/1"}')
    before = tree_digest(target)
    staging = tmp_path / ".latest.staging-1-1"
    staging.mkdir()
    (staging / "summary.json").write_text('{"schema": "macropatch.run/1", "new": true}')
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILL_BETWEEN_RENAMES), str(staging), str(target)],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert killed.returncode == 9, killed.stderr
    assert not target.exists() and list(tmp_path.glob(".latest.previous-*"))
    check_output_folder(target, FolderKind.RUN)  # the next run, stress or report starts so
    assert tree_digest(target) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["latest"]


KILL_DURING_STORE_SWAP = """
import os, sys
from pathlib import Path
from macropatch.marketdata.store import Store

real_replace = os.replace

def replace(source, target):
    os._exit(9)  # killed just before the new file takes the store's name

os.replace = replace
Store(Path(sys.argv[1])).replace_with(Path(sys.argv[2]), damaged=False)
"""


def test_a_store_swap_killed_midway_leaves_a_whole_store_at_its_path(
    tmp_path: Path, pack_path: Path
) -> None:
    path = tmp_path / "store.duckdb"
    small = partial_pack(pack_path, tmp_path / "small", without=())
    import_pack(Pack(small), Store(path))
    fresh = tmp_path / "store.duckdb.rebuilding-424242"
    Store(fresh).create()
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILL_DURING_STORE_SWAP), str(path), str(fresh)],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert killed.returncode == 9, killed.stderr
    stored = Store(path).read_all(load_catalog())
    assert "spy" in stored  # the old store, whole, at its path
    Store(path).create()  # the next write clears what the killed rebuild left
    assert not fresh.exists()
