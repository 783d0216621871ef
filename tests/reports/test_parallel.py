"""Tearsheets rendered in parallel processes."""

from pathlib import Path

import numpy as np
import pandas as pd

from macropatch.reports.parallel import TearsheetJob, render_tearsheets


def series(seed: int) -> pd.Series:
    index = pd.bdate_range("2021-01-01", periods=300)
    return pd.Series(np.random.default_rng(seed).normal(0.0004, 0.01, len(index)), index=index)


def test_every_job_is_written_and_reported(tmp_path: Path) -> None:
    benchmark = series(0)
    jobs = [
        TearsheetJob(
            returns=series(seed),
            benchmark=benchmark,
            path=tmp_path / f"s{seed}.html",
            title=f"s{seed}",
        )
        for seed in (1, 2, 3)
    ]
    done: list[Path] = []
    written = render_tearsheets(jobs, workers=2, on_done=done.append)
    assert written.paths == [job.path for job in jobs] and written.reused == []
    assert sorted(done) == sorted(job.path for job in jobs)
    for job in jobs:
        text = job.path.read_text()
        assert job.title in text
    assert sorted(path.name for path in tmp_path.iterdir()) == ["s1.html", "s2.html", "s3.html"]


def test_a_page_drawn_from_the_same_content_is_reused_and_another_is_drawn(
    tmp_path: Path,
) -> None:
    benchmark = series(0)
    first, second = tmp_path / "first", tmp_path / "second"

    def jobs(folder: Path, subtitle: str) -> list[TearsheetJob]:
        return [
            TearsheetJob(
                returns=series(seed).rename(f"s{seed}"),
                benchmark=benchmark.rename("b"),
                path=folder / f"s{seed}.html",
                title=f"s{seed}",
                subtitle=subtitle if seed == 2 else "",
                previous=first / f"s{seed}.html",
            )
            for seed in (1, 2)
        ]

    drawn = render_tearsheets(jobs(first, "p=1"), workers=1)
    assert drawn.reused == []  # nothing there before
    done: list[Path] = []
    again = render_tearsheets(jobs(second, "p=2"), workers=1, on_done=done.append)
    # s1 is unchanged and copied; s2's parameter line changed, so it is drawn again
    assert again.reused == [second / "s1.html"]
    assert sorted(done) == [second / "s1.html", second / "s2.html"]
    assert (second / "s1.html").read_bytes() == (first / "s1.html").read_bytes()
    assert "p=2" in (second / "s2.html").read_text()
    # a changed return moves the key as well
    changed = series(1).copy()
    changed.iloc[100] += 1e-9
    job = TearsheetJob(
        returns=changed.rename("s1"),
        benchmark=benchmark.rename("b"),
        path=tmp_path / "x.html",
        title="s1",
        previous=first / "s1.html",
    )
    assert job.key != jobs(first, "")[0].key
