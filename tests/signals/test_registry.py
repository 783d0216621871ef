"""Every signal is registered, listed by the CLI, and built from experiment parameters."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from macropatch import signals
from macropatch.marketdata.catalog import load_catalog
from macropatch.marketdata.errors import UserError
from macropatch.signals.base import Family, Signal
from macropatch.signals.registry import SIGNALS, build_signal, default_signals
from tests.macropatch.cli_helpers import run_cli


def all_signal_classes() -> set[type[Signal]]:
    for module in pkgutil.iter_modules(signals.__path__):
        importlib.import_module(f"macropatch.signals.{module.name}")
    found: set[type[Signal]] = set()
    pending = list(Signal.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("macropatch.signals."):
            found.add(cls)
    return found


def test_every_signal_subclass_is_registered() -> None:
    assert all_signal_classes() == set(SIGNALS.values())


def test_every_family_of_the_report_has_signals() -> None:
    assert {cls.family for cls in SIGNALS.values()} == set(Family)


def test_defaults_build_and_names_are_unique() -> None:
    built = default_signals()
    names = [signal.output_name() for signal in built]
    assert len(names) == len(set(names)) == len(SIGNALS)


def test_unknown_signal() -> None:
    with pytest.raises(UserError, match="unknown signal 'vix_calm'"):
        build_signal("vix_calm", {})


def test_cli_lists_every_trigger_with_optional_ones_as_no_data(
    pack_path: Path, capsys, monkeypatch
) -> None:
    outcome = run_cli(
        ["signals", "--pack", str(pack_path), "--asof", "2020-03-20"], capsys, monkeypatch
    )
    assert outcome.code == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    optional_series = {spec.id for spec in load_catalog().values() if spec.user_supplied}
    for name in SIGNALS:
        row = next((line for line in lines if f" {name} " in line), None)
        assert row is not None, name
        if set(build_signal(name, {}).inputs) & optional_series:
            assert "no data" in row, row
    vix = next(line for line in lines if " vix_stress " in line)
    assert "fired" in vix  # VIX closed above 80 in March 2020
    sahm = next(line for line in lines if " sahm_rule " in line)
    assert "quiet" in sahm  # February's data: the rule fired only with April's
    composite = next(line for line in lines if " system_stress " in line)
    assert "of 8 known" in composite  # how many components the state rests on


def test_cli_signals_bad_date(capsys, monkeypatch, pack_path: Path) -> None:
    outcome = run_cli(
        ["signals", "--pack", str(pack_path), "--asof", "1990-01-01"], capsys, monkeypatch
    )
    assert outcome.code == 2 and "before the experiment's start" in outcome.stderr


def test_on_the_report_date_every_trigger_with_fresh_data_is_known(
    pack_path: Path, capsys, monkeypatch
) -> None:
    """2026-01-22, the report's date: known unless the pack's data end earlier, and then
    the command says which input ends when (or which series was never imported)."""
    outcome = run_cli(
        ["signals", "--pack", str(pack_path), "--asof", "2026-01-22"], capsys, monkeypatch
    )
    assert outcome.code == 0, outcome.stderr
    reasons = {
        line.split(":")[1].strip(): line
        for line in outcome.stdout.splitlines()
        if line.startswith("not known: ")
    }
    assert set(reasons) == {
        "fiscal_stress",  # federal interest outlays end 2025Q1 in the pack
        "refinancing_shock",  # the ICE effective yields end 2025-04-08
        "unprofitable_small_caps",  # the Russell 2000 share is a user series
        "central_bank_gold_buying",
        "ai_revenue_gap",
    }
    assert "federal_interest is dated 2025-01-01" in reasons["fiscal_stress"]
    assert "import-series unprofitable_small_caps" in reasons["unprofitable_small_caps"]
    for name in ("term_premium_rising", "valuation_gap", "hyperscaler_capex_boom"):
        row = next(line for line in outcome.stdout.splitlines() if f" {name} " in line)
        assert "fired" in row or "quiet" in row, row
