"""Guarantee 2: the tamper matrix. Every column of every table the file holds is changed from
outside the library, and who notices is compared with what we claim (``EXPECTED`` below, each
claim with its reason). The standard-library verifier must agree with ``verify()`` on every
cell, and ``docs/tamper-matrix.md`` must show exactly these claims.

The harness (``tests/harness/tamper.py``) makes the changes with plain sqlite3 on copies of a
log that fills every column (``tests/harness/rich.py``). The fast run checks a sample of the
cells (the file, events and metadata, and one projection table's rows); the slow run checks
all of them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from anpr_ops import _schema
from tests.conftest import ROOT
from tests.harness.tamper import (
    COLUMN_MUTATIONS,
    EVENT_MUTATIONS,
    FILE,
    FILE_MUTATIONS,
    ROW_MUTATIONS,
    Base,
    Case,
    Finding,
    cases,
    make_base,
    run_case,
    stdlib_verdicts,
)

DOC = ROOT / "docs" / "tamper-matrix.md"
EVENT_COLUMNS = ("seq", "event_id", "body", "prev_hash", "hash")


class Claim(NamedTuple):
    outcome: str
    problem: str | None
    reason: str


# --------------------------------------------------------------------------- the claims

CHAIN = "the hash chain covers it"
REBUILD = "differs from a rebuild of the projections from the events"
EVENTS_COLUMN: dict[tuple[str, str], Claim] = {
    ("event_id", "flip"): Claim(
        "verify", "column_mismatch", "the copy of event_id beside the body is checked against it"
    ),
    ("event_id", "swap"): Claim(
        "verify", "column_mismatch", "the copy of event_id beside the body is checked against it"
    ),
    ("seq", "flip"): Claim("verify", "seq_gap", f"{CHAIN}: a renumbered event leaves a gap"),
    ("seq", "swap"): Claim(
        "verify", "prev_hash_mismatch", f"{CHAIN}: two events change places and stop linking"
    ),
    ("body", "flip"): Claim(
        "verify", "hash_mismatch", f"{CHAIN}: the stored hash no longer matches the bytes"
    ),
    ("body", "swap"): Claim(
        "verify", "hash_mismatch", f"{CHAIN}: the stored hash no longer matches the bytes"
    ),
    ("prev_hash", "flip"): Claim(
        "verify", "prev_hash_mismatch", f"{CHAIN}: the link to the previous event is broken"
    ),
    ("prev_hash", "swap"): Claim(
        "verify", "prev_hash_mismatch", f"{CHAIN}: the link to the previous event is broken"
    ),
    ("hash", "flip"): Claim(
        "verify", "hash_mismatch", f"{CHAIN}: the stored hash is not SHA-256 of the event"
    ),
    ("hash", "swap"): Claim(
        "verify", "hash_mismatch", f"{CHAIN}: the stored hash is not SHA-256 of the event"
    ),
}
EVENTS_ROWS: dict[str, Claim] = {
    "delete_middle": Claim("verify", "seq_gap", f"{CHAIN}: seq has a gap"),
    "reorder": Claim("verify", "prev_hash_mismatch", f"{CHAIN}: events no longer link in order"),
    "truncate_tail": Claim(
        "projections",
        "projection_mismatch",
        "the chain is a shorter valid chain, but the projections still hold the cut events",
    ),
    "truncate_tail_rebuilt": Claim(
        "checkpoint",
        "truncated",
        "a shorter valid chain with matching projections: only a checkpoint remembers the end",
    ),
    "forge": Claim(
        "projections",
        "projection_mismatch",
        "a correctly hashed append by plain SQL passes the guards and the chain, but has no "
        "projection rows",
    ),
    "forge_via_library": Claim(
        "undetectable",
        None,
        "anyone who can write the file can append: the chain proves integrity and order, "
        "not who wrote an event",
    ),
    "rewrite_recomputed": Claim(
        "projections", "projection_mismatch", "every hash recomputed, projections left as they were"
    ),
    "rewrite_recomputed_rebuilt": Claim(
        "checkpoint",
        "rewritten",
        "every hash recomputed and projections rebuilt: only a checkpoint's head hash differs",
    ),
    "replace_tail_recomputed": Claim(
        "projections", "projection_mismatch", "last event replaced, projections left as they were"
    ),
    "replace_tail_recomputed_rebuilt": Claim(
        "checkpoint",
        "rewritten",
        "last event replaced and projections rebuilt: only a checkpoint's head hash differs",
    ),
}
META_LOG_ID = Claim(
    "checkpoint",
    "checkpoint_other_log",
    "the log id is not chained; a checkpoint names the log it was taken of",
)
META_OTHER = Claim(
    "undetectable",
    None,
    "informational only: the schema version that counts is PRAGMA user_version, and "
    "created_at is not used",
)
META_ROWS: dict[str, Claim] = {
    "delete_middle": META_OTHER,  # the middle row is created_at
    "truncate_tail": META_OTHER,  # the last row is schema_version
    "reorder": Claim(
        "undetectable", None, "harmless: rows are looked up by key, their storage order is unused"
    ),
    "forge": Claim("undetectable", None, "harmless: keys the library does not know are ignored"),
}
SEQUENCE_HARMLESS = Claim(
    "undetectable",
    None,
    "harmless: the library numbers events itself (head + 1), not from sqlite_sequence, and "
    "verify() finds any gap",
)
SEQUENCE_ONE_ROW = Claim("not_applicable", None, "sqlite_sequence holds one row (events)")
FILE_CLAIMS: dict[str, Claim] = {
    "guards_dropped_restored": Claim(
        "undetectable",
        None,
        "harmless by itself: identical guards put back leave no trace; what changed meanwhile "
        "is found as above",
    ),
    "guard_dropped": Claim("refused_on_open", "guards_missing", "guards are checked on open"),
    "guard_weakened": Claim(
        "refused_on_open", "guards_missing", "the guards' exact text is checked on open"
    ),
    "trigger_added": Claim(
        "refused_on_open", "guards_missing", "an unexpected trigger on events is refused on open"
    ),
    "application_id_changed": Claim(
        "refused_on_open", "not_a_log", "not marked as an anpr_ops log (PRAGMA application_id)"
    ),
    "user_version_newer": Claim(
        "refused_on_open", "schema_too_new", "a newer schema version is refused"
    ),
    "user_version_zero": Claim(
        "refused_on_open", "not_a_log", "a file without a schema version was never initialised"
    ),
    "header_overwritten": Claim("refused_on_open", "corrupt", "SQLite cannot read the file"),
    "view_redefined": Claim(
        "undetectable",
        None,
        "the library never reads the event_log view, so reports and verify() are unaffected; "
        "people browsing the view (Datasette) would be misled: read events.body",
    ),
    "index_dropped": Claim(
        "undetectable",
        None,
        "harmless to the record: the events_no_replace guard still refuses a second event "
        "with the same id; lookups by id get slower",
    ),
    "projection_trigger_planted": Claim(
        "projections",
        "projection_mismatch",
        "opening does not look at triggers on the projection tables; what such a trigger "
        "changes in them differs from a rebuild",
    ),
}
PROJECTION = Claim("projections", "projection_mismatch", f"projections are not chained; {REBUILD}")
SINGLE_VALUE = Claim(
    "not_applicable", None, "the column has one possible value (rta_1988_s163) in every row"
)


def expected(case: Case) -> Claim:
    """What we claim about one cell, and why."""
    table, column, mutation = case.table, case.column, case.mutation
    if table == FILE:
        return FILE_CLAIMS[mutation]
    if table == "events":
        return EVENTS_COLUMN[column, mutation] if column else EVENTS_ROWS[mutation]
    if table == "anpr_ops_meta":
        if column:
            return META_LOG_ID if case.row == "log_id" else META_OTHER
        return META_ROWS[mutation]
    if table == "sqlite_sequence":
        if mutation in ("flip", "forge"):
            return SEQUENCE_HARMLESS
        return SEQUENCE_ONE_ROW
    if (table, column, mutation) == ("vehicle_stops", "power", "swap"):
        return SINGLE_VALUE
    return PROJECTION


# --------------------------------------------------------------------------- the matrix


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    return make_base(tmp_path_factory.mktemp("tamper-base"))


def all_cases(base: Base) -> list[Case]:
    return cases(base.path)


def sample(found: list[Case]) -> list[Case]:
    """The cells the fast run checks: every file-level change, every change to the rows and
    columns of events, anpr_ops_meta and sqlite_sequence, and one projection table's rows."""
    return [
        c
        for c in found
        if c.table in {FILE, "events", "anpr_ops_meta", "sqlite_sequence"}
        or (c.table == "outcomes" and not c.column)
    ]


def test_the_cases_cover_every_column_of_every_table(base: Base) -> None:
    """Written from the schema module, not from the file: no table or column is left out."""
    found = all_cases(base)
    covered = {(c.table, c.column) for c in found}
    tables = {
        "events": EVENT_COLUMNS,
        "anpr_ops_meta": ("key", "value"),
        "sqlite_sequence": ("name", "seq"),
        **{table.name: table.column_names for table in _schema.DERIVED},
    }
    for table, columns in tables.items():
        for column in columns:
            for mutation in COLUMN_MUTATIONS:
                assert (table, column) in covered, (table, column, mutation)
        for mutation in ROW_MUTATIONS:
            assert Case(table, "", mutation) in found
    assert {c.table for c in found} == {*tables, FILE}
    assert {c.mutation for c in found if c.table == "events"} >= set(EVENT_MUTATIONS)
    assert {c.mutation for c in found if c.table == FILE} == set(FILE_MUTATIONS)


def _run(base: Base, chosen: list[Case], folder: Path) -> dict[Case, tuple[Path, Finding]]:
    return {case: run_case(case, base, folder) for case in chosen}


def _check_claims(results: dict[Case, tuple[Path, Finding]]) -> None:
    wrong = []
    for case, (_, finding) in sorted(results.items()):
        claim = expected(case)
        if (finding.outcome, finding.problem if claim.problem else None) != (
            claim.outcome,
            claim.problem,
        ):
            wrong.append(f"{case.label}: found {finding}, claimed {claim}")
    assert not wrong, f"{len(wrong)} cell(s) differ from the claims:\n" + "\n".join(wrong)


def _stdlib_runs(
    base: Base, results: dict[Case, tuple[Path, Finding]]
) -> Iterator[tuple[Case, list[str]]]:
    for case, (path, finding) in results.items():
        if finding.outcome in ("impossible", "not_applicable"):
            continue
        yield case, [str(path)]
        for checkpoint in base.checkpoints:
            yield case, [str(path), "--checkpoint", str(checkpoint)]


def _check_stdlib_agrees(base: Base, results: dict[Case, tuple[Path, Finding]]) -> None:
    """The standard-library verifier, in a process that can import nothing else, says what
    verify() says: the same exit status and the same summary line, with and without each
    checkpoint. Where the library refuses the file, the verifier refuses it too (exit 2), or,
    for guards, names the guard problem."""
    runs = list(_stdlib_runs(base, results))
    verdicts = list(stdlib_verdicts([argv for _, argv in runs]))
    assert len(verdicts) == len(runs)
    disagreements = []
    for (case, argv), (_, status, out, err) in zip(runs, verdicts, strict=True):
        path, finding = results[case]
        if finding.outcome == "refused_on_open":
            if finding.problem == "guards_missing":
                ok = status in (0, 1) and "guards: intact" not in out and "guards: " in out
            else:
                ok = status == 2 and "error:" in err
        else:
            index = 0 if len(argv) == 1 else 1 + base.checkpoints.index(Path(argv[2]))
            summary = finding.summaries[index]
            ok = status == (0 if summary.startswith("chain holds") else 1) and (
                f"{path}: {summary}\nguards: intact\n" == out
            )
        if not ok:
            disagreements.append(f"{case.label} {argv[1:]}: status {status}, {out!r} {err!r}")
    assert not disagreements, (
        f"{len(disagreements)} disagreement(s) of the stdlib verifier:\n"
        + "\n".join(disagreements[:20])
    )


def test_a_sample_of_the_matrix(base: Base, tmp_path: Path) -> None:
    """Fast run: the sampled cells are classified as claimed, and the verifier agrees."""
    results = _run(base, sample(all_cases(base)), tmp_path)
    _check_claims(results)
    _check_stdlib_agrees(base, results)


@pytest.mark.slow
def test_the_whole_matrix(base: Base, tmp_path: Path) -> None:
    """Every cell is classified as claimed, and the stdlib verifier agrees on every one."""
    results = _run(base, all_cases(base), tmp_path)
    _check_claims(results)
    _check_stdlib_agrees(base, results)
    counts = Counter(finding.outcome for _, finding in results.values())
    print(f"\ntamper matrix: {len(results)} cells: {dict(counts)}")
    assert render_counts(all_cases(base)) in DOC.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the docs table

NAMES = {
    "verify": "`verify()`",
    "projections": "`verify()`",
    "checkpoint": "checkpoint only",
    "refused_on_open": "refused on open",
    "undetectable": "**not detectable**",
    "impossible": "SQLite refuses",
    "not_applicable": "n/a",
}
MUTATION_NAMES = {
    "flip": "a bit flipped",
    "swap": "two rows' values swapped",
    "delete_middle": "a middle row deleted",
    "reorder": "rows reordered",
    "truncate_tail": "the tail truncated",
    "forge": "a forged row appended",
    "truncate_tail_rebuilt": "the tail truncated, projections rebuilt",
    "forge_via_library": "a forged event appended through the library",
    "rewrite_recomputed": "an event rewritten, every later hash recomputed",
    "rewrite_recomputed_rebuilt": "an event rewritten, hashes recomputed, projections rebuilt",
    "replace_tail_recomputed": "the last event replaced, its hash recomputed",
    "replace_tail_recomputed_rebuilt": "the last event replaced, hash recomputed, projections "
    "rebuilt",
    "guards_dropped_restored": "guards dropped and restored",
    "guard_dropped": "a guard dropped",
    "guard_weakened": "a guard weakened (same name)",
    "trigger_added": "a trigger added on events",
    "application_id_changed": "PRAGMA application_id changed",
    "user_version_newer": "PRAGMA user_version raised",
    "user_version_zero": "PRAGMA user_version set to 0",
    "header_overwritten": "the SQLite header overwritten",
    "view_redefined": "the event_log view redefined",
    "index_dropped": "the unique index on events.event_id dropped",
    "projection_trigger_planted": "a trigger planted on a projection table, then an append",
}


def _cell(claim: Claim) -> str:
    problem = f" (`{claim.problem}`)" if claim.problem and claim.outcome != "projections" else ""
    return NAMES[claim.outcome] + problem


def render_counts(found: list[Case]) -> str:
    counts = Counter(expected(c).outcome for c in found)
    parts = [f"{counts[outcome]} {NAMES[outcome]}" for outcome in NAMES if counts[outcome]]
    return f"{len(found)} cells: " + ", ".join(parts) + "."


def render(found: list[Case]) -> str:
    """The Markdown tables of docs/tamper-matrix.md, from the claims."""
    lines = [render_counts(found), ""]
    lines += [
        "### Changes to one column",
        "",
        "| table | column | a bit flipped | two rows' values swapped | why |",
        "|---|---|---|---|---|",
    ]
    columns = sorted({(c.table, c.column, c.row) for c in found if c.column}, key=_order)
    for table, column, row in columns:
        flip = expected(Case(table, column, "flip", row))
        swap = expected(Case(table, column, "swap", row))
        why = flip.reason if flip.reason == swap.reason else f"{flip.reason}; swap: {swap.reason}"
        if flip.outcome == "projections" and swap.outcome == "projections":
            why = "projections are not chained"
        name = f"`{column}`" + (f" (row `{row}`)" if row else "")
        lines.append(f"| `{table}` | {name} | {_cell(flip)} | {_cell(swap)} | {why} |")
    lines += [
        "",
        "### Changes to rows, and to the file",
        "",
        "| table | change | found by | why |",
        "|---|---|---|---|",
    ]
    rows = sorted({(c.table, c.mutation) for c in found if not c.column}, key=_row_order)
    for table, mutation in rows:
        claim = expected(Case(table, "", mutation))
        name = f"`{table}`" if table != FILE else "the file"
        lines.append(f"| {name} | {MUTATION_NAMES[mutation]} | {_cell(claim)} | {claim.reason} |")
    return "\n".join(lines) + "\n"


def _order(item: tuple[str, str, str]) -> tuple[int, str, int, int]:
    table, column, row = item
    tables = ["events", "anpr_ops_meta", "sqlite_sequence", *(t.name for t in _schema.DERIVED)]
    if table == "events":
        columns = list(EVENT_COLUMNS)
    elif table == "anpr_ops_meta":
        columns = ["key", "value"]
    elif table == "sqlite_sequence":
        columns = ["name", "seq"]
    else:
        columns = list(_schema.DERIVED_BY_NAME[table].column_names)
    rows = ["", "log_id", "created_at", "schema_version"]
    return (tables.index(table), "", columns.index(column) * 10 + rows.index(row), 0)


def _row_order(item: tuple[str, str]) -> tuple[int, int]:
    table, mutation = item
    tables = [FILE, "events", "anpr_ops_meta", "sqlite_sequence"]
    tables += [t.name for t in _schema.DERIVED]
    mutations = [*ROW_MUTATIONS, *EVENT_MUTATIONS, *FILE_MUTATIONS]
    return tables.index(table), mutations.index(mutation)


BEGIN, END = "<!-- tamper-matrix:begin -->", "<!-- tamper-matrix:end -->"


def test_the_docs_show_the_claims(base: Base) -> None:
    """docs/tamper-matrix.md holds exactly the table rendered from the claims.

    To regenerate it after changing a claim: ``ANPR_OPS_WRITE_DOCS=1 pytest -k docs_show``.
    """
    import os

    text = DOC.read_text(encoding="utf-8") if DOC.exists() else f"{BEGIN}\n{END}\n"
    table = render(all_cases(base))
    pattern = re.compile(re.escape(BEGIN) + r"\n(.*?)" + re.escape(END), re.DOTALL)
    if os.environ.get("ANPR_OPS_WRITE_DOCS") == "1":
        DOC.write_text(pattern.sub(lambda _: f"{BEGIN}\n{table}{END}", text), encoding="utf-8")
    match = pattern.search(DOC.read_text(encoding="utf-8"))
    assert match is not None, f"{DOC} lacks the {BEGIN} ... {END} markers"
    assert match.group(1) == table
