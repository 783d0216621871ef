"""Shared pieces of the HTML pages: number formats, static SVG, offline checks and atomic
writing (the layout and the tables are templates: :mod:`macropatch.reports.templating`).

Every page the project writes stays offline: inline CSS, inline SVG, and
scripts only from its own folder (``assets/plotly.min.js``), nothing fetched
from another host. :func:`external_links` finds what would break that rule and
:func:`write_page` refuses to write such a page.
"""

from __future__ import annotations

import html
import io
import math
import os
import re
import tempfile
from enum import Enum
from pathlib import Path

from matplotlib.figure import Figure

__all__ = [
    "THIN_ABOVE",
    "NOT_AVAILABLE",
    "TableMetric",
    "ValueKind",
    "external_links",
    "figure_to_svg",
    "format_metric",
    "format_value",
    "text_or_na",
    "write_page",
    "write_text_atomically",
]

NOT_AVAILABLE = "n/a"


class ValueKind(Enum):
    """How a number is shown."""

    PERCENT = "percent"
    """A fraction shown as a percentage with 2 decimals: 0.1234 -> ``12.34%``."""
    RATIO = "ratio"
    """A plain number with 2 decimals: 1.2345 -> ``1.23``."""


class TableMetric(Enum):
    """The columns of the comparison table, in order: summary key, label, kind."""

    CAGR = ("cagr", "CAGR", ValueKind.PERCENT)
    VOLATILITY = ("volatility", "Volatility", ValueKind.PERCENT)
    SHARPE = ("sharpe", "Sharpe (rf\u00a0=\u00a00)", ValueKind.RATIO)
    SORTINO = ("sortino", "Sortino (rf\u00a0=\u00a00)", ValueKind.RATIO)
    MAX_DRAWDOWN = ("max_drawdown", "Max drawdown", ValueKind.PERCENT)
    CALMAR = ("calmar", "Calmar", ValueKind.RATIO)
    WORST_MONTH = ("worst_month", "Worst month", ValueKind.PERCENT)
    TURNOVER = ("turnover", "Turnover / year", ValueKind.PERCENT)
    HEDGE_COST = ("hedge_cost", "Hedge cost / year", ValueKind.PERCENT)

    @property
    def key(self) -> str:
        """The field name in ``summary.json`` and :class:`macropatch.backtests.metrics.performance.Performance`."""
        return str(self.value[0])

    @property
    def label(self) -> str:
        """The column heading."""
        return str(self.value[1])

    @property
    def kind(self) -> ValueKind:
        """How the value is formatted."""
        kind = self.value[2]
        assert isinstance(kind, ValueKind)
        return kind


def format_value(value: object, kind: ValueKind) -> str:
    """Format one number for a page.

    Parameters
    ----------
    value
        A number, or ``None`` (JSON ``null``) for a value that does not exist.
    kind
        Percentage (the value is a fraction) or plain ratio; 2 decimals both.

    Returns
    -------
    str
        ``12.34%``, ``-3.10%``, ``1.23``, or ``n/a`` for ``None``, NaN and
        infinities. A value that rounds to zero never shows a minus sign.
    """
    if value is None or isinstance(value, bool):
        return NOT_AVAILABLE
    if not isinstance(value, int | float):
        raise TypeError(f"cannot format {value!r} as a number")
    number = float(value)
    if not math.isfinite(number):
        return NOT_AVAILABLE
    text = f"{number * 100:.2f}%" if kind is ValueKind.PERCENT else f"{number:.2f}"
    return text[1:] if re.fullmatch(r"-0\.0+%?", text) else text


def format_metric(metric: TableMetric, value: object) -> str:
    """Format a value of one table column (see :func:`format_value`)."""
    return format_value(value, metric.kind)


# -- charts -------------------------------------------------------------------------

THIN_ABOVE = 1500
"""Curves longer than this many days are drawn weekly: the page stays light and
a week is under a pixel wide on a chart of several years."""


_XML_PROLOGUE = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE svg[^>]*>\s*", re.IGNORECASE)
_SVG_SIZE = re.compile(r'(<svg\b[^>]*?)\s(?:width|height)="[^"]*"')


def figure_to_svg(figure: Figure, *, label: str) -> str:
    """Inline SVG markup of a matplotlib figure, sized by the page.

    Parameters
    ----------
    figure
        The figure; saved with matplotlib's SVG backend, text as text.
    label
        Accessible name of the chart (``aria-label``).

    Returns
    -------
    str
        An ``<svg>`` element without XML prologue, doctype, metadata or fixed
        size (its ``viewBox`` keeps the aspect ratio).
    """
    buffer = io.StringIO()
    figure.savefig(
        buffer,
        format="svg",
        metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
    )
    svg = _XML_PROLOGUE.sub("", buffer.getvalue())
    for _ in range(2):
        svg = _SVG_SIZE.sub(r"\1", svg, count=1)
    return svg.replace(
        "<svg ", f'<svg role="img" aria-label="{html.escape(label, quote=True)}" ', 1
    ).strip()


def text_or_na(value: object) -> str:
    """``value`` as text, ``n/a`` for ``None`` or an empty string (not escaped)."""
    return NOT_AVAILABLE if value is None or value == "" else str(value)


# -- offline checks and writing -------------------------------------------------

_EXTERNAL = re.compile(
    r"""\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*((?:[a-z][a-z0-9+.-]*:)?//[^"'\s>]*)"""
    r"""|url\(\s*["']?\s*((?:[a-z][a-z0-9+.-]*:)?//[^"')\s]*)"""
    r"""|@import\s+["']([^"']+)""",
    re.IGNORECASE,
)


def external_links(document: str) -> list[str]:
    """Addresses a browser would fetch from elsewhere to show ``document``.

    Looks at ``src``, ``href``, ``srcset``, ``action``, ``poster`` and
    ``data`` attributes, CSS ``url(...)`` and ``@import``: any address with a
    host (``https://...``, ``//host/...``) counts. Namespace declarations
    (``xmlns="http://www.w3.org/2000/svg"``) are names, not fetches, and do
    not count.
    """
    found: list[str] = []
    for match in _EXTERNAL.finditer(document):
        found.extend(group for group in match.groups() if group)
    return found


def write_text_atomically(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file beside it.

    A reader sees the old file or the new one, never half of it; a failure
    leaves no temporary file behind. Missing parent folders are created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a report is for reading
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_page(path: Path, document: str) -> Path:
    """Write an HTML page atomically after checking that it stays offline.

    Raises
    ------
    ValueError
        If the page would fetch anything from another host.
    """
    links = external_links(document)
    if links:
        raise ValueError(f"page {path} would fetch from outside: {', '.join(sorted(set(links)))}")
    return write_text_atomically(path, document)
