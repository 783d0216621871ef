"""Fixtures of the shell's tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def restored_imports(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A test's plugin files leave ``sys.path`` as they found it and their modules forgotten
    (the modules imported from under the test's temporary folder).
    """
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    root = str(tmp_path.resolve())
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "") or "").startswith(root):
            del sys.modules[name]
