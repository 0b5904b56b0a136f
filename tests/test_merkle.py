"""The Merkle tree: RFC 9162 vectors, proofs made from tiles, appends cut any way."""

from __future__ import annotations

import base64
import doctest
import hashlib
import itertools
import json
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anpr_ops import merkle
from anpr_ops.errors import ProofError
from anpr_ops.merkle import (
    EMPTY_ROOT,
    Frontier,
    TileNodeReader,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    root_from_nodes,
    tile_width,
    verify_consistency,
    verify_inclusion,
)

TESTDATA = Path(__file__).parent / "vectors" / "transparency-dev-merkle" / "testdata"
INCLUSION = sorted((TESTDATA / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((TESTDATA / "consistency").rglob("*.json"))

# The leaves the vectors' happy paths are built over: testonly.LeafInputs() of
# transparency-dev/merkle (see tests/vectors/SOURCES.md).
LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

Tiles = dict[tuple[int, int], bytes]


def vector_id(path: Path) -> str:
    return str(path.relative_to(TESTDATA))


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def hashes(values: Sequence[str] | None) -> list[bytes]:
    return [b64(value) for value in values or ()]


def build(leaves: Sequence[bytes], cuts: Sequence[int] = ()) -> tuple[Frontier, Tiles]:
    """Append ``leaves`` in batches cut at ``cuts``; return the frontier and the tiles."""
    frontier, tiles = Frontier(), {}
    bounds = [0, *sorted(cuts), len(leaves)]
    for start, end in itertools.pairwise(bounds):
        frontier, changed = frontier.append(leaves[start:end])
        tiles.update(changed)
    return frontier, tiles


def reader(size: int, tiles: Tiles) -> TileNodeReader:
    return TileNodeReader(size, lambda level, index: tiles.get((level, index)))


def inclusion_shape(index: int, size: int) -> tuple[str, ...] | None:
    """The sides of the siblings on the audit path, by RFC 9162's PATH recursion.

    The verifier's work is fixed by these sides alone, so one proof checks for every
    (index, size) of the same shape.
    """
    if not 0 <= index < size:
        return None
    sides = []
    m, n = index, size
    while n > 1:
        k = 1 << ((n - 1).bit_length() - 1)
        if m < k:
            sides.append("R")
            n = k
        else:
            sides.append("L")
            m, n = m - k, n - k
    return tuple(reversed(sides))


def consistency_shape(old: int, new: int) -> tuple[bool, tuple[str, ...]] | None:
    """What the verifier does with a consistency proof, by RFC 9162's SUBPROOF recursion."""
    if not 0 < old < new:
        return None
    sides = []
    m, n, whole = old, new, True
    while m != n:
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            sides.append("R")
            n = k
        else:
            sides.append("L")
            m, n, whole = m - k, n - k, False
    return whole, tuple(reversed(sides))


def flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def refuses(check: Callable[..., None], *args: Any) -> bool:
    """Whether ``check(*args)`` raises :class:`ProofError`."""
    try:
        check(*args)
    except ProofError:
        return True
    return False


# --------------------------------------------------------------------------------- vectors


def test_all_the_vectors_are_there() -> None:
    """An empty folder cannot pass silently: 98 inclusion and 98 consistency vectors."""
    assert (len(INCLUSION), len(CONSISTENCY)) == (98, 98)


@pytest.mark.parametrize("path", INCLUSION, ids=vector_id)
def test_inclusion_vector_is_accepted_exactly_when_it_should_be(path: Path) -> None:
    v = load(path)
    args = (b64(v["leafHash"]), v["leafIdx"], v["treeSize"], hashes(v["proof"]), b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY, ids=vector_id)
def test_consistency_vector_is_accepted_exactly_when_it_should_be(path: Path) -> None:
    v = load(path)
    args = (v["size1"], v["size2"], b64(v["root1"]), b64(v["root2"]), hashes(v["proof"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


HAPPY_INCLUSION = [p for p in INCLUSION if p.name == "happy-path.json"]
HAPPY_CONSISTENCY = [p for p in CONSISTENCY if p.name == "happy-path.json"]


@pytest.mark.parametrize("path", HAPPY_INCLUSION, ids=vector_id)
def test_happy_inclusion_proof_is_made_again_from_the_leaves(path: Path) -> None:
    v = load(path)
    leaves = [leaf_hash(data) for data in LEAF_INPUTS[: v["treeSize"]]]
    _, tiles = build(leaves)
    assert leaves[v["leafIdx"]] == b64(v["leafHash"])
    assert root(leaves) == b64(v["root"])
    made = inclusion_proof(v["leafIdx"], v["treeSize"], reader(len(leaves), tiles))
    assert made == hashes(v["proof"])


@pytest.mark.parametrize("path", HAPPY_CONSISTENCY, ids=vector_id)
def test_happy_consistency_proof_is_made_again_from_the_leaves(path: Path) -> None:
    v = load(path)
    leaves = [leaf_hash(data) for data in LEAF_INPUTS[: v["size2"]]]
    _, tiles = build(leaves)
    assert root(leaves[: v["size1"]]) == b64(v["root1"])
    assert root(leaves) == b64(v["root2"])
    made = consistency_proof(v["size1"], v["size2"], reader(len(leaves), tiles))
    assert made == hashes(v["proof"])


def test_there_are_five_happy_paths_of_each_kind() -> None:
    assert (len(HAPPY_INCLUSION), len(HAPPY_CONSISTENCY)) == (5, 5)


def test_the_single_entry_vectors_hash_the_leaf_data() -> None:
    v = load(TESTDATA / "inclusion" / "single-entry" / "matching-root-and-leaf.json")
    assert leaf_hash(b"data") == b64(v["leafHash"]) == root([leaf_hash(b"data")])


def test_empty_root_is_the_hash_of_nothing() -> None:
    expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert EMPTY_ROOT.hex() == expected == root([]).hex() == Frontier().root().hex()
    assert root_from_nodes(0, reader(0, {})) == EMPTY_ROOT


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert node_hash(left, right) != leaf_hash(left + right)


# -------------------------------------------------------------------------- proofs, tiles

# The size is drawn first so that trees of every size up to 300 come up, not mostly small ones.
leaf_data = st.integers(1, 300).flatmap(
    lambda n: st.lists(st.binary(max_size=24), min_size=n, max_size=n)
)


def distinct_leaf_data(min_size: int) -> st.SearchStrategy[list[bytes]]:
    # Two equal leaves are interchangeable: a proof for one is a proof for the other.
    return st.integers(min_size, 80).flatmap(
        lambda n: st.lists(st.binary(min_size=2, max_size=8), min_size=n, max_size=n, unique=True)
    )


@settings(max_examples=60)
@given(data=leaf_data, draw=st.data())
def test_every_inclusion_proof_from_tiles_verifies(data: list[bytes], draw: st.DataObject) -> None:
    leaves = [leaf_hash(d) for d in data]
    size = len(leaves)
    frontier, tiles = build(leaves)
    nodes = reader(size, tiles)
    assert frontier.root() == root(leaves)
    for index in range(size):
        verify_inclusion(
            leaves[index], index, size, inclusion_proof(index, size, nodes), root(leaves)
        )
    # Proofs in an earlier, smaller tree come from the same (today's) tiles.
    earlier = draw.draw(st.integers(1, size), label="earlier size")
    index = draw.draw(st.integers(0, earlier - 1), label="index")
    proof = inclusion_proof(index, earlier, nodes)
    verify_inclusion(leaves[index], index, earlier, proof, root(leaves[:earlier]))


@settings(max_examples=60)
@given(data=leaf_data, draw=st.data())
def test_every_consistency_proof_from_tiles_verifies(
    data: list[bytes], draw: st.DataObject
) -> None:
    leaves = [leaf_hash(d) for d in data]
    size = len(leaves)
    _, tiles = build(leaves)
    nodes = reader(size, tiles)
    roots = [root(leaves[:m]) for m in range(size + 1)]
    for old in range(1, size + 1):
        verify_consistency(old, size, roots[old], roots[size], consistency_proof(old, size, nodes))
    for _ in range(10):
        new = draw.draw(st.integers(1, size), label="new size")
        old = draw.draw(st.integers(1, new), label="old size")
        proof = consistency_proof(old, new, nodes)
        verify_consistency(old, new, roots[old], roots[new], proof)


@settings(max_examples=60)
@given(data=leaf_data)
def test_root_from_nodes_equals_the_reference_root_at_every_size(data: list[bytes]) -> None:
    leaves = [leaf_hash(d) for d in data]
    _, tiles = build(leaves)
    nodes = reader(len(leaves), tiles)
    for size in range(len(leaves) + 1):
        assert root_from_nodes(size, nodes) == root(leaves[:size])


@settings(max_examples=60)
@given(data=leaf_data, draw=st.data())
def test_appending_in_any_batches_gives_the_same_tiles_and_roots(
    data: list[bytes], draw: st.DataObject
) -> None:
    leaves = [leaf_hash(d) for d in data]
    one_by_one, tiles_one_by_one = Frontier(), {}
    roots = [one_by_one.root()]
    for leaf in leaves:
        one_by_one, changed = one_by_one.append([leaf])
        tiles_one_by_one.update(changed)
        roots.append(one_by_one.root())
    assert roots == [root(leaves[:m]) for m in range(len(leaves) + 1)]

    cuts = sorted(draw.draw(st.lists(st.integers(0, len(leaves)), max_size=12), label="batch cuts"))
    frontier, tiles = Frontier(), {}
    for start, end in zip([0, *cuts], [*cuts, len(leaves)], strict=True):
        frontier, changed = frontier.append(leaves[start:end])
        assert frontier.size == end and frontier.root() == roots[end]
        tiles.update(changed)
    assert tiles == tiles_one_by_one
    assert frontier == one_by_one


@settings(max_examples=60)
@given(data=leaf_data, draw=st.data())
def test_a_frontier_rebuilt_from_the_tiles_is_the_one_the_writer_kept(
    data: list[bytes], draw: st.DataObject
) -> None:
    leaves = [leaf_hash(d) for d in data]
    frontier, tiles = build(leaves)
    reads: list[tuple[int, int]] = []

    def read_tile(level: int, index: int) -> bytes | None:
        reads.append((level, index))
        return tiles.get((level, index))

    rebuilt = Frontier.from_tiles(len(leaves), read_tile)
    assert rebuilt == frontier
    assert len(reads) == len(set(reads)) <= (len(leaves).bit_length() + 7) // 8
    # and it goes on as the kept one would
    more = [leaf_hash(d) for d in draw.draw(st.lists(st.binary(max_size=8), max_size=40))]
    assert rebuilt.append(more) == frontier.append(more)


@settings(max_examples=40)
@given(data=distinct_leaf_data(1), draw=st.data())
def test_any_single_bit_flip_breaks_an_inclusion_proof(
    data: list[bytes], draw: st.DataObject
) -> None:
    leaves = [leaf_hash(d) for d in data]
    size = len(leaves)
    _, tiles = build(leaves)
    index = draw.draw(st.integers(0, size - 1), label="index")
    proof = inclusion_proof(index, size, reader(size, tiles))
    good = root(leaves)
    leaf = leaves[index]
    verify_inclusion(leaf, index, size, proof, good)

    for bit in range(256):
        assert refuses(verify_inclusion, flip(leaf, bit), index, size, proof, good)
        assert refuses(verify_inclusion, leaf, index, size, proof, flip(good, bit))
        for n in range(len(proof)):
            bad = [*proof[:n], flip(proof[n], bit), *proof[n + 1 :]]
            assert refuses(verify_inclusion, leaf, index, size, bad, good)
    for bit in range(size.bit_length() + 2):
        other = index ^ (1 << bit)
        # A leaf has one place in a tree: no other index shares its path's shape.
        assert inclusion_shape(other, size) != inclusion_shape(index, size)
        assert refuses(verify_inclusion, leaf, other, size, proof, good)
        # The proof binds the leaf to the root, not to the size: a size whose path has the same
        # shape passes (the signed checkpoint vouches for the size), every other one fails.
        resized = size ^ (1 << bit)
        same_shape = inclusion_shape(index, resized) == inclusion_shape(index, size)
        assert refuses(verify_inclusion, leaf, index, resized, proof, good) != same_shape


@settings(max_examples=40)
@given(data=distinct_leaf_data(2), draw=st.data())
def test_any_single_bit_flip_breaks_a_consistency_proof(
    data: list[bytes], draw: st.DataObject
) -> None:
    leaves = [leaf_hash(d) for d in data]
    new = len(leaves)
    _, tiles = build(leaves)
    old = draw.draw(st.integers(1, new - 1), label="old size")
    proof = consistency_proof(old, new, reader(new, tiles))
    old_root, new_root = root(leaves[:old]), root(leaves)
    verify_consistency(old, new, old_root, new_root, proof)

    for bit in range(256):
        assert refuses(verify_consistency, old, new, flip(old_root, bit), new_root, proof)
        assert refuses(verify_consistency, old, new, old_root, flip(new_root, bit), proof)
        for n in range(len(proof)):
            bad = [*proof[:n], flip(proof[n], bit), *proof[n + 1 :]]
            assert refuses(verify_consistency, old, new, old_root, new_root, bad)
    shape = consistency_shape(old, new)
    for bit in range(new.bit_length() + 2):
        other_old, other_new = old ^ (1 << bit), new ^ (1 << bit)
        same = consistency_shape(other_old, new) == shape
        assert refuses(verify_consistency, other_old, new, old_root, new_root, proof) != same
        same = consistency_shape(old, other_new) == shape
        assert refuses(verify_consistency, old, other_new, old_root, new_root, proof) != same


def test_proofs_are_refused_when_they_have_hashes_left_over_or_missing() -> None:
    """The checks of immudb's GHSA-672p-m5jq-mrh8 and of a size never consumed."""
    leaves = [leaf_hash(bytes([i])) for i in range(13)]
    _, tiles = build(leaves)
    nodes = reader(13, tiles)
    proof = inclusion_proof(5, 13, nodes)
    for bad in ([*proof, proof[-1]], proof[:-1], [*proof, leaves[0]], []):
        with pytest.raises(ProofError) as caught:
            verify_inclusion(leaves[5], 5, 13, bad, root(leaves))
        assert caught.value.code == "wrong_proof_length"
    proof = consistency_proof(5, 13, nodes)
    for bad in ([*proof, proof[-1]], proof[:-1], []):
        with pytest.raises(ProofError) as caught:
            verify_consistency(5, 13, root(leaves[:5]), root(leaves), bad)
        assert caught.value.code == "wrong_proof_length"


VERIFY_REFUSALS = [
    ("index_out_of_range", lambda h: verify_inclusion(h, 1, 1, [], h)),
    ("index_out_of_range", lambda h: verify_inclusion(h, -1, 1, [], h)),
    ("index_out_of_range", lambda h: verify_inclusion(h, 0, 0, [], h)),
    ("bad_hash_length", lambda h: verify_inclusion(h[:31], 0, 1, [], h)),
    ("bad_hash_length", lambda h: verify_inclusion(h, 0, 2, [h + b"\x00"], h)),
    ("bad_hash_length", lambda h: verify_inclusion(h, 0, 1, [], b"")),
    ("root_mismatch", lambda h: verify_inclusion(h, 0, 1, [], EMPTY_ROOT)),
    ("bad_size", lambda h: verify_consistency(-1, 2, h, h, [h])),
    ("old_size_greater", lambda h: verify_consistency(3, 2, h, h, [])),
    ("old_size_zero", lambda h: verify_consistency(0, 0, h, h, [])),
    ("old_size_zero", lambda h: verify_consistency(0, 5, EMPTY_ROOT, h, [h])),
    ("wrong_proof_length", lambda h: verify_consistency(2, 2, h, h, [h])),
    ("root_mismatch", lambda h: verify_consistency(2, 2, h, EMPTY_ROOT, [])),
    ("bad_hash_length", lambda h: verify_consistency(1, 2, h, h, [h[:4]])),
    ("bad_hash_length", lambda h: verify_consistency(1, 2, h * 2, h, [h])),
    ("old_root_mismatch", lambda h: verify_consistency(3, 4, h, h, [h, h, h])),
]


@pytest.mark.parametrize(("code", "check"), VERIFY_REFUSALS)
def test_a_refused_proof_says_why(code: str, check: Callable[[bytes], None]) -> None:
    with pytest.raises(ProofError) as caught:
        check(leaf_hash(b"x"))
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)


def test_the_new_root_is_checked_after_the_old_one() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(4)]
    _, tiles = build(leaves)
    proof = consistency_proof(3, 4, reader(4, tiles))
    with pytest.raises(ProofError) as caught:
        verify_consistency(3, 4, root(leaves[:3]), EMPTY_ROOT, proof)
    assert caught.value.code == "root_mismatch"


def test_proofs_that_cannot_be_made_are_refused() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(5)]
    _, tiles = build(leaves)
    nodes = reader(5, tiles)
    for index, size, code in ((5, 5, "index_out_of_range"), (-1, 5, "index_out_of_range")):
        with pytest.raises(ProofError) as caught:
            inclusion_proof(index, size, nodes)
        assert caught.value.code == code
    for old, new, code in ((0, 5, "old_size_zero"), (6, 5, "old_size_greater")):
        with pytest.raises(ProofError) as caught:
            consistency_proof(old, new, nodes)
        assert caught.value.code == code
    assert consistency_proof(5, 5, nodes) == []
    with pytest.raises(ProofError) as caught:
        root_from_nodes(-1, nodes)
    assert caught.value.code == "bad_size"


# ----------------------------------------------------------------------------- tile layout


def test_tiles_of_70000_leaves_are_laid_out_as_tlog_tiles_says() -> None:
    """C2SP tlog-tiles' own example: 273 full level-0 tiles, one of 112; one full level-1
    tile, one of 17; one level-2 tile of 1."""
    rng = random.Random(70000)
    leaves = [leaf_hash(rng.randbytes(8)) for _ in range(70000)]
    cuts = rng.sample(range(70000), 40)
    frontier, tiles = build(leaves, cuts)
    widths = {key: len(blob) // 32 for key, blob in tiles.items()}
    assert all(len(blob) % 32 == 0 for blob in tiles.values())
    assert widths == {key: tile_width(70000, *key) for key in widths}
    assert sorted(k for k, w in widths.items() if w < 256) == [(0, 273), (1, 1), (2, 0)]
    assert [widths[k] for k in ((0, 273), (1, 1), (2, 0))] == [112, 17, 1]
    assert sum(1 for (level, _), w in widths.items() if level == 0 and w == 256) == 273
    assert sum(1 for (level, _), w in widths.items() if level == 1 and w == 256) == 1
    # each hash of a higher tile is the root of a full tile below it
    assert tiles[(1, 0)][32 * 5 : 32 * 6] == root(
        [tiles[(0, 5)][i : i + 32] for i in range(0, 8192, 32)]
    )
    assert tiles[(2, 0)] == root([tiles[(1, 0)][i : i + 32] for i in range(0, 8192, 32)])

    expected = root(leaves)
    assert frontier.root() == expected
    assert Frontier.from_tiles(70000, lambda level, index: tiles.get((level, index))) == frontier
    nodes = reader(70000, tiles)
    for size in (1, 255, 256, 257, 65535, 65536, 65537, 69999, 70000):
        assert root_from_nodes(size, nodes) == root(leaves[:size])
    for index in (0, 1, 255, 256, 65535, 65536, 69998, 69999):
        verify_inclusion(
            leaves[index], index, 70000, inclusion_proof(index, 70000, nodes), expected
        )
    for old in (1, 2, 255, 256, 300, 65536, 65537, 69999):
        proof = consistency_proof(old, 70000, nodes)
        verify_consistency(old, 70000, root(leaves[:old]), expected, proof)


def test_the_module_docstring_recipe_reads_the_root_out_of_the_tiles() -> None:
    """The few lines the docstring gives to read a root in any language do read it."""
    recipe = re.search(r"::\n\n(.*?)\n\n\*\*Appending", merkle.__doc__ or "", re.S)
    assert recipe is not None
    code = "\n".join(line[4:] for line in recipe.group(1).splitlines())
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(66000)]
    for size in (1, 7, 256, 300, 65536, 66000):
        frontier, tiles = build(leaves[:size], [size // 3])
        space: dict[str, Any] = {
            "N": size,
            "tile": lambda level, index, tiles=tiles: tiles[(level, index)],
            "H": lambda data: hashlib.sha256(data).digest(),
        }
        exec(code, space)  # noqa: S102 - our own docstring, run as the test of it
        assert space["root"] == frontier.root() == root(leaves[:size])


def test_a_tile_reader_refuses_bad_tiles_and_missing_nodes() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(10)]
    _, tiles = build(leaves)
    nodes = reader(10, tiles)
    assert nodes(1, 4) == node_hash(leaves[8], leaves[9])
    assert nodes(3, 0) == root(leaves[:8])
    for level, index in ((0, 10), (1, 5), (4, 0), (-1, 0), (0, -1), (64, 0)):
        with pytest.raises(ProofError) as caught:
            nodes(level, index)
        assert caught.value.code == "node_out_of_range"
    for blob in (None, b"", tiles[(0, 0)][:-32], tiles[(0, 0)] + leaves[0]):

        def read_tile(level: int, index: int, blob: bytes | None = blob) -> bytes | None:
            return blob

        bad = TileNodeReader(10, read_tile)
        with pytest.raises(ProofError) as caught:
            bad(0, 0)
        assert caught.value.code == "bad_tile"
        with pytest.raises(ProofError) as caught:
            Frontier.from_tiles(10, read_tile)
        assert caught.value.code == "bad_tile"
    with pytest.raises(ProofError) as caught:
        Frontier.from_tiles(-1, lambda level, index: None)
    assert caught.value.code == "bad_size"


def test_a_leaf_hash_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ProofError) as caught:
        Frontier().append([leaf_hash(b"a"), b"short"])
    assert caught.value.code == "bad_hash_length"
    with pytest.raises(ProofError) as caught:
        root([b"\x00" * 33])
    assert caught.value.code == "bad_hash_length"


def test_a_tile_width_is_what_the_tree_size_allows() -> None:
    assert [tile_width(70000, 0, i) for i in (0, 272, 273, 274)] == [256, 256, 112, 0]
    assert [tile_width(70000, 1, i) for i in (0, 1, 2)] == [256, 17, 0]
    assert [tile_width(70000, 2, 0), tile_width(70000, 3, 0), tile_width(0, 0, 0)] == [1, 0, 0]


# ----------------------------------------------------------------------------------- costs


class CountingNodes:
    """A node reader over a tree too big to build: it counts reads and makes up hashes."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self, level: int, index: int) -> bytes:
        self.reads += 1
        return hashlib.sha256(f"{level},{index}".encode()).digest()


@pytest.mark.parametrize("size", [2, 3, 1000, 70000, 2**31 - 1, 2**40 + 12345])
def test_a_proof_reads_a_logarithmic_number_of_nodes(size: int) -> None:
    bound = 2 * size.bit_length() + 2
    for index in {0, 1, size // 3, size // 2, size - 2, size - 1}:
        nodes = CountingNodes()
        inclusion_proof(index, size, nodes)
        assert nodes.reads <= bound
    for old in {1, max(1, size // 3), max(1, size // 2), size - 1}:
        nodes = CountingNodes()
        consistency_proof(old, size, nodes)
        assert nodes.reads <= bound
    nodes = CountingNodes()
    root_from_nodes(size, nodes)
    assert nodes.reads == size.bit_count()


def test_a_tile_reader_reads_each_tile_once_per_run_of_nodes_in_it() -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(70000)]
    _, tiles = build(leaves)
    reads: list[tuple[int, int]] = []

    def read_tile(level: int, index: int) -> bytes | None:
        reads.append((level, index))
        return tiles.get((level, index))

    inclusion_proof(12345, 70000, TileNodeReader(70000, read_tile))
    assert len(reads) <= 2 * 3  # at most two tiles per tile level


def test_appending_hashes_each_interior_node_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """About two SHA-256 calls per leaf in all: the caller's leaf hash, and this one."""
    calls = 0
    real = hashlib.sha256

    def counting(data: bytes = b"") -> Any:
        nonlocal calls
        calls += 1
        return real(data)

    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(10000)]
    monkeypatch.setattr(merkle, "_sha256", counting)
    frontier, _ = Frontier().append(leaves)
    # a tree of n leaves has n - popcount(n) complete interior nodes
    assert calls == 10000 - (10000).bit_count()
    calls = 0
    frontier.root()
    assert calls == (10000).bit_count() - 1
    calls = 0
    small = Frontier()
    for leaf in leaves:
        small, _ = small.append([leaf])
    assert calls == 10000 - (10000).bit_count()
    assert small == frontier


# ------------------------------------------------------------------------------- doc tests


def test_the_docstring_examples_run() -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = doctest.DocTestFinder().find(merkle)
    assert sum(len(test.examples) for test in tests) >= 8
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
