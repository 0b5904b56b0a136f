"""The Merkle tree of the log, as stored: tiles in ``merkle_tiles``, kept at append time.

The tree is RFC 9162's over every event in ``seq`` order, each leaf the UTF-8 bytes of
``events.body`` (:mod:`anpr_ops.merkle`). Its hashes are kept in tiles of height 8, one row
per tile (``level``, ``idx``, ``hashes``: up to 256 hashes of 32 bytes), so a root or a proof
reads O(log n) rows.

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
from anpr_ops.merkle import Frontier, NodeReader, TileNodeReader, TileReader

__all__ = ["frontier", "node_reader", "replay", "write"]

_UPSERT = "INSERT OR REPLACE INTO merkle_tiles (level, idx, hashes) VALUES (?, ?, ?)"


def tile_reader(conn: sqlite3.Connection) -> TileReader:
    """``read_tile(level, idx)``: the stored tile, or ``None``."""

    def read(level: int, index: int) -> bytes | None:
        row = conn.execute(
            "SELECT hashes FROM merkle_tiles WHERE level = ? AND idx = ?", (level, index)
        ).fetchone()
        return bytes(row[0]) if row is not None else None

    return read


def node_reader(conn: sqlite3.Connection, size: int) -> NodeReader:
    """A node reader over the stored tiles of the tree of ``size`` leaves (the log's size
    now, read in the same transaction): roots and proofs of any size up to it."""
    return TileNodeReader(size, tile_reader(conn))


def frontier(conn: sqlite3.Connection, size: int) -> Frontier:
    """The right edge of the tree of the log's ``size`` events, for appending.

    Read from the stored tiles (one per tile level). Should those be damaged — the wrong
    length, or missing — it is hashed again from the events, so that appends go on adding
    correct tiles; the full verification names the damaged tile, and a rebuild repairs it.
    """
    try:
        return Frontier.from_tiles(size, tile_reader(conn))
    except ProofError:
        return tree_of(conn, size)


def write(conn: sqlite3.Connection, tiles: dict[tuple[int, int], bytes]) -> None:
    """Write the tiles an append changed (inside its transaction)."""
    conn.executemany(_UPSERT, [(level, idx, blob) for (level, idx), blob in tiles.items()])


def replay(conn: sqlite3.Connection) -> None:
    """Fill the (empty) ``merkle_tiles`` from the events."""
    (size,) = conn.execute("SELECT count(*) FROM events").fetchone()
    tree_of(conn, size, lambda tiles: write(conn, tiles))
