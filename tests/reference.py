"""A plain-Python reference for reports: the counting rules of docs/reports.md, folded over
``log.events()`` one event at a time, with no SQL and nothing shared with anpr_ops.report.

It returns the ``to_dict()`` shape, so tests compare ``log.report(...).to_dict()`` with it.
Slow and simple on purpose: it is the specification the SQL must agree with.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from anpr_ops import OpLog
from anpr_ops.offences import CATEGORY_GROUP, OffenceCategory

TOTALS = (
    "anpr_hits",
    "vehicle_stops",
    "hit_led_stops",
    "searches",
    "arrests",
    "people_arrested",
    "offences",
    "seizures",
    "weapon_sweeps",
    "arrest_enquiries",
    "wanted_located",
    "wanted_arrested",
    "high_harm_arrested",
    "corrections",
    "outcomes",
    "patrols",
)
RATE_PARTS = {
    "arrest_rate": ("searches_with_arrest", "searches"),
    "positive_outcome_rate": ("searches_with_positive_outcome", "searches"),
    "linked_outcome_rate": ("searches_linked", "searches_linked_known"),
    "hit_stop_rate": ("hits_with_stop", "anpr_hits"),
    "stop_search_rate": ("stops_with_search", "vehicle_stops"),
    "hit_stop_search_rate": ("hit_led_stops_searched", "hit_led_stops"),
    "hit_stop_positive_rate": ("hit_led_stops_positive", "hit_led_stops"),
    "hit_stop_arrest_rate": ("hit_led_stops_arrested", "hit_led_stops"),
}
NO_SITE = "_no_site"


class Bucket:
    """Counts and the people arrested, for one (operation, site, hour)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.people: set[str] = set()

    def merge(self, other: Bucket) -> None:
        self.counts.update(other.counts)
        self.people |= other.people

    def empty(self) -> bool:
        return not +self.counts and not self.people

    def totals(self) -> dict[str, int]:
        out = {key: self.counts[key] for key in TOTALS}
        out["people_arrested"] = len(self.people)
        return out


def hour_label(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    return local.isoformat(timespec="minutes")


def reference_report(
    log: OpLog,
    op_id: str,
    *,
    include_children: bool = True,
    site: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    operations = {op.op_id: op for op in log.operations()}
    scope = [op_id]
    if include_children:
        changed = True
        while changed:
            changed = False
            for op in operations.values():
                if op.parent_op_id in scope and op.op_id not in scope:
                    scope.append(op.op_id)
                    changed = True
    root = operations[op_id]
    zone = ZoneInfo(root.timezone)
    catalogue = log.offences()

    live = {e.event_id: e for e in log.events(personal=True)}

    # Every event as last recorded (a retracted one as it was when retracted), and the
    # corrections themselves, from the log as appended.
    last: dict[str, Any] = {}
    fixes = []
    for event in log.events(corrected=False, personal=True):
        if event.kind == "correction":
            fixes.append(event)
            if event.replacement is not None:
                last[event.target_id] = event.replacement
        else:
            last[event.event_id] = event

    def site_of(event: Any, versions: dict[str, Any]) -> str | None:
        own = getattr(event, "site_id", None)
        if own is not None or event.kind == "operation":
            return own
        for field in ("search_id", "stop_id", "sweep_id"):
            ref = getattr(event, field, None)
            if ref is not None:
                return site_of(versions[ref], versions)
        return None

    def kept(moment: datetime, at_site: str) -> bool:
        if start is not None and moment < start:
            return False
        if end is not None and moment >= end:
            return False
        return site is None or at_site == site

    def names(kind: str, field: str, value: str) -> list[Any]:
        return [e for e in live.values() if e.kind == kind and getattr(e, field) == value]

    buckets: dict[tuple[str, str, str], Bucket] = {}
    breakdowns: dict[str, Counter[Any]] = {
        name: Counter()
        for name in (
            "arrests_by_category",
            "arrests_by_source",
            "offences_by_code",
            "offences_by_category",
            "disposals",
            "hits_by_reason",
            "hits_by_hotlist",
            "searches_by_legislation",
            "searches_by_object",
            "searches_by_type",
            "seizures_by_item",
            "drug_seizures_by_class",
            "weapons_by_type",
            "wanted_arrested_by_category",
        )
    }
    ethnicity: dict[str, Counter[str]] = {}

    def bucket(op: str, at_site: str, moment: datetime) -> Bucket:
        return buckets.setdefault((op, at_site, hour_label(moment, zone)), Bucket())

    for event in live.values():
        if event.op_id not in scope or event.kind in {"operation", "offence_definition"}:
            continue
        at_site = site_of(event, live) or NO_SITE
        if not kept(event.occurred_at, at_site):
            continue
        b = bucket(event.op_id, at_site, event.occurred_at)
        c = b.counts
        if event.kind == "anpr_hit":
            c["anpr_hits"] += 1
            c["hits_with_stop"] += bool(names("vehicle_stop", "hit_id", event.event_id))
            for reason in event.reasons:
                breakdowns["hits_by_reason"][reason.value] += 1
            breakdowns["hits_by_hotlist"][event.hotlist.value] += 1
        elif event.kind == "vehicle_stop":
            searches = names("search", "stop_id", event.event_id)
            # What came of the stop: its own outcomes, and those of its searches.
            after = names("outcome", "stop_id", event.event_id) + [
                o for s in searches for o in names("outcome", "search_id", s.event_id)
            ]
            hit_led = event.hit_id is not None
            c["vehicle_stops"] += 1
            c["hit_led_stops"] += hit_led
            c["stops_with_search"] += bool(searches)
            c["hit_led_stops_searched"] += hit_led and bool(searches)
            c["hit_led_stops_positive"] += hit_led and any(
                o.disposal != "no_further_action" for o in after
            )
            c["hit_led_stops_arrested"] += hit_led and any(o.disposal == "arrest" for o in after)
        elif event.kind == "search":
            outs = names("outcome", "search_id", event.event_id)
            arrest = any(o.disposal == "arrest" for o in outs)
            positive = any(o.disposal != "no_further_action" for o in outs)
            linked = event.outcome_linked_to_object is True
            known = event.outcome_linked_to_object is not None
            c["searches"] += 1
            c["searches_with_arrest"] += arrest
            c["searches_with_positive_outcome"] += positive
            c["searches_linked"] += linked
            c["searches_linked_known"] += known
            breakdowns["searches_by_legislation"][event.legislation.value] += 1
            breakdowns["searches_by_object"][event.object_of_search.value] += 1
            breakdowns["searches_by_type"][event.search_type.value] += 1
            code = event.self_defined_ethnicity.value if event.self_defined_ethnicity else None
            e = ethnicity.setdefault(code or "not_recorded", Counter())
            e["searches"] += 1
            e["arrests"] += arrest
            e["positive_outcomes"] += positive
            e["linked"] += linked
            e["linked_known"] += known
        elif event.kind == "outcome":
            c["outcomes"] += 1
            c["offences"] += len(event.offences)
            breakdowns["disposals"][event.disposal.value] += 1
            for code in event.offences:
                breakdowns["offences_by_code"][code] += 1
                breakdowns["offences_by_category"][catalogue[code].category.value] += 1
            if event.disposal == "arrest":
                c["arrests"] += 1
                b.people.add(event.subject_ref)
                if event.offences:
                    category = catalogue[event.offences[0]].category.value
                else:
                    category = "unknown"
                breakdowns["arrests_by_category"][category] += 1
                source = (
                    "search"
                    if event.search_id
                    else "stop"
                    if event.stop_id
                    else "enquiry"
                    if event.enquiry_id
                    else "none"
                )
                breakdowns["arrests_by_source"][source] += 1
        elif event.kind == "seizure":
            c["seizures"] += 1
            breakdowns["seizures_by_item"][event.item.value] += 1
            if event.item == "controlled_drug":
                key = event.drug_class.value if event.drug_class else "unknown"
                breakdowns["drug_seizures_by_class"][key] += 1
            if event.item == "weapon":
                key = event.weapon_type.value if event.weapon_type else "unknown"
                breakdowns["weapons_by_type"][key] += 1
        elif event.kind == "weapon_sweep":
            c["weapon_sweeps"] += 1
        elif event.kind == "patrol":
            c["patrols"] += 1
        elif event.kind == "arrest_enquiry":
            arrested = any(
                o.disposal == "arrest" for o in names("outcome", "enquiry_id", event.event_id)
            )
            c["arrest_enquiries"] += 1
            c["wanted_located"] += event.located
            c["wanted_arrested"] += arrested
            c["high_harm_arrested"] += arrested and event.high_harm
            if arrested:
                first = catalogue[event.wanted_for[0]].category.value
                breakdowns["wanted_arrested_by_category"][first] += 1

    for fix in fixes:
        if fix.op_id not in scope:
            continue
        at_site = site_of(last[fix.target_id], last) or NO_SITE
        if kept(fix.occurred_at, at_site):
            bucket(fix.op_id, at_site, fix.occurred_at).counts["corrections"] += 1

    total = Bucket()
    by_site: dict[str, Bucket] = {}
    by_hour: dict[str, Bucket] = {}
    by_op: dict[str, Bucket] = {op: Bucket() for op in scope}
    for (op_key, at_site, hour), b in buckets.items():
        total.merge(b)
        by_site.setdefault(at_site, Bucket()).merge(b)
        by_hour.setdefault(hour, Bucket()).merge(b)
        by_op[op_key].merge(b)

    def nonzero(counter: Counter[Any]) -> dict[str, int]:
        return {k: v for k, v in counter.items() if v}

    groups: Counter[str] = Counter()
    for category, n in breakdowns["arrests_by_category"].items():
        groups[CATEGORY_GROUP[OffenceCategory(category)].value] += n

    if start is not None or end is not None:
        period = (start, end)
    else:
        period = (root.starts_at, root.ends_at)

    def op_info(op: str) -> dict[str, Any]:
        info = operations[op]
        return {
            "name": info.name,
            "parent_op_id": info.parent_op_id,
            "timezone": info.timezone,
            "sites": {s.site_id: s.name for s in info.sites},
        }

    return {
        "report_version": 1,
        "op_id": op_id,
        "name": root.name,
        "timezone": root.timezone,
        "period": {
            "start": period[0].astimezone(zone).isoformat() if period[0] else None,
            "end": period[1].astimezone(zone).isoformat() if period[1] else None,
        },
        "site_filter": None if site is None else [site],
        "children": sorted(scope[1:]),
        "totals": total.totals(),
        **{name: nonzero(counter) for name, counter in breakdowns.items()},
        "arrests_by_group": nonzero(groups),
        "searches_by_ethnicity": {
            code: {
                k: counts[k]
                for k in ("searches", "arrests", "positive_outcomes", "linked", "linked_known")
            }
            for code, counts in ethnicity.items()
        },
        "by_site": {k: b.totals() for k, b in by_site.items() if not b.empty()},
        "by_hour": {k: b.totals() for k, b in by_hour.items() if not b.empty()},
        "by_operation": {op: b.totals() for op, b in by_op.items()},
        "rates": {
            name: {"numerator": total.counts[num], "denominator": total.counts[den]}
            for name, (num, den) in RATE_PARTS.items()
        },
        "operations": {op: op_info(op) for op in scope},
    }
