"""Strategies for whole coherent operations, ready for ``log.extend(batch)``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

    from anpr_ops.events import (
        Event,
    )

from anpr_ops.strategies._kinds import (
    _draw_enquiry,
    _draw_hit,
    _draw_outcome,
    _draw_patrol,
    _draw_search,
    _draw_seizure,
    _draw_stop,
    _draw_sweep,
    _free,
)
from anpr_ops.strategies._values import (
    _PEOPLE,
    _SITE_IDS,
    CLOCK_CHANGES,
    TIMEZONES,
    _st,
)

# --------------------------------------------------------------------------- whole operations


class _Plan:
    """The events of one generated batch so far, and what refers to what."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.current: dict[str, Any] = {}  # event_id -> live version
        self.referenced: set[str] = set()  # ids some live event names

    def add(self, event: Any) -> Any:
        self.events.append(event)
        self.current[event.event_id] = event
        for field in ("hit_id", "stop_id", "search_id", "enquiry_id", "sweep_id"):
            ref = getattr(event, field, None)
            if ref is not None:
                self.referenced.add(ref)
        return event


def operation_batches(
    *,
    op_id: str = "op",
    timezones: SearchStrategy[str] | None = None,
    max_children: int = 2,
    max_units: int = 6,
    max_corrections: int = 3,
    span_hours: int = 30,
    people: Sequence[str] = _PEOPLE,
) -> SearchStrategy[list[Event]]:
    """Whole coherent operations, as one batch that ``log.extend`` accepts.

    The batch opens ``op_id`` (sites ``north``, ``south``, …) and up to ``max_children`` child
    operations (``<op_id>-c1``, …; a child may have a child of its own), then, for each
    operation, up to ``max_units`` units of activity within ``span_hours`` of its start: an
    ANPR hit and the stop it led to, with searches, outcomes and seizures; a stop or search
    without a hit; a weapon sweep and what it found; an arrest enquiry and the arrest; a
    patrol; an outcome or seizure on its own. Then up to ``max_corrections`` corrections:
    replacements of any event (references kept) and retractions of events nothing refers to.

    Every reference holds, ids are ``<op_id>-…`` (so batches with different ``op_id`` can
    share a log), subject references come from ``people`` (so people are arrested twice),
    and operations often start just before one of :data:`CLOCK_CHANGES`.
    """
    st = _st()
    zones = timezones if timezones is not None else st.sampled_from(TIMEZONES)

    def build(draw: DrawFn) -> list[Event]:
        from anpr_ops.events import Operation, Site

        plan = _Plan()
        start = draw(
            st.one_of(
                st.sampled_from(CLOCK_CHANGES).map(lambda t: t - timedelta(hours=3)),
                st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2030, 12, 31)).map(
                    lambda t: t.replace(tzinfo=UTC)
                ),
            )
        )
        # Half the subjects are the first person, so people are often arrested twice.
        who = st.one_of(st.just(people[0]), st.sampled_from(list(people)))
        n_children = draw(st.integers(0, max_children))
        ops: list[tuple[str, str | None]] = [(op_id, None)]
        for i in range(1, n_children + 1):
            parent = ops[draw(st.integers(0, len(ops) - 1))][0] if i > 1 else op_id
            ops.append((f"{op_id}-c{i}", parent))
        op_sites: dict[str, list[str]] = {}
        for this_op, parent in ops:
            n_sites = draw(st.integers(0 if parent else 1, 3))
            op_sites[this_op] = list(_SITE_IDS[:n_sites])
            zone = draw(zones)
            plan.add(
                Operation(
                    event_id=f"{this_op}-open",
                    op_id=this_op,
                    occurred_at=start,
                    name=f"Op {this_op.replace('-', ' ').title()}",
                    force="metropolitan",
                    timezone=zone,
                    starts_at=start,
                    ends_at=start + timedelta(hours=span_hours),
                    sites=tuple(Site(site_id=s, name=s.title()) for s in op_sites[this_op]),
                    parent_op_id=parent,
                )
            )
        for this_op, _ in ops:
            n_units = draw(st.integers(0, max_units))
            for u in range(n_units):
                _draw_unit(
                    draw,
                    plan,
                    this_op,
                    f"{this_op}-u{u}",
                    op_sites[this_op],
                    start,
                    span_hours,
                    who,
                )
        n_fixes = draw(st.integers(0, max_corrections))
        for j in range(n_fixes):
            _draw_correction(draw, plan, f"{op_id}-x{j}", op_sites, who)
        return plan.events

    return _free(build)


def _when(draw: DrawFn, start: datetime, span_hours: int) -> datetime:
    st = _st()
    minutes = draw(st.integers(0, span_hours * 60))
    seconds = draw(st.integers(0, 59))
    micros = draw(st.one_of(st.just(0), st.integers(0, 999_999)))
    return start + timedelta(minutes=minutes, seconds=seconds, microseconds=micros)


def _later(draw: DrawFn, at: datetime) -> datetime:
    return at + timedelta(minutes=draw(_st().integers(0, 90)))


def _draw_unit(
    draw: DrawFn,
    plan: _Plan,
    op_id: str,
    prefix: str,
    site_ids: Sequence[str],
    start: datetime,
    span_hours: int,
    people: SearchStrategy[str],
) -> None:
    st = _st()
    at = _when(draw, start, span_hours)
    kind = draw(
        st.sampled_from(
            ["anpr", "sweep", "enquiry", "patrol", "search", "stop", "outcome", "seizure"]
        )
    )

    def base(suffix: str, moment: datetime) -> dict[str, Any]:
        return {"event_id": f"{prefix}-{suffix}", "op_id": op_id, "occurred_at": moment}

    def follow_ups(
        source: str, tag: str, event_id: str, moment: datetime, n_out: int, n_seize: int
    ) -> None:
        for k in range(draw(st.integers(0, n_out))):
            when = _later(draw, moment)
            refs = {f"{source}_id": event_id}
            plan.add(_draw_outcome(draw, base(f"{tag}-o{k}", when), refs, people))
        for k in range(draw(st.integers(0, n_seize))):
            when = _later(draw, moment)
            refs = {f"{source}_id": event_id}
            weapon = source == "sweep"
            plan.add(_draw_seizure(draw, base(f"{tag}-z{k}", when), site_ids, refs, weapon=weapon))

    def searches_of(stop_id: str | None, moment: datetime) -> None:
        for k in range(draw(st.integers(0, 2))):
            when = _later(draw, moment)
            search = plan.add(_draw_search(draw, base(f"s{k}", when), site_ids, stop_id, people))
            follow_ups("search", f"s{k}", search.event_id, when, 2, 1)

    if kind in {"anpr", "stop"} and site_ids:
        hit_id = None
        if kind == "anpr":
            hit_id = plan.add(_draw_hit(draw, base("h", at), site_ids)).event_id
            if draw(st.integers(0, 3)) == 0:
                return  # a hit nobody stopped
            at = _later(draw, at)
        stop = plan.add(_draw_stop(draw, base("v", at), site_ids, hit_id))
        searches_of(stop.event_id, at)
        follow_ups("stop", "v", stop.event_id, at, 1, 1)
    elif kind == "search":
        searches_of(None, at)
    elif kind == "sweep":
        sweep = plan.add(_draw_sweep(draw, base("w", at), site_ids))
        follow_ups("sweep", "w", sweep.event_id, at, 0, 2)
    elif kind == "enquiry":
        enquiry = plan.add(_draw_enquiry(draw, base("e", at), people))
        if draw(st.integers(0, 3)) > 0:
            subject = st.just(enquiry.subject_ref)
            plan.add(
                _draw_outcome(
                    draw,
                    base("eo", _later(draw, at)),
                    {"enquiry_id": enquiry.event_id},
                    subject,
                    arrest=draw(st.integers(0, 4)) > 0,
                )
            )
    elif kind == "patrol":
        plan.add(_draw_patrol(draw, base("p", at), site_ids))
    elif kind == "outcome":
        plan.add(_draw_outcome(draw, base("o", at), {}, people))
    else:
        plan.add(_draw_seizure(draw, base("z", at), site_ids, {}))


def _draw_correction(
    draw: DrawFn,
    plan: _Plan,
    event_id: str,
    op_sites: dict[str, list[str]],
    people: SearchStrategy[str],
) -> None:
    from anpr_ops.events import Correction

    st = _st()
    targets = [
        e
        for e in plan.current.values()
        if getattr(e, "kind", "") not in {"operation", "correction"}
    ]
    if not targets:
        return
    target = draw(st.sampled_from(targets))
    at = target.occurred_at + timedelta(minutes=draw(st.integers(1, 36 * 60)))
    base = {"event_id": event_id, "op_id": target.op_id, "occurred_at": at}
    leaf = target.event_id not in plan.referenced
    if leaf and draw(st.booleans()):
        plan.add(
            Correction(**base, target_id=target.event_id, reason="Recorded in error", retract=True)
        )
        del plan.current[target.event_id]
        return
    replacement = _redraw(draw, target, op_sites[target.op_id], people)
    plan.add(
        Correction(
            **base, target_id=target.event_id, reason="Corrected on review", replacement=replacement
        )
    )
    plan.current[target.event_id] = replacement


def _redraw(draw: DrawFn, event: Any, site_ids: Sequence[str], people: SearchStrategy[str]) -> Any:
    """Another version of ``event``: same kind, id, operation and references."""
    st = _st()
    kind = event.kind
    at = event.occurred_at + timedelta(minutes=draw(st.integers(-30, 30)))
    base = {"event_id": event.event_id, "op_id": event.op_id, "occurred_at": at}
    refs = {
        f: getattr(event, f)
        for f in ("search_id", "stop_id", "enquiry_id", "sweep_id")
        if getattr(event, f, None) is not None
    }
    if kind == "anpr_hit":
        return _draw_hit(draw, base, site_ids)
    if kind == "vehicle_stop":
        return _draw_stop(draw, base, site_ids, event.hit_id)
    if kind == "search":
        return _draw_search(draw, base, site_ids, event.stop_id, people)
    if kind == "outcome":
        return _draw_outcome(draw, base, refs, people)
    if kind == "seizure":
        return _draw_seizure(draw, base, site_ids, refs, weapon="sweep_id" in refs)
    if kind == "weapon_sweep":
        return _draw_sweep(draw, base, site_ids)
    if kind == "arrest_enquiry":
        return _draw_enquiry(draw, base, people)
    return _draw_patrol(draw, base, site_ids)
