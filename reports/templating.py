"""Pages from Jinja2 templates: one base layout, one template per page, autoescaped.

Requires a template name under ``reports/templates`` and the typed documents it
shows. Produces the page as text: every value is escaped by Jinja2's
autoescape unless it is :class:`markupsafe.Markup` (chart markup built by
:mod:`macropatch.reports.plotting`, which escapes what it embeds). The style
sheet ``reports/static/page.css`` is inlined into every page; a page with
interactive charts loads ``assets/plotly.min.js`` by a relative path.

Filters the templates use: ``percent`` and ``ratio`` (:func:`reports.html.format_value`),
``fixed(digits)`` (a plain number, ``n/a`` for none), ``na`` (text or ``n/a``),
``negative`` (whether a number is below zero), ``anchor`` (an id-safe form of a name).
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from macropatch.reports.html import ValueKind, format_value, text_or_na

__all__ = ["STATIC", "TEMPLATES", "anchor", "render_page", "render_template", "stylesheet"]

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


def _fixed(value: object, digits: int = 2) -> str:
    """A plain number with ``digits`` decimals; ``n/a`` for none, NaN or infinity."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return text_or_na(value)
    number = float(value)
    if not math.isfinite(number):
        return "n/a"
    text = f"{number:.{digits}f}"
    return text[1:] if re.fullmatch(r"-0\.?0*", text) else text


def _negative(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
        and float(value) < 0
    )


def anchor(name: str, prefix: str = "") -> str:
    """``prefix`` and ``name`` made safe for an element id (letters, digits, ``_`` and ``-``)."""
    return prefix + re.sub(r"[^A-Za-z0-9_]+", "-", str(name)).strip("-")


@functools.cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(
        percent=lambda value: format_value(value, ValueKind.PERCENT),
        ratio=lambda value: format_value(value, ValueKind.RATIO),
        fixed=_fixed,
        na=text_or_na,
        negative=_negative,
        anchor=anchor,
    )
    return environment


@functools.cache
def stylesheet() -> Markup:
    """The CSS every page inlines (trusted: a file of the package)."""
    return Markup((STATIC / "page.css").read_text(encoding="utf-8"))


def render_template(
    name: str,
    *,
    title: str,
    plotly_js: str | None = None,
    content_key: str = "",
    **context: Any,
) -> str:
    """Render template ``name`` as a whole page.

    Parameters
    ----------
    name
        A file under ``reports/templates`` that extends ``base.html.j2``.
    title
        The page's ``<title>`` (escaped).
    plotly_js
        Relative address of plotly.js for a page with interactive charts
        (``assets/plotly.min.js``); ``None`` loads no script.
    content_key
        The page's content key (:func:`macropatch.reports.reuse.content_key`),
        written in a ``<meta>`` tag at the top of ``<head>``; empty for none.
    context
        What the template shows: typed documents, chart markup, plain values.
    """
    template = _environment().get_template(name)
    return template.render(
        title=title,
        plotly_js=plotly_js,
        content_key=content_key,
        stylesheet=stylesheet(),
        **context,
    )


def render_page(*, title: str, body: str, plotly_js: str | None = None) -> str:
    """The base layout around ``body``: HTML already escaped by the caller (a page not
    drawn from a template of its own).
    """
    return render_template(
        "base.html.j2",
        title=title,
        plotly_js=plotly_js,
        body=Markup(body),
    )
