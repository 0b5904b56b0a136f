"""Strategies for whole coherent operations, ready for ``log.extend(batch)``."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

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


#: The units of activity :func:`operation_batches` draws: an ANPR hit and what followed it; a
#: weapon sweep and its finds; an arrest enquiry and the arrest; a patrol; a search without a
#: stop; a stop without a hit; an outcome or a seizure on its own.
UNITS: Final = ("anpr", "sweep", "enquiry", "patrol", "search", "stop", "outcome", "seizure")
_REF_FIELDS = ("hit_id", "stop_id", "search_id", "enquiry_id", "sweep_id")
# The kinds whose references a correction may move: the links from a hit to an arrest.
_LINKED = frozenset({"vehicle_stop", "search", "outcome"})


class _Plan:
    """The events of one generated batch so far, and what refers to what."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.current: dict[str, Any] = {}  # event_id -> live version

    def add(self, event: Any) -> Any:
        self.events.append(event)
        self.current[event.event_id] = event
        return event

    def users(self, event_id: str) -> list[Any]:
        """The live versions of the events that name ``event_id``."""
        return [
            e
            for e in self.current.values()
            if any(getattr(e, field, None) == event_id for field in _REF_FIELDS)
        ]

    def live(self, kind: str, op_id: str) -> list[str]:
        """The ids of the live events of ``kind`` in ``op_id``, in the order they came."""
        return [e.event_id for e in self.current.values() if e.kind == kind and e.op_id == op_id]


def operation_batches(
    *,
    op_id: str = "op",
    timezones: SearchStrategy[str] | None = None,
    max_children: int = 2,
    max_units: int = 6,
    max_corrections: int = 3,
    span_hours: int = 30,
    people: Sequence[str] = _PEOPLE,
    units: Collection[str] = UNITS,
) -> SearchStrategy[list[Event]]:
    """Whole coherent operations, as one batch that ``log.extend`` accepts.

    The batch opens ``op_id`` (sites ``north``, ``south``, …) and up to ``max_children`` child
    operations (``<op_id>-c1``, …; a child may have a child of its own), then, for each
    operation, up to ``max_units`` units of activity within ``span_hours`` of its start: an
    ANPR hit and the stop it led to, with searches, outcomes and seizures; a stop or search
    without a hit; a weapon sweep and what it found; an arrest enquiry and the arrest; a
    patrol; an outcome or seizure on its own (``units`` chooses among :data:`UNITS`:
    ``("anpr", "stop", "search")`` draws the ANPR funnel's work only; a unit that needs a site
    in an operation without one is a seizure on its own). Then up to ``max_corrections``
    corrections:
    replacements of any event (references kept, or an outcome, search or stop pointed at
    another event of the kind it names, or at none), retractions of events nothing refers to,
    and retractions of an event after everything that refers to it (each one correction).

    Every reference holds, ids are ``<op_id>-…`` (so batches with different ``op_id`` can
    share a log), subject references come from ``people`` (so people are arrested twice),
    and operations often start just before one of :data:`CLOCK_CHANGES`.
    """
    st = _st()
    zones = timezones if timezones is not None else st.sampled_from(TIMEZONES)
    kinds = [unit for unit in UNITS if unit in set(units)]
    unknown = sorted(set(units).difference(UNITS))
    if unknown or not kinds:
        message = f"units must be some of {', '.join(UNITS)}, not {sorted(units)!r}"
        raise ValueError(message)

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
                    kinds,
                    this_op,
                    f"{this_op}-u{u}",
                    op_sites[this_op],
                    start,
                    span_hours,
                    who,
                )
        n_fixes = draw(st.integers(0, max_corrections))
        made = j = 0
        while made < n_fixes:
            added = _draw_correction(draw, plan, f"{op_id}-x{j}", op_sites, who, n_fixes - made)
            if not added:
                break
            made += added
            j += 1
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
    kinds: Sequence[str],
    op_id: str,
    prefix: str,
    site_ids: Sequence[str],
    start: datetime,
    span_hours: int,
    people: SearchStrategy[str],
) -> None:
    st = _st()
    at = _when(draw, start, span_hours)
    kind = draw(st.sampled_from(kinds))

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
    budget: int,
) -> int:
    """Add a correction, or a retraction after the retractions of what refers to its target,
    within ``budget`` corrections; how many were added."""
    from anpr_ops.events import Correction

    st = _st()
    targets = [
        e
        for e in plan.current.values()
        if getattr(e, "kind", "") not in {"operation", "correction"}
    ]
    if not targets:
        return 0
    linked = [e for e in targets if e.kind in _LINKED]
    if linked and draw(st.booleans()):
        targets = linked  # the links of the funnel, half the time
    target = draw(st.sampled_from(targets))
    leaf = not plan.users(target.event_id)
    if leaf and draw(st.booleans()):
        _retract(draw, plan, target, event_id)
        return 1
    if not leaf and draw(st.booleans()):
        # Retract the target, each event that refers to it (transitively) retracted first.
        order = _dependants_first(plan, target)
        if len(order) <= budget:
            for k, event in enumerate(order):
                _retract(draw, plan, event, event_id if event is target else f"{event_id}-{k}")
            return len(order)
    at = target.occurred_at + timedelta(minutes=draw(st.integers(1, 36 * 60)))
    base = {"event_id": event_id, "op_id": target.op_id, "occurred_at": at}
    replacement = _redraw(draw, plan, target, op_sites[target.op_id], people)
    plan.add(
        Correction(
            **base, target_id=target.event_id, reason="Corrected on review", replacement=replacement
        )
    )
    plan.current[target.event_id] = replacement
    return 1


def _dependants_first(plan: _Plan, target: Any) -> list[Any]:
    """``target`` and every live event that refers to it, transitively, each after all that
    refer to it."""
    order: list[Any] = []

    def visit(event: Any) -> None:
        for user in plan.users(event.event_id):
            if user not in order:
                visit(user)
        if event not in order:
            order.append(event)

    visit(target)
    return order


def _retract(draw: DrawFn, plan: _Plan, target: Any, event_id: str) -> None:
    from anpr_ops.events import Correction

    at = target.occurred_at + timedelta(minutes=draw(_st().integers(1, 36 * 60)))
    plan.add(
        Correction(
            event_id=event_id,
            op_id=target.op_id,
            occurred_at=at,
            target_id=target.event_id,
            reason="Recorded in error",
            retract=True,
        )
    )
    del plan.current[target.event_id]


def _redraw(
    draw: DrawFn, plan: _Plan, event: Any, site_ids: Sequence[str], people: SearchStrategy[str]
) -> Any:
    """Another version of ``event``: same kind, id and operation; the same references, or,
    for an outcome, a search or a stop, sometimes another event of the kind it names (or
    none): an outcome moved to another search or straight to a stop, a search to another
    stop, a stop to another hit."""
    st = _st()
    kind = event.kind
    at = event.occurred_at + timedelta(minutes=draw(st.integers(-30, 30)))
    base = {"event_id": event.event_id, "op_id": event.op_id, "occurred_at": at}
    refs = {
        f: getattr(event, f)
        for f in ("search_id", "stop_id", "enquiry_id", "sweep_id")
        if getattr(event, f, None) is not None
    }
    op_id = event.op_id

    def moved(now: Any, others: list[Any]) -> Any:
        """Half the time, one of ``others`` (other than ``now``); else ``now``."""
        others = [other for other in others if other != now]
        return draw(st.sampled_from(others)) if others and draw(st.booleans()) else now

    if kind == "anpr_hit":
        return _draw_hit(draw, base, site_ids)
    if kind == "vehicle_stop":
        hit_id = moved(event.hit_id, [None, *plan.live("anpr_hit", op_id)])
        return _draw_stop(draw, base, site_ids, hit_id)
    if kind == "search":
        stop_id = moved(event.stop_id, [None, *plan.live("vehicle_stop", op_id)])
        return _draw_search(draw, base, site_ids, stop_id, people)
    if kind == "outcome":
        sources = [
            {},
            *({"search_id": s} for s in plan.live("search", op_id)),
            *({"stop_id": s} for s in plan.live("vehicle_stop", op_id)),
        ]
        return _draw_outcome(draw, base, moved(refs, sources), people)
    if kind == "seizure":
        return _draw_seizure(draw, base, site_ids, refs, weapon="sweep_id" in refs)
    if kind == "weapon_sweep":
        return _draw_sweep(draw, base, site_ids)
    if kind == "arrest_enquiry":
        return _draw_enquiry(draw, base, people)
    return _draw_patrol(draw, base, site_ids)
