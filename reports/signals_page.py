"""``signals.html``: the signal dashboard of a run.

Requires the run's period. Produces one self-contained HTML page. No signal is
computed yet, so the page says so and links back to the comparison page; the
signals stage fills it.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from reports.html import render_page, write_page

__all__ = ["write_signals_page"]


def write_signals_page(path: Path, *, period: tuple[str, str]) -> Path:
    """Write the signal dashboard.

    Parameters
    ----------
    path
        Where to write (``<out>/signals.html``); written atomically.
    period
        First and last date of the run (ISO dates).

    Returns
    -------
    Path
        ``path``.
    """
    start, end = period
    body = (
        "<header>\n<h1>Signals</h1>\n"
        f'<p class="subtitle">{escape(str(start))} to {escape(str(end))}</p>\n'
        '<nav class="links"><a href="index.html">Back to the comparison</a></nav>\n'
        "</header>\n"
        '<section>\n<div class="empty">\n'
        "<h2>No signals computed yet</h2>\n"
        "<p>Signals arrive with the signals stage: every macro trigger of the report "
        "(the 10-year yield, the term premium, credit spreads, delinquencies, volatility) "
        "will be shown here over time, on the dates it was knowable.</p>\n"
        "</div>\n</section>"
    )
    return write_page(Path(path), render_page(title="macropatch · signals", body=body))
