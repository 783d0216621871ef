"""A second identical run draws no tearsheet; a changed strategy's tearsheet is drawn again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import cheap_experiment
from tests.macropatch.cli_helpers import run_macropatch

pytestmark = pytest.mark.pack


def _stamps(out: Path) -> dict[str, tuple[int, bytes]]:
    """Each tearsheet's modification time (nanoseconds) and bytes."""
    return {
        path.name: (path.stat().st_mtime_ns, path.read_bytes())
        for path in sorted((out / "tearsheets").glob("*.html"))
    }


def _pages(out: Path) -> dict[str, int]:
    """The modification time of each page of the run folder."""
    return {path.name: path.stat().st_mtime_ns for path in sorted(out.glob("*.html"))}


def test_the_tearsheet_cache_is_hit_when_nothing_changed_and_missed_when_parameters_do(
    tmp_path: Path, pack_path: Path
) -> None:
    experiment = cheap_experiment(tmp_path / "cheap.toml")
    out = tmp_path / "out"
    command = ["run", "--experiment", str(experiment), "--pack", str(pack_path), "--out", str(out)]
    first = run_macropatch(command, tmp_path, tmp_path / "home")
    assert first.returncode == 0, first.stderr
    drawn = _stamps(out)
    pages = _pages(out)
    assert sorted(pages) == ["evidence.html", "index.html", "signals.html", "stress.html"]
    assert sorted(drawn) == ["sixty_forty.html", "spy_buy_and_hold.html"]
    assert all(b'<meta name="macropatch-key"' in page[:4096] for _, page in drawn.values())

    second = run_macropatch(command, tmp_path, tmp_path / "home")
    assert second.returncode == 0, second.stderr
    assert _stamps(out) == drawn  # copied from the run it replaced, not drawn again
    assert _pages(out) == pages  # and so is every other page

    # a strategy's parameters change: its page is drawn again, the other one is reused
    cheap_experiment(experiment)
    text = experiment.read_text().replace(
        'strategy = "sixty_forty"\n',
        'strategy = "sixty_forty"\nparameters = { equity_weight = 0.5 }\n',
    )
    experiment.write_text(text)
    third = run_macropatch(command, tmp_path, tmp_path / "home")
    assert third.returncode == 0, third.stderr
    after = _stamps(out)
    assert after["spy_buy_and_hold.html"] == drawn["spy_buy_and_hold.html"]
    assert after["sixty_forty.html"][0] != drawn["sixty_forty.html"][0]
    assert b"equity_weight=0.5" in after["sixty_forty.html"][1]
    assert _pages(out)["index.html"] != pages["index.html"]  # its metrics changed

    # drawing the pages again from the run's files reuses every tearsheet
    report = run_macropatch(["report", str(out)], tmp_path, tmp_path / "home")
    assert report.returncode == 0, report.stderr
    assert _stamps(out) == after
