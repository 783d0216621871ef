"""Content keys: equal for equal content whatever its storage, different for any change."""

from __future__ import annotations

import enum
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from macropatch.reports.reuse import content_key, digest, key_tag, read_key, reusable


def _frame() -> pd.DataFrame:
    index = pd.date_range("2024-01-01", periods=5, freq="D")
    return pd.DataFrame({"spy": np.linspace(0.5, 0.7, 5), "cash": 0.3}, index=index)


class Colour(enum.Enum):
    RED = "red"


def test_equal_content_gives_equal_keys_and_any_change_another() -> None:
    frame = _frame()
    same = frame.copy()
    same.index = same.index.as_unit("s")  # read back from a CSV: another unit, the same dates
    assert content_key("p", frame, {"a": 1}) == content_key("p", same, {"a": 1})
    changed = frame.copy()
    changed.iloc[2, 0] += 1e-12
    renamed = frame.rename(columns={"spy": "qqq"})
    moved = frame.set_axis(frame.index + pd.Timedelta(days=1))
    keys = {content_key("p", variant, {"a": 1}) for variant in (frame, changed, renamed, moved)}
    assert len(keys) == 4
    assert content_key("p", frame, {"a": 1}) != content_key("p", frame, {"a": 2})
    assert content_key("p", Colour.RED) != content_key("p", "RED")
    assert content_key("p", [1, 2]) != content_key("p", [2, 1])


def test_an_input_the_key_cannot_see_is_refused() -> None:
    with pytest.raises(TypeError, match="set"):
        digest({1, 2})
    with pytest.raises(TypeError, match="object"):
        content_key("p", object())


def test_a_page_is_reusable_only_with_its_own_key(tmp_path: Path) -> None:
    key = content_key("p", 1)
    page = tmp_path / "page.html"
    assert not reusable(page, key)  # no page
    page.write_text(f"<!DOCTYPE html><html><head>{key_tag(key)}<title>t</title></head></html>")
    assert read_key(page) == key and reusable(page, key)
    assert not reusable(page, content_key("p", 2))
    assert not reusable(None, key)
    page.write_text("<!DOCTYPE html><html><head><title>t</title></head></html>")
    assert read_key(page) is None and not reusable(page, key)
