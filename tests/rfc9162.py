"""An RFC 9162 verifier written from the RFC's text alone, to check the project's proofs.

It imports nothing of anpr_ops (in particular not ``anpr_ops.merkle``): the tree hash is the
recursion of section 2.1.1, and the two verifiers follow the numbered steps of sections
2.1.3.2 (inclusion) and 2.1.4.2 (consistency) one for one, each step's number in a comment.
Functions return ``True`` or ``False``; they never raise for a bad proof.

RFC 9162, "Certificate Transparency Version 2.0", B. Laurie, E. Messeri, R. Stradling,
December 2021: https://www.rfc-editor.org/rfc/rfc9162
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def HASH(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf(data: bytes) -> bytes:
    """MTH({d(0)}) = HASH(0x00 || d(0)) (section 2.1.1)."""
    return HASH(b"\x00" + data)


def mth(entries: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of a list of entries (section 2.1.1)."""
    n = len(entries)
    if n == 0:
        return HASH(b"")  # MTH({}) = HASH()
    if n == 1:
        return leaf(entries[0])
    k = 1
    while k * 2 < n:  # the largest power of two smaller than n
        k *= 2
    return HASH(b"\x01" + mth(entries[:k]) + mth(entries[k:]))


def _lsb(x: int) -> int:
    return x & 1


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_hash: bytes, inclusion_path: Sequence[bytes], root: bytes
) -> bool:
    """Section 2.1.3.2, "Verifying an Inclusion Proof"."""
    # 1. If leaf_index >= tree_size, discard the proof.
    if leaf_index >= tree_size or leaf_index < 0:
        return False
    # 2. Set fn to leaf_index and sn to tree_size - 1.
    fn, sn = leaf_index, tree_size - 1
    # 3. Set r to hash.
    r = leaf_hash
    # 4. For each value p in the inclusion_path array:
    for p in inclusion_path:
        # a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            return False
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if _lsb(fn) or fn == sn:
            # 1. Set r to HASH(0x01 || p || r).
            r = HASH(b"\x01" + p + r)
            # 2. If LSB(fn) is not set, then right-shift both fn and sn equally until either
            #    LSB(fn) is set or fn is 0.
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            # Otherwise: 1. Set r to HASH(0x01 || r || p).
            r = HASH(b"\x01" + r + p)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 5. Compare sn to 0. Compare r against the root_hash.
    return sn == 0 and r == root


def verify_consistency(
    first: int,
    second: int,
    first_hash: bytes,
    second_hash: bytes,
    consistency_path: Sequence[bytes],
) -> bool:
    """Section 2.1.4.2, "Verifying Consistency between Two Tree Heads", for
    ``0 < first < second`` (the case the section describes); equal sizes hold when the path is
    empty and the two hashes are the same."""
    if first == second:
        return first > 0 and not consistency_path and first_hash == second_hash
    if not 0 < first < second:
        return False
    path = list(consistency_path)
    # 1. If consistency_path is an empty array, stop and fail the proof verification.
    if not path:
        return False
    # 2. If first is an exact power of 2, then prepend first_hash to the consistency_path.
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    # 3. Set fn to first - 1 and sn to second - 1.
    fn, sn = first - 1, second - 1
    # 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
    while _lsb(fn):
        fn >>= 1
        sn >>= 1
    # 5. Set both fr and sr to the first value in the consistency_path array.
    fr = sr = path[0]
    # 6. For each subsequent value c in the consistency_path array:
    for c in path[1:]:
        # a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            return False
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if _lsb(fn) or fn == sn:
            # 1. Set fr to HASH(0x01 || c || fr).  2. Set sr to HASH(0x01 || c || sr).
            fr = HASH(b"\x01" + c + fr)
            sr = HASH(b"\x01" + c + sr)
            # 3. If LSB(fn) is not set, then right-shift both fn and sn equally until either
            #    LSB(fn) is set or fn is 0.
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            # Otherwise: 1. Set sr to HASH(0x01 || sr || c).
            sr = HASH(b"\x01" + sr + c)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 7. Verify that fr equals first_hash, sr equals second_hash, and sn is 0.
    return fr == first_hash and sr == second_hash and sn == 0
