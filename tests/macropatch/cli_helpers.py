"""Run the command line in-process and look at what it left behind."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from macropatch.cli import main


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def run_cli(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Outcome:
    monkeypatch.setattr(sys, "argv", ["macropatch", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    code = exited.value.code if isinstance(exited.value.code, int) else 1
    return Outcome(code=code, stdout=captured.out, stderr=captured.err)


def run_macropatch(
    arguments: list[str], folder: Path, home: Path
) -> subprocess.CompletedProcess[str]:
    """``python -m macropatch ARGUMENTS`` in ``folder`` as a fresh process, offline, with its
    own ``MACROPATCH_HOME``.
    """
    return subprocess.run(
        [sys.executable, "-m", "macropatch", *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "MACROPATCH_HOME": str(home), "MACROPATCH_OFFLINE": "1"},
        check=False,
        timeout=900,
    )


def tree_digest(folder: Path) -> str:
    """A digest of every file under ``folder`` (names and bytes); '' if absent."""
    if not folder.exists():
        return ""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def partial_pack(
    source: Path,
    target: Path,
    *,
    without: tuple[str, ...] = (),
    replace: dict[str, str] | None = None,
) -> Path:
    """A pack folder linking to ``source``'s files, minus ``without``, with some files rewritten."""
    replace = replace or {}
    for path in source.rglob("*.csv"):
        relative = str(path.relative_to(source))
        if relative in without:
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if relative in replace:
            destination.write_text(replace[relative], encoding="utf-8")
        else:
            destination.symlink_to(path)
    return target


def copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
