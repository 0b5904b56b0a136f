"""Sets of person numbers as the rollups store them: a count, then the bitmap in runs.

A set is a bitmap (bit ``n`` set for person ``n``, a Python integer in memory). Stored, it is
empty for nobody; else the number of people (4 bytes, big-endian), then the bitmap's bytes,
little-endian, cut wherever 64 or more zero bytes follow each other into runs, each written as
the zero bytes skipped before it (4 bytes, big-endian: from the start for the first run, from
the end of the one before for the others), its length (4 bytes, big-endian) and its bytes.
A run starts and ends with a non-zero byte and holds no 64 zero bytes in a row, so one set has
one stored form, and a rebuild writes the bytes it reads.

Person numbers are the log's, in the order people were first named: the people of one
operation have numbers near each other, and a row of a parent operation, which unites the
people of many children, holds a short run for each child rather than a byte for every eight
people between them. The count is read without decoding the runs, so a report counts the
people of a row without building its bitmap; :func:`union` unites many rows by joining their
runs where they do not overlap.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable
from typing import Final

__all__ = ["MAX_BYTES", "bitmap", "count", "decode", "encode", "union", "union_at"]

#: Zero bytes in a row that end a run (below this, a run's 8-byte header would cost more than
#: the zeros it leaves out, or nearly).
_GAP: Final = 64
_ZEROS: Final = re.compile(b"\x00{%d,}" % _GAP)
_HEADER: Final = struct.Struct(">II")
#: The most bytes a bitmap may span: a person number beyond 2³⁰ (a billion people) is damage,
#: not data, and would make an integer of gigabytes.
MAX_BYTES: Final = 1 << 27


def bitmap(numbers: Iterable[int]) -> int:
    """The bitmap with bit ``n`` set for every ``n`` of ``numbers`` (non-negative).

    >>> bitmap([0, 3, 9]) == 0b1000001001
    True
    """
    wanted = list(numbers)
    if not wanted:
        return 0
    buffer = bytearray(max(wanted) // 8 + 1)
    for n in wanted:
        buffer[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(buffer, "little")


def encode(bits: int) -> bytes:
    """The stored form of the set ``bits`` (a non-negative bitmap).

    Persons 0 and 2: two people, one run (no bytes skipped, 1 byte long) of ``0b101``.
    Persons 0 and 800: two people, a run of one byte, then 99 zero bytes skipped, and another.

    >>> encode(0)
    b''
    >>> encode(0b101) == bytes.fromhex("00000002" "00000000 00000001 05")
    True
    >>> two_runs = "00000002" "00000000 00000001 01" "00000063 00000001 01"
    >>> encode(1 << 800 | 1) == bytes.fromhex(two_runs)
    True
    >>> all(decode(encode(b)) == b for b in (1, 255, 256, 1 << 20 | 1 << 999))
    True
    """
    if bits <= 0:
        if bits == 0:
            return b""
        raise ValueError("a set of people is a non-negative bitmap")
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    start = ((bits & -bits).bit_length() - 1) // 8
    parts = [bits.bit_count().to_bytes(4, "big")]
    end = 0
    for zeros in _ZEROS.finditer(data, start):
        parts += (_HEADER.pack(start - end, zeros.start() - start), data[start : zeros.start()])
        end, start = zeros.start(), zeros.end()
    parts += (_HEADER.pack(start - end, len(data) - start), data[start:])
    return b"".join(parts)


def count(stored: bytes) -> int:
    """How many people a stored set holds, read from its first bytes (the runs are checked
    against it when they are decoded); ``ValueError`` for bytes :func:`encode` cannot have
    written."""
    if type(stored) is not bytes:
        raise ValueError("a stored set of people is bytes")
    if not stored:
        return 0
    if len(stored) < 13:
        raise ValueError("a stored set of people is empty or 13 bytes and more")
    n = int.from_bytes(stored[:4], "big")
    if not 0 < n <= 8 * (len(stored) - 12):
        raise ValueError("a stored set of people counts more people than its bytes hold")
    return n


def _runs(stored: bytes) -> list[tuple[int, bytes]]:
    """The runs of a stored set, each as (first byte's position in the bitmap, bytes)."""
    runs: list[tuple[int, bytes]] = []
    at, end, size = 4, 0, len(stored)
    while at < size:
        if at + 8 > size:
            raise ValueError("a stored set of people ends inside a run's header")
        skipped, length = _HEADER.unpack_from(stored, at)
        at += 8
        data = stored[at : at + length]
        at += length
        start = end + skipped
        end = start + length
        if (
            not length
            or len(data) != length
            or data[0] == 0
            or data[-1] == 0
            or (runs and skipped < _GAP)
            or end > MAX_BYTES
        ):
            raise ValueError("not a set of people this library stores")
        runs.append((start, data))
    return runs


def decode(stored: bytes) -> int:
    """The set :func:`encode` stored, as a bitmap; ``ValueError`` for bytes it cannot have
    written (damage)."""
    return union((stored,))


def union(stored: Iterable[bytes]) -> int:
    """The bitmap of everyone in any of the stored sets ``stored``."""
    bits, at = union_at(stored)
    return bits << (8 * at)


def union_at(stored: Iterable[bytes]) -> tuple[int, int]:
    """Everyone in any of the stored sets ``stored``, as ``(bits, at)``: the bitmap is
    ``bits << 8 * at``, so that the people of numbers far from zero are counted
    (``bits.bit_count()``) without an integer spanning the numbers below them. Runs that
    overlap no other are joined in one pass, the rest added with ``|``."""
    runs: list[tuple[int, bytes]] = []
    for one in stored:
        n = count(one)
        if not n:
            continue
        found = _runs(one)
        if sum(int.from_bytes(data, "little").bit_count() for _, data in found) != n:
            raise ValueError("a stored set of people holds another number of people than it says")
        runs += found
    if not runs:
        return 0, 0
    runs.sort(key=lambda run: run[0])
    at = end = runs[0][0]
    pieces: list[bytes] = []
    over: list[tuple[int, bytes]] = []
    for start, data in runs:
        if start >= end:
            pieces += (bytes(start - end), data)
            end = start + len(data)
        else:
            over.append((start, data))
    bits = int.from_bytes(b"".join(pieces), "little")
    for start, data in over:
        bits |= int.from_bytes(data, "little") << (8 * (start - at))
    return bits, at
