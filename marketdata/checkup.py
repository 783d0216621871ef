"""Checking the data a user holds: the store's series and the pack's, against the quality rules.

Requires the catalog, the store, optionally a pack, the series asked for
(none: every one) and the day staleness is judged against. Produces a
:class:`Checkup`: every finding with where the series was found, and how
many series were checked. ``macropatch data check`` prints it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from macropatch.marketdata.catalog import Catalog
from macropatch.marketdata.errors import UserError
from macropatch.marketdata.pack import Pack
from macropatch.marketdata.quality import Finding, Severity, check_series
from macropatch.marketdata.series import SeriesData
from macropatch.marketdata.store import Store

__all__ = ["Checkup", "check_data"]


@dataclass(frozen=True, kw_only=True)
class Checkup:
    """The findings of a check, each with where its series was found (``store``, ``pack``)."""

    findings: list[tuple[str, Finding]]
    checked: int
    """Series checked, counted once per place."""

    @property
    def hard(self) -> list[tuple[str, Finding]]:
        """The findings that stop a run."""
        return [(where, item) for where, item in self.findings if item.severity is Severity.HARD]


def check_data(
    catalog: Catalog,
    *,
    store: Store,
    pack: Pack | None,
    series: Sequence[str],
    as_of: dt.date,
) -> Checkup:
    """Check the stored series (and the pack's) named in ``series``, or every one.

    Raises
    ------
    UserError
        When a series id is unknown, or nothing is there to check.
    """
    wanted = {catalog[series_id].id for series_id in series}
    chosen = [spec for spec in catalog.values() if not wanted or spec.id in wanted]
    stored = store.read_all(catalog)
    places: list[tuple[str, SeriesData]] = [
        ("store", stored[spec.id]) for spec in chosen if spec.id in stored
    ]
    if pack is not None:
        places += [
            ("pack", pack.read(spec))
            for spec in chosen
            if spec.pack_file is not None and pack.has(spec)
        ]
    if not places:
        raise UserError(
            f"nothing to check: {'those series are not' if wanted else 'no series is'} in the store "
            f"({store.path}){' or the pack' if pack is not None else ''}"
            + ("" if pack is not None else "; pass --pack DIR to check a pack")
        )
    findings = [(where, item) for where, data in places for item in check_series(data, as_of=as_of)]
    return Checkup(
        findings=findings, checked=len({(where, data.spec.id) for where, data in places})
    )
