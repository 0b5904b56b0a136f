"""Reading events back: the current (corrected) view, page by page, from one snapshot."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence

from anpr_ops._messages import shorten
from anpr_ops.errors import EventValidationError
from anpr_ops.events import Event
from anpr_ops.store._projection import chunks
from anpr_ops.store._record import decode
from anpr_ops.vocab import EventKind

__all__ = ["corrections_by_target", "current_events", "event_kind"]

_KIND = "json_extract(body, '$.kind')"
_OP = "json_extract(body, '$.op_id')"
_KIND_NAMES = tuple(kind.value for kind in EventKind)
_PAGE = 1000

Fixes = dict[int, tuple[str, int]]
Reading = Callable[[], contextlib.AbstractContextManager[sqlite3.Connection]]


def event_kind(kind: object) -> str | None:
    """``kind`` as an event kind's name (``None`` stays ``None``); anything else is refused."""
    if kind is None:
        return None
    if not isinstance(kind, str) or kind not in _KIND_NAMES:
        shown = (
            shorten(repr(kind))
            if isinstance(kind, str)
            else f"a value of type {type(kind).__name__}"
        )
        message = f"{shown} is not an event kind; expected one of {', '.join(_KIND_NAMES)}"
        raise EventValidationError(message, code="unknown_kind")
    return EventKind(kind).value


def corrections_by_target(conn: sqlite3.Connection) -> Fixes:
    """target seq -> (action, seq) of its latest correction."""
    fixes: Fixes = {}
    for target_seq, seq, action in conn.execute(
        "SELECT target_seq, seq, action FROM corrections ORDER BY seq"
    ):
        fixes[target_seq] = (action, seq)
    return fixes


def current_events(
    reading: Reading,
    ops: Sequence[str] | None,
    kind: str | None,
    head: int,
    fixes: Fixes | None,
) -> Iterator[Event]:
    """The events up to ``head`` (of ``ops`` and ``kind``, when given) in seq order; with
    ``fixes``, the current view: replacements in place, no retracted events, no corrections.

    Each page is read under the lock and then released, so a slow consumer never holds it.
    """
    where: list[str] = []
    params: list[object] = []
    if ops is not None:
        where.append(f"{_OP} IN ({','.join('?' * len(ops))})")
        params += ops
    if kind is not None:
        where.append(f"{_KIND} = ?")
        params.append(kind)
    where.append("seq > ? AND seq <= ?")
    sql = f"SELECT seq, {_KIND}, body FROM events WHERE {' AND '.join(where)} "
    sql += f"ORDER BY seq LIMIT {_PAGE}"
    last = 0
    while True:
        with reading() as conn:
            rows = conn.execute(sql, (*params, last, head)).fetchall()
            replacements: dict[int, str] = {}
            if fixes is not None:
                wanted = [fixes[s][1] for s, _, _ in rows if fixes.get(s, ("",))[0] == "replace"]
                for chunk in chunks(wanted):
                    marks = ",".join("?" * len(chunk))
                    replacements.update(
                        conn.execute(
                            "SELECT seq, json_extract(body, '$.replacement') FROM events "
                            f"WHERE seq IN ({marks})",
                            chunk,
                        ).fetchall()
                    )
        if not rows:
            return
        for seq, row_kind, body in rows:
            last = seq
            if fixes is not None:
                if row_kind == EventKind.CORRECTION:
                    continue
                fix = fixes.get(seq)
                if fix is not None:
                    if fix[0] == "retract":
                        continue
                    body = replacements[fix[1]]
            yield decode(body)
