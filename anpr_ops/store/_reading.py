"""Reading events back: the current (corrected) view or every stored event, page by page,
from one snapshot, with personal values put back or masked as the reader may see them."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence

import attrs
from pydantic import ValidationError

from anpr_ops._messages import shorten
from anpr_ops.errors import EventValidationError, StorageError
from anpr_ops.events import Event
from anpr_ops.events.personal import ERASED, RESTRICTED, WITHHELD
from anpr_ops.store._record import decode
from anpr_ops.vocab import EventKind

__all__ = [
    "Sight",
    "corrections_by_target",
    "current_events",
    "event_kind",
    "read_one",
    "scope",
]

_KIND_NAMES = tuple(kind.value for kind in EventKind)
_PAGE = 1000

Fixes = dict[int, tuple[bool, int]]
Reading = Callable[[], contextlib.AbstractContextManager[sqlite3.Connection]]


@attrs.frozen
class Sight:
    """What a read may see of personal values: none (they come back as :data:`WITHHELD`),
    or all of them, restricted records' too only when ``restricted``."""

    personal: bool = False
    restricted: bool = False

    def marker(self, erased: bool, restricted: bool) -> str | None:
        """The marker to show instead of the values (``None``: show the values)."""
        if erased:
            return ERASED
        if not self.personal:
            return WITHHELD
        if restricted and not self.restricted:
            return RESTRICTED
        return None


def event_kind(kind: object) -> str | None:
    """``kind`` as an event kind's name (``None`` stays ``None``); anything else is refused."""
    if kind is None:
        return None
    if not isinstance(kind, str) or kind not in _KIND_NAMES:
        if isinstance(kind, str):
            shown = shorten(repr(kind))
        else:
            shown = f"a value of type {type(kind).__name__}"
        message = f"{shown} is not an event kind; expected one of {', '.join(_KIND_NAMES)}"
        raise EventValidationError(message, code="unknown_kind")
    return EventKind(kind).value


def corrections_by_target(conn: sqlite3.Connection) -> Fixes:
    """target seq -> (retracted?, seq of its latest correction)."""
    fixes: Fixes = {}
    for target_seq, seq, body in conn.execute(
        "SELECT target_seq, seq, body FROM events WHERE target_seq IS NOT NULL ORDER BY seq"
    ):
        fixes[target_seq] = ('"retract":true' in body, seq)
    return fixes


_COLUMNS = (
    'e.seq, e.kind, e.body, p."values", x.seq IS NOT NULL, r.seq IS NOT NULL '
    "FROM events e LEFT JOIN personal p ON p.seq = e.seq "
    "LEFT JOIN erased x ON x.seq = e.seq LEFT JOIN restricted r ON r.seq = e.seq"
)


def _replacement(fix_body: str, fix_values: str | None) -> tuple[str, str | None]:
    """The body and personal values of the replacement a correction holds."""
    fix = json.loads(fix_body)
    inner = dict(fix["replacement"])
    fields = fix.get("personal", {}).get("fields", [])
    inner_fields = [f.split(".", 1)[1] for f in fields if f.startswith("replacement.")]
    if inner_fields:
        inner["personal"] = {"fields": inner_fields}
    values = None
    if fix_values is not None:
        values = json.dumps(json.loads(fix_values).get("replacement", {}))
    return json.dumps(inner), values


def _decode(seq: int, body: str, values: str | None, marker: str | None) -> Event:
    """:func:`decode`, turning a stored event that no longer reads as one into a
    :class:`StorageError` naming its seq and field — never its values (a damaged body or
    personal value may hold anything)."""
    try:
        return decode(body, values, marker)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(part) for part in first["loc"][1:]) or None
        what = f"field {field}" if field else "the event"
        message = (
            f"the stored event at seq {seq} is damaged ({what}: {first['type']}); verify the "
            "log and restore it from a copy"
        )
        raise StorageError(message, code="damaged_event", seq=seq, field=field) from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        message = (
            f"the stored event at seq {seq} is damaged (it does not read as an event); verify "
            "the log and restore it from a copy"
        )
        raise StorageError(message, code="damaged_event", seq=seq) from None


def _version(
    body: str, values: str | None, erased: bool, restricted: bool, sight: Sight
) -> tuple[str, str | None, str | None]:
    marker = sight.marker(erased, restricted)
    return body, (values if marker is None else None), marker


def _filters(ops: Sequence[str] | None, kind: str | None) -> tuple[list[str], list[object]]:
    where = ["e.seq > ? AND e.seq <= ?"]
    params: list[object] = []
    if ops is not None:
        where.append(f"e.op_id IN ({','.join('?' * len(ops))})")
        params += ops
    if kind is not None:
        where.append("e.kind = ?")
        params.append(kind)
    return where, params


def scope(
    conn: sqlite3.Connection,
    ops: Sequence[str] | None,
    kind: str | None,
    head: int,
    fixes: Fixes | None,
    event_ids: Collection[str] | None,
) -> tuple[list[int], set[int] | None]:
    """The seqs whose values a read of these filters returns (its events, and the corrections
    whose replacements stand in for them), for the access record; and, when ``event_ids`` are
    given, the seqs of those events, the only ones the read keeps."""
    where, params = _filters(ops, kind)
    rows = [
        seq
        for (seq,) in conn.execute(
            f"SELECT e.seq FROM events e WHERE {' AND '.join(where)}", (0, head, *params)
        )
    ]
    keep: set[int] | None = None
    if event_ids is not None:
        keep = set()
        wanted = sorted(set(event_ids))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            keep.update(
                seq
                for (seq,) in conn.execute(
                    f"SELECT seq FROM events WHERE event_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        rows = [seq for seq in rows if seq in keep]
    read = set(rows)
    if fixes is not None:
        read |= {fixes[seq][1] for seq in rows if seq in fixes and not fixes[seq][0]}
    return sorted(read), keep


def current_events(
    reading: Reading,
    ops: Sequence[str] | None,
    kind: str | None,
    head: int,
    fixes: Fixes | None,
    sight: Sight,
    keep: set[int] | None = None,
) -> Iterator[tuple[int, Event]]:
    """``(seq, event)`` for the events up to ``head`` (of ``ops`` and ``kind``, and among the
    seqs ``keep``, when given) in seq order; with ``fixes``, the current view: replacements in
    place, no retracted events, no corrections. Each page is read under the lock and then
    released."""
    where, params = _filters(ops, kind)
    sql = f"SELECT {_COLUMNS} WHERE {' AND '.join(where)} ORDER BY e.seq LIMIT {_PAGE}"
    last = 0
    while True:
        with reading() as conn:
            rows = conn.execute(sql, (last, head, *params)).fetchall()
            replacements: dict[int, tuple[str, str | None, bool, bool]] = {}
            if fixes is not None:
                wanted = [fixes[s][1] for s, *_ in rows if s in fixes and not fixes[s][0]]
                for fix_seq in wanted:
                    row = conn.execute(f"SELECT {_COLUMNS} WHERE e.seq = ?", (fix_seq,)).fetchone()
                    replacements[fix_seq] = (row[2], row[3], bool(row[4]), bool(row[5]))
        if not rows:
            return
        for seq, row_kind, body, values, erased, restricted in rows:
            last = seq
            if keep is not None and seq not in keep:
                continue
            if fixes is None:
                yield (
                    seq,
                    _decode(seq, *_version(body, values, bool(erased), bool(restricted), sight)),
                )
                continue
            if row_kind == EventKind.CORRECTION:
                continue
            fix = fixes.get(seq)
            if fix is None:
                yield (
                    seq,
                    _decode(seq, *_version(body, values, bool(erased), bool(restricted), sight)),
                )
                continue
            if fix[0]:
                continue  # retracted
            fix_body, fix_values, fix_erased, fix_restricted = replacements[fix[1]]
            try:
                inner, inner_values = _replacement(fix_body, fix_values)
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
                inner, inner_values = fix_body, None  # _decode names the damage
            marker = sight.marker(fix_erased or bool(erased), fix_restricted or bool(restricted))
            yield seq, _decode(fix[1], inner, inner_values if marker is None else None, marker)


def read_one(conn: sqlite3.Connection, seq: int, *, corrected: bool, sight: Sight) -> Event | None:
    """The event stored at ``seq`` (its current version when ``corrected``; ``None`` when
    that version is a retraction)."""
    row = conn.execute(f"SELECT {_COLUMNS} WHERE e.seq = ?", (seq,)).fetchone()
    _, _, body, values, erased, restricted = row
    if corrected:
        fix = conn.execute(
            "SELECT seq, body FROM events WHERE target_seq = ? ORDER BY seq DESC LIMIT 1", (seq,)
        ).fetchone()
        if fix is not None:
            if '"retract":true' in fix[1]:
                return None
            fix_row = conn.execute(f"SELECT {_COLUMNS} WHERE e.seq = ?", (fix[0],)).fetchone()
            try:
                inner, inner_values = _replacement(fix_row[2], fix_row[3])
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
                inner, inner_values = fix_row[2], None
            marker = sight.marker(bool(fix_row[4] or erased), bool(fix_row[5] or restricted))
            return _decode(fix[0], inner, inner_values if marker is None else None, marker)
    return _decode(seq, *_version(body, values, bool(erased), bool(restricted), sight))
