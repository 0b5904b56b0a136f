"""The Merkle tree of the log, as stored: tiles in ``merkle_tiles``, kept at append time.

The tree is RFC 9162's over every event in ``seq`` order, each leaf the UTF-8 bytes of
``events.body`` (:mod:`anpr_ops.merkle`). Its hashes are kept in tiles of height 8, one row
per tile (``level``, ``idx``, ``hashes``: up to 256 hashes of 32 bytes), so a root or a proof
reads O(log n) rows.

Every tile is stored but one: the partial tile of level 0, the leaf hashes of the last
``size mod 256`` events. It would be rewritten by every append (up to 8 KiB for one event,
which cost single appends a quarter of their speed), and it is no more than the hashes of
those events' bodies, so it is hashed from them when it is needed (:func:`tile_reader`:
at most 255 bodies, read once per proof or restart). The other tiles change at most once per
256 events.

An appending connection remembers the tree's right edge (a :class:`~anpr_ops.merkle.Frontier`,
in :class:`~anpr_ops.store._memory.State`); a batch extends it while the batch is planned, and
the tiles it changed are written in the same transaction as its events (:func:`write`). A
batch planned from a stale memory never commits its tiles: its first event's ``seq`` is then at
or below the stored head, the insert guard refuses it, and the whole transaction rolls back
before a tile is written. After a restart the frontier is read back from one tile per tile
level (:func:`frontier`).

``merkle_tiles`` is derived state, like the other derived tables: :func:`replay` rebuilds it
from the events, and the full verification compares it with a rebuild.
"""

from __future__ import annotations

import sqlite3

from anpr_ops._verifier import tree_of
from anpr_ops.errors import ProofError
from anpr_ops.merkle import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    Frontier,
    NodeReader,
    TileNodeReader,
    TileReader,
    leaf_hash,
)

__all__ = ["frontier", "node_reader", "replay", "tile_reader", "write"]

_UPSERT = "INSERT OR REPLACE INTO merkle_tiles (level, idx, hashes) VALUES (?, ?, ?)"
_FULL = TILE_WIDTH * HASH_SIZE


def tile_reader(conn: sqlite3.Connection, size: int) -> TileReader:
    """``read_tile(level, idx)`` for the tree of the log's ``size`` events: the stored tile
    (``None`` when there is none), or, for the partial tile of level 0, the hashes of the
    bodies under it."""
    partial = size >> TILE_HEIGHT if size % TILE_WIDTH else None

    def read(level: int, index: int) -> bytes | None:
        if level == 0 and index == partial:
            rows = conn.execute(
                "SELECT CAST(body AS BLOB) FROM events WHERE seq > ? AND seq <= ? ORDER BY seq",
                (index << TILE_HEIGHT, size),
            ).fetchall()
            return b"".join(leaf_hash(body) for (body,) in rows)
        row = conn.execute(
            "SELECT hashes FROM merkle_tiles WHERE level = ? AND idx = ?", (level, index)
        ).fetchone()
        return bytes(row[0]) if row is not None else None

    return read


def node_reader(conn: sqlite3.Connection, size: int) -> NodeReader:
    """A node reader over the tree of ``size`` leaves (the log's size now, read in the same
    transaction): roots and proofs of any size up to it."""
    return TileNodeReader(size, tile_reader(conn, size))


def frontier(conn: sqlite3.Connection, size: int) -> Frontier:
    """The right edge of the tree of the log's ``size`` events, for appending.

    Read from the tiles (one per tile level). Should those be damaged — the wrong length, or
    missing — it is hashed again from the events, so that appends go on adding correct tiles;
    the full verification names the damaged tile, and a rebuild repairs it.
    """
    try:
        return Frontier.from_tiles(size, tile_reader(conn, size))
    except ProofError:
        return tree_of(conn, size)


def write(conn: sqlite3.Connection, tiles: dict[tuple[int, int], bytes]) -> None:
    """Write the tiles an append changed (inside its transaction), but the partial tile of
    level 0, which is never stored."""
    rows = [
        (level, idx, blob) for (level, idx), blob in tiles.items() if level or len(blob) == _FULL
    ]
    if rows:
        conn.executemany(_UPSERT, rows)


def replay(conn: sqlite3.Connection) -> None:
    """Fill the (empty) ``merkle_tiles`` from the events."""
    (size,) = conn.execute("SELECT count(*) FROM events").fetchone()
    tree_of(conn, size, lambda tiles: write(conn, tiles))
