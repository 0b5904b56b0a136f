"""The access record (Data Protection Act 2018 s.62) as text, JSON and CSV, for ``anpr-ops
audit``. An entry never holds a personal value, so neither does any of these."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from anpr_ops._csv import writer
from anpr_ops._time import format_utc
from anpr_ops.store import AccessEntry

__all__ = ["AUDIT_COLUMNS", "audit_csv", "audit_json", "audit_text", "span_text"]

#: The columns of the CSV rendering, in order.
AUDIT_COLUMNS = (
    "seq",
    "at",
    "action",
    "actor",
    "purpose",
    "recipient",
    "reason",
    "events",
    "event_count",
    "fields",
    "query",
    "counts",
    "detail",
    "hash",
)


def span_text(spans: Sequence[tuple[int, int]], limit: int | None = None) -> str:
    """Seq spans for people: ``6, 12, 16-17``; with ``limit``, the first spans then ``…``."""
    shown = spans if limit is None else spans[:limit]
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in shown)
    return text + (", …" if len(shown) < len(spans) else "")


def _pairs(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in values.items())


def audit_text(entries: Iterable[AccessEntry]) -> str:
    """One line per entry: seq, time, action, actor, why, and what it concerned."""
    lines = []
    for entry in entries:
        parts = [f"{entry.seq:>4}  {format_utc(entry.at)}  {entry.action:<10}  {entry.actor}"]
        for label in ("purpose", "recipient", "reason"):
            value = getattr(entry, label)
            if value is not None:
                parts.append(f"{label}: {value}")
        if entry.events:
            parts.append(f"{entry.event_count} event(s): {span_text(entry.events, 8)}")
        if entry.query:
            parts.append(f"query: {_pairs(entry.query)}")
        if entry.fields:
            parts.append(f"fields: {', '.join(entry.fields)}")
        if entry.counts:
            parts.append(f"counts: {_pairs(entry.counts)}")
        lines.append(" | ".join(parts))
    return "\n".join(lines) + ("\n" if lines else "")


def audit_json(entries: Iterable[AccessEntry]) -> str:
    """The entries as a JSON array of objects (each entry's stored object, with seq and hash)."""
    return json.dumps([entry.to_dict() for entry in entries], indent=2, ensure_ascii=False) + "\n"


def audit_csv(entries: Iterable[AccessEntry], out: IO[str]) -> int:
    """The entries as CSV (:data:`AUDIT_COLUMNS`; formula-safe cells); returns the row count."""
    table = writer(out)
    table.writerow(AUDIT_COLUMNS)
    count = 0
    for entry in entries:
        data = entry.to_dict()
        row: list[object] = []
        for column in AUDIT_COLUMNS:
            if column == "events":
                row.append(span_text(entry.events))
            elif column == "event_count":
                row.append(entry.event_count)
            elif column == "fields":
                row.append(";".join(entry.fields))
            elif column in {"query", "counts", "detail"}:
                value = data.get(column)
                row.append(None if value is None else json.dumps(value, sort_keys=True))
            else:
                row.append(data.get(column))
        table.writerow(row)
        count += 1
    return count
