"""Markdown: the summary, then every non-empty table (GitHub-flavoured pipe tables)."""

from __future__ import annotations

from typing import Literal

from anpr_ops.render._tables import Cell, Table, describe, report_tables
from anpr_ops.report import OpReport

__all__ = ["to_markdown"]


def to_markdown(
    report: OpReport,
    *,
    numbers: Literal["figures", "words"] = "figures",
    activity: bool = False,
) -> str:
    """The report as a Markdown document: title, what it covers, summary, tables."""
    data = report.to_dict()
    heading = describe(data)
    parts = [f"# {_inline(heading.title)}", ""]
    parts += [f"- {_inline(line)}" for line in heading.lines]
    parts += ["", "## Summary", "", report.to_text(numbers=numbers, activity=activity), ""]
    for table in report_tables(data):
        if table.rows:
            parts += _table(table)
    return "\n".join(parts)


def _table(table: Table) -> list[str]:
    lines = [f"## {_inline(table.title)}", ""]
    if table.name == "rates":
        lines += ["| Rate | Numerator | Denominator | Share |", "|---|--:|--:|--:|"]
        for _, label, num, den in table.rows:
            share = f"{100 * int(num or 0) / int(den):.0f}%" if den else "n/a"
            lines.append(f"| {_inline(str(label))} | {num} | {den} | {share} |")
    else:
        shown = table.shown()
        lines.append("| " + " | ".join(_inline(header) for _, header, _ in shown) + " |")
        lines.append("|" + "|".join("--:" if figure else "---" for _, _, figure in shown) + "|")
        for row in table.shown_rows():
            lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    lines.append("")
    if table.note:
        lines += [_inline(table.note), ""]
    return lines


def _cell(value: Cell) -> str:
    return "" if value is None else _inline(str(value))


def _inline(text: str) -> str:
    """Text safe inside a Markdown table cell or heading: no pipes, no line breaks, and no
    characters that would start markup of their own."""
    text = " ".join(text.split())
    for char in "\\|*_`[]<>":
        text = text.replace(char, "\\" + char)
    return text
