"""Parquet files of a log's events, one table per kind, without personal values.

:func:`export_parquet` writes the current (corrected) view of a log as Parquet, for DuckDB,
Spark SQL, pandas or any Arrow reader, under one folder shared by many logs::

    DIR/anpr_hits/<log id>.parquet
    DIR/vehicle_stops/<log id>.parquet
    …
    DIR/operations/<log id>.parquet
    DIR/sites/<log id>.parquet
    DIR/corrections/<log id>.parquet

So each folder is one table over every log exported into ``DIR`` (Spark reads a folder as a
table; DuckDB reads ``DIR/searches/*.parquet``), and every row starts with ``log_id``.
Exporting a log again replaces its own files, and only them.

The columns are the event's public fields, flattened: vocabulary values as their strings,
times as UTC timestamps, lists (hit reasons, offence codes) as lists of strings. Personal
fields (plates, subject references, officer ids, free text) are left out entirely, and so are
the commitment to them and the log's person numbers: a pseudonym is still personal data, and
the export is meant to travel. Each table's schema is fixed by the event model, so the files
of different logs always line up, even empty ones. An operation's sites are the ``sites``
table; a correction is listed in ``corrections`` (its target and whether it replaced or
retracted it) and is already applied in the other tables.

Needs the ``parquet`` extra (pyarrow).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
import types
import typing
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import attrs
from pydantic import BaseModel

from anpr_ops._version import __version__
from anpr_ops.errors import MissingExtraError, StorageError
from anpr_ops.events import KINDS, Correction, Event, Operation, personal_fields
from anpr_ops.store import OpLog
from anpr_ops.vocab import EventKind

__all__ = ["ROWS_PER_GROUP", "TABLES", "Column", "export_parquet", "table_columns"]

#: Rows buffered per table before a row group is written (memory stays flat in log size).
ROWS_PER_GROUP = 50_000

SITES = "sites"


@attrs.frozen
class Column:
    """One column of an exported table: its name and its type, in Arrow's terms."""

    name: str
    kind: str
    """``string``, ``int64``, ``float64``, ``bool``, ``timestamp`` (µs, UTC) or
    ``list<string>``."""


def _plain(annotation: Any) -> Any:
    """The annotation without ``Annotated``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _kind_of(annotation: Any) -> str | None:
    """The column type of a field, or ``None`` for a nested model (not a column)."""
    plain = _plain(annotation)
    if typing.get_origin(plain) in (typing.Union, types.UnionType):
        # X | None is a nullable X; a union of models (a correction's replacement) is nested.
        kinds = {_kind_of(a) for a in typing.get_args(plain) if a is not type(None)}
        if len(kinds) == 1:
            return kinds.pop()
        message = f"no Parquet column type for the annotation {annotation!r}"
        raise TypeError(message)
    if typing.get_origin(plain) is tuple:
        item = _kind_of(typing.get_args(plain)[0])
        return None if item is None else f"list<{item}>"
    if typing.get_origin(plain) is Literal:
        return "string"
    if isinstance(plain, type):
        if issubclass(plain, BaseModel):
            return None
        for base, name in ((bool, "bool"), (int, "int64"), (float, "float64")):
            if issubclass(plain, base) and not issubclass(plain, Enum):
                return name
        if issubclass(plain, datetime):
            return "timestamp"
        if issubclass(plain, str):
            return "string"
    message = f"no Parquet column type for the annotation {annotation!r}"
    raise TypeError(message)


def table_columns(model: type[BaseModel]) -> tuple[Column, ...]:
    """The columns of ``model``'s table: ``log_id``, then its public, flat fields in order."""
    hidden = {"kind", *personal_fields(model)}
    columns = [Column("log_id", "string")]
    for name, field in model.model_fields.items():
        kind = _kind_of(field.annotation)
        if name not in hidden and kind is not None:
            columns.append(Column(name, kind))
    if model is Correction:
        columns.append(Column("replaced", "bool"))
    return tuple(columns)


#: Every table the export writes: the events' plural names, and ``sites``.
TABLES: dict[str, tuple[Column, ...]] = {
    **{spec.plural: table_columns(spec.model) for spec in KINDS},
    SITES: (
        Column("log_id", "string"),
        Column("op_id", "string"),
        Column("site_id", "string"),
        Column("position", "int64"),
        Column("name", "string"),
        Column("latitude", "float64"),
        Column("longitude", "float64"),
    ),
}
_PLURAL = {spec.kind: spec.plural for spec in KINDS}


def _pyarrow() -> Any:
    """The ``pyarrow`` package, or a one-line error naming the extra that installs it."""
    try:
        importlib.import_module("pyarrow.parquet")
        return importlib.import_module("pyarrow")
    except ImportError:
        message = "the Parquet export needs the 'parquet' extra: pip install 'anpr-ops[parquet]'"
        raise MissingExtraError(message) from None


def _schema(pa: Any, columns: tuple[Column, ...], metadata: dict[str, str]) -> Any:
    types_ = {
        "string": pa.string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "list<string>": pa.list_(pa.string()),
    }
    return pa.schema(
        [pa.field(c.name, types_[c.kind]) for c in columns],
        metadata={k.encode(): v.encode() for k, v in metadata.items()},
    )


def _value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_value(v) for v in value]
    return value


class _Table:
    """One table being written: rows buffered, written a row group at a time, the file put in
    place (replacing this log's previous export) only once it is whole."""

    def __init__(self, pa: Any, folder: Path, name: str, log_id: str, meta: dict[str, str]):
        self.pa = pa
        self.columns = TABLES[name]
        self.schema = _schema(pa, self.columns, meta)
        self.target = folder / name / f"{log_id}.parquet"
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{log_id}.", dir=self.target.parent)
        os.close(fd)
        self.temp = Path(temp)
        parquet = importlib.import_module("pyarrow.parquet")
        self.writer = parquet.ParquetWriter(str(self.temp), self.schema)
        self.rows: list[dict[str, Any]] = []
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= ROWS_PER_GROUP:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(self.pa.Table.from_pylist(self.rows, schema=self.schema))
            self.count += len(self.rows)
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()
        os.replace(self.temp, self.target)

    def abandon(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
        with contextlib.suppress(OSError):
            self.temp.unlink()


def _rows(log_id: str, event: Event) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, row) for an event of the current view."""
    name = _PLURAL[EventKind(event.kind)]
    row = {c.name: _value(getattr(event, c.name, None)) for c in TABLES[name][1:]}
    row["log_id"] = log_id
    if isinstance(event, Correction):
        row["replaced"] = event.replacement is not None
    yield name, row
    if isinstance(event, Operation):
        for position, site in enumerate(event.sites):
            yield (
                SITES,
                {
                    "log_id": log_id,
                    "op_id": event.op_id,
                    "site_id": site.site_id,
                    "position": position,
                    "name": site.name,
                    "latitude": site.latitude,
                    "longitude": site.longitude,
                },
            )


def export_parquet(
    log: OpLog, folder: str | os.PathLike[str], *, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Write ``log`` as Parquet files under ``folder`` (see the module); return rows per table.

    The tables hold the current view (corrections applied) and ``corrections`` every
    correction as appended, as the log stood when the export began. No personal value is
    read: the log may be opened read-only. Each file's metadata names the log, its head
    (``seq`` and hash) and the anpr_ops version that wrote it. ``progress`` is called with the
    number of events written so far, now and then.
    """
    pa = _pyarrow()
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise StorageError(f"{root} is a file, not a folder", code="not_a_folder")
    seq, head_hash = log.head()
    meta = {
        "anpr_ops_version": __version__,
        "log_id": log.log_id,
        "head_seq": str(seq),
        "head_hash": head_hash,
        "exported_at": datetime.now(UTC).isoformat(),
    }
    tables: dict[str, _Table] = {}
    try:
        for name in TABLES:
            tables[name] = _Table(pa, root, name, log.log_id, meta)
        done = 0
        for stream in (
            log.events(corrected=True),
            log.events(kind=EventKind.CORRECTION, corrected=False),
        ):
            for event in stream:
                for name, row in _rows(log.log_id, event):
                    tables[name].add(row)
                done += 1
                if progress is not None and done % ROWS_PER_GROUP == 0:
                    progress(done)
        for table in tables.values():
            table.close()
    except BaseException:
        for table in tables.values():
            table.abandon()
        raise
    return {name: table.count for name, table in tables.items()}
