"""What follows from the changes the tamper matrix says only the full verify() finds, or nobody
finds: each reason given in docs/tamper-matrix.md for such a cell, shown on the matrix's base
log. The matrix checks who notices; these check what the reasons say happens meanwhile.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Literal

import pytest

from anpr_ops import Checkpoint, OpLog
from anpr_ops.errors import LogError, ProofError
from anpr_ops.events.models import Search
from anpr_ops.merkle import TILE_WIDTH
from anpr_ops.proofs import check_inclusion
from tests import factory as f
from tests.harness.rich import DAY, KAISER
from tests.harness.tamper import Base, make_base


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    return make_base(tmp_path_factory.mktemp("tamper-base"))


def changed(base: Base, folder: Path, *statements: str) -> Path:
    """A copy of the base log changed by plain SQL."""
    path = folder / "changed.db"
    shutil.copyfile(base.path, path)
    conn = sqlite3.connect(path)
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()
    return path


def one(path: Path, sql: str) -> object:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def subject_of(log: OpLog, search_id: str) -> str | None:
    """The subject reference of a search, as a read of personal values returns it."""
    search = log.get(search_id, personal=True)
    assert isinstance(search, Search)
    return search.subject_ref


def people_arrested(log: OpLog, op_id: str) -> int:
    totals = log.report(op_id, include_children=False, source="scan").to_dict()["totals"]
    return int(totals["people_arrested"])


def test_a_damaged_tile_is_never_taken_for_the_tree(base: Base, tmp_path: Path) -> None:
    """Whichever tile is damaged, verify(checkpoint) still holds (the root is hashed from the
    bodies), the full verify() finds the tile, a proof of an event under it does not check
    against the checkpoint, and a checkpoint taken now is either unchanged or fails."""
    checkpoint = Checkpoint.from_text(base.checkpoints[0].read_text(encoding="utf-8"))
    tiles = sqlite3.connect(f"file:{base.path}?mode=ro", uri=True)
    try:
        stored = tiles.execute("SELECT level, idx, length(hashes) FROM merkle_tiles").fetchall()
    finally:
        tiles.close()
    assert len(stored) == 3
    for level, idx, size in stored:
        folder = tmp_path / f"tile-{level}-{idx}"
        folder.mkdir()
        path = changed(base, folder)
        conn = sqlite3.connect(path)
        try:
            (hashes,) = conn.execute(
                "SELECT hashes FROM merkle_tiles WHERE level = ? AND idx = ?", (level, idx)
            ).fetchone()
            damaged = bytearray(hashes)
            damaged[size // 2] ^= 1  # one bit of the hash in the middle of the tile
            conn.execute(
                "UPDATE merkle_tiles SET hashes = ? WHERE level = ? AND idx = ?",
                (bytes(damaged), level, idx),
            )
            conn.commit()
        finally:
            conn.close()
        first = idx * TILE_WIDTH ** (level + 1) + 1  # the first event under the tile
        event_id = str(one(path, f"SELECT event_id FROM events WHERE seq = {first}"))
        with OpLog.open(path) as log:
            assert log.verify(checkpoint, quick=True).ok
            assert log.verify().problem == "derived_mismatch"
            with pytest.raises(ProofError):
                check_inclusion(log.prove(event_id, checkpoint), checkpoint)
            now = log.checkpoint()
            assert now.root == checkpoint.root or not log.verify(now, quick=True).ok


def test_an_edited_rollup_shows_in_reports_until_rebuilt(base: Base, tmp_path: Path) -> None:
    path = changed(
        base,
        tmp_path,
        f"UPDATE rollup_sites SET arrests = arrests + 5 WHERE scope = '{KAISER}' "
        "AND site = 'vauxhall'",
    )

    def arrests(log: OpLog, source: Literal["rollups", "scan"]) -> int:
        report = log.report(KAISER, include_children=False, source=source)
        return int(report.to_dict()["totals"]["arrests"])

    with OpLog.open(path) as log:
        assert arrests(log, "rollups") == arrests(log, "scan") + 5
        assert log.verify(quick=True).ok
        assert log.verify().problem == "derived_mismatch"
        log.rebuild()
        assert arrests(log, "rollups") == arrests(log, "scan")
        assert log.verify().ok


def test_a_restriction_deleted_by_hand_gives_values_until_found(base: Base, tmp_path: Path) -> None:
    seq = one(base.path, "SELECT seq FROM events WHERE event_id = 'search-3'")
    assert one(base.path, f"SELECT count(*) FROM restricted WHERE seq = {seq}") == 1
    path = changed(base, tmp_path, f"DELETE FROM restricted WHERE seq = {seq}")
    with OpLog.open(path) as log:
        assert subject_of(log, "search-3") == "P-3"
        assert log.verify().problem == "derived_mismatch"
        log.rebuild()
        assert subject_of(log, "search-3") == "[restricted]"


def _arrest_p_day(log: OpLog) -> None:
    """Person P-day, arrested twice already at the day's stop, is arrested a third time."""
    log.append(
        f.outcome(
            "out-day-3",
            op_id=DAY,
            search_id=None,
            stop_id="stop-day",
            subject_ref="P-day",
            offences=("RT88191",),
            occurred_at="2020-04-18T14:40:00+01:00",
        )
    )


def test_a_renumbered_subject_is_counted_as_someone_else(base: Base, tmp_path: Path) -> None:
    """A changed subjects row makes the person's next event count as another person's; both
    verifiers find the row no longer gives the number the person's events chain."""
    intact = tmp_path / "intact.db"
    shutil.copyfile(base.path, intact)
    with OpLog.open(intact) as log:
        _arrest_p_day(log)
        assert people_arrested(log, DAY) == 1
    path = changed(base, tmp_path, "UPDATE subjects SET person = 99 WHERE subject_ref = 'P-day'")
    with OpLog.open(path) as log:
        _arrest_p_day(log)
        assert people_arrested(log, DAY) == 2
        assert log.verify().problem == "subjects_mismatch"


def _arrest_someone_new(log: OpLog) -> None:
    log.append(
        f.outcome(
            "out-new",
            search_id="search-1",
            subject_ref="P-new",
            occurred_at="2020-04-18T15:00:00+01:00",
        )
    )


def test_a_lowered_next_person_fails_appends_or_merges_people(base: Base, tmp_path: Path) -> None:
    """A lowered next_person: to a number in use, the next append naming someone new fails; to
    the number of a person whose values were erased, the new person is counted as that one.
    Both verifiers find it below the numbers chained."""
    in_use = one(base.path, "SELECT min(person) FROM subjects")
    path = changed(base, tmp_path, f"UPDATE anpr_ops_meta SET value = '{in_use}' "
                   "WHERE key = 'next_person'")  # fmt: skip
    with OpLog.open(path) as log, pytest.raises(LogError):
        _arrest_someone_new(log)
    # out-4, an arrest, was erased: its person's number is free in subjects, still chained.
    freed = one(
        base.path,
        "SELECT json_extract(body, '$.subject') FROM events WHERE event_id = 'out-4'",
    )
    assert one(base.path, f"SELECT count(*) FROM subjects WHERE person = {freed}") == 0
    before = tmp_path / "before.db"
    shutil.copyfile(base.path, before)
    with OpLog.open(before) as log:
        arrested = people_arrested(log, KAISER)
        _arrest_someone_new(log)
        assert people_arrested(log, KAISER) == arrested + 1
    (tmp_path / "changed.db").unlink()
    path = changed(
        base, tmp_path, f"UPDATE anpr_ops_meta SET value = '{freed}' WHERE key = 'next_person'"
    )
    with OpLog.open(path) as log:
        _arrest_someone_new(log)
        assert people_arrested(log, KAISER) == arrested
        assert log.verify().problem == "next_person_reused"
