"""JSON Lines: the interchange format, one event per line.

Reading names the line of any bad event; blank lines are skipped; a UTF-8 byte-order mark at
the start of the file is ignored.

Writing gives each event's canonical JSON (the bytes the hash chain covers), one per line, in
log order, corrections included: appending the file to an empty log stores the same events
with the same bodies. An export of one operation also carries what its events need to be
re-appended on their own (see :func:`export_jsonl`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

from anpr_ops._canonical import canonical_text
from anpr_ops.errors import EventValidationError
from anpr_ops.events import (
    ArrestEnquiry,
    Correction,
    Event,
    EventBase,
    OffenceDefinition,
    Operation,
    Outcome,
    canonical_dict,
    parse_event,
)
from anpr_ops.store import OpLog
from anpr_ops.store._connection import CollectorPaused

__all__ = ["export_jsonl", "iter_jsonl", "jsonl_events", "read_jsonl", "write_jsonl"]


def iter_jsonl(lines: Iterable[str | bytes]) -> Iterator[tuple[int, Event]]:
    """``(line number, event)`` for each non-blank line; raises on the first bad line.

    The error is an :class:`~anpr_ops.errors.EventValidationError` whose ``line`` is the
    1-based line number and whose message starts with it. Each line is validated from its
    JSON text by pydantic-core (no Python dict is built), a thousand lines at a time with the
    cyclic garbage collector paused: otherwise the events read so far make each of its passes
    longer, which cost about a third of the reading.
    """
    chunk: list[tuple[int, str | bytes]] = []
    for numbered in enumerate(lines, start=1):
        chunk.append(numbered)
        if len(chunk) == _CHUNK:
            yield from _parsed(chunk)
            chunk = []
    yield from _parsed(chunk)


_CHUNK = 1000


def _parsed(chunk: list[tuple[int, str | bytes]]) -> list[tuple[int, Event]]:
    with CollectorPaused():
        return [
            (number, parse_event(text, line=number))
            for number, raw in chunk
            if (text := _text(number, raw)).strip()
        ]


def _text(number: int, raw: str | bytes) -> str:
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            message = f"line {number}: not UTF-8 text (byte {exc.start})"
            raise EventValidationError(message, line=number, code="not_utf8") from exc
    else:
        text = raw
    return text.removeprefix("\ufeff") if number == 1 else text


def read_jsonl(source: IO[str] | IO[bytes] | Iterable[str | bytes]) -> list[Event]:
    """Every event of a JSON Lines file (or any iterable of lines), in order."""
    return [event for _, event in iter_jsonl(source)]


def write_jsonl(events: Iterable[EventBase], out: IO[str]) -> int:
    """Write events as JSON Lines (canonical JSON, ``\\n`` after each); return how many."""
    count = 0
    for event in events:
        out.write(canonical_text(canonical_dict(event)))
        out.write("\n")
        count += 1
    return count


def jsonl_events(
    log: OpLog,
    op_id: str | None = None,
    *,
    include_children: bool = True,
    restricted: bool = False,
    recipient: str | None = None,
) -> Iterator[Event]:
    """The stored events to export, in log order: every event of the log, or of one operation.

    Every stored event is given as it was appended (corrections are events, and re-appending
    them applies them again). For one operation (with its child operations unless
    ``include_children`` is false) the export also holds, so that it re-appends into an empty
    log on its own:

    - the ``operation`` event of each ancestor operation (a child names its parent), but no
      other event of theirs;
    - the ``offence_definition`` events defining codes its outcomes and enquiries use, with
      the ``operation`` events of the operations they belong to;
    - every correction of an event it holds.

    The events carry their personal values: reading them needs an actor and a purpose and is
    recorded, with the events read (a disclosure when ``recipient`` is given); a restricted
    record's values only with ``restricted=True``. Values erased, or restricted and not asked
    for, come out as their markers (``[erased]``, ``[restricted]``), and such lines cannot be
    appended again.
    """
    read: dict[str, Any] = {"personal": True, "restricted": restricted, "recipient": recipient}
    if op_id is None:
        yield from log.events(corrected=False, **read)
        return
    wanted = _closure(log, set(log.op_ids(op_id, include_children=include_children)))
    yield from log.events(corrected=False, event_ids=wanted, **read)


def _closure(log: OpLog, selected: set[str]) -> set[str]:
    """The ids of the events an export of the ``selected`` operations must hold."""
    parents: dict[str, set[str]] = {}
    op_event: dict[str, str] = {}
    definitions: dict[str, set[tuple[str, str]]] = {}  # code -> {(event id, op id)}
    corrections: dict[str, list[str]] = {}  # target id -> correction ids
    codes: set[str] = set()
    wanted: set[str] = set()
    for event in log.events(corrected=False):
        versions: list[EventBase] = [event]
        if isinstance(event, Correction):
            corrections.setdefault(event.target_id, []).append(event.event_id)
            if event.replacement is not None:
                versions.append(event.replacement)
        for version in versions:
            if isinstance(version, Operation):
                op_event.setdefault(version.op_id, version.event_id)
                if version.parent_op_id is not None:
                    parents.setdefault(version.op_id, set()).add(version.parent_op_id)
            elif isinstance(version, OffenceDefinition):
                definitions.setdefault(version.code, set()).add((version.event_id, version.op_id))
            if event.op_id in selected:
                if isinstance(version, Outcome):
                    codes.update(version.offences)
                elif isinstance(version, ArrestEnquiry):
                    codes.update(version.wanted_for)
        if event.op_id in selected:
            wanted.add(event.event_id)
    needed_ops = set(selected)
    for code in codes:
        for event_id, owner in definitions.get(code, ()):
            wanted.add(event_id)
            needed_ops.add(owner)
    # Ancestors of every operation held, through every version of their operation events.
    frontier = list(needed_ops)
    while frontier:
        current = frontier.pop()
        for parent in parents.get(current, ()):
            if parent not in needed_ops:
                needed_ops.add(parent)
                frontier.append(parent)
    wanted.update(op_event[op] for op in needed_ops if op in op_event)
    for target in list(wanted):
        wanted.update(corrections.get(target, ()))
    return wanted


def export_jsonl(
    log: OpLog,
    out: IO[str],
    op_id: str | None = None,
    *,
    include_children: bool = True,
    restricted: bool = False,
    recipient: str | None = None,
) -> int:
    """Write the log (or one operation, see :func:`jsonl_events`) as JSON Lines; return the
    number of events written.

    >>> import io
    >>> from anpr_ops import OpLog
    >>> with OpLog.memory() as log, OpLog.memory() as copy:
    ...     _ = log.append({"kind": "operation", "op_id": "op-1", "name": "Op One",
    ...                     "force": "metropolitan", "occurred_at": "2020-04-18T07:00:00Z",
    ...                     "starts_at": "2020-04-18T07:00:00Z"})
    ...     out = io.StringIO()
    ...     export_jsonl(log, out)
    ...     _ = copy.extend(read_jsonl(out.getvalue().splitlines()))
    ...     [e.event_id for e in copy.events()] == [e.event_id for e in log.events()]
    1
    True
    """
    events = jsonl_events(
        log, op_id, include_children=include_children, restricted=restricted, recipient=recipient
    )
    return write_jsonl(events, out)
