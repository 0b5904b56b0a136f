"""The checks of a correction in a batch: its target, what its replacement may change (an
operation's sites, a definition's code) and what a retraction would leave without its target,
made against the log and the batch so far; and the code an offence definition defines.

A mixin of :class:`anpr_ops.store._batch.Batch`, apart because corrections are rare and their
checks long, while the batch's common path is read for every event.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING

from anpr_ops.errors import BrokenReferenceError, CorrectionError
from anpr_ops.events import (
    KINDS,
    Correction,
    EventBase,
    OffenceDefinition,
    Operation,
    reference_fields,
)
from anpr_ops.offences import Offence, OffenceCatalogue
from anpr_ops.store._memory import Live, Op
from anpr_ops.store._queries import current_version, live_dependants
from anpr_ops.vocab import EventKind

__all__ = ["CorrectionChecks"]

# The kinds that have a site of their own.
_SITE_KINDS = tuple(spec.kind.value for spec in KINDS if "site_id" in spec.model.model_fields)


class CorrectionChecks:
    """The checks of corrections, for a batch (which provides what is declared here)."""

    conn: sqlite3.Connection
    corrected: set[int]
    known: dict[str, Live]
    catalogue: OffenceCatalogue
    definitions: dict[str, Offence]

    if TYPE_CHECKING:

        def lookup(self, event_id: str) -> Live | None: ...

        def _op(self, op_id: str) -> Op | None: ...

        def _check_parent(self, event: Operation) -> None: ...

        def _check_body(self, outer: EventBase, event: EventBase) -> Live | None: ...

    def _check_correction(self, event: Correction) -> tuple[Live, Live | None]:
        where = f"event {event.event_id!r} (correction)"
        target = self.lookup(event.target_id)
        if target is None:
            message = f"{where}: target_id {event.target_id!r} names no event in the log or batch"
            raise BrokenReferenceError(
                message, event_id=event.event_id, field="target_id", ref=event.target_id
            )
        problem = None
        if target.kind == EventKind.CORRECTION:
            problem = "targets a correction; correct the original event again instead"
        elif target.op_id != event.op_id:
            problem = f"belongs to operation {event.op_id!r} but its target to {target.op_id!r}"
        elif not target.live:
            problem = "targets an event that was already retracted"
        elif event.replacement is not None and event.replacement.kind != target.kind:
            problem = (
                f"replaces a {target.kind} with a {event.replacement.kind}; "
                "a replacement has its target's kind"
            )
        elif event.retract and target.kind == EventKind.OPERATION:
            problem = "cannot retract an operation; retract its events or correct it instead"
        if problem is not None:
            raise CorrectionError(f"{where}: {problem}", event_id=event.event_id)
        replacement = event.replacement
        referred = None
        if replacement is None:
            self._check_no_dependants(event, target)
        elif isinstance(replacement, Operation):
            self._check_operation_replacement(event, replacement, target)
        else:
            referred = self._check_body(event, replacement)
            if isinstance(replacement, OffenceDefinition):
                self._check_definition_replacement(event, replacement, target)
        return target, referred

    def _check_operation_replacement(
        self, event: Correction, replacement: Operation, target: Live
    ) -> None:
        op = self._op(replacement.op_id)
        assert op is not None
        removed = op.sites - set(replacement.site_ids)
        used = self._sites_in_use(replacement.op_id, removed)
        if used:
            message = (
                f"event {event.event_id!r} (correction): the replacement drops site(s) "
                f"{', '.join(sorted(used))} that live events of {replacement.op_id!r} still use"
            )
            raise CorrectionError(message, event_id=event.event_id, code="site_in_use")
        self._check_parent(replacement)

    def _sites_in_use(self, op_id: str, sites: frozenset[str]) -> set[str]:
        used: set[str] = set()
        if sites:
            kinds = ",".join(f"'{kind}'" for kind in (*_SITE_KINDS, EventKind.CORRECTION))
            rows = self.conn.execute(
                f"SELECT seq FROM events WHERE op_id = ? AND kind IN ({kinds}) "
                "AND target_seq IS NULL",
                (op_id,),
            ).fetchall()
            for (seq,) in rows:
                if seq in self.corrected:
                    continue  # judged by its batch version below
                version = current_version(self.conn, seq)
                if version is not None and version.get("site_id") in sites:
                    used.add(version["site_id"])
        for _, ev in self._batch_versions():
            site = getattr(ev, "site_id", None)
            if ev.op_id == op_id and site in sites and not isinstance(ev, Operation):
                used.add(site)
        return used

    def _check_definition_replacement(
        self, event: Correction, replacement: OffenceDefinition, target: Live
    ) -> None:
        code = self._definition_code(target)
        if replacement.code != code:
            message = (
                f"event {event.event_id!r} (correction): a definition's replacement keeps its "
                f"code ({code}); define {replacement.code} with a new event"
            )
            raise CorrectionError(message, event_id=event.event_id, code="definition_code")

    def _batch_versions(self) -> Iterator[tuple[str, EventBase]]:
        for event_id, live in self.known.items():
            if live.live and live.event is not None:
                yield event_id, live.event

    def _check_no_dependants(self, event: Correction, target: Live) -> None:
        where = f"event {event.event_id!r} (correction)"
        ref = event.target_id
        users = [
            event_id
            for seq, event_id in live_dependants(self.conn, target.seq)
            if seq not in self.corrected
        ]
        users += [eid for eid, ev in self._batch_versions() if ref in _refs_of(ev).values()]
        if target.kind == EventKind.OFFENCE_DEFINITION:
            users += self._definition_users(target)
        if users:
            message = (
                f"{where}: cannot retract {ref!r} while live events refer to it "
                f"({', '.join(sorted(set(users))[:5])}); retract or correct those first"
            )
            raise CorrectionError(message, event_id=event.event_id, code="has_dependants")

    def _definition_users(self, target: Live) -> list[str]:
        code = self._definition_code(target)
        if code in self.catalogue:
            return []  # the catalogue still knows the code after the definition goes
        users: list[str] = []
        rows = self.conn.execute(
            "SELECT seq, event_id FROM events WHERE kind IN ('outcome', 'arrest_enquiry') "
            "AND target_seq IS NULL AND instr(body, ?) > 0",
            (f'"{code}"',),
        ).fetchall()
        for seq, event_id in rows:
            if seq in self.corrected:
                continue
            version = current_version(self.conn, seq)
            if version is not None and code in (
                *version.get("offences", ()),
                *version.get("wanted_for", ()),
            ):
                users.append(event_id)
        for event_id, ev in self._batch_versions():
            codes = getattr(ev, "offences", ()) or getattr(ev, "wanted_for", ())
            if code in codes:
                users.append(event_id)
        return users

    # -- writes -------------------------------------------------------------------------

    def _definition_code(self, target: Live) -> str:
        if isinstance(target.event, OffenceDefinition):
            return target.event.code
        # fetchall: a statement left open would hold a read snapshot into the write lock.
        rows = self.conn.execute("SELECT body FROM events WHERE seq = ?", (target.seq,)).fetchall()
        version = current_version(self.conn, target.seq, rows[0][0]) or json.loads(rows[0][0])
        return str(version["code"])


def _refs_of(event: EventBase) -> dict[str, str]:
    # Field values live in __dict__; getattr on a field a kind lacks takes pydantic's slow
    # __getattr__ path, which dominated appends.
    values = event.__dict__
    return {field: value for field in reference_fields(type(event)) if (value := values[field])}
