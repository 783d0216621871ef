"""The report's own readings of its triggers, as parameter sets beside today's definitions.

Requires nothing. Produces :data:`REPORT_READINGS` (per registered signal, a
label and the parameters that turn today's definition into one of the
report's readings) and :func:`alternative_readings` (the experiment's signals
with each reading applied). The evidence (``evidence.json``, ``evidence.html``)
studies every reading next to the definition in force, so a default changes
only where the evidence and the report agree; the README says which did.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from macropatch.signals.base import Signal
from macropatch.signals.registry import build_signal

__all__ = ["REPORT_READINGS", "alternative_readings"]

REPORT_READINGS: Mapping[str, Mapping[str, Mapping[str, Any]]] = {
    "ten_year_above": {
        "crossing 5% from below": {"rule": "crossing"},
        "up 100 bp in a year": {"rule": "rising"},
    },
    "term_premium_rising": {
        "turns positive after a year below zero (ACM)": {"rule": "turns_positive"},
        "positive and rising (Kim-Wright, daily)": {"model": "kim_wright"},
        "turns positive after a year below zero (Kim-Wright)": {
            "model": "kim_wright",
            "rule": "turns_positive",
        },
    },
    "valuation_gap": {
        "on ten-year average earnings (CAPE)": {"earnings": "ten_year_average"},
        "on trailing earnings (the default before 2026-11)": {"earnings": "trailing"},
        "earnings yield below the 10-year yield": {
            "earnings": "trailing",
            "framing": "equity_risk_premium",
        },
        "excess CAPE yield below zero (real 10-year)": {
            "earnings": "ten_year_average",
            "framing": "equity_risk_premium",
            "bond": "real",
        },
    },
    "unprofitable_small_caps": {
        "all US listed firms (E/P counts), not the Russell 2000": {"universe": "all_listed"},
    },
    "refinancing_shock": {"CCC and lower, not all high yield": {"bonds": "ccc"}},
}
"""Per signal, the report's readings and the definitions they replaced: a label and the
parameters that differ (a reading equal to the configured signal is not repeated)."""


def _parameters(signal: Signal) -> dict[str, Any]:
    return {
        item.name: getattr(signal, item.name) for item in dataclasses.fields(signal) if item.init
    }


def alternative_readings(signals: Iterable[Signal]) -> list[tuple[str, Signal]]:
    """``(label, signal)`` of every report reading of ``signals`` (their configured parameters
    with the reading's applied); a reading equal to the signal as configured is left out.
    """
    found = []
    for signal in signals:
        for label, changes in REPORT_READINGS.get(signal.name, {}).items():
            current = _parameters(signal)
            reading = build_signal(signal.name, {**current, **changes})
            if reading.output_name() != signal.output_name():
                found.append((label, reading))
    return found
