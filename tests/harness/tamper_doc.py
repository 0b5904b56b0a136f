"""The tables of docs/tamper-matrix.md, rendered from the tamper matrix's claims.

tests/test_tamper_matrix.py holds the claims (``expected(case)``); this module only writes
them out, so that the page shows exactly what the tests check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

from tests.harness.tamper import (
    ATTACKS,
    COLUMN_MUTATIONS,
    FILE,
    FILE_MUTATIONS,
    KEYED,
    ROW_MUTATIONS,
    Case,
    schema_columns,
)

BEGIN, END = "<!-- tamper-matrix:begin -->", "<!-- tamper-matrix:end -->"


class Claim(NamedTuple):
    """Who notices a change (an outcome of :mod:`tests.harness.tamper`), the problem or error
    code they name, and why. ``standalone`` says, for a file the library refuses to open,
    what the standard-library verifier does: ``"refuses"`` (exit 2), ``"guards"`` (exit 1,
    naming the trigger on its guards line) or ``"holds"`` (exit 0, guards intact)."""

    outcome: str
    problem: str | None
    reason: str
    standalone: str | None = None


Expected = Callable[[Case], Claim]

NAMES = {
    "verify": "`verify()`",
    "full_verify": "full `verify()` only",
    "checkpoint": "checkpoint only",
    "refused_on_open": "refused on open",
    "nobody": "**nobody**",
    "impossible": "SQLite refuses",
    "not_applicable": "n/a",
}
MUTATION_NAMES = {
    "flip": "a bit flipped",
    "swap": "swapped with another row's",
    "null": "set to NULL",
    "delete_middle": "a middle row deleted",
    "reorder": "three rows' keys rotated",
    "truncate_tail": "the last two rows deleted",
    "forge": "a row forged",
    "delete": "the row deleted",
    "truncate_tail_rebuilt": "the last two events and their values cut, derived tables rebuilt",
    "forge_via_library": "an event appended through the library",
    "rewrite_recomputed": "an event rewritten, every later hash recomputed",
    "rewrite_recomputed_rebuilt": "an event rewritten, hashes recomputed, derived tables rebuilt",
    "replace_tail_recomputed": "the last event replaced, its hash recomputed",
    "replace_tail_recomputed_rebuilt": "the last event replaced, hash recomputed, derived "
    "tables rebuilt",
    "value_changed": "a plate among the values changed",
    "value_recommitted_rebuilt": "a plate changed, its commitment and the hashes recomputed, "
    "derived tables rebuilt",
    "erased_by_hand": "an event's values deleted and listed in `erased`",
    "forge_orphan": "values kept for a seq no event has",
    "rewritten_relinked": "a read's entry rewritten, later links recomputed",
    "erasure_rewritten_relinked": "an erasure's entry made to name fewer events, links recomputed",
    "guards_dropped_restored": "guards dropped and put back",
    "guard_dropped": "a guard on events dropped",
    "guard_weakened": "a guard on events weakened (same name)",
    "access_guard_dropped": "a guard on the access record dropped",
    "trigger_added": "a trigger added on events",
    "trigger_on_derived": "a trigger added on a rollup table",
    "view_altered": "the event_log view redefined",
    "view_dropped": "a view dropped",
    "index_dropped": "the unique index on events.event_id dropped",
    "table_added": "a table added",
    "column_added": "a column added to events",
    "application_id_changed": "PRAGMA application_id changed",
    "user_version_newer": "PRAGMA user_version raised",
    "user_version_older": "PRAGMA user_version lowered to 1",
    "user_version_zero": "PRAGMA user_version set to 0",
    "header_overwritten": "the SQLite header overwritten",
    "file_truncated": "the file cut to half its length",
    "stale_wal": "an older -wal put beside the file",
    "wal_left_behind": "the file copied while open, without its -wal",
}
assert set(MUTATION_NAMES) == {
    *COLUMN_MUTATIONS,
    *ROW_MUTATIONS,
    "delete",
    *(a for attacks in ATTACKS.values() for a in attacks),
    *FILE_MUTATIONS,
}


def _cell(claim: Claim) -> str:
    return NAMES[claim.outcome] + (f" (`{claim.problem}`)" if claim.problem else "")


def render_counts(found: list[Case], expected: Expected) -> str:
    """One line: how many cells, and how many of each outcome."""
    counts = Counter(expected(c).outcome for c in found)
    parts = [f"{counts[outcome]} {NAMES[outcome]}" for outcome in NAMES if counts[outcome]]
    return f"{len(found)} cells: " + ", ".join(parts) + "."


def _why(claims: list[tuple[str, Claim]]) -> str:
    """The reasons of a row of the column table, each once (SQLite's refusals go without
    saying), named by their changes when they differ."""
    reasons: dict[str, list[str]] = {}
    for mutation, claim in claims:
        if claim.outcome != "impossible":
            reasons.setdefault(claim.reason, []).append(MUTATION_NAMES[mutation])
    if len(reasons) == 1:
        return next(iter(reasons))
    return "; ".join(f"{' and '.join(names)}: {why}" for why, names in reasons.items())


def _column_rows(found: list[Case], expected: Expected) -> list[str]:
    tables = schema_columns()
    order = {table: n for n, table in enumerate(tables)}
    by_place: dict[tuple[str, str, str], dict[str, Claim]] = {}
    for case in found:
        if case.column:
            place = (case.table, case.row, case.column)
            by_place.setdefault(place, {})[case.mutation] = expected(case)

    def place_order(place: tuple[str, str, str]) -> tuple[int, int, int]:
        table, row, column = place
        rows = KEYED.get(table, ("",))
        return order[table], rows.index(row), tables[table].index(column)

    lines: list[str] = []
    previous: tuple[str, str, tuple[Claim, ...]] | None = None
    names: list[str] = []
    for place in sorted(by_place, key=place_order):
        table, row, column = place
        claims = tuple(by_place[place][m] for m in COLUMN_MUTATIONS)
        if previous is not None and previous == (table, row, claims):
            names.append(f"`{column}`")
            continue
        if previous is not None:
            lines.append(_column_line(previous, names))
        previous, names = (table, row, claims), [f"`{column}`"]
    if previous is not None:
        lines.append(_column_line(previous, names))
    return lines


def _column_line(group: tuple[str, str, tuple[Claim, ...]], names: list[str]) -> str:
    table, row, claims = group
    where = ", ".join(names) + (f" of row `{row}`" if row else "")
    cells = " | ".join(_cell(c) for c in claims)
    why = _why(list(zip(COLUMN_MUTATIONS, claims, strict=True)))
    return f"| `{table}` | {where} | {cells} | {why} |"


def render(found: list[Case], expected: Expected) -> str:
    """The Markdown of docs/tamper-matrix.md between its markers, from the claims."""
    lines = [render_counts(found, expected), ""]
    lines += [
        "### Changes to one column",
        "",
        "| table | column | a bit flipped | swapped with another row's | set to NULL | why |",
        "|---|---|---|---|---|---|",
        *_column_rows(found, expected),
        "",
        "### Changes to rows, attacks on one table, and changes to the file",
        "",
        "| table | change | found by | why |",
        "|---|---|---|---|",
    ]
    groups: list[tuple[str, Claim, list[str]]] = []
    for case in found:
        if case.column:
            continue
        claim = expected(case)
        table = "the file" if case.table == FILE else f"`{case.table}`"
        change = f"the `{case.row}` row deleted" if case.row else MUTATION_NAMES[case.mutation]
        if groups and groups[-1][:2] == (table, claim):
            groups[-1][2].append(change)
        else:
            groups.append((table, claim, [change]))
    for table, claim, changes in groups:
        lines.append(f"| {table} | {'; '.join(changes)} | {_cell(claim)} | {claim.reason} |")
    return "\n".join(lines) + "\n"
