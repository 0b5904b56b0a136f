"""The Merkle tree over the log's events: hashes, proofs, and the tiles it is stored in.

Standard library only (the standalone verifier imports this module).

**The tree** is RFC 9162's (section 2.1, the same tree as RFC 6962), with SHA-256 and every hash
a 32-byte ``bytes``:

- a leaf hashes as ``SHA-256(0x00 ‖ data)``, an interior node as ``SHA-256(0x01 ‖ left ‖
  right)``;
- the hash of no leaves (:data:`EMPTY_ROOT`) is ``SHA-256("")``; of one leaf, its leaf hash;
  of ``n > 1`` leaves ``D[0:n]``, ``node(MTH(D[0:k]), MTH(D[k:n]))`` with ``k`` the largest
  power of two smaller than ``n``.

**Nodes.** Node ``(level, index)`` is the hash of the perfect subtree of height ``level`` over
the leaves ``[index·2^level, (index+1)·2^level)``: ``(0, i)`` is leaf hash ``i``, and ``(h+1,
i)`` is ``node((h, 2i), (h, 2i+1))``. It exists in a tree of ``N`` leaves when
``(index+1)·2^level <= N``. Any other range the RFC hashes (always one that ends at the right
edge of a tree) is a fold of perfect subtrees: ``[0, N)`` splits into one perfect subtree per
set bit of ``N``, the largest (leftmost) first, and its hash is
``node(s1, node(s2, … node(s_k-1, s_k)))``. Proofs are made from a *node reader*, any callable
``node(level, index) -> bytes`` that returns a node of the tree; each proof reads O(log N)
nodes.

**Tiles.** The tree is stored as tiles of height 8, the layout of C2SP tlog-tiles: tile
``(L, i)`` (tile level ``L``, index ``i``) is the concatenation, 32 bytes each and nothing
between, of the nodes ``(8L, 256i + j)`` for ``j = 0, 1, …``: at most 256 of them (8,192
bytes). Level-0 tiles hold leaf hashes; each hash of a level-``L`` tile is the root of one full
tile of level ``L-1``. In a tree of ``N`` leaves, level ``8L`` has ``N >> 8L`` complete nodes,
so tile ``(L, i)`` holds ``min(256, (N >> 8L) - 256i)`` hashes (:func:`tile_width`) and tiles
with none do not exist. Only the rightmost tile of a tile level can be partial: it holds
``(N >> 8L) mod 256`` hashes, and it is rewritten, longer, as the tree grows (tlog-tiles would
publish each partial width as its own file; a table keeps one row per tile). A node whose level
is not a multiple of 8 is not stored: it is hashed up from the ``2^r`` hashes under it in its
tile (:class:`TileNodeReader`).

**Reading a root out of the table**, for a tree of ``N > 0`` leaves, with ``tile(L, i)`` the
stored blob and ``H`` SHA-256::

    parts = []                                   # perfect subtrees, leftmost first
    for L in reversed(range((N.bit_length() + 7) // 8)):
        w = (N >> 8 * L) % 256                   # hashes in that level's partial tile
        blob = tile(L, (N >> 8 * L) // 256) if w else b""     # exactly 32·w bytes
        for r in (7, 6, 5, 4, 3, 2, 1, 0):
            if w >> r & 1:                       # the next 2^r hashes, hashed up r times
                row, blob = blob[: 32 << r], blob[32 << r :]
                while len(row) > 32:
                    row = b"".join(H(b"\\x01" + row[j : j + 64]) for j in range(0, len(row), 64))
                parts.append(row)
    root = parts.pop()
    while parts:
        root = H(b"\\x01" + parts.pop() + root)

**Appending.** A :class:`Frontier` is what a writer remembers between batches: the tree size,
the perfect subtrees of ``[0, N)`` (one per set bit of ``N``: the compact range) and the
partial tile of every tile level. :meth:`Frontier.append` takes a batch of leaf hashes and
returns the next frontier with the tiles to write; :meth:`Frontier.from_tiles` rebuilds a
frontier after a restart by reading one tile per tile level. Appending costs one SHA-256 per
leaf (the interior nodes; the leaf hash is the caller's) and a fixed few per batch.

>>> leaves = [leaf_hash(i.to_bytes(2, "big")) for i in range(300)]
>>> frontier, tiles = Frontier().append(leaves)
>>> sorted((key, len(blob) // 32) for key, blob in tiles.items())
[((0, 0), 256), ((0, 1), 44), ((1, 0), 1)]
>>> nodes = TileNodeReader(300, lambda level, index: tiles.get((level, index)))
>>> frontier.root() == root(leaves) == root_from_nodes(300, nodes)
True
>>> proof = inclusion_proof(7, 300, nodes)
>>> verify_inclusion(leaves[7], 7, 300, proof, frontier.root())  # returns, or raises ProofError
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NoReturn

from anpr_ops.errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Frontier",
    "NodeReader",
    "TileNodeReader",
    "TileReader",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "root_from_nodes",
    "tile_width",
    "verify_consistency",
    "verify_inclusion",
]

#: Bytes in a hash (SHA-256).
HASH_SIZE = 32
#: Tree levels a tile spans: tile level ``L`` holds the nodes of tree level ``8L``.
TILE_HEIGHT = 8
#: Hashes in a full tile.
TILE_WIDTH = 1 << TILE_HEIGHT
#: The root of the tree of no leaves: SHA-256 of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: ``node(level, index) -> bytes``: the hash of a perfect subtree (see the module docstring).
NodeReader = Callable[[int, int], bytes]
#: ``read_tile(tile_level, tile_index)``: a stored tile, or ``None`` when there is none.
TileReader = Callable[[int, int], bytes | None]

_sha256 = hashlib.sha256
_TILE_BYTES = TILE_WIDTH * HASH_SIZE
_PAIR = 2 * HASH_SIZE


def leaf_hash(data: bytes) -> bytes:
    """The hash of a leaf: ``SHA-256(0x00 ‖ data)``."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: ``SHA-256(0x01 ‖ left ‖ right)``."""
    return _sha256(b"\x01" + left + right).digest()


def _pair_up(row: bytes) -> bytes:
    """One level up: the parents of consecutive pairs of the hashes in ``row`` (even count)."""
    # The row stays one blob, sliced, and the parents come back as one: on the hot path of
    # every append, that is cheaper than a list of hash objects kept between levels.
    return b"".join(
        [_sha256(b"\x01" + row[i : i + _PAIR]).digest() for i in range(0, len(row), _PAIR)]
    )


def _hash_up(row: bytes) -> bytes:
    """The root of the perfect subtree whose ``2^r`` bottom hashes are concatenated in ``row``."""
    while len(row) > HASH_SIZE:
        row = _pair_up(row)
    return row


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n >= 2``): where RFC 9162 splits."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        message = f"{what} is {len(value)} bytes long; a SHA-256 hash is {HASH_SIZE}"
        raise ProofError(message, code="bad_hash_length")


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of a list of leaf hashes, computed as RFC 9162 defines it.

    The reference that the tiles, the frontier and the proofs are tested against; it hashes
    every interior node, so a log's root comes from :meth:`Frontier.root` instead.

    >>> root([]) == EMPTY_ROOT and root([leaf_hash(b"a")]) == leaf_hash(b"a")
    True
    """
    for number, value in enumerate(leaf_hashes):
        _check_hash(value, f"leaf hash {number}")

    def mth(start: int, end: int) -> bytes:
        if end - start == 1:
            return leaf_hashes[start]
        k = _split(end - start)
        return node_hash(mth(start, start + k), mth(start + k, end))

    return mth(0, len(leaf_hashes)) if leaf_hashes else EMPTY_ROOT


# ------------------------------------------------------------------------- proofs from nodes


def _range_hash(start: int, end: int, node: NodeReader) -> bytes:
    """The hash RFC 9162 gives the leaves ``[start, end)`` of a subtree, from perfect nodes.

    ``start`` is a multiple of a power of two at least ``end - start`` (true of every range
    the RFC's recursion hashes), so the range splits into one perfect subtree per set bit of
    its length, largest first, each aligned on its own size.
    """
    parts = []
    while start < end:
        level = (end - start).bit_length() - 1
        parts.append(node(level, start >> level))
        start += 1 << level
    result = parts.pop()
    while parts:
        result = node_hash(parts.pop(), result)
    return result


def inclusion_proof(index: int, size: int, node: NodeReader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162, 2.1.3.1).

    The hashes run from the leaf's sibling up to the root's child, the order
    :func:`verify_inclusion` expects. ``node`` must read the tree of ``size`` leaves or a
    larger one (its nodes of ``[0, size)`` are the same). Raises :class:`ProofError`
    ``index_out_of_range`` unless ``0 <= index < size``.
    """
    if not 0 <= index < size:
        message = f"leaf {index} is not in a tree of {size} leaves"
        raise ProofError(message, code="index_out_of_range")
    path: list[bytes] = []
    # PATH(m, D[start:start+n]) of the RFC, unrolled: each step adds the hash of the half that
    # does not hold leaf m, and the path is read back from the bottom.
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            path.append(_range_hash(start + k, start + n, node))
            n = k
        else:
            level = k.bit_length() - 1
            path.append(node(level, start >> level))
            start, n, m = start + k, n - k, m - k
    path.reverse()
    return path


def consistency_proof(old_size: int, new_size: int, node: NodeReader) -> list[bytes]:
    """The proof that the tree of ``old_size`` leaves is a prefix of the tree of ``new_size``.

    RFC 9162, 2.1.4.1: ``SUBPROOF(old_size, D[0:new_size], true)``, in the order
    :func:`verify_consistency` expects; empty when the sizes are equal. ``node`` must read the
    tree of ``new_size`` leaves or a larger one. Raises :class:`ProofError` ``old_size_zero``
    (every tree extends the empty one: there is nothing to prove) or ``old_size_greater``.
    """
    if old_size > new_size:
        message = f"a tree of {old_size} leaves cannot be a prefix of one of {new_size}"
        raise ProofError(message, code="old_size_greater")
    if old_size <= 0:
        message = f"no consistency proof from a tree of {old_size} leaves"
        raise ProofError(message, code="old_size_zero")
    path: list[bytes] = []
    start, n, m, whole = 0, new_size, old_size, True
    while m != n:
        k = _split(n)
        if m <= k:
            # The right part exists only in the new tree: commit to it; prove the left.
            path.append(_range_hash(start + k, start + n, node))
            n = k
        else:
            # The left part is the same in both trees: commit to it; prove the right.
            level = k.bit_length() - 1
            path.append(node(level, start >> level))
            start, n, m, whole = start + k, n - k, m - k, False
    if not whole:
        # SUBPROOF(m, D[m], false): the subtree the old tree ends in, which the verifier
        # cannot know (when the old tree is itself this subtree, it is the old root).
        path.append(_range_hash(start, start + n, node))
    path.reverse()
    return path


def root_from_nodes(size: int, node: NodeReader) -> bytes:
    """The root of the tree of ``size`` leaves, from at most ``log2(size) + 1`` nodes.

    ``node`` may read a larger tree: the root of any earlier size can be had from today's
    tiles.
    """
    if size < 0:
        raise ProofError(f"a tree cannot have {size} leaves", code="bad_size")
    return _range_hash(0, size, node) if size else EMPTY_ROOT


# ------------------------------------------------------------------------------ verification


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves and ``root``.

    The algorithm of RFC 9162, 2.1.3.2, which independent verifiers run: every hash of the
    proof must be used and the path must reach the top of the tree exactly. Returns ``None``
    when the proof holds; otherwise raises :class:`ProofError` with ``code``
    ``index_out_of_range``, ``bad_hash_length`` (a hash that is not 32 bytes),
    ``wrong_proof_length`` or ``root_mismatch``.

    The proof binds the leaf to the root, not to the size: a proof can also check against a
    size whose path has the same shape. The size is vouched for by the signed checkpoint that
    gave the root.
    """
    if not 0 <= index < size:
        message = f"leaf {index} is not in a tree of {size} leaves"
        raise ProofError(message, code="index_out_of_range")
    _check_hash(leaf_hash, "the leaf hash")
    _check_hash(root, "the root")
    for number, value in enumerate(proof):
        _check_hash(value, f"proof hash {number}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            _wrong_inclusion_length(index, size, proof)  # a hash left over
        if fn & 1 or fn == sn:
            r = _sha256(b"\x01" + p + r).digest()
            # Past the right edge a node has no right sibling: climb to where it is a right
            # child again (or to the top).
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = _sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        _wrong_inclusion_length(index, size, proof)  # the top of the tree not reached
    if r != root:
        message = "the proof leads to another root: the leaf is not in that tree"
        raise ProofError(message, code="root_mismatch")


def _wrong_inclusion_length(index: int, size: int, proof: Sequence[bytes]) -> NoReturn:
    inner = (index ^ (size - 1)).bit_length()
    expected = inner + (index >> inner).bit_count()
    message = (
        f"an inclusion proof for leaf {index} of {size} has {expected} hashes, not {len(proof)}"
    )
    raise ProofError(message, code="wrong_proof_length")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``old_size`` and ``old_root`` is a prefix of ``new_size``'s.

    The algorithm of RFC 9162, 2.1.4.2, which independent verifiers run: every hash of the
    proof must be used and both sizes consumed exactly. Returns ``None`` when the proof holds;
    otherwise raises :class:`ProofError` with ``code`` ``bad_size`` (negative),
    ``old_size_greater``, ``old_size_zero`` (a proof from the empty tree proves nothing and
    is refused, as in the transparency-dev verifier), ``bad_hash_length``,
    ``wrong_proof_length``, ``old_root_mismatch`` or ``root_mismatch``.

    Equal sizes need an empty proof and the same root; the roots are then only compared, byte
    for byte, whatever their length (as in the transparency-dev verifier and its test vectors).
    """
    if old_size < 0 or new_size < 0:
        message = f"tree sizes cannot be negative ({old_size}, {new_size})"
        raise ProofError(message, code="bad_size")
    if old_size > new_size:
        message = f"a tree of {old_size} leaves cannot be a prefix of one of {new_size}"
        raise ProofError(message, code="old_size_greater")
    if old_size == 0:
        message = "a consistency proof from the empty tree proves nothing and is refused"
        raise ProofError(message, code="old_size_zero")
    if old_size == new_size:
        if proof:
            message = f"trees of equal size need an empty proof, not {len(proof)} hashes"
            raise ProofError(message, code="wrong_proof_length")
        if old_root != new_root:
            message = f"two different roots for the same tree size {old_size}"
            raise ProofError(message, code="root_mismatch")
        return
    _check_hash(old_root, "the old root")
    _check_hash(new_root, "the new root")
    for number, value in enumerate(proof):
        _check_hash(value, f"proof hash {number}")
    if not proof:
        message = f"no proof given from {old_size} to {new_size} leaves"
        raise ProofError(message, code="wrong_proof_length")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a perfect subtree of the new one: its root is the path's start, and
        # proofs leave it out.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            _wrong_consistency_length(old_size, new_size)  # a hash left over
        if fn & 1 or fn == sn:
            fr = _sha256(b"\x01" + c + fr).digest()
            sr = _sha256(b"\x01" + c + sr).digest()
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = _sha256(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        _wrong_consistency_length(old_size, new_size)  # the new size not reached
    if fr != old_root:
        message = "the proof does not lead to the old root"
        raise ProofError(message, code="old_root_mismatch")
    if sr != new_root:
        message = "the proof does not lead to the new root"
        raise ProofError(message, code="root_mismatch")


def _wrong_consistency_length(old_size: int, new_size: int) -> NoReturn:
    message = f"the proof from {old_size} to {new_size} leaves has the wrong number of hashes"
    raise ProofError(message, code="wrong_proof_length")


# ------------------------------------------------------------------------------------ tiles


def tile_width(size: int, level: int, index: int) -> int:
    """How many hashes tile ``(level, index)`` holds in a tree of ``size`` leaves (0: none)."""
    return max(0, min(TILE_WIDTH, (size >> (TILE_HEIGHT * level)) - TILE_WIDTH * index))


class TileNodeReader:
    """A node reader over the tiles of a tree of ``size`` leaves.

    ``read_tile(level, index)`` returns a stored tile; it is called at most once per node
    asked for, and not again while the nodes asked for stay in one tile. Each tile read must
    have exactly :func:`tile_width` hashes for ``size``, or :class:`ProofError` ``bad_tile``
    is raised; a node that is not complete in that tree raises ``node_out_of_range``. A reader
    holds on to the last tile it read: make a new one when the tiles change.
    """

    __slots__ = ("_blob", "_key", "_read_tile", "_size")

    def __init__(self, size: int, read_tile: TileReader) -> None:
        self._size = size
        self._read_tile = read_tile
        self._key: tuple[int, int] | None = None
        self._blob = b""

    @property
    def size(self) -> int:
        """The size of the tree whose tiles are read."""
        return self._size

    def __call__(self, level: int, index: int) -> bytes:
        if (
            level < 0
            or index < 0
            or level >= self._size.bit_length()
            or (index + 1) << level > self._size
        ):
            message = f"node ({level}, {index}) is not complete in a tree of {self._size} leaves"
            raise ProofError(message, code="node_out_of_range")
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height  # the node's first hash in the tile level below it
        key = (tile_level, first >> TILE_HEIGHT)
        if key != self._key:
            blob = self._read_tile(*key)
            width = tile_width(self._size, *key)
            if blob is None or len(blob) != width * HASH_SIZE:
                got = "no tile" if blob is None else f"{len(blob)} bytes"
                message = (
                    f"tile {key} of a tree of {self._size} leaves must hold {width} hashes "
                    f"({width * HASH_SIZE} bytes); read {got}"
                )
                raise ProofError(message, code="bad_tile")
            self._key, self._blob = key, bytes(blob)
        offset = (first % TILE_WIDTH) * HASH_SIZE
        return _hash_up(self._blob[offset : offset + (HASH_SIZE << height)])


@dataclass(frozen=True, slots=True)
class Frontier:
    """The right edge of the tree: what a writer keeps to append without reading tiles.

    ``size`` is the number of leaves. ``nodes[h]`` is the perfect subtree at level ``h`` of
    the compact range ``[0, size)`` when bit ``h`` of ``size`` is set, else ``b""``;
    ``edges[L]`` is the partial tile of tile level ``L`` (``b""`` when that level's tiles are
    all full). A frontier is a value: :meth:`append` returns a new one, so a writer whose
    transaction fails keeps the one it had. ``Frontier()`` is the empty tree.
    """

    size: int = 0
    nodes: tuple[bytes, ...] = field(default=(), repr=False)
    edges: tuple[bytes, ...] = field(default=(), repr=False)

    @classmethod
    def from_tiles(cls, size: int, read_tile: TileReader) -> Frontier:
        """Rebuild the frontier of a tree of ``size`` leaves from its stored tiles.

        Reads the partial tile of each tile level (one read per level, none for full ones);
        each must hold exactly ``(size >> 8L) mod 256`` hashes, or :class:`ProofError`
        ``bad_tile`` is raised.
        """
        if size < 0:
            raise ProofError(f"a tree cannot have {size} leaves", code="bad_size")
        nodes = [b""] * size.bit_length()
        edges = []
        tile_level = 0
        while count := size >> (TILE_HEIGHT * tile_level):
            width = count % TILE_WIDTH
            blob = read_tile(tile_level, count // TILE_WIDTH) if width else b""
            if blob is None or len(blob) != width * HASH_SIZE:
                got = "no tile" if blob is None else f"{len(blob)} bytes"
                message = (
                    f"the partial tile of level {tile_level} of a tree of {size} leaves must "
                    f"hold {width} hashes ({width * HASH_SIZE} bytes); read {got}"
                )
                raise ProofError(message, code="bad_tile")
            blob = bytes(blob)
            edges.append(blob)
            # The compact range's nodes at levels 8L..8L+7 are this tile's perfect subtrees,
            # largest first.
            offset = 0
            for height in reversed(range(TILE_HEIGHT)):
                if width >> height & 1:
                    end = offset + (HASH_SIZE << height)
                    nodes[TILE_HEIGHT * tile_level + height] = _hash_up(blob[offset:end])
                    offset = end
            tile_level += 1
        return cls(size, tuple(nodes), tuple(edges))

    def root(self) -> bytes:
        """The root of the tree: the compact range folded, ``popcount(size) - 1`` hashes."""
        result = b""
        for node in self.nodes:
            if node:
                result = _sha256(b"\x01" + node + result).digest() if result else node
        return result or EMPTY_ROOT

    def append(self, leaf_hashes: Sequence[bytes]) -> tuple[Frontier, dict[tuple[int, int], bytes]]:
        """Add leaves; return the new frontier and every tile that changed, to write.

        The tiles are ``{(tile_level, tile_index): blob}``, each blob the whole tile as it now
        is (a partial tile is rewritten longer; a filled one will not change again). Any way
        of cutting the same leaves into batches gives the same tiles and roots. Raises
        :class:`ProofError` ``bad_hash_length`` when a leaf hash is not 32 bytes.
        """
        if not {*map(len, leaf_hashes)} <= {HASH_SIZE}:
            for number, value in enumerate(leaf_hashes):
                _check_hash(value, f"leaf hash {number} of the batch")
        old = self.size
        nodes = list(self.nodes)
        edges = list(self.edges)
        tiles: dict[tuple[int, int], bytes] = {}
        row = b"".join(leaf_hashes)  # the nodes new at this level, left to right
        level = 0
        while row:
            if level % TILE_HEIGHT == 0:
                tile_level = level // TILE_HEIGHT
                if tile_level == len(edges):
                    edges.append(b"")
                whole = edges[tile_level] + row
                first = (old >> level) // TILE_WIDTH  # the tile the old edge belongs to
                for number, offset in enumerate(range(0, len(whole), _TILE_BYTES)):
                    tiles[(tile_level, first + number)] = whole[offset : offset + _TILE_BYTES]
                edges[tile_level] = whole[len(whole) - len(whole) % _TILE_BYTES :]
            if level == len(nodes):
                nodes.append(b"")
            # The compact range's node at this level (if any) pairs with the first new one.
            pending = nodes[level] + row
            paired = len(pending) - len(pending) % _PAIR
            nodes[level] = pending[paired:]
            row = _pair_up(pending[:paired]) if paired else b""
            level += 1
        return Frontier(old + len(leaf_hashes), tuple(nodes), tuple(edges)), tiles
