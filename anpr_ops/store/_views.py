"""Readable SQL views of a log, for people browsing it in Datasette or the sqlite3 shell.

One view per kind of event (``searches_readable``, ``outcomes_readable``, …) over the derived
tables: the operation's and the site's names beside their ids, a label beside every code
(``legislation`` and ``legislation_label``), yes/no for booleans, list fields joined into one
cell, and what each event led to (a hit's stops, a search's outcomes). ``offence_catalogue``
lists the packaged offence codes with the log's own definitions on top.

Views are schema objects: they hold no data and change no event, so writing them neither
touches the hash chain nor any checkpoint. A new log gets them when it is created; an older
file gets them (or this version's text of them) from :func:`install`, which
``anpr-ops views DB`` runs. Their SQL is generated here from :data:`anpr_ops.vocab.LABELS`
and the packaged catalogue, so the labels are those of the anpr_ops that wrote them.

They show what the tables hold, number plates and subject references included: a log is
personal data, and so is any page that serves it (docs/howto/datasette.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Final

from anpr_ops.offences import CATEGORY_GROUP, CATEGORY_LABELS, builtin_catalogue
from anpr_ops.store._sites import site_sql
from anpr_ops.vocab import (
    LABELS,
    AgeRange,
    Disposal,
    DrugClass,
    EventKind,
    Gender,
    HitReason,
    Hotlist,
    Legislation,
    ObjectOfSearch,
    OfficerDefinedEthnicity,
    SearchType,
    SeizureItem,
    SeizurePower,
    SelfDefinedEthnicity,
    StopPower,
    StopReason,
    WeaponType,
)

__all__ = ["VIEWS", "create_views", "install", "missing_views"]


def _text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _case(column: str, labels: Mapping[str, str]) -> str:
    """``CASE column WHEN 'code' THEN 'Label' … ELSE column END``."""
    whens = " ".join(f"WHEN {_text(str(k))} THEN {_text(v)}" for k, v in labels.items())
    return f"CASE {column} {whens} ELSE {column} END"


def _label(column: str, vocabulary: type[StrEnum]) -> str:
    return _case(column, {str(k): v for k, v in LABELS[vocabulary].items()})


def _yes_no(column: str) -> str:
    return f"CASE {column} WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END"


def _common(alias: str) -> str:
    """The first columns of every event view: ids, the operation's name, time, officer."""
    return (
        f"{alias}.seq, {alias}.event_id, {alias}.op_id, op.name AS operation, {alias}.occurred_at"
    )


def _tail(alias: str) -> str:
    return f"{alias}.officer_id, {alias}.notes"


def _from(table: str, alias: str) -> str:
    return f"FROM {table} {alias} JOIN operations op ON op.op_id = {alias}.op_id"


def _site(op: str, site: str) -> str:
    """The name of site ``site`` of operation ``op`` (NULL when there is none)."""
    return f"(SELECT s.name FROM sites s WHERE s.op_id = {op} AND s.site_id = {site})"


_CATEGORY = {str(k): v for k, v in CATEGORY_LABELS.items()}
_GROUP = {str(k): str(v) for k, v in CATEGORY_GROUP.items()}


def _catalogue_rows() -> str:
    rows = []
    for offence in builtin_catalogue().values():
        values = (
            offence.code,
            offence.title,
            str(offence.category),
            offence.statute,
            offence.section,
            str(offence.cjs_class) if offence.cjs_class else None,
            str(offence.drug_class) if offence.drug_class else None,
        )
        rows.append("(" + ", ".join("NULL" if v is None else _text(v) for v in values) + ")")
    return ",\n        ".join(rows)


# The site of an event, through what it refers to (one rule, store/_sites.py).
_SEARCH_SITE = site_sql(EventKind.SEARCH, "x")
_OUTCOME_SITE = site_sql(EventKind.OUTCOME, "o")
_SEIZURE_SITE = site_sql(EventKind.SEIZURE, "z")

#: name -> CREATE VIEW statement, in the order they are created (a view may use an earlier one).
VIEWS: Final[dict[str, str]] = {
    "offence_catalogue": f"""
CREATE VIEW offence_catalogue AS
SELECT code, title, category, {_case("category", _CATEGORY)} AS category_label,
    {_case("category", _GROUP)} AS offence_group, statute, section, cjs_class, drug_class,
    'this log (' || event_id || ')' AS defined_by
FROM offence_definitions
UNION ALL
SELECT column1, column2, column3, {_case("column3", _CATEGORY)},
    {_case("column3", _GROUP)}, column4, column5, column6, column7, 'anpr_ops catalogue'
FROM (VALUES
        {_catalogue_rows()}
    )
WHERE column1 NOT IN (SELECT code FROM offence_definitions)
""",
    "operations_readable": """
CREATE VIEW operations_readable AS
SELECT o.op_id, o.name, o.force, o.timezone, o.starts_at, o.ends_at, o.parent_op_id,
    p.name AS parent_operation,
    (SELECT group_concat(s.name, ', ') FROM sites s WHERE s.op_id = o.op_id) AS sites,
    (SELECT count(*) FROM operations c WHERE c.parent_op_id = o.op_id) AS child_operations,
    o.description, o.seq, o.event_id
FROM operations o LEFT JOIN operations p ON p.op_id = o.parent_op_id
""",
    "anpr_hits_readable": f"""
CREATE VIEW anpr_hits_readable AS
SELECT {_common("h")}, h.site_id, {_site("h.op_id", "h.site_id")} AS site, h.camera_id,
    h.vrm, h.vrm_country, h.raw_vrm, h.hotlist, {_label("h.hotlist", Hotlist)} AS hotlist_label,
    (SELECT group_concat({_label("r.reason", HitReason)}, '; ')
        FROM anpr_hit_reasons r WHERE r.seq = h.seq) AS reasons,
    h.confidence,
    (SELECT count(*) FROM vehicle_stops v WHERE v.hit_id = h.event_id) AS stops,
    {_tail("h")}
{_from("anpr_hits", "h")}
""",
    "vehicle_stops_readable": f"""
CREATE VIEW vehicle_stops_readable AS
SELECT {_common("v")}, v.site_id, {_site("v.op_id", "v.site_id")} AS site, v.vrm,
    v.vrm_country, v.hit_id, v.power, {_label("v.power", StopPower)} AS power_label,
    v.reason, {_label("v.reason", StopReason)} AS reason_label, v.occupants,
    (SELECT count(*) FROM searches x WHERE x.stop_id = v.event_id) AS searches,
    (SELECT group_concat({_label("o.disposal", Disposal)}, '; ')
        FROM outcomes o WHERE o.stop_id = v.event_id) AS outcomes,
    {_tail("v")}
{_from("vehicle_stops", "v")}
""",
    "searches_readable": f"""
CREATE VIEW searches_readable AS
SELECT {_common("x")}, x.stop_id,
    {_SEARCH_SITE} AS site_id,
    {_site("x.op_id", _SEARCH_SITE)} AS site,
    x.search_type, {_label("x.search_type", SearchType)} AS search_type_label,
    x.legislation, {_label("x.legislation", Legislation)} AS legislation_label,
    x.object_of_search, {_label("x.object_of_search", ObjectOfSearch)} AS object_of_search_label,
    x.grounds, x.vrm, x.vrm_country, {_yes_no("x.vrm_unknown")} AS vrm_unknown, x.subject_ref,
    x.self_defined_ethnicity,
    {_label("x.self_defined_ethnicity", SelfDefinedEthnicity)} AS self_defined_ethnicity_label,
    x.officer_defined_ethnicity,
    {_label("x.officer_defined_ethnicity", OfficerDefinedEthnicity)}
        AS officer_defined_ethnicity_label,
    {_label("x.gender", Gender)} AS gender, {_label("x.age_range", AgeRange)} AS age_range,
    {_yes_no("x.outcome_linked_to_object")} AS outcome_linked_to_object,
    {_yes_no("x.removal_of_more_than_outer_clothing")} AS removal_of_more_than_outer_clothing,
    (SELECT group_concat({_label("o.disposal", Disposal)}, '; ')
        FROM outcomes o WHERE o.search_id = x.event_id) AS outcomes,
    (SELECT count(*) FROM seizures z WHERE z.search_id = x.event_id) AS seizures,
    x.latitude, x.longitude, {_tail("x")}
{_from("searches", "x")}
""",
    "outcomes_readable": f"""
CREATE VIEW outcomes_readable AS
SELECT {_common("o")}, o.subject_ref,
    CASE WHEN o.search_id IS NOT NULL THEN 'search' WHEN o.stop_id IS NOT NULL THEN 'stop'
        WHEN o.enquiry_id IS NOT NULL THEN 'arrest enquiry' END AS after,
    COALESCE(o.search_id, o.stop_id, o.enquiry_id) AS after_id,
    {_site("o.op_id", _OUTCOME_SITE)} AS site,
    o.disposal, {_label("o.disposal", Disposal)} AS disposal_label,
    o.primary_offence, (SELECT c.title FROM offence_catalogue c WHERE c.code = o.primary_offence)
        AS primary_offence_title,
    o.primary_category, {_case("o.primary_category", _CATEGORY)} AS primary_category_label,
    (SELECT group_concat(code, ', ') FROM (SELECT f.code FROM outcome_offences f
        WHERE f.seq = o.seq ORDER BY f.position)) AS offences,
    {_yes_no("o.offences_unknown")} AS offences_unknown, {_tail("o")}
{_from("outcomes", "o")}
""",
    "seizures_readable": f"""
CREATE VIEW seizures_readable AS
SELECT {_common("z")},
    CASE WHEN z.search_id IS NOT NULL THEN 'search' WHEN z.stop_id IS NOT NULL THEN 'stop'
        WHEN z.sweep_id IS NOT NULL THEN 'weapon sweep' END AS found_in,
    COALESCE(z.search_id, z.stop_id, z.sweep_id) AS found_in_id,
    {_site("z.op_id", _SEIZURE_SITE)} AS site,
    z.item, {_label("z.item", SeizureItem)} AS item_label,
    {_label("z.drug_class", DrugClass)} AS drug_class, z.drug,
    z.weapon_type, {_label("z.weapon_type", WeaponType)} AS weapon_type_label, z.quantity,
    z.vrm, z.vrm_country, z.power, {_label("z.power", SeizurePower)} AS power_label,
    {_tail("z")}
{_from("seizures", "z")}
""",
    "weapon_sweeps_readable": f"""
CREATE VIEW weapon_sweeps_readable AS
SELECT {_common("w")}, w.site_id, {_site("w.op_id", "w.site_id")} AS site, w.location,
    (SELECT count(*) FROM seizures z WHERE z.sweep_id = w.event_id) AS finds,
    (SELECT group_concat({_label("z.weapon_type", WeaponType)}, '; ')
        FROM seizures z WHERE z.sweep_id = w.event_id) AS found,
    w.latitude, w.longitude, {_tail("w")}
{_from("weapon_sweeps", "w")}
""",
    "arrest_enquiries_readable": f"""
CREATE VIEW arrest_enquiries_readable AS
SELECT {_common("e")}, e.subject_ref,
    (SELECT group_concat(code, ', ') FROM (SELECT f.code FROM arrest_enquiry_offences f
        WHERE f.seq = e.seq ORDER BY f.position)) AS wanted_for,
    (SELECT group_concat(title, '; ') FROM (SELECT c.title FROM arrest_enquiry_offences f
        JOIN offence_catalogue c ON c.code = f.code WHERE f.seq = e.seq ORDER BY f.position))
        AS wanted_for_titles,
    e.underlying_offence_category,
    {_case("e.underlying_offence_category", _CATEGORY)} AS underlying_offence_category_label,
    {_yes_no("e.high_harm")} AS high_harm, {_yes_no("e.located")} AS located,
    CASE WHEN EXISTS (SELECT 1 FROM outcomes o WHERE o.enquiry_id = e.event_id
        AND o.disposal = 'arrest') THEN 'yes' ELSE 'no' END AS arrested,
    {_tail("e")}
{_from("arrest_enquiries", "e")}
""",
    "patrols_readable": f"""
CREATE VIEW patrols_readable AS
SELECT {_common("p")}, p.ends_at,
    CAST(round((julianday(p.ends_at) - julianday(p.occurred_at)) * 1440) AS INTEGER)
        AS minutes,
    p.site_id, {_site("p.op_id", "p.site_id")} AS site, p.location, p.latitude, p.longitude,
    {_tail("p")}
{_from("patrols", "p")}
""",
    "corrections_readable": f"""
CREATE VIEW corrections_readable AS
SELECT {_common("k")}, k.target_id,
    (SELECT json_extract(ev.body, '$.kind') FROM events ev WHERE ev.seq = k.target_seq)
        AS target_kind,
    CASE k.action WHEN 'replace' THEN 'replaced' WHEN 'retract' THEN 'retracted'
        ELSE k.action END AS action,
    k.reason, {_tail("k")}
{_from("corrections", "k")}
""",
}


def create_views(conn: sqlite3.Connection) -> None:
    """Create (or re-create, as this version writes them) every view, in the caller's
    transaction."""
    for name in reversed(VIEWS):
        conn.execute(f"DROP VIEW IF EXISTS {name}")
    for sql in VIEWS.values():
        conn.execute(sql)


def missing_views(conn: sqlite3.Connection) -> list[str]:
    """The views of :data:`VIEWS` the file does not have."""
    have = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    return [name for name in VIEWS if name not in have]


def install(path: Path, *, busy_timeout: float = 30.0) -> list[str]:
    """Write this version's views into the log file at ``path``; return the ones it lacked.

    The caller checks first that ``path`` is a log (``OpLog.open``); this only adds views, in
    one transaction, and touches no table.
    """
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            missing = missing_views(conn)
            create_views(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return missing
