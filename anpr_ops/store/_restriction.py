"""Restricting records (Data Protection Act 2018 s.47(2)): personal values that must be kept as
evidence are not erased but restricted, and lifting a restriction is recorded too.

A restricted record's values come back from a read only when the caller asks for restricted
values explicitly (``restricted=True``, recorded as such); otherwise they read as
``[restricted]``. Retention runs keep restricted records and say how many they kept. The
``restricted`` table is derived from the ``restrict`` and ``unrestrict`` entries of the access
record, like ``erased`` from the erasures.
"""

from __future__ import annotations

import sqlite3

import attrs

from anpr_ops.store._access import Access, record, spans
from anpr_ops.store._projection import chunks
from anpr_ops.store._selection import Chosen

__all__ = ["RestrictionResult", "restrict", "restricted_seqs"]


@attrs.frozen
class RestrictionResult:
    """What :meth:`OpLog.restrict` or :meth:`OpLog.unrestrict` did.

    ``changed`` lists the records (by event id) restricted — or, when ``lifted``, whose
    restriction was lifted; ``unchanged`` those chosen that already were (or, when lifting,
    were not restricted). ``events`` counts the events — records and their corrections —
    changed, and ``access_seq`` is the access record's entry (``None`` when nothing changed).
    """

    lifted: bool
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    events: int = 0
    access_seq: int | None = None

    @property
    def noop(self) -> bool:
        """True when nothing changed."""
        return self.events == 0

    def summary(self) -> str:
        """What happened, in a line or two for people."""
        done = "lifted the restriction of" if self.lifted else "restricted"
        lines = []
        if self.changed:
            lines.append(
                f"{done} {len(self.changed)} record(s) ({self.events} event(s)); recorded as "
                f"access entry {self.access_seq}"
            )
        else:
            lines.append("nothing changed")
        if self.unchanged:
            state = "not restricted" if self.lifted else "already restricted"
            lines.append(
                f"{len(self.unchanged)} record(s) chosen were {state}: "
                + ", ".join(self.unchanged[:10])
                + (", …" if len(self.unchanged) > 10 else "")
            )
        return "\n".join(lines)


def restricted_seqs(conn: sqlite3.Connection, seqs: list[int]) -> set[int]:
    """Which of ``seqs`` are restricted."""
    found: set[int] = set()
    for chunk in chunks(sorted(set(seqs))):
        marks = ",".join("?" * len(chunk))
        found.update(
            seq
            for (seq,) in conn.execute(f"SELECT seq FROM restricted WHERE seq IN ({marks})", chunk)
        )
    return found


def restrict(
    conn: sqlite3.Connection, chosen: Chosen, *, actor: str, reason: str, lift: bool
) -> RestrictionResult:
    """Restrict the chosen records — every version of each — or lift their restriction, and
    record it (inside the caller's transaction)."""
    already = restricted_seqs(conn, chosen.seqs())
    changed_ids: list[str] = []
    unchanged_ids: list[str] = []
    seqs: list[int] = []
    for record_seq, versions in chosen.records.items():
        todo = [s for s in versions if (s in already) == lift]
        (changed_ids if todo else unchanged_ids).append(chosen.ids[record_seq])
        seqs.extend(todo)
    if not seqs:
        return RestrictionResult(lift, (), tuple(unchanged_ids))
    entry = Access(
        action="unrestrict" if lift else "restrict",
        actor=actor,
        reason=reason,
        query=dict(chosen.query),
        events=spans(seqs),
        counts={"records": len(changed_ids), "events": len(seqs)},
    )
    access_seq = record(conn, entry)
    if lift:
        conn.executemany("DELETE FROM restricted WHERE seq = ?", [(s,) for s in seqs])
    else:
        conn.executemany(
            "INSERT INTO restricted (seq, access_seq) VALUES (?, ?)",
            [(s, access_seq) for s in seqs],
        )
    return RestrictionResult(lift, tuple(changed_ids), tuple(unchanged_ids), len(seqs), access_seq)
