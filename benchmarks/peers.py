"""The peer the report is measured against: DuckDB answering the same breakdowns from an
in-memory copy of the same events.

The load copies the events out of the log (the chained bodies, written as JSON lines) and reads
them into one DuckDB table with the columns the breakdowns need; the queries then compute the
report's figures as an analyst would in SQL: totals by site and local hour (the benchmark's
days are all in British Summer Time, written as a fixed shift), sites inherited through what an
event names (a search through its stop, an outcome through its search), the linked counts (hits
stopped, searches that led to an arrest or a positive outcome) by joins, the breakdowns by
reason, hotlist, legislation, object, ethnicity, disposal, offence code and category, seizures,
and the people arrested, counted distinct. The workload has no corrections, so the queries
ignore them (which flatters DuckDB).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from typing import Any

import duckdb

from anpr_ops.offences import builtin_catalogue

COLUMNS = {
    "kind": "VARCHAR",
    "event_id": "VARCHAR",
    "op_id": "VARCHAR",
    "occurred_at": "TIMESTAMP",
    "site_id": "VARCHAR",
    "hit_id": "VARCHAR",
    "stop_id": "VARCHAR",
    "search_id": "VARCHAR",
    "sweep_id": "VARCHAR",
    "hotlist": "VARCHAR",
    "reasons": "VARCHAR[]",
    "legislation": "VARCHAR",
    "object_of_search": "VARCHAR",
    "search_type": "VARCHAR",
    "self_defined_ethnicity": "VARCHAR",
    "outcome_linked_to_object": "BOOLEAN",
    "disposal": "VARCHAR",
    "offences": "VARCHAR[]",
    "subject": "BIGINT",
    "item": "VARCHAR",
    "drug_class": "VARCHAR",
    "weapon_type": "VARCHAR",
}

_HOUR = "strftime({t}.occurred_at + INTERVAL 1 HOUR, '%Y-%m-%dT%H')"
_SITED = f"""
CREATE TEMP TABLE sited AS
SELECT e.kind, e.event_id, e.op_id, {_HOUR.format(t="e")} AS hour,
       coalesce(e.site_id, s.site_id, v.site_id, sv.site_id, w.site_id, '_no_site') AS site,
       e.disposal, e.subject, e.search_id, e.offences
FROM ev e
LEFT JOIN ev s ON s.event_id = e.search_id AND s.kind = 'search'
LEFT JOIN ev sv ON sv.event_id = s.stop_id AND sv.kind = 'vehicle_stop'
LEFT JOIN ev v ON v.event_id = e.stop_id AND v.kind = 'vehicle_stop'
LEFT JOIN ev w ON w.event_id = e.sweep_id AND w.kind = 'weapon_sweep'
WHERE {{scope}}
"""
QUERIES = (
    # totals by site and local hour
    "SELECT site, hour, count(*) FILTER (kind = 'anpr_hit'), count(*) FILTER (kind = "
    "'vehicle_stop'), count(*) FILTER (kind = 'search'), count(*) FILTER (kind = 'outcome'), "
    "count(*) FILTER (disposal = 'arrest'), count(*) FILTER (kind = 'seizure'), "
    "count(*) FILTER (kind = 'weapon_sweep'), count(DISTINCT subject) FILTER "
    "(disposal = 'arrest') FROM sited GROUP BY ALL",
    "SELECT site, count(DISTINCT subject) FROM sited WHERE disposal = 'arrest' GROUP BY ALL",
    "SELECT count(DISTINCT subject) FROM sited WHERE disposal = 'arrest'",
    # hits: by reason and hotlist, and whether a stop named them
    "SELECT r, count(*) FROM (SELECT unnest(reasons) AS r FROM ev WHERE kind = 'anpr_hit' "
    "AND {scope}) GROUP BY ALL",
    "SELECT hotlist, count(*), count(*) FILTER (stopped) FROM (SELECT h.hotlist, "
    "h.event_id IN (SELECT hit_id FROM ev WHERE kind = 'vehicle_stop') AS stopped "
    "FROM ev h WHERE h.kind = 'anpr_hit' AND {scope}) GROUP BY ALL",
    "SELECT count(*) FILTER (hit_id IS NOT NULL), count(*) FILTER (event_id IN "
    "(SELECT stop_id FROM ev WHERE kind = 'search')) FROM ev WHERE kind = 'vehicle_stop' "
    "AND {scope}",
    # searches with what came of them
    "SELECT legislation, object_of_search, search_type, "
    "coalesce(self_defined_ethnicity, 'not_recorded'), count(*), count(*) FILTER (arrest), "
    "count(*) FILTER (positive), count(*) FILTER (outcome_linked_to_object), "
    "count(outcome_linked_to_object) FROM (SELECT s.*, coalesce(o.arrest, false) AS arrest, "
    "coalesce(o.positive, false) AS positive FROM ev s LEFT JOIN (SELECT search_id, "
    "bool_or(disposal = 'arrest') AS arrest, bool_or(disposal <> 'no_further_action') AS "
    "positive FROM ev WHERE kind = 'outcome' GROUP BY search_id) o ON o.search_id = "
    "s.event_id WHERE s.kind = 'search' AND {scope}) GROUP BY ALL",
    # outcomes: disposals, offences by code and category, arrests by primary category
    "SELECT disposal, count(*) FROM ev WHERE kind = 'outcome' AND {scope} GROUP BY ALL",
    "SELECT o.code, c.category, count(*) FROM (SELECT unnest(offences) AS code FROM ev "
    "WHERE kind = 'outcome' AND {scope}) o LEFT JOIN catalogue c USING (code) GROUP BY ALL",
    "SELECT coalesce(c.category, 'unknown'), count(*) FROM ev o LEFT JOIN catalogue c "
    "ON c.code = o.offences[1] WHERE o.kind = 'outcome' AND o.disposal = 'arrest' AND {scope} "
    "GROUP BY ALL",
    # seizures
    "SELECT item, drug_class, weapon_type, count(*) FROM ev WHERE kind = 'seizure' "
    "AND {scope} GROUP BY ALL",
)


def duckdb_report(db: str, op_id: str | None) -> dict[str, Any]:
    """Load the log's events into DuckDB in memory, then run the report's queries (of every
    operation, or of ``op_id`` alone); the seconds of each, apart."""
    start = time.perf_counter()
    conn = duckdb.connect()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "events.jsonl")
        source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        with open(path, "w", encoding="utf-8") as out:
            for (body,) in source.execute("SELECT body FROM events"):
                out.write(body)
                out.write("\n")
        source.close()
        columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"
        conn.execute(
            f"CREATE TABLE ev AS SELECT * FROM read_json('{path}', "
            f"format = 'newline_delimited', columns = {columns})"
        )
    conn.execute("CREATE TABLE catalogue (code VARCHAR, category VARCHAR)")
    catalogue = builtin_catalogue()
    conn.executemany(
        "INSERT INTO catalogue VALUES (?, ?)",
        [(code, catalogue[code].category.value) for code in catalogue],
    )
    loaded = time.perf_counter() - start
    scope = "true" if op_id is None else f"op_id = '{op_id}'"
    start = time.perf_counter()
    conn.execute(_SITED.format(scope=scope.replace("op_id", "e.op_id")))
    for sql in QUERIES:
        conn.execute(sql.format(scope=scope)).fetchall()
    queried = time.perf_counter() - start
    conn.close()
    return {"seconds": queried, "load_seconds": loaded}
