"""Renderings of an :class:`~anpr_ops.report.OpReport`: text, Markdown, JSON, CSV and HTML.

Every rendering is built from the report alone, so none can show a number plate, a subject
reference or an officer id: a report holds none.

>>> from anpr_ops.report import OpReport
>>> render(OpReport.empty(), "text")
'No activity recorded.\\n'
>>> sorted(FORMATS)
['csv', 'html', 'json', 'markdown', 'text']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

from anpr_ops.errors import ReportError
from anpr_ops.render._csv import to_csv
from anpr_ops.render._html import to_html
from anpr_ops.render._markdown import to_markdown
from anpr_ops.render._scrutiny import (
    SCRUTINY_FORMATS,
    render_scrutiny,
    scrutiny_html_section,
)
from anpr_ops.render._tables import TABLE_NAMES, Table, report_tables
from anpr_ops.render._text import to_json, to_text
from anpr_ops.report import OpReport

__all__ = [
    "FORMATS",
    "SCRUTINY_FORMATS",
    "TABLE_NAMES",
    "Format",
    "Table",
    "render",
    "render_scrutiny",
    "report_tables",
    "scrutiny_html_section",
    "to_csv",
    "to_html",
    "to_json",
    "to_markdown",
    "to_text",
]

Format = Literal["text", "markdown", "json", "csv", "html"]
#: The formats :func:`render` knows.
FORMATS: Final[tuple[Format, ...]] = ("text", "markdown", "json", "csv", "html")


def render(
    report: OpReport,
    fmt: str,
    *,
    numbers: Literal["figures", "words"] = "figures",
    activity: bool = False,
    table: str | None = None,
    sections: Sequence[str] = (),
) -> str:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`), as text ending in a newline.

    ``numbers`` and ``activity`` shape the summary sentences (see ``OpReport.to_text``) in
    text, Markdown and HTML; ``table`` picks one table for CSV (see :data:`TABLE_NAMES`);
    ``sections`` adds ``<section>`` fragments to the HTML page (``scrutiny_html_section``).
    """
    if table is not None and fmt != "csv":
        raise ReportError(f"a table is chosen only for csv, not {fmt}", code="table_not_csv")
    if sections and fmt != "html":
        raise ReportError(f"sections are added only to html, not {fmt}", code="sections_not_html")
    if fmt == "text":
        return to_text(report, numbers=numbers, activity=activity)
    if fmt == "markdown":
        return to_markdown(report, numbers=numbers, activity=activity)
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report, table=table)
    if fmt == "html":
        return to_html(report, numbers=numbers, activity=activity, sections=sections)
    message = f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}"
    raise ReportError(message, code="unknown_format")
