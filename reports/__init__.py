"""Reports: a result set in, HTML and JSON files out.

``write_tearsheet`` wraps quantstats (imported on first use only, so importing
this package does not restyle matplotlib); ``write_comparison`` writes the
comparison page, ``write_signals_page`` the signal dashboard, and
``build_summary`` / ``write_summary`` the numbers of a run as JSON.
"""

from __future__ import annotations

from macropatch.reports.comparison import write_comparison
from macropatch.reports.html import TableMetric, ValueKind, format_metric, format_value
from macropatch.reports.signals_page import write_signals_page
from macropatch.reports.summary import build_summary, to_json_value, write_summary
from macropatch.reports.tearsheet import write_tearsheet

__all__ = [
    "TableMetric",
    "ValueKind",
    "build_summary",
    "format_metric",
    "format_value",
    "to_json_value",
    "write_comparison",
    "write_signals_page",
    "write_summary",
    "write_tearsheet",
]
