"""CSV: every table of a report in one long file, or one table in its own columns.

The long form has five columns, ``table,key,label,measure,value``: one row per figure. It
holds every table (:data:`~anpr_ops.render.TABLE_NAMES`) and loads as is into a
spreadsheet's pivot table or a data frame. ``table=NAME`` gives that one table with a column
per figure instead (``key,label,anpr_hits,vehicle_stops,…`` for ``by_site``). Lines end in
``\\n``; text is UTF-8 without a byte-order mark.
"""

from __future__ import annotations

import io

from anpr_ops import _csv
from anpr_ops.errors import ReportError
from anpr_ops.render._tables import TABLE_NAMES, Cell, Table, report_tables
from anpr_ops.report import OpReport

__all__ = ["LONG_COLUMNS", "to_csv"]

#: The header of the long form.
LONG_COLUMNS = ("table", "key", "label", "measure", "value")


def to_csv(report: OpReport, *, table: str | None = None) -> str:
    """The report as CSV: the long form, or the one ``table`` named, in its own columns."""
    tables = report_tables(report)
    out = io.StringIO()
    writer = _csv.writer(out, lineterminator="\n")
    if table is None:
        writer.writerow(LONG_COLUMNS)
        for each in tables:
            writer.writerows(_long_rows(each))
        return out.getvalue()
    chosen = [t for t in tables if t.name == table]
    if not chosen:
        message = f"no table {table!r} in a report; the tables are {', '.join(TABLE_NAMES)}"
        raise ReportError(message, code="unknown_table")
    writer.writerow(chosen[0].columns)
    writer.writerows(chosen[0].rows)
    return out.getvalue()


def _long_rows(table: Table) -> list[tuple[Cell, ...]]:
    index = {column: i for i, column in enumerate(table.columns)}
    rows: list[tuple[Cell, ...]] = []
    for row in table.rows:
        key, label = row[index["key"]], row[index["label"]]
        for measure in table.measures:
            rows.append((table.name, key, label, measure, row[index[measure]]))
    return rows
