"""Retention runs (Data Protection Act 2018 s.39): erase the personal values the log's policy
makes due, keep restricted records, and count the records due for review.

A record is due when its ``occurred_at`` — as it now stands, after corrections — is the rule's
number of days or more before the run's ``now``. Its values are erased with every version of
it, as any erasure does (:mod:`anpr_ops.store._erasure`). A run is recorded as one
``retention`` entry of the access record: the policy, ``now``, the events erased (as seq spans),
the fields and counts, the records kept because they are restricted and the records due for
review — never a value. A run that finds nothing due is recorded too; a dry run records
nothing and changes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TypeVar

import attrs

from anpr_ops._time import format_utc
from anpr_ops.store._access import Access, record, spans
from anpr_ops.store._erasure import held_values, mark_erased, take
from anpr_ops.store._policy import POLICY_KINDS, RetentionPolicy
from anpr_ops.store._record import sortable_time

__all__ = ["Due", "RetentionResult", "due", "run"]

_T = TypeVar("_T")

# Each record (not a correction), its kind and time, and its latest replacement's time.
_RECORDS = """
SELECT e.seq, e.kind, e.occurred_at,
    (SELECT json_extract(c.body, '$.replacement.occurred_at') FROM events c
     WHERE c.target_seq = e.seq ORDER BY c.seq DESC LIMIT 1)
FROM events e WHERE e.target_seq IS NULL AND e.kind <> 'correction'
"""


@attrs.frozen
class RetentionResult:
    """What :meth:`OpLog.apply_retention` did — or, with ``dry_run``, would do.

    ``erased`` counts, by kind, the records whose personal values were erased (due, in a dry
    run); ``events`` the events — records and their corrections — and ``fields`` the values,
    by field. ``restricted`` counts, by kind, records due but kept because they are restricted
    as evidence; ``due_for_review``, by kind, records whose review date has passed (kept: their
    kind's rule is to review, not erase). ``kept_elsewhere`` and ``purged`` are as for
    :class:`~anpr_ops.store.ErasureResult`. ``policy`` is the policy applied, ``policy_seq``
    the access entry that set it (``None``: the default), ``access_seq`` the entry recording
    the run (``None`` for a dry run).
    """

    now: datetime
    dry_run: bool
    policy: RetentionPolicy
    policy_seq: int | None
    erased: Mapping[str, int]
    events: int
    fields: Mapping[str, int]
    restricted: Mapping[str, int]
    due_for_review: Mapping[str, int]
    kept_elsewhere: Mapping[str, int]
    access_seq: int | None = None
    purged: bool = True
    previewed: bool = False
    """True when ``policy`` was given to a dry run to preview it (it is not the log's)."""

    def summary(self) -> str:
        """What happened, in a few lines for people (no value named)."""
        if self.previewed:
            source = "previewed, not set"
        elif self.policy_seq is None:
            source = "default"
        else:
            source = f"set by access entry {self.policy_seq}"
        lines = [f"retention policy ({source}): {self.policy.describe()}"]
        done = "would erase" if self.dry_run else "erased"
        when = format_utc(self.now)
        if self.events:
            kinds = ", ".join(f"{kind} {count}" for kind, count in self.erased.items())
            fields = ", ".join(f"{name} {count}" for name, count in self.fields.items())
            lines.append(
                f"as of {when}: {done} the personal values of {sum(self.erased.values())} "
                f"record(s) ({self.events} event(s)): {kinds}; values: {fields}"
            )
        else:
            lines.append(f"as of {when}: nothing due for erasure")
        if self.restricted:
            kinds = ", ".join(f"{kind} {count}" for kind, count in self.restricted.items())
            lines.append(f"due but kept as evidence (restricted): {kinds}")
        if self.due_for_review:
            kinds = ", ".join(f"{kind} {count}" for kind, count in self.due_for_review.items())
            lines.append(f"due for review: {kinds}")
        if self.kept_elsewhere:
            total = sum(self.kept_elsewhere.values())
            fields = ", ".join(f"{name} {count}" for name, count in self.kept_elsewhere.items())
            lines.append(f"{total} value(s) erased are still held elsewhere in the log: {fields}")
        if self.dry_run:
            lines.append("dry run: nothing was changed or recorded")
        else:
            lines.append(f"recorded as access entry {self.access_seq}")
        if not self.purged:
            lines.append(
                "the write-ahead log could not be emptied while another connection reads the "
                "log: it may still hold erased values; run 'anpr-ops purge DB' once they have "
                "closed"
            )
        return "\n".join(lines)


@attrs.frozen
class Due:
    """What a policy makes due at a moment: ``erase`` (kind -> the versions of each record due
    whose values are still held and not restricted), ``restricted`` (kind -> records due but
    restricted) and ``review`` (kind -> records due for review)."""

    erase: Mapping[str, list[tuple[int, ...]]]
    restricted: Mapping[str, int]
    review: Mapping[str, int]


def due(conn: sqlite3.Connection, policy: RetentionPolicy, now: datetime) -> Due:
    """The records ``policy`` makes due at ``now`` (see :class:`Due`)."""
    held = {seq for (seq,) in conn.execute("SELECT seq FROM personal")}
    restricted = {seq for (seq,) in conn.execute("SELECT seq FROM restricted")}
    fixes: dict[int, list[int]] = {}
    for target, seq in conn.execute(
        "SELECT target_seq, seq FROM events WHERE target_seq IS NOT NULL ORDER BY seq"
    ):
        fixes.setdefault(target, []).append(seq)
    cutoffs = {}
    for kind in POLICY_KINDS:
        rule = policy.rule(kind)
        days = rule.erase_after_days or rule.review_after_days or 0
        cutoffs[kind] = (sortable_time(format_utc(now - timedelta(days=days))), rule)
    erase: dict[str, list[tuple[int, ...]]] = {}
    kept: dict[str, int] = {}
    review: dict[str, int] = {}
    for seq, kind, occurred_at, replaced in conn.execute(_RECORDS):
        cutoff, rule = cutoffs[kind]
        when = sortable_time(replaced) if isinstance(replaced, str) else occurred_at
        versions = (seq, *fixes.get(seq, ()))
        if when > cutoff or not any(v in held for v in versions):
            continue
        if rule.erase_after_days is None:
            review[kind] = review.get(kind, 0) + 1
        elif any(v in restricted for v in versions):
            kept[kind] = kept.get(kind, 0) + 1
        else:
            erase.setdefault(kind, []).append(versions)
    return Due(_sorted(erase), _sorted(kept), _sorted(review))


def _sorted(counts: dict[str, _T]) -> dict[str, _T]:
    return {kind: counts[kind] for kind in POLICY_KINDS if kind in counts}


def run(
    conn: sqlite3.Connection,
    policy: RetentionPolicy,
    policy_seq: int | None,
    now: datetime,
    *,
    actor: str | None,
    reason: str,
    dry_run: bool,
) -> RetentionResult:
    """Apply ``policy`` at ``now`` inside the caller's transaction (a write transaction, unless
    ``dry_run``), recording the run unless ``dry_run``."""
    found = due(conn, policy, now)
    seqs = [seq for records in found.erase.values() for versions in records for seq in versions]
    taken = take(conn, held_values(conn, seqs), reason, dry_run=dry_run)
    erased = {kind: len(records) for kind, records in found.erase.items()}
    result = RetentionResult(
        now=now,
        dry_run=dry_run,
        policy=policy,
        policy_seq=policy_seq,
        erased=erased,
        events=len(taken.seqs),
        fields=taken.fields,
        restricted=found.restricted,
        due_for_review=found.review,
        kept_elsewhere=taken.kept_elsewhere,
    )
    if dry_run:
        return result
    assert actor is not None
    entry = Access(
        action="retention",
        actor=actor,
        reason=reason,
        events=spans(taken.seqs),
        fields=tuple(taken.fields),
        counts=taken.counts(
            records=sum(erased.values()),
            restricted_kept=sum(found.restricted.values()),
            due_for_review=sum(found.review.values()),
        ),
        detail={
            "now": format_utc(now),
            "policy": policy.to_dict(),
            "policy_entry": policy_seq,
            "erased_by_kind": erased,
            "restricted_by_kind": dict(found.restricted),
            "review_by_kind": dict(found.review),
            **taken.detail(),
        },
    )
    access_seq = record(conn, entry)
    mark_erased(conn, taken.seqs, access_seq)
    return attrs.evolve(result, access_seq=access_seq)
