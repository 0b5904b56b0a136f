"""The data-protection operations of a log, as :class:`~anpr_ops.store.OpLog` offers them:
erasure (Data Protection Act 2018 s.47(1)), restriction (s.47(2)), retention (s.39) and the
access record (s.62). See ``docs/data-protection.md``.

Each operation that changes anything needs an actor (``actor=``, else the one the log was
opened with, else ``ANPR_OPS_ACTOR``) and a reason, is refused on a log opened read-only, and
writes its access entry in the same transaction as what it records. Bad input — an unknown
event id, nothing or several things chosen, no actor or reason, a reason quoting a value being
erased — is refused before anything is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from anpr_ops.errors import AccessRefusedError, ErasureError, PolicyError
from anpr_ops.store._access import Access, AccessEntry, Actor, read_entries, record, spans
from anpr_ops.store._connection import Database
from anpr_ops.store._erasure import ErasureResult, held_values, mark_erased, purge, take
from anpr_ops.store._policy import RetentionPolicy, current_policy
from anpr_ops.store._restriction import RestrictionResult, restrict, restricted_seqs
from anpr_ops.store._retention import RetentionResult, run
from anpr_ops.store._selection import Chosen, choose

__all__ = ["RETENTION_REASON", "DataProtection"]

#: The reason a retention run records when none is given.
RETENTION_REASON = "retention policy (s.39 DPA 2018)"


class DataProtection:
    """Erasure, restriction, retention and the access record (mixed into ``OpLog``)."""

    _db: Database
    _actor: Actor

    # -- erasure ------------------------------------------------------------------------

    def erase(
        self,
        *,
        event_ids: Iterable[str] | str = (),
        subject_ref: str | None = None,
        vrm: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> ErasureResult:
        """Erase the personal values of the records chosen by ``event_ids``, or of every record
        holding ``subject_ref`` or the plate ``vrm`` (exactly one of the three), and record the
        erasure in the access record. A record is erased whole: the event and every correction
        of it.

        The chained bytes keep their commitments, so the log still verifies and every report
        is unchanged; the values are gone from every byte of the log's files (unless
        ``result.purged`` is false, see :class:`~anpr_ops.store.ErasureResult`). Erasing what
        is already erased does nothing and says so (``result.noop``). Restricted records named
        by id are refused (lift the restriction first); chosen by subject or plate, they are
        kept and listed.

        Needs an actor and a ``reason`` (recorded; it must not quote a value being erased); an
        unknown event id is an :class:`~anpr_ops.errors.EventNotFoundError` and changes
        nothing.
        """
        ids = (event_ids,) if isinstance(event_ids, str) else tuple(event_ids)
        name = self._who(actor, "erasing personal values")
        why = _reason(reason)
        with self._db.writing("erasing personal values") as conn:
            chosen = choose(conn, event_ids=ids, subject_ref=subject_ref, vrm=vrm)
            records, kept = _unrestricted(conn, chosen)
            held = held_values(conn, [seq for versions in records.values() for seq in versions])
            done = [seq for seq, versions in records.items() if any(v in held for v in versions)]
            result = ErasureResult(
                erased=tuple(chosen.ids[seq] for seq in done),
                already_erased=tuple(chosen.ids[seq] for seq in records if seq not in done),
                restricted=tuple(chosen.ids[seq] for seq in kept),
            )
            if not held:
                return result
            taken = take(conn, held, why)
            entry = Access(
                action="erase",
                actor=name,
                reason=why,
                query=dict(chosen.query),
                events=spans(taken.seqs),
                fields=tuple(taken.fields),
                counts=taken.counts(records=len(done), restricted_kept=len(kept)),
                detail=taken.detail(),
            )
            access_seq = record(conn, entry)
            mark_erased(conn, taken.seqs, access_seq)
        return attrs.evolve(
            result,
            events=len(taken.seqs),
            fields=taken.fields,
            kept_elsewhere=taken.kept_elsewhere,
            subjects_forgotten=taken.subjects_forgotten,
            access_seq=access_seq,
            purged=self.purge(),
        )

    def purge(self) -> bool:
        """Empty the write-ahead log into the file, so that nothing erased stays in it; true
        once it is empty (always, for a log in memory). False when another connection is
        reading and kept it: try again once it has closed."""
        with self._db.reading() as conn:
            return purge(conn)

    # -- restriction --------------------------------------------------------------------

    def restrict(
        self,
        *,
        event_ids: Iterable[str] | str = (),
        subject_ref: str | None = None,
        vrm: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> RestrictionResult:
        """Restrict the records chosen (as for :meth:`erase`): their personal values are kept
        as evidence, retention skips them, and reads return them only when asked for with
        ``restricted=True`` (otherwise ``[restricted]``). Recorded, with the actor and reason.
        Restricting a restricted record does nothing and says so."""
        return self._restriction(event_ids, subject_ref, vrm, actor, reason, lift=False)

    def unrestrict(
        self,
        *,
        event_ids: Iterable[str] | str = (),
        subject_ref: str | None = None,
        vrm: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> RestrictionResult:
        """Lift the restriction of the records chosen (as for :meth:`erase`); recorded."""
        return self._restriction(event_ids, subject_ref, vrm, actor, reason, lift=True)

    def _restriction(
        self,
        event_ids: Iterable[str] | str,
        subject_ref: str | None,
        vrm: str | None,
        actor: str | None,
        reason: str | None,
        *,
        lift: bool,
    ) -> RestrictionResult:
        ids = (event_ids,) if isinstance(event_ids, str) else tuple(event_ids)
        doing = "lifting a restriction" if lift else "restricting records"
        name = self._who(actor, doing)
        why = _reason(reason)
        with self._db.writing(doing) as conn:
            chosen = choose(conn, event_ids=ids, subject_ref=subject_ref, vrm=vrm)
            return restrict(conn, chosen, actor=name, reason=why, lift=lift)

    # -- retention ----------------------------------------------------------------------

    def retention_policy(self) -> RetentionPolicy:
        """The retention policy in force (the latest one set, else the default)."""
        with self._db.reading() as conn:
            return current_policy(conn)[0]

    def set_retention_policy(
        self,
        policy: RetentionPolicy | Mapping[str, Any],
        *,
        actor: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Make ``policy`` (a :class:`~anpr_ops.store.RetentionPolicy`, or its JSON object) the
        log's retention policy; it is recorded in the access record, whose entry's seq this
        returns. Needs an actor."""
        if not isinstance(policy, RetentionPolicy):
            policy = RetentionPolicy.from_dict(policy)
        name = self._who(actor, "setting the retention policy")
        entry = Access(
            action="policy",
            actor=name,
            reason=_clean(reason),
            detail={"policy": policy.to_dict()},
        )
        with self._db.writing("setting the retention policy") as conn:
            return record(conn, entry)

    def apply_retention(
        self,
        now: datetime | None = None,
        *,
        actor: str | None = None,
        reason: str | None = None,
        dry_run: bool = False,
        policy: RetentionPolicy | None = None,
    ) -> RetentionResult:
        """Erase the personal values the retention policy makes due at ``now`` (default: the
        current time; an aware datetime), keeping restricted records, and record the run —
        the policy, the events and fields erased and the counts, never a value.

        ``dry_run`` says what a run would do and changes and records nothing (it needs no
        actor); ``policy`` previews another policy in a dry run (set one with
        :meth:`set_retention_policy`). A real run needs an actor; ``reason`` defaults to
        :data:`RETENTION_REASON`.
        """
        if now is None:
            now = datetime.now(UTC)
        elif not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            message = "a retention run's now must be a datetime with a UTC offset"
            raise PolicyError(message, code="naive_datetime", field="now")
        if policy is not None and not dry_run:
            message = "another policy can only be previewed (dry_run=True); set it first"
            raise PolicyError(message, code="preview_only", field="policy")
        why = _clean(reason) or RETENTION_REASON
        if dry_run:
            with self._db.reading(snapshot=True) as conn:
                stored, seq = current_policy(conn)
                if policy is not None:
                    found = run(conn, policy, None, now, actor=None, reason=why, dry_run=True)
                    return attrs.evolve(found, previewed=True)
                return run(conn, stored, seq, now, actor=None, reason=why, dry_run=True)
        name = self._who(actor, "a retention run")
        with self._db.writing("applying the retention policy") as conn:
            stored, seq = current_policy(conn)
            result = run(conn, stored, seq, now, actor=name, reason=why, dry_run=False)
        return attrs.evolve(result, purged=self.purge() if result.events else True)

    # -- the access record --------------------------------------------------------------

    def access_log(self) -> list[AccessEntry]:
        """Every entry of the access record, in order: each read that returned personal
        values, each disclosure, erasure, restriction, retention run and policy set."""
        with self._db.reading() as conn:
            return read_entries(conn)

    # -- plumbing -----------------------------------------------------------------------

    def _who(self, actor: str | None, doing: str) -> str:
        """The actor's name; refused on a read-only log or with no actor."""
        if self._db.readonly:
            message = f"{doing}: the log was opened read-only; open it for writing"
            raise AccessRefusedError(message, code="read_only")
        who = self._actor if actor is None else Actor.resolve(actor, None)
        name, _ = who.require(doing, purpose=False)
        return name


def _unrestricted(
    conn: sqlite3.Connection, chosen: Chosen
) -> tuple[dict[int, tuple[int, ...]], list[int]]:
    """The chosen records that are not restricted, and those that are (refused when the
    caller named them)."""
    restricted = restricted_seqs(conn, chosen.seqs())
    records: dict[int, tuple[int, ...]] = {}
    kept: list[int] = []
    for seq, versions in chosen.records.items():
        if not any(v in restricted for v in versions):
            records[seq] = versions
        elif chosen.by_id:
            event_id = chosen.ids[seq]
            message = (
                f"event {event_id!r} is restricted (kept as evidence); lift the restriction "
                "before erasing it; nothing was changed"
            )
            raise ErasureError(message, code="restricted", event_id=event_id)
        else:
            kept.append(seq)
    return records, kept


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(text.split())[:500] or None


def _reason(reason: str | None) -> str:
    why = _clean(reason)
    if why is None:
        message = "give a reason: it is recorded in the access record with the actor and time"
        raise ErasureError(message, code="reason_required", field="reason")
    return why
