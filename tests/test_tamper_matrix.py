"""Guarantee 2: the tamper matrix. Every column of every table the file holds is changed from
outside the library, and who notices is compared with what we claim (:func:`expected`, from the
claims below, each with its reason). The standard-library verifier must agree with
``verify()`` on every cell where both run, and ``docs/tamper-matrix.md`` must show exactly
these claims (tests/harness/tamper_doc.py renders them).

The harness (``tests/harness/tamper.py``, ``forgery.py``, ``verdicts.py``) makes the changes
with plain sqlite3 on copies of a log that fills every column of storage format 2. The fast
run checks one cell of every claim; the slow run checks all of them.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from anpr_ops import OpLog, _schema
from anpr_ops.store._connection import create_schema
from tests.conftest import ROOT
from tests.harness.tamper import (
    ATTACKS,
    COLUMN_MUTATIONS,
    FILE,
    FILE_MUTATIONS,
    KEYED,
    ROW_MUTATIONS,
    Base,
    Case,
    cases,
    make_base,
    schema_columns,
)
from tests.harness.tamper_doc import BEGIN, END, Claim, render, render_counts
from tests.harness.verdicts import check_matrix

DOC = ROOT / "docs" / "tamper-matrix.md"

# --------------------------------------------------------------------------- the claims

CHAIN = "the hash chain covers it"
COPIES = "the columns beside the body are checked against it, exactly"
COMMITTED = (
    "the body commits to the personal values (a salted SHA-256), and every verification checks "
    "the values kept against it"
)
ACCESS_CHAIN = "the access record is a hash chain of its own"
DERIVED = (
    "derived, not chained: the full `verify()` compares it with a rebuild from the events and "
    "the access record; the quick one and the standalone verifier do not look"
)
ERASURES = (
    "`erased` lists the events whose values a recorded erasure took, and both verifiers hold "
    "it equal to the erasures the access record holds"
)
SUBJECTS = (
    "both verifiers hold `subjects` to the values kept: each subject reference held must have "
    "the number its events chain, and no row may name a reference no value holds (changed, a "
    "person's later events would chain another number, and reports count them as someone else)"
)
SEQUENCE = (
    "harmless: the library numbers events and access entries itself (head + 1), never from "
    "`sqlite_sequence`, and both verifiers find any gap"
)
ORIGIN = Claim(
    "checkpoint",
    "checkpoint_other_log",
    "the log's id and name are not chained; a checkpoint names the log it was taken of (its "
    "origin line holds both), so verifying against one finds the change; without one, nobody "
    "does, and nothing else reads them",
)
META_HARMLESS = {
    "created_at": "informational only: nothing reads it",
    "schema_version": "informational only: the version that counts is `PRAGMA user_version`",
    "migrated_from": "informational only: nothing reads it; verification checks the migration "
    "record (the access record's first entry) instead",
}
NEXT_PERSON = Claim(
    "verify",
    "next_person_reused",
    "both verifiers hold `next_person` (the number the next new person gets) above every number "
    "the events chain, erased ones included: lowered, deleted (which means 1) or not a number, "
    "it would give a new person a number in use, or that of someone erased",
)
NEXT_PERSON_RAISED = Claim(
    "nobody",
    None,
    "the flipped bit raises the number: numbers are skipped, which is harmless (lowered or not a "
    "number, both verifiers find it)",
)
NEXT_PERSON_SWAPPED = Claim(
    "verify",
    "next_person_reused",
    "the swap changes `next_person` too: see that row",
)
NOT_NULL = "SQLite refuses: the schema does not allow NULL here"

EVENTS_COLUMNS: dict[tuple[str, str], Claim] = {
    ("seq", "flip"): Claim("verify", "seq_gap", f"{CHAIN}: a renumbered event leaves a gap"),
    ("seq", "swap"): Claim(
        "verify", "hash_mismatch", f"{CHAIN}: two events change places and no longer link"
    ),
    ("body", "flip"): Claim(
        "verify", "hash_mismatch", f"{CHAIN}: the stored hash no longer matches the bytes"
    ),
    ("body", "swap"): Claim(
        "verify", "hash_mismatch", f"{CHAIN}: the stored hash no longer matches the bytes"
    ),
    ("hash", "flip"): Claim(
        "verify", "hash_mismatch", f"{CHAIN}: the stored hash is not the event's link"
    ),
    ("hash", "swap"): Claim(
        "verify", "hash_mismatch", f"{CHAIN}: the stored hash is not the event's link"
    ),
}
EVENTS_ROWS: dict[str, Claim] = {
    "delete_middle": Claim("verify", "seq_gap", f"{CHAIN}: `seq` has a gap"),
    "reorder": Claim("verify", "hash_mismatch", f"{CHAIN}: the events no longer link in order"),
    "truncate_tail": Claim(
        "full_verify",
        "derived_mismatch",
        "a shorter chain still holds, but the rollups still count the cut events",
    ),
    "forge": Claim(
        "full_verify",
        "derived_mismatch",
        "an event appended by plain SQL, correctly linked, passes the guards and the chains, "
        "but no rollup counts it",
    ),
    "truncate_tail_rebuilt": Claim(
        "checkpoint",
        "truncated",
        "a shorter log that holds together: only a checkpoint remembers where it ended",
    ),
    "forge_via_library": Claim(
        "nobody",
        None,
        "anyone who can write the file can append: the chain proves integrity and order, not "
        "who wrote an event",
    ),
    "rewrite_recomputed": Claim(
        "full_verify",
        "derived_mismatch",
        "the chain holds again, but the Merkle tiles still hold the old event's leaf",
    ),
    "rewrite_recomputed_rebuilt": Claim(
        "checkpoint", "rewritten", "only a checkpoint's head hash (and root) differs"
    ),
    "replace_tail_recomputed": Claim(
        "full_verify",
        "derived_mismatch",
        "the chain holds again, but the rollups still count the replaced event",
    ),
    "replace_tail_recomputed_rebuilt": Claim(
        "checkpoint", "rewritten", "only a checkpoint's head hash (and root) differs"
    ),
}
PERSONAL = Claim("verify", "personal_mismatch", COMMITTED)
PERSONAL_MISSING = Claim(
    "verify",
    "personal_missing",
    f"{COMMITTED}: an event's values gone without a recorded erasure are missed",
)
PERSONAL_COLUMNS: dict[tuple[str, str], Claim] = {
    ("seq", "flip"): Claim(
        "verify",
        "personal_missing",
        f"{COMMITTED}: the event whose values moved to another seq has none left, and no "
        "recorded erasure took them",
    ),
}
PERSONAL_ROWS: dict[str, Claim] = {
    "delete_middle": PERSONAL_MISSING,
    "truncate_tail": PERSONAL_MISSING,
    "reorder": PERSONAL,
    "forge": Claim(
        "verify",
        "personal_unexpected",
        "values kept for an event whose body commits to none are found",
    ),
    "value_changed": Claim(
        "verify", "personal_mismatch", f"{COMMITTED}: a changed plate no longer matches"
    ),
    "value_recommitted_rebuilt": Claim(
        "checkpoint",
        "rewritten",
        "the values are as protected as the body: only a checkpoint's head hash (and root) differs",
    ),
    "erased_by_hand": Claim(
        "verify", "erasure_unrecorded", f"{ERASURES}: no entry erased these values"
    ),
    "forge_orphan": Claim(
        "verify",
        "personal_unexpected",
        "values kept under a seq no event has (yet) are found; the next append at that seq "
        "would fail",
    ),
}
ACCESS = Claim(
    "verify", "access_hash_mismatch", f"{ACCESS_CHAIN}: an entry no longer links to the last"
)
ACCESS_GAP = Claim("verify", "access_seq_gap", f"{ACCESS_CHAIN}: its entries have a gap")
ACCESS_COLUMNS: dict[tuple[str, str], Claim] = {("seq", "flip"): ACCESS_GAP}
ACCESS_ROWS: dict[str, Claim] = {
    "delete_middle": ACCESS_GAP,
    "reorder": ACCESS,
    "truncate_tail": Claim(
        "checkpoint",
        "access_truncated",
        "the last entries (reads) cut: a shorter record still holds together; a checkpoint "
        "names the record's length and head",
    ),
    "forge": Claim(
        "nobody",
        None,
        "an entry appended with a good link is like one the library appends: the record shows "
        "what was recorded, not that it happened (as for events)",
    ),
    "rewritten_relinked": Claim(
        "checkpoint",
        "access_rewritten",
        "only a checkpoint's head of the access record differs",
    ),
    "erasure_rewritten_relinked": Claim(
        "verify", "erasure_unrecorded", f"{ERASURES}: the events left out are still listed"
    ),
}
ERASED_MISSING = Claim(
    "verify",
    "personal_missing",
    f"{ERASURES}: an event taken off the list has neither its values nor a recorded erasure",
)
ERASED_OTHER = Claim("verify", "erasure_unrecorded", ERASURES)
DERIVED_REASONS = {
    "restricted": f"{DERIVED}. Until it is found, reads follow the changed table: a record "
    "unrestricted by hand gives its values without `restricted=True` (reads of the file "
    "itself were never stopped by it)",
    "merkle_tiles": f"{DERIVED}. The tiles are never trusted: `verify(checkpoint)` and the "
    "standalone verifier hash the root from the bodies, and a proof or checkpoint made from "
    "a damaged tile does not check",
    **dict.fromkeys(
        _schema.ROLLUP_TABLES,
        f"{DERIVED}. Until it is found and `rebuild()` run, reports read from the rollups show "
        'the changed figures (the scan, `source="scan"`, does not)',
    ),
}
GUARDS = (
    "opening compares every trigger with the schema's own; the standalone verifier names the "
    "trigger on its `guards:` line (exit 1)"
)
FILE_CLAIMS: dict[str, Claim] = {
    "guards_dropped_restored": Claim(
        "nobody",
        None,
        "harmless by itself: identical guards put back leave no trace; what changed meanwhile "
        "is found as the other rows say",
    ),
    **dict.fromkeys(
        (
            "guard_dropped",
            "guard_weakened",
            "access_guard_dropped",
            "trigger_added",
            "trigger_on_derived",
        ),
        Claim("refused_on_open", "guards_missing", GUARDS, standalone="guards"),
    ),
    **dict.fromkeys(
        ("view_altered", "view_dropped"),
        Claim(
            "refused_on_open",
            "views_outdated",
            "opening compares every view with this version's; `anpr-ops views` writes them "
            "anew. The standalone verifier does not look at views (exit 0)",
            standalone="holds",
        ),
    ),
    **dict.fromkeys(
        ("index_dropped", "table_added", "column_added"),
        Claim(
            "refused_on_open",
            "guards_missing",
            "opening compares every table and index with the schema's own. The standalone "
            "verifier checks the chains and the triggers only: it says the chain holds "
            "(exit 0)",
            standalone="holds",
        ),
    ),
    "application_id_changed": Claim(
        "refused_on_open",
        "not_a_log",
        "not marked as an anpr_ops log (`PRAGMA application_id`)",
        standalone="refuses",
    ),
    "user_version_newer": Claim(
        "refused_on_open",
        "schema_too_new",
        "a newer storage format is refused",
        standalone="refuses",
    ),
    "user_version_older": Claim(
        "refused_on_open",
        "schema_too_old",
        "an older storage format is refused (`anpr-ops migrate` makes a current copy)",
        standalone="refuses",
    ),
    "user_version_zero": Claim(
        "refused_on_open",
        "not_a_log",
        "a file without a schema version was never initialised",
        standalone="refuses",
    ),
    "header_overwritten": Claim(
        "refused_on_open", "corrupt", "SQLite cannot read the file", standalone="refuses"
    ),
    "file_truncated": Claim(
        "refused_on_open",
        "corrupt",
        "SQLite finds the file malformed as soon as the log is opened",
        standalone="refuses",
    ),
    "stale_wal": Claim(
        "checkpoint",
        "access_truncated",
        "a `-wal` kept from before the last commit: SQLite reads the file as it was then, "
        "whole, so only a checkpoint taken since knows what is missing",
    ),
    "wal_left_behind": Claim(
        "checkpoint",
        "truncated",
        "the copy is the log as of its last checkpoint into the file, whole, so only a "
        "checkpoint taken since knows what is missing; copy a log closed, or with its `-wal`",
    ),
}
ZONES_SWAP = Claim(
    "not_applicable",
    None,
    "the operations' two time zones have rows for the same instants: trading zones either "
    "collides with another row's key or changes nothing",
)
STORAGE_ORDER = Claim(
    "nobody",
    None,
    "harmless: this table's key is the rowid, so the rows only change places in storage; "
    "they are read by `op_id` or `code`, never in storage order",
)
META_ORDER = Claim(
    "nobody", None, "harmless: rows are read by key; other keys, and the rows' order, are unused"
)


def _nullable() -> set[tuple[str, str]]:
    """The columns SQLite lets hold NULL, from the schema: not NOT NULL, and not a primary key
    of a WITHOUT ROWID table or an INTEGER PRIMARY KEY (the rowid)."""
    conn = sqlite3.connect(":memory:")
    try:
        for sql in _schema.statements():
            conn.execute(sql)
        found = set()
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            (sql,) = conn.execute(
                "SELECT sql FROM sqlite_master WHERE name = ?", (table,)
            ).fetchone()
            rowid = "WITHOUT ROWID" not in sql.upper()
            for _, column, kind, notnull, _, pk in conn.execute(f'PRAGMA table_info("{table}")'):
                key_not_null = pk and (not rowid or kind.upper() == "INTEGER")
                if not notnull and not key_not_null:
                    found.add((table, column))
        return found
    finally:
        conn.close()


NULLABLE = _nullable()


def _meta(case: Case) -> Claim:
    """A meta row's claim: by the rows a change touches (a swap's partner is the next row in
    the order the rows were written, or, for the last, the one before)."""
    if case.mutation in ("reorder", "forge"):
        return META_ORDER
    rows = KEYED["anpr_ops_meta"]
    touched = {case.row}
    if case.mutation == "swap":
        at = rows.index(case.row)
        touched.add(rows[at + 1] if at + 1 < len(rows) else rows[at - 1])
    if touched & {"log_id", "name"}:
        return ORIGIN
    if case.row == "next_person":
        if (case.column, case.mutation) == ("value", "flip"):
            return NEXT_PERSON_RAISED
        return NEXT_PERSON
    if "next_person" in touched:
        return NEXT_PERSON_SWAPPED
    return Claim("nobody", None, META_HARMLESS[case.row])


def expected(case: Case) -> Claim:
    """What we claim about one cell, and why."""
    table, column, mutation = case.table, case.column, case.mutation
    if table == FILE:
        return FILE_CLAIMS[mutation]
    if mutation == "null" and (table, column) not in NULLABLE:
        return Claim("impossible", None, NOT_NULL)
    if table == "anpr_ops_meta":
        return _meta(case)
    if table == "sqlite_sequence":
        return Claim("nobody", None, SEQUENCE)
    if mutation == "reorder" and table in ("operations", "offence_definitions"):
        return STORAGE_ORDER
    if (table, column, mutation) == ("zone_offsets", "zone", "swap"):
        return ZONES_SWAP
    if table == "events":
        if column in _schema.EVENT_COPIES:
            return Claim("verify", "column_mismatch", COPIES)
        return EVENTS_COLUMNS[column, mutation] if column else EVENTS_ROWS[mutation]
    if table == "personal":
        if column:
            return PERSONAL_COLUMNS.get((column, mutation), PERSONAL)
        return PERSONAL_ROWS[mutation]
    if table == "subjects":
        return Claim("verify", "subjects_mismatch", SUBJECTS)
    if table == "access_log":
        if column:
            return ACCESS_COLUMNS.get((column, mutation), ACCESS)
        return ACCESS_ROWS[mutation]
    if table == "erased":
        if (column, mutation) == ("seq", "flip") or mutation in ("delete_middle", "truncate_tail"):
            return ERASED_MISSING
        return ERASED_OTHER
    return Claim("full_verify", "derived_mismatch", DERIVED_REASONS.get(table, DERIVED))


# --------------------------------------------------------------------------- the matrix


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    return make_base(tmp_path_factory.mktemp("tamper-base"))


def sample(found: list[Case]) -> list[Case]:
    """The cells the fast run checks: the first cell of every claim."""
    seen: dict[Claim, Case] = {}
    for case in found:
        seen.setdefault(expected(case), case)
    return sorted(seen.values())


def test_the_cases_cover_every_column_of_every_table(base: Base) -> None:
    """The cells, written from the schema module, cover every table and column the base file
    holds, and the named rows of the small tables are the rows it holds."""
    found = cases()
    conn = sqlite3.connect(f"file:{base.path}?mode=ro", uri=True)
    try:
        in_file = {
            name: [row[1] for row in conn.execute(f'PRAGMA table_xinfo("{name}")')]
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        meta = {key for (key,) in conn.execute("SELECT key FROM anpr_ops_meta")}
        sequence = {name for (name,) in conn.execute("SELECT name FROM sqlite_sequence")}
    finally:
        conn.close()
    assert set(in_file) == set(schema_columns()) == {*_schema.TABLES, "sqlite_sequence"}
    for table, columns in in_file.items():
        rows = KEYED.get(table, ("",))
        for column in columns:
            for row in rows:
                for mutation in COLUMN_MUTATIONS:
                    assert Case(table, column, mutation, row) in found
        for mutation in ROW_MUTATIONS if table not in KEYED else ("forge",):
            assert Case(table, "", mutation) in found
    assert meta == set(KEYED["anpr_ops_meta"]) and sequence == set(KEYED["sqlite_sequence"])
    assert {c.mutation for c in found if c.table == FILE} == set(FILE_MUTATIONS)
    for table, attacks in ATTACKS.items():
        assert {c.mutation for c in found if c.table == table} >= set(attacks)


def test_a_new_log_has_no_meta_rows_the_matrix_leaves_out() -> None:
    """Every key a new log writes in anpr_ops_meta is one of the matrix's named rows (and the
    migrated base adds migrated_from)."""
    conn = sqlite3.connect(":memory:")
    try:
        create_schema(conn)
        keys = {key for (key,) in conn.execute("SELECT key FROM anpr_ops_meta")}
    finally:
        conn.close()
    assert keys | {"migrated_from"} == set(KEYED["anpr_ops_meta"])


def test_the_base_fills_every_column(base: Base) -> None:
    """Every table of the base holds three rows or more, and every column two different
    values: so no change is out of reach for want of data (the named rows apart)."""
    conn = sqlite3.connect(f"file:{base.path}?mode=ro", uri=True)
    try:
        for table, columns in schema_columns().items():
            if table in KEYED:
                continue
            (count,) = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            assert count >= 3, table
            for column in columns:
                (values,) = conn.execute(
                    f'SELECT count(DISTINCT "{column}") FROM "{table}"'
                ).fetchone()
                assert values >= 2, (table, column)
    finally:
        conn.close()
    with OpLog.open(base.path) as log:
        assert log.verify().ok


def test_a_sample_of_the_matrix(base: Base, tmp_path: Path) -> None:
    """Fast run: a cell of every claim is classified as claimed, and the verifier agrees."""
    check_matrix(base, sample(cases()), tmp_path, expected)


@pytest.mark.slow
def test_the_whole_matrix(base: Base, tmp_path: Path) -> None:
    """Every cell is classified as claimed, and the standalone verifier agrees on every one."""
    findings = check_matrix(base, cases(), tmp_path, expected)
    counts = Counter(finding.outcome for finding in findings.values())
    print(f"\ntamper matrix: {len(findings)} cells: {dict(counts)}")


# --------------------------------------------------------------------------- the docs


def test_the_docs_show_the_claims() -> None:
    """docs/tamper-matrix.md holds exactly the tables rendered from the claims.

    To regenerate them after changing a claim: ``ANPR_OPS_WRITE_DOCS=1 pytest -k docs_show``.
    """
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else f"{BEGIN}\n{END}\n"
    table = render(cases(), expected)
    pattern = re.compile(re.escape(BEGIN) + r"\n(.*?)" + re.escape(END), re.DOTALL)
    if os.environ.get("ANPR_OPS_WRITE_DOCS") == "1":
        DOC.write_text(pattern.sub(lambda _: f"{BEGIN}\n{table}{END}", text), encoding="utf-8")
    match = pattern.search(DOC.read_text(encoding="utf-8"))
    assert match is not None, f"{DOC} lacks the {BEGIN} ... {END} markers"
    assert match.group(1) == table
    assert render_counts(cases(), expected) in DOC.read_text(encoding="utf-8")
