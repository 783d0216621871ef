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
    assert written == [job.path for job in jobs]
    assert sorted(done) == sorted(job.path for job in jobs)
    for job in jobs:
        text = job.path.read_text()
        assert job.title in text
    assert sorted(path.name for path in tmp_path.iterdir()) == ["s1.html", "s2.html", "s3.html"]
