"""The Merkle tree kept at append time: tiles written with each batch, right after a restart,
after another connection's appends and after refused batches; rebuilt and verified like any
derived table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anpr_ops import OpLog
from anpr_ops._schema import GUARDS
from anpr_ops.errors import AnprOpsError
from anpr_ops.merkle import Frontier, leaf_hash
from tests import factory as f
from tests import rfc9162
from tests.support import raw, remembered


def stored_tiles(conn: sqlite3.Connection) -> dict[tuple[int, int], bytes]:
    return {
        (level, idx): bytes(blob)
        for level, idx, blob in conn.execute("SELECT level, idx, hashes FROM merkle_tiles")
    }


def bodies(conn: sqlite3.Connection) -> list[bytes]:
    return [bytes(b) for (b,) in conn.execute("SELECT CAST(body AS BLOB) FROM events ORDER BY seq")]


def expected_tiles(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """The tiles of the tree of ``leaves``, made in one go (every tile as it ends up), but the
    partial tile of level 0, which is not stored (it is hashed from the last bodies)."""
    _, tiles = Frontier().append([leaf_hash(body) for body in leaves])
    return {key: blob for key, blob in tiles.items() if key[0] or len(blob) == 8192}


def hits(first: int, count: int) -> list[dict[str, object]]:
    return [f.hit(f"hit-{n}") for n in range(first, first + count)]


def test_each_append_writes_the_tiles_of_the_tree_of_its_bodies(log: OpLog) -> None:
    log.extend(f.chain())
    log.extend(hits(10, 300))
    for n in range(310, 330):
        log.append(f.hit(f"hit-{n}"))
    conn = raw(log)
    leaves = bodies(conn)
    assert len(leaves) == 326
    assert stored_tiles(conn) == expected_tiles(leaves)
    assert sorted(stored_tiles(conn)) == [(0, 0), (1, 0)]
    assert log.checkpoint().root == rfc9162.mth(leaves)


@settings(max_examples=25, deadline=None)
@given(batches=st.lists(st.integers(1, 300), min_size=1, max_size=6), reopen=st.data())
def test_any_batches_with_restarts_leave_the_tiles_of_the_whole_log(
    tmp_path_factory: pytest.TempPathFactory, batches: list[int], reopen: st.DataObject
) -> None:
    """Whatever the batch sizes, and whether the log is reopened between batches (the edge
    then read back from the tiles), the stored tiles are those of the tree made in one go."""
    db = tmp_path_factory.mktemp("tree") / "day.db"
    log = OpLog.open(db, create=True, durability="normal")
    try:
        log.append(f.operation())
        first = 0
        for size in batches:
            if reopen.draw(st.booleans()):
                log.close()
                log = OpLog.open(db, durability="normal")
            log.extend(hits(first, size))
            first += size
        conn = raw(log)
        leaves = bodies(conn)
        assert stored_tiles(conn) == expected_tiles(leaves)
        assert log.checkpoint().root == rfc9162.mth(leaves)
    finally:
        log.close()


def test_two_connections_appending_in_turn_keep_one_tree(tmp_path: Path) -> None:
    """Each connection's memory goes stale when the other appends: a batch planned from it
    collides on the events insert, so its tiles never land, and it is planned again."""
    db = tmp_path / "day.db"
    with OpLog.open(db, create=True) as a, OpLog.open(db) as b:
        a.append(f.operation())
        for n in range(0, 600, 2):
            a.append(f.hit(f"hit-{n}"))
            b.append(f.hit(f"hit-{n + 1}"))
        b.extend(hits(1000, 40))
        a.extend(hits(2000, 40))
        for log in (a, b):
            conn = raw(log)
            assert stored_tiles(conn) == expected_tiles(bodies(conn))
            assert log.verify().ok


def test_a_refused_batch_leaves_the_tiles_as_they_were(
    log: OpLog,
) -> None:
    log.extend([*f.chain(), *hits(100, 20)])
    before = stored_tiles(raw(log))
    memory = remembered(log)
    assert memory is not None and memory.frontier.size == 26
    with pytest.raises(AnprOpsError):
        log.extend([*hits(200, 5), f.stop("stop-x", hit_id="no-such-hit")])
    assert stored_tiles(raw(log)) == before
    log.extend(hits(300, 3))
    conn = raw(log)
    assert stored_tiles(conn) == expected_tiles(bodies(conn))
    memory = remembered(log)
    assert memory is not None and memory.frontier.size == 29


def test_a_duplicate_only_batch_writes_no_tile(log: OpLog) -> None:
    log.extend(f.chain())
    before = stored_tiles(raw(log))
    assert log.extend(f.chain()).noop
    assert stored_tiles(raw(log)) == before


def test_an_edited_tile_is_found_by_the_full_verify_and_repaired_by_a_rebuild(
    log: OpLog,
) -> None:
    log.extend([*f.chain(), *hits(100, 600)])
    conn = raw(log)
    conn.execute("UPDATE merkle_tiles SET hashes = zeroblob(8192) WHERE level = 0 AND idx = 1")
    assert log.verify(quick=True).ok  # the quick check does not read derived tables
    result = log.verify()
    assert (result.ok, result.problem, result.first_bad_seq) == (False, "derived_mismatch", 257)
    assert "merkle_tiles" in (result.reason or "")
    log.rebuild()
    assert log.verify().ok
    assert stored_tiles(conn) == expected_tiles(bodies(conn))


def test_a_damaged_tile_on_the_edge_does_not_stop_appends(log: OpLog) -> None:
    """A new connection reads the edge from the tiles; a damaged one is hashed again from the
    events instead, so the tiles appends write are right (here they replace it)."""
    log.extend([*f.chain(), *hits(100, 594)])  # 600 events: tile (1, 0) holds 2 hashes
    conn = raw(log)
    log.rebuild()  # forget the remembered edge, as a new connection would
    conn.execute("UPDATE merkle_tiles SET hashes = x'00' WHERE level = 1 AND idx = 0")
    assert log.verify().problem == "derived_mismatch"
    log.extend(hits(1000, 300))
    assert stored_tiles(conn) == expected_tiles(bodies(conn))
    assert log.verify().ok
    assert log.checkpoint().root == rfc9162.mth(bodies(conn))


def test_the_unstored_partial_tile_is_hashed_from_the_last_bodies(log: OpLog) -> None:
    log.extend([*f.chain(), *hits(100, 250)])  # 256: the first leaf tile is full
    assert sorted(stored_tiles(raw(log))) == [(0, 0), (1, 0)]
    for n in range(255):
        log.append(f.hit(f"single-{n}"))
        assert (0, 1) not in stored_tiles(raw(log))
    log.append(f.hit("the-last-one"))
    conn = raw(log)
    assert sorted(stored_tiles(conn)) == [(0, 0), (0, 1), (1, 0)]
    assert stored_tiles(conn) == expected_tiles(bodies(conn))


def test_a_tail_cut_under_a_full_tile_shows_in_the_tiles(tmp_path: Path) -> None:
    """The tiles are derived, but a full one still holds the hashes of events cut from the end:
    the full verify finds the cut without a checkpoint, until someone rebuilds the tiles."""
    db = tmp_path / "day.db"
    with OpLog.open(db, create=True) as log:
        log.extend([*f.chain(), *hits(100, 300)])
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq > 200")
    conn.execute("DELETE FROM personal WHERE seq > 200")  # else the quick verify finds them
    conn.execute(GUARDS["events_no_delete"])
    conn.commit()
    conn.close()
    with OpLog.open(db) as log:
        assert log.verify(quick=True).ok
        result = log.verify()
        assert (result.problem, result.first_bad_seq) == ("derived_mismatch", 1)
        log.rebuild()
        assert log.verify().ok
