"""Histories of the ANPR funnel's links, for property tests of the counts that follow them.

A history is the events of one operation (tests/factory.py's, at its three sites) in the order
they are appended: ANPR hits, stops (most after a hit), searches (most of a stop), outcomes (of
a search, of a stop, or of neither; arrests, no further action and other disposals), then
corrections, each changing one link of the funnel as it then is:

- an outcome pointed at another search, straight at a stop, or at nothing;
- an outcome's disposal changed (an arrest to no further action, and back);
- a search moved to another stop, or to none;
- a stop given another hit, or none (no longer after a hit);
- an event retracted, after the retraction of everything that refers to it.

Whether a stop counts as searched, positive or arrested (``hit_led_stops_*``) then depends on
events two references away, appended in other batches: what the rollups must follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from tests.factory import correction, hit, operation, outcome, search, stop

SITES = ("vauxhall", "blackfriars", "tower-bridge")
#: Disposals and the offences each is recorded with.
DISPOSALS = {
    "arrest": ["MD71234"],
    "no_further_action": [],
    "traffic_offence_report": ["RT88191"],
}
_REFS = ("hit_id", "stop_id", "search_id")
_SOURCES = ("search_id", "stop_id")


@st.composite
def funnel_histories(draw: st.DrawFn, *, max_corrections: int = 6) -> list[dict[str, Any]]:
    """The events of one operation's ANPR funnel and up to ``max_corrections`` corrections of
    its links (a retraction after those of what refers to its target counts each one)."""
    events: list[dict[str, Any]] = [operation()]
    live: dict[str, dict[str, Any]] = {}

    def add(event: dict[str, Any]) -> None:
        events.append(event)
        live[event["event_id"]] = event

    def ids(kind: str) -> list[str]:
        return [event_id for event_id, e in live.items() if e["kind"] == kind]

    def at(first: int = 9, last: int = 14) -> str:
        hour, minute = draw(st.integers(first, last)), draw(st.integers(0, 59))
        return f"2020-04-18T{hour:02d}:{minute:02d}:00+01:00"

    def site() -> str:
        return draw(st.sampled_from(SITES))

    for i in range(draw(st.integers(1, 3))):
        add(hit(f"hit-{i}", site=site(), occurred_at=at()))
    for i in range(draw(st.integers(1, 3))):
        hit_id = draw(st.sampled_from([*ids("anpr_hit"), None]))
        add(stop(f"stop-{i}", hit_id=hit_id, site=site(), occurred_at=at()))
    for i in range(draw(st.integers(1, 2))):
        stop_id = draw(st.sampled_from([*ids("vehicle_stop"), None]))
        add(search(f"search-{i}", stop_id=stop_id, occurred_at=at()))
    # Outcomes of each search (what the stop's funnel counts follow two references away),
    # then of stops or of nothing.
    sources: list[tuple[str, str] | None] = []
    for search_id in ids("search"):
        sources += [("search_id", search_id)] * draw(st.integers(0, 2))
    at_stops = [*(("stop_id", s) for s in ids("vehicle_stop")), None]
    sources += [draw(st.sampled_from(at_stops)) for _ in range(draw(st.integers(0, 2)))]
    for i, source in enumerate(sources):
        disposal = draw(st.sampled_from(list(DISPOSALS)))
        subject = draw(st.sampled_from(["P-1", "P-2"]))
        add(_outcome(f"out-{i}", source, disposal, subject_ref=subject, occurred_at=at()))

    made = 0
    budget = draw(st.integers(min(1, max_corrections), max_corrections))
    while made < budget:
        changes = ["dispose", "repoint"] if ids("outcome") else []
        changes.append("retract")
        if ids("search"):
            changes.append("move")
        if ids("vehicle_stop"):
            changes.append("rehit")
        change = draw(st.sampled_from(changes))

        def fix(target: str, **kwargs: Any) -> None:
            nonlocal made
            event_id = f"fix-{len(events)}"
            made += 1
            events.append(correction(target, event_id=event_id, **kwargs))
            events[-1]["occurred_at"] = at(15, 20)

        if change == "retract":
            targets = [i for kind in ("outcome", "search", "vehicle_stop", "anpr_hit")
                       for i in ids(kind)]  # fmt: skip
            if not targets:
                break
            order = _dependants_first(live, draw(st.sampled_from(targets)))
            for target in order:
                fix(target, retract=True)
                del live[target]
            continue
        if change in ("repoint", "dispose"):
            target = draw(st.sampled_from(ids("outcome")))
            now = live[target]
            source = next(((f, now[f]) for f in _SOURCES if f in now), None)
            disposal = now["disposal"]
            elsewhere = [s for s in _sources(ids) if s != source]
            if change == "repoint" and elsewhere:
                source = draw(st.sampled_from(elsewhere))
            else:
                disposal = draw(st.sampled_from([d for d in DISPOSALS if d != disposal]))
            new = _outcome(target, source, disposal, subject_ref=now["subject_ref"],
                           occurred_at=now["occurred_at"])  # fmt: skip
        elif change == "move":
            target = draw(st.sampled_from(ids("search")))
            now = live[target]
            stops = [s for s in [*ids("vehicle_stop"), None] if s != now.get("stop_id")]
            moved = draw(st.sampled_from(stops)) if stops else now.get("stop_id")
            new = {k: v for k, v in now.items() if k != "stop_id"}
            if moved is not None:
                new["stop_id"] = moved
        else:
            target = draw(st.sampled_from(ids("vehicle_stop")))
            now = live[target]
            hits = [h for h in [*ids("anpr_hit"), None] if h != now.get("hit_id")]
            hit_id = draw(st.sampled_from(hits)) if hits else now.get("hit_id")
            new = stop(target, hit_id=hit_id, site=now["site_id"], occurred_at=now["occurred_at"])
        fix(target, replacement=new)
        live[target] = new
    return events


def _sources(ids: Callable[[str], list[str]]) -> list[tuple[str, str] | None]:
    """What an outcome may name: a live search, a live stop, or nothing."""
    return [
        *(("search_id", s) for s in ids("search")),
        *(("stop_id", s) for s in ids("vehicle_stop")),
        None,
    ]


def _outcome(
    event_id: str, source: tuple[str, str] | None, disposal: str, **extra: Any
) -> dict[str, Any]:
    refs: dict[str, Any] = {"search_id": None}
    if source is not None:
        refs[source[0]] = source[1]
    return outcome(event_id, **refs, disposal=disposal, offences=DISPOSALS[disposal], **extra)


def _dependants_first(live: dict[str, dict[str, Any]], target: str) -> list[str]:
    """``target`` and every live event that refers to it, transitively, each after all that
    refer to it."""
    order: list[str] = []

    def visit(event_id: str) -> None:
        for user, event in live.items():
            if event_id in (event.get(f) for f in _REFS) and user not in order:
                visit(user)
        if event_id not in order:
            order.append(event_id)

    visit(target)
    return order
