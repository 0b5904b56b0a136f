"""What one event adds to a report: the one statement of the counting rules in code.

:func:`contribution` takes an event's current version (its public canonical object, as
stored) and what it depends on — its site, what its dependants made of it, the categories of
offence codes — and returns the counts it adds to its cell (operation, site and local hour) and
to the breakdowns. The scan over events (:mod:`anpr_ops.report._scan`) folds contributions;
the rollups kept at append time (:mod:`anpr_ops.store._rollups`) add and subtract the very
same contributions. It sits in the store, below the reports, because the store keeps the
rollups in the transaction of each append.

The rules (``docs/reports.md``): every event counts once, in the operation it belongs to, at
its own ``occurred_at`` and its own site or, without one, the site of what it refers to; a
property that links two events (a hit that led to a stop, a stop that led to a search, a
search that led to an arrest or another positive outcome, an enquiry whose subject was
arrested) is counted on the first one. A stop also counts what came of it through its searches
(an arrest after a search of a stopped vehicle is an arrest after the stop): the ANPR funnel,
hits to stops after a hit to those that ended in an arrest, counts stops, so each stage is part
of the one before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, NamedTuple

from anpr_ops.vocab import Disposal, EventKind, SeizureItem

__all__ = [
    "ETHNICITY_FIELDS",
    "NOT_RECORDED",
    "NO_SITE",
    "UNKNOWN",
    "Contribution",
    "Flags",
    "arrest_source",
    "contribution",
    "flags_given",
    "flags_passed_on",
]

#: The ``by_site`` key of events that have no site, even through what they refer to. Site ids
#: are lower-case slugs, which never start with ``_``, so this key cannot clash with a site.
NO_SITE: Final = "_no_site"
#: The ``searches_by_ethnicity`` key of searches with no self-defined ethnicity recorded.
NOT_RECORDED: Final = "not_recorded"
#: The key of a missing value in other breakdowns (a drug seizure without a class, …).
UNKNOWN: Final = "unknown"
#: The counts a search adds to its ``searches_by_ethnicity`` entry, in ``SearchCounts`` order.
ETHNICITY_FIELDS: Final = ("searches", "arrests", "positive_outcomes", "linked", "linked_known")

#: What an event's dependants make of it (each false unless one of them is live).
Flags = frozenset[str]
HAS_STOP = "stop"  # a hit named by a live stop
HAS_SEARCH = "search"  # a stop named by a live search
HAS_ARREST = "arrest"  # a search (or enquiry) named by a live arrest outcome
HAS_POSITIVE = "positive"  # a search named by a live outcome other than no further action
STOP_ARREST = "stop_arrest"  # a stop named by a live arrest, or whose live search is
STOP_POSITIVE = "stop_positive"  # the same for an outcome other than no further action


class Contribution(NamedTuple):
    """The counts one event adds: to its cell's totals, to breakdowns, and the person arrested
    (the log's number for them) when it is an arrest.

    ``breakdowns`` holds ``(breakdown, key, n)``; a search's ``searches_by_ethnicity`` entry is
    one triple per field of :data:`ETHNICITY_FIELDS` that it counts, keyed
    ``(ethnicity, field)``.
    """

    op_id: str
    site: str
    occurred_at: str
    tallies: Mapping[str, int]
    breakdowns: tuple[tuple[str, Any, int], ...] = ()
    person: int | None = None


def arrest_source(data: Mapping[str, Any]) -> str:
    """What an outcome names: ``search``, ``stop``, ``enquiry`` or ``none``."""
    for field, source in (("search_id", "search"), ("stop_id", "stop"), ("enquiry_id", "enquiry")):
        if data.get(field) is not None:
            return source
    return "none"


def flags_given(kind: str, data: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    """The field naming the event whose flags this one sets, and the flags it sets there."""
    if kind == EventKind.VEHICLE_STOP:
        return "hit_id", (HAS_STOP,)
    if kind == EventKind.SEARCH:
        return "stop_id", (HAS_SEARCH,)
    if kind == EventKind.OUTCOME:
        disposal = data.get("disposal")
        given = []
        if disposal == Disposal.ARREST:
            given.append(HAS_ARREST)
        if disposal != Disposal.NO_FURTHER_ACTION:
            given.append(HAS_POSITIVE)
        if data.get("search_id") is not None:
            return "search_id", tuple(given)
        if data.get("stop_id") is not None:
            return "stop_id", _on_stop(given)
        if data.get("enquiry_id") is not None and disposal == Disposal.ARREST:
            return "enquiry_id", (HAS_ARREST,)
    return None, ()


def _on_stop(flags: Sequence[str] | Flags) -> tuple[str, ...]:
    return tuple(
        mark for flag, mark in ((HAS_ARREST, STOP_ARREST), (HAS_POSITIVE, STOP_POSITIVE))
        if flag in flags
    )  # fmt: skip


def flags_passed_on(
    kind: str, data: Mapping[str, Any], flags: Flags
) -> tuple[str | None, tuple[str, ...]]:
    """What an event passes on, from its own flags, to the event it names: a search's arrest
    or positive outcome is its stop's too. The field naming that event (``None`` when the
    event passes nothing on, whatever its flags), and the flags it passes with ``flags``."""
    if kind == EventKind.SEARCH and data.get("stop_id") is not None:
        return "stop_id", _on_stop(flags)
    return None, ()


def contribution(
    data: Mapping[str, Any],
    *,
    site: str | None,
    flags: Flags,
    category: Callable[[str], str],
) -> Contribution | None:
    """What the live event ``data`` (public canonical object) adds to a report; ``None`` for
    kinds that count nowhere (operations, offence definitions; a correction counts once, apart:
    at its own time, at the site of its target's last version)."""
    kind = data["kind"]
    where = site or NO_SITE
    op_id = data["op_id"]
    at = data["occurred_at"]
    if kind == EventKind.ANPR_HIT:
        reasons = tuple(("hits_by_reason", reason, 1) for reason in data["reasons"])
        return Contribution(
            op_id,
            where,
            at,
            {"anpr_hits": 1, "hits_with_stop": int(HAS_STOP in flags)},
            (*reasons, ("hits_by_hotlist", data["hotlist"], 1)),
        )
    if kind == EventKind.VEHICLE_STOP:
        hit_led = data.get("hit_id") is not None
        return Contribution(
            op_id,
            where,
            at,
            {
                "vehicle_stops": 1,
                "hit_led_stops": int(hit_led),
                "stops_with_search": int(HAS_SEARCH in flags),
                "hit_led_stops_searched": int(hit_led and HAS_SEARCH in flags),
                "hit_led_stops_positive": int(hit_led and STOP_POSITIVE in flags),
                "hit_led_stops_arrested": int(hit_led and STOP_ARREST in flags),
            },
        )
    if kind == EventKind.SEARCH:
        return _search(data, op_id, where, at, flags)
    if kind == EventKind.OUTCOME:
        return _outcome(data, op_id, where, at, category)
    if kind == EventKind.SEIZURE:
        item = data["item"]
        keys: list[tuple[str, Any, int]] = [("seizures_by_item", item, 1)]
        if item == SeizureItem.CONTROLLED_DRUG:
            keys.append(("drug_seizures_by_class", data.get("drug_class") or UNKNOWN, 1))
        elif item == SeizureItem.WEAPON:
            keys.append(("weapons_by_type", data.get("weapon_type") or UNKNOWN, 1))
        return Contribution(op_id, where, at, {"seizures": 1}, tuple(keys))
    if kind == EventKind.WEAPON_SWEEP:
        return Contribution(op_id, where, at, {"weapon_sweeps": 1})
    if kind == EventKind.PATROL:
        return Contribution(op_id, where, at, {"patrols": 1})
    if kind == EventKind.ARREST_ENQUIRY:
        arrested = HAS_ARREST in flags
        high_harm = bool(data["high_harm"])
        tallies = {
            "arrest_enquiries": 1,
            "wanted_located": int(bool(data["located"])),
            "wanted_arrested": int(arrested),
            "high_harm_arrested": int(arrested and high_harm),
        }
        keys = []
        if arrested:
            first = category(data["wanted_for"][0])
            underlying = data.get("underlying_offence_category") or UNKNOWN
            keys.append(("wanted", (high_harm, first, underlying), 1))
        return Contribution(op_id, where, at, tallies, tuple(keys))
    return None


def _search(data: Mapping[str, Any], op_id: str, where: str, at: str, flags: Flags) -> Contribution:
    arrest = int(HAS_ARREST in flags)
    positive = int(HAS_POSITIVE in flags)
    linked_value = data.get("outcome_linked_to_object")
    linked = int(linked_value is True)
    known = int(linked_value is not None)
    ethnicity = data.get("self_defined_ethnicity") or NOT_RECORDED
    counts = (1, arrest, positive, linked, known)
    return Contribution(
        op_id,
        where,
        at,
        {
            "searches": 1,
            "searches_with_arrest": arrest,
            "searches_with_positive_outcome": positive,
            "searches_linked": linked,
            "searches_linked_known": known,
        },
        (
            ("searches_by_legislation", data["legislation"], 1),
            ("searches_by_object", data["object_of_search"], 1),
            ("searches_by_type", data["search_type"], 1),
            *(
                ("searches_by_ethnicity", (ethnicity, field), n)
                for field, n in zip(ETHNICITY_FIELDS, counts, strict=True)
                if n
            ),
        ),
    )


def _outcome(
    data: Mapping[str, Any], op_id: str, where: str, at: str, category: Callable[[str], str]
) -> Contribution:
    disposal = data["disposal"]
    codes = data.get("offences", ())
    keys: list[tuple[str, Any, int]] = [("disposals", disposal, 1)]
    keys += [("offences", (code, category(code)), 1) for code in codes]
    person = None
    arrest = disposal == Disposal.ARREST
    if arrest:
        primary = category(codes[0]) if codes else UNKNOWN
        keys.append(("arrests", (primary, arrest_source(data)), 1))
        person = data.get("subject")
    return Contribution(
        op_id,
        where,
        at,
        {"outcomes": 1, "arrests": int(arrest), "offences": len(codes)},
        tuple(keys),
        person,
    )
