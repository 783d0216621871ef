"""Shared pieces of the HTML pages: number formats, the page shell, tables, chart
style, offline checks and atomic writing.

Every page the project writes is self-contained: inline CSS, inline SVG, no
script, font or image fetched from anywhere. :func:`external_links` finds what
would break that rule and :func:`write_page` refuses to write such a page.
"""

from __future__ import annotations

import html
import io
import math
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates
import matplotlib.style
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.typing import RcKeyType

__all__ = [
    "CHART_STYLE",
    "THIN_ABOVE",
    "NOT_AVAILABLE",
    "PAGE_STYLE",
    "TableMetric",
    "ValueKind",
    "chart_style",
    "date_axis",
    "external_links",
    "figure_to_svg",
    "format_metric",
    "format_value",
    "html_table",
    "legend_in_rows",
    "render_page",
    "short_hash",
    "text_or_na",
    "thin_curve",
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


# -- the page shell -----------------------------------------------------------

PAGE_STYLE = """
:root{--ink:#1d2430;--muted:#5b6574;--line:#e3e7ee;--soft:#f5f7fa;--accent:#1f5fbf;
--good:#1a7f4b;--bad:#b3261e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#fff;color:var(--ink);
font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:36px 32px 56px}
h1{font-size:28px;line-height:1.2;margin:0 0 6px;letter-spacing:-.01em}
h2{font-size:19px;margin:40px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:20px 0 8px}
p{margin:0 0 12px;max-width:78ch}
.lead{color:var(--muted);font-size:16px}
.subtitle{color:var(--muted);margin:0 0 18px}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
nav.links{display:flex;flex-wrap:wrap;gap:8px;margin:16px 0 4px}
nav.links a{border:1px solid var(--line);border-radius:999px;padding:3px 12px;font-size:13px;
background:var(--soft)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:8px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:12.5px;color:var(--muted);font-weight:600;background:var(--soft);
vertical-align:bottom;line-height:1.3}
td.name{white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{white-space:nowrap}
td.neg{color:var(--bad)}
tr.benchmark td{background:#fbf7e9}
tbody tr:hover td{background:#eef3fb}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:8px;
vertical-align:baseline}
.tag{display:inline-block;font-size:11px;color:var(--muted);border:1px solid var(--line);
border-radius:4px;padding:0 5px;margin-left:6px;text-transform:uppercase;letter-spacing:.04em}
.tag.warn{color:#8a5a00;border-color:#e09f1f}
.note.warn{color:#8a5a00}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.chart{margin:8px 0 4px}
.chart svg{display:block;width:100%;height:auto}
.note{color:var(--muted);font-size:13px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:6px 22px;margin:0 0 8px}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
.callout{border-left:4px solid #e09f1f;background:#fdf6e7;border-radius:4px;padding:10px 16px;
margin:18px 0 0}
.callout strong{display:block;margin-bottom:4px}
.callout ul{margin:0;padding-left:20px}
.empty{border:1px dashed var(--line);border-radius:8px;padding:28px;background:var(--soft);
text-align:center;color:var(--muted);margin-top:12px}
.empty h2{border:0;margin:0 0 8px;padding:0}
.empty p{margin:0 auto}
footer{margin-top:48px;color:var(--muted);font-size:12px}
"""
"""The style sheet every page inlines."""


def render_page(*, title: str, body: str, extra_style: str = "") -> str:
    """A complete, self-contained HTML document.

    Parameters
    ----------
    title
        Plain text for ``<title>``; escaped here.
    body
        HTML inside ``<main>``, already escaped by the caller.
    extra_style
        CSS of this page only, appended to :data:`PAGE_STYLE` (trusted text).

    Returns
    -------
    str
        The document. Its favicon is an empty ``data:`` URL, so a browser asks
        no server for one.
    """
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="macropatch">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{PAGE_STYLE}{extra_style}</style>\n"
        "</head>\n<body>\n<main>\n"
        f"{body}\n"
        "</main>\n</body>\n</html>\n"
    )


# -- charts -------------------------------------------------------------------------

CHART_STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "macropatch",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#c9ced6",
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.labelcolor": "#5b6574",
    "grid.color": "#e9ecf1",
    "grid.linewidth": 0.8,
    "xtick.color": "#5b6574",
    "ytick.color": "#5b6574",
    "legend.frameon": False,
    "lines.linewidth": 1.5,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
}
"""matplotlib settings of every chart the pages draw (on top of matplotlib's defaults)."""


@contextmanager
def chart_style() -> Iterator[None]:
    """Draw in :data:`CHART_STYLE`, whatever the global settings (quantstats restyles them)."""
    with matplotlib.style.context("default"), matplotlib.rc_context(CHART_STYLE):
        yield


def date_axis(axes: Any, *, few_ticks: bool = False) -> None:
    """Dates along the x axis, labelled concisely (2008, Jul, 2009 ...)."""
    locator = matplotlib.dates.AutoDateLocator(
        minticks=3 if few_ticks else 5, maxticks=8 if few_ticks else 12
    )
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(locator))
    axes.margins(x=0.01)


THIN_ABOVE = 1500
"""Curves longer than this many days are drawn weekly: the page stays light and
a week is under a pixel wide on a chart of several years."""


def thin_curve(series: pd.Series, *, minimum: bool) -> pd.Series:
    """A long daily curve as weekly points: the week's low, or its last value."""
    if len(series) <= THIN_ABOVE:
        return series
    weeks = series.resample("W-FRI")
    return (weeks.min() if minimum else weeks.last()).dropna()


def legend_in_rows(entries: list[tuple[Any, str]], columns: int) -> list[tuple[Any, str]]:
    """Legend entries reordered so that matplotlib, which fills columns first, shows rows."""
    rows = -(-len(entries) // columns)
    blank = (Rectangle((0, 0), 0, 0, visible=False), "")
    padded = entries + [blank] * (rows * columns - len(entries))
    return [padded[row * columns + column] for column in range(columns) for row in range(rows)]


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


def short_hash(value: object, *, length: int = 12) -> str:
    """A digest cut to ``length`` characters, the whole one in a tooltip (HTML)."""
    text = text_or_na(value)
    return (
        f'<span class="mono" title="{html.escape(text, quote=True)}">'
        f"{html.escape(text[:length])}</span>"
    )


def html_table(
    heads: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
) -> str:
    """A plain table in a horizontally scrolling wrapper.

    Parameters
    ----------
    heads
        Column headings, plain text (escaped here).
    rows
        Cells as HTML, already escaped by the caller.
    numeric
        Positions of right-aligned, tabular-figure columns.
    """

    def cell(tag: str, position: int, content: str) -> str:
        css = ' class="num"' if position in numeric else ""
        return f"<{tag}{css}>{content}</{tag}>"

    head = "".join(cell("th", i, html.escape(text)) for i, text in enumerate(heads))
    body = "\n".join(
        "<tr>" + "".join(cell("td", i, content) for i, content in enumerate(row)) + "</tr>"
        for row in rows
    )
    return (
        '<div class="table-wrap"><table>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>"
    )


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
