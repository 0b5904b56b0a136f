"""The checks a verification runs over a log file. Standard library only.

Both verifiers run this code: ``OpLog.verify()`` and the standalone
``python -m anpr_ops.verify``. In order, stopping at the first problem:

1. the chain of ``events``: ``seq`` 1, 2, 3… and every ``hash`` the link of the one before and
   the row's body (:func:`anpr_ops.chain.verify_rows`);
2. the copied columns of ``events`` (``event_id``, ``kind``, ``op_id``, ``occurred_at``,
   ``target_seq``, ``ref_seq``) against what the body says, exactly;
3. with ``bodies``, every body is the canonical form of a JSON object without repeated keys,
   and the caller's check of the event it holds passes;
4. personal values: each body that commits to personal values has them, matching the
   commitment and naming the same fields, or they were erased by a recorded erasure; no values
   are kept for a body that commits to none, nor for a seq no event has; the ``subjects``
   table gives each subject reference held the number its events chain, and no other
   reference; the log's ``next_person`` is above every number chained (a new person must
   never get a number in use, or that of someone erased);
5. the chain of ``access_log``, and the ``erased`` table against the erasures it records;
6. with ``bodies``, for a log migrated from a version-1 log, that its events recompute the old
   chain to the head its migration record names (:func:`anpr_ops._v1.descent`);
7. with a checkpoint, that it is of this log (its origin), and that the log still holds what
   it describes: as many events at least, the same chain hash at its size, the same Merkle
   root over the first ``size`` events (hashed from their stored bytes, :func:`root_at`), the
   access record's head, and for an operation's checkpoint its count of events.

It never raises for a damaged log: it reports the first problem in a
:class:`~anpr_ops.chain.VerifyResult`.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from anpr_ops import _v1
from anpr_ops._canonical import GENESIS_HASH, canonical_text
from anpr_ops._commitment import commitment, paths
from anpr_ops._logfile import read_log_id, read_log_name
from anpr_ops.chain import VerifyResult, verify_rows
from anpr_ops.checkpoint import Checkpoint, origin
from anpr_ops.merkle import Frontier, leaf_hash

__all__ = ["BodyCheck", "root_at", "tree_of", "verify_log"]

#: A check of one event's body (its public canonical object): ``None`` when it is a valid
#: event, else a sentence saying what is wrong (never quoting a personal value).
BodyCheck = Callable[[dict[str, Any]], str | None]

_COPIES = """
SELECT e.seq FROM events e
LEFT JOIN events t ON t.seq = e.target_seq
LEFT JOIN events r ON r.seq = e.ref_seq
WHERE e.event_id IS NOT json_extract(e.body, '$.event_id')
   OR e.kind IS NOT json_extract(e.body, '$.kind')
   OR e.op_id IS NOT json_extract(e.body, '$.op_id')
   OR e.occurred_at IS NOT (
        substr(json_extract(e.body, '$.occurred_at'), 1, 19)
        || CASE WHEN length(json_extract(e.body, '$.occurred_at')) = 20 THEN '.000000Z'
           ELSE substr(json_extract(e.body, '$.occurred_at'), 20) END)
   OR (e.target_seq IS NULL) IS NOT (json_extract(e.body, '$.target_id') IS NULL)
   OR (e.target_seq IS NOT NULL
       AND (t.seq IS NULL OR t.seq >= e.seq
            OR t.event_id IS NOT json_extract(e.body, '$.target_id')))
   OR (e.ref_seq IS NOT NULL
       AND (r.seq IS NULL OR r.seq >= e.seq OR r.event_id IS NOT coalesce(
            json_extract(e.body, '$.hit_id'), json_extract(e.body, '$.stop_id'),
            json_extract(e.body, '$.search_id'), json_extract(e.body, '$.enquiry_id'),
            json_extract(e.body, '$.sweep_id'),
            json_extract(e.body, '$.replacement.hit_id'),
            json_extract(e.body, '$.replacement.stop_id'),
            json_extract(e.body, '$.replacement.search_id'),
            json_extract(e.body, '$.replacement.enquiry_id'),
            json_extract(e.body, '$.replacement.sweep_id'))))
   OR (e.ref_seq IS NULL AND coalesce(
            json_extract(e.body, '$.hit_id'), json_extract(e.body, '$.stop_id'),
            json_extract(e.body, '$.search_id'), json_extract(e.body, '$.enquiry_id'),
            json_extract(e.body, '$.sweep_id'),
            json_extract(e.body, '$.replacement.hit_id'),
            json_extract(e.body, '$.replacement.stop_id'),
            json_extract(e.body, '$.replacement.search_id'),
            json_extract(e.body, '$.replacement.enquiry_id'),
            json_extract(e.body, '$.replacement.sweep_id')) IS NOT NULL)
ORDER BY e.seq LIMIT 1
"""

#: The access record's actions that erased the personal values of the events they name (an
#: erasure on request, and a retention run): ``anpr_ops.store._access.ERASING``.
_ERASING = ("erase", "retention")

_SUBJECTS = "SELECT subject_ref, person FROM subjects"

_PERSONAL = re.compile(rb'"personal":\{"commitment":"([0-9a-f]{64})","fields":(\[[^\]]*\])\}')
# The log's number for the person a body names, beside (or in a replacement, inside) it. No
# body names two: only searches, outcomes and arrest enquiries hold a subject reference, and a
# correction's replacement is one of them. Quotes inside JSON strings are escaped, so this
# matches only a member.
_SUBJECT = re.compile(rb'"subject":(\d+)[,}]')


def _failed(result: VerifyResult, seq: int | None, problem: str, reason: str) -> VerifyResult:
    checked = seq if seq is not None else result.checked
    return dataclasses.replace(
        result,
        ok=False,
        first_bad_seq=seq,
        problem=problem,
        reason=reason,
        checked=min(checked, result.checked),
    )


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("a key is repeated")
    return data


def _bodies(conn: sqlite3.Connection, check: BodyCheck | None) -> tuple[int, str, str] | None:
    """The first body that is not the canonical form of a valid event: (seq, problem, why)."""
    last = 0
    while rows := conn.execute(
        "SELECT seq, CAST(body AS BLOB) FROM events WHERE seq > ? ORDER BY seq LIMIT 2000",
        (last,),
    ).fetchall():
        for seq, raw in rows:
            last = seq
            try:
                text = raw.decode("utf-8")
                data = json.loads(text, object_pairs_hook=_no_repeats)
            except (UnicodeDecodeError, ValueError, RecursionError):
                return seq, "not_an_event", "the body is not a JSON object without repeated keys"
            if not isinstance(data, dict):
                return seq, "not_an_event", "the body is not a JSON object"
            try:
                canonical = canonical_text(data)
            except (ValueError, TypeError):
                return seq, "not_canonical", "the body cannot be written in canonical form"
            if canonical != text:
                return seq, "not_canonical", "the body is not in canonical form"
            if check is not None:
                why = check(data)
                if why is not None:
                    return seq, "not_an_event", f"the body is not a valid event: {why}"
    return None


def _personal(
    conn: sqlite3.Connection,
) -> tuple[int, int, tuple[int | None, str, str] | None]:
    """(commitments checked, erased, first problem): every personal commitment against the
    values kept (or the erasure recorded)."""
    checked = erased = 0
    last = 0
    named_lists: dict[bytes, Any] = {}  # a body's list of personal fields, parsed once per text
    people = _People(conn)
    while rows := conn.execute(
        'SELECT e.seq, CAST(e.body AS BLOB), p.salt, p."values", x.seq IS NOT NULL '
        "FROM events e LEFT JOIN personal p ON p.seq = e.seq LEFT JOIN erased x ON x.seq = e.seq "
        "WHERE e.seq > ? ORDER BY e.seq LIMIT 2000",
        (last,),
    ).fetchall():
        for seq, raw, salt, values, was_erased in rows:
            last = seq
            found = _PERSONAL.search(raw)
            if found is None:
                if values is not None:
                    return (
                        checked,
                        erased,
                        (
                            seq,
                            "personal_unexpected",
                            "personal values are kept for an event whose body commits to none",
                        ),
                    )
                continue
            numbers = people.chained(raw)
            if values is None:
                if not was_erased:
                    return (
                        checked,
                        erased,
                        (
                            seq,
                            "personal_missing",
                            "the personal values the body commits to are gone, and no recorded "
                            "erasure took them",
                        ),
                    )
                erased += 1
                continue
            digest = commitment(bytes(salt), str(values))
            held: Any = None
            try:
                held = json.loads(values)
                fields = paths(held)
                named_text = found.group(2)
                named = named_lists.get(named_text)
                if named is None:
                    named = json.loads(named_text)
                    if len(named_lists) < 4096:  # a few dozen in an honest log
                        named_lists[named_text] = named
            except (ValueError, TypeError, AttributeError):
                fields, named = ["?"], []
            if digest != found.group(1).decode("ascii") or fields != named:
                return (
                    checked,
                    erased,
                    (
                        seq,
                        "personal_mismatch",
                        "the personal values kept do not match the commitment in the body",
                    ),
                )
            why = people.held(numbers, held)
            if why is not None:
                return checked, erased, (seq, "subjects_mismatch", why)
            checked += 1
    # Values under a seq no event has are compared with nothing above, and would jam the
    # append of the event that gets that seq. The chain held, so the events are 1..head.
    (orphan,) = conn.execute(
        "SELECT min(seq) FROM personal WHERE seq < 1 "
        "OR seq > coalesce((SELECT max(seq) FROM events), 0)"
    ).fetchone()
    if orphan is not None:
        why = "personal values are kept for a seq no event has"
        return checked, erased, (int(orphan), "personal_unexpected", why)
    return checked, erased, people.finish(conn)


class _People:
    """The log's numbers for people, checked as the personal values are: the ``subjects``
    table against the numbers the bodies chain, and ``next_person`` against the highest."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.numbers = {str(ref): n for ref, n in conn.execute(_SUBJECTS)}
        self.named: set[str] = set()
        self.highest = 0

    def chained(self, raw: bytes) -> list[int]:
        """The numbers a body chains (none or one), noted whether or not its values are still
        held."""
        numbers = [int(found.group(1)) for found in _SUBJECT.finditer(raw)]
        if numbers:
            self.highest = max(self.highest, *numbers)
        return numbers

    def held(self, chained: list[int], values: Any) -> str | None:
        """Why the subject reference among ``values`` (held, matching the commitment) and the
        numbers its body chains disagree with ``subjects``, if they do."""
        inner = values.get("replacement") if isinstance(values, dict) else None
        ref = values.get("subject_ref") if isinstance(values, dict) else None
        if ref is None and isinstance(inner, dict):
            ref = inner.get("subject_ref")
        if not isinstance(ref, str):
            return None
        self.named.add(ref)
        kept = self.numbers.get(ref)
        if kept is None:
            return "the subject reference held is missing from the subjects table"
        if chained != [kept]:
            return "the subjects table gives the subject another number than the event chains"
        return None

    def finish(self, conn: sqlite3.Connection) -> tuple[int | None, str, str] | None:
        """What is wrong with the rows no event checked, and with ``next_person``."""
        if self.numbers.keys() - self.named:
            why = "the subjects table holds a reference that no personal value held names"
            return None, "subjects_mismatch", why
        row = conn.execute("SELECT value FROM anpr_ops_meta WHERE key = 'next_person'").fetchone()
        text = "1" if row is None else str(row[0])
        following = int(text) if text.isascii() and text.isdigit() else None
        if following is None or following <= self.highest:
            why = (
                "the log's next_person is not above every number its events chain: a new person "
                "would be given a number in use, or that of someone erased"
            )
            return None, "next_person_reused", why
        return None


def _access(conn: sqlite3.Connection) -> tuple[int, int, tuple[int | None, str, str] | None]:
    """(entries checked, erasures recorded, first problem): the access record's own chain, and
    the ``erased`` table against the erasures it records."""
    walk = verify_rows(
        (seq, bytes(body), str(digest))
        for seq, body, digest in conn.execute(
            "SELECT seq, CAST(body AS BLOB), hash FROM access_log ORDER BY seq"
        )
    )
    if not walk.ok:
        return (
            walk.checked,
            0,
            (
                None,
                "access_" + (walk.problem or "broken"),
                f"the access record is broken at its entry {walk.first_bad_seq}: {walk.reason}",
            ),
        )
    recorded: dict[int, int] = {}
    erasures = 0
    for seq, body in conn.execute("SELECT seq, body FROM access_log ORDER BY seq"):
        try:
            entry = json.loads(body)
        except ValueError:
            return walk.checked, 0, (None, "access_damaged", f"access entry {seq} is not JSON")
        if isinstance(entry, dict) and entry.get("action") in _ERASING:
            erasures += 1 if entry.get("events") else 0
            for first, last in entry.get("events", ()):
                for event_seq in range(int(first), int(last) + 1):
                    recorded.setdefault(event_seq, seq)
    stored = dict(conn.execute("SELECT seq, access_seq FROM erased"))
    for event_seq in sorted(set(stored) | set(recorded)):
        if stored.get(event_seq) != recorded.get(event_seq):
            return (
                walk.checked,
                erasures,
                (
                    event_seq,
                    "erasure_unrecorded",
                    "the erasures the log lists differ from those its access record holds",
                ),
            )
    return walk.checked, erasures, None


def verify_log(
    conn: sqlite3.Connection,
    checkpoint: Checkpoint | None = None,
    *,
    bodies: bool = True,
    check: BodyCheck | None = None,
) -> VerifyResult:
    """Verify the log open on ``conn`` (see the module's docstring); never raises for a
    damaged log. ``bodies=False`` skips step 3, the slowest."""
    try:
        return _verify(conn, checkpoint, bodies=bodies, check=check)
    except (sqlite3.Error, ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        return VerifyResult(
            ok=False,
            checked=0,
            problem="storage_damaged",
            reason=f"the file could not be read to the end ({type(exc).__name__})",
        )


def _rows(conn: sqlite3.Connection) -> Iterator[tuple[int, bytes, str]]:
    for seq, body, digest in conn.execute(
        "SELECT seq, CAST(body AS BLOB), hash FROM events ORDER BY seq"
    ):
        yield seq, body, str(digest)


def _verify(
    conn: sqlite3.Connection,
    checkpoint: Checkpoint | None,
    *,
    bodies: bool,
    check: BodyCheck | None,
) -> VerifyResult:
    result = verify_rows(_rows(conn))
    if not result.ok:
        return result
    if bodies:
        bad = _bodies(conn, check)
        if bad is not None:
            return _failed(result, *bad)
    row = conn.execute(_COPIES).fetchone()
    if row is not None:
        return _failed(
            result,
            row[0],
            "column_mismatch",
            "a column of events (event_id, kind, op_id, occurred_at or a referenced seq) does "
            "not match the event's bytes",
        )
    checked, erased, problem = _personal(conn)
    result = dataclasses.replace(result, personal_checked=checked, erased=erased)
    if problem is not None:
        return _failed(result, *problem)
    entries, erasures, access_problem = _access(conn)
    result = dataclasses.replace(result, access_checked=entries, erasures=erasures)
    if access_problem is not None:
        return _failed(result, *access_problem)
    came = _v1.origin(conn) if bodies else None
    if came is not None:
        found = _v1.descent(conn, _v1.Head(came.log_id, came.head_seq, came.head_hash))
        if not found.ok:
            reason = f"the log's migration record does not hold: it {found.summary()}"
            return _failed(result, None, "origin_mismatch", reason)
    if checkpoint is not None:
        return _against(conn, result, checkpoint)
    return result


def _against(conn: sqlite3.Connection, result: VerifyResult, cp: Checkpoint) -> VerifyResult:
    here = origin(read_log_name(conn), read_log_id(conn))
    if cp.origin != here:
        return _failed(
            result,
            None,
            "checkpoint_other_log",
            f"the checkpoint is of the log {cp.origin!r}, this file is {here!r}",
        )
    if result.head_seq < cp.size:
        return _failed(
            result,
            result.head_seq + 1,
            "truncated",
            f"the log ends at seq {result.head_seq} but the checkpoint was taken at seq "
            f"{cp.size}: events were removed from the end",
        )
    found = conn.execute("SELECT hash FROM events WHERE seq = ?", (cp.size,)).fetchone()
    head = str(found[0]) if found is not None else GENESIS_HASH
    if head != cp.head_hash:
        return _failed(
            result,
            cp.size or None,
            "rewritten",
            f"the event at seq {cp.size} does not have the checkpoint's hash: the log was "
            "rewritten up to there",
        )
    if root_at(conn, cp.size) != cp.root:
        return _failed(
            result,
            cp.size or None,
            "root_mismatch",
            f"the first {cp.size} events do not hash to the checkpoint's Merkle root: the log "
            "was rewritten up to there",
        )
    problem = _access_against(conn, cp)
    if problem is not None:
        return _failed(result, None, *problem)
    if cp.op_id is not None:
        (count,) = conn.execute(
            "SELECT count(*) FROM events WHERE op_id = ? AND seq <= ?", (cp.op_id, cp.size)
        ).fetchone()
        if count != cp.op_events:
            return _failed(
                result,
                cp.size or None,
                "checkpoint_count",
                f"operation {cp.op_id!r} has {count} events up to seq {cp.size}, the "
                f"checkpoint says {cp.op_events}",
            )
    return dataclasses.replace(result, checkpoint_checked=True)


def _access_against(conn: sqlite3.Connection, cp: Checkpoint) -> tuple[str, str] | None:
    """The access record against the checkpoint's head of it: (problem, why), or ``None``."""
    (entries,) = conn.execute("SELECT count(*) FROM access_log").fetchone()
    if entries < cp.access_entries:
        return (
            "access_truncated",
            f"the access record has {entries} entries but had {cp.access_entries} when the "
            "checkpoint was taken: entries were removed",
        )
    found = conn.execute(
        "SELECT hash FROM access_log WHERE seq = ?", (cp.access_entries,)
    ).fetchone()
    head = str(found[0]) if found is not None else GENESIS_HASH
    if head != cp.access_hash:
        return (
            "access_rewritten",
            f"the access record's entry {cp.access_entries} does not have the checkpoint's "
            "hash: the record was rewritten up to there",
        )
    return None


def root_at(conn: sqlite3.Connection, size: int) -> bytes:
    """The RFC 9162 root of the first ``size`` events, hashed from their stored bytes (not
    from the stored tree, which is derived state: a third party trusts only the events)."""
    return tree_of(conn, size).root()


def tree_of(
    conn: sqlite3.Connection,
    size: int,
    tiles: Callable[[dict[tuple[int, int], bytes]], None] | None = None,
) -> Frontier:
    """The Merkle tree of the first ``size`` events, hashed from their stored bytes (each
    leaf the UTF-8 bytes of ``events.body``): its right edge, and each batch of tiles it makes
    given to ``tiles``. Raises ``ValueError`` when fewer than ``size`` events are stored."""
    frontier = Frontier()
    last = 0
    while last < size and (
        rows := conn.execute(
            "SELECT seq, CAST(body AS BLOB) FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (last, min(8192, size - last)),
        ).fetchall()
    ):
        frontier, made = frontier.append([leaf_hash(body) for _, body in rows])
        if tiles is not None:
            tiles(made)
        last = rows[-1][0]
    if frontier.size != size:
        raise ValueError("events are missing below the size asked for")
    return frontier
