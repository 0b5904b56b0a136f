"""Canonical bytes of an event: the exact bytes the hash chain covers.

Frozen forever: changing anything here changes every hash and is a new storage format.
Standard library only (the standalone verifier imports this module).

The canonical form of an event is its interchange-format JSON object (see
``anpr_ops.events.canonical_dict``) encoded as:

- UTF-8, no byte-order mark, no trailing newline;
- object keys sorted by Unicode code point (all keys are ASCII field names);
- no whitespace: ``,`` between members and elements, ``:`` between key and value;
- strings: ``"`` and ``\\`` escaped with a backslash; U+0008, U+0009, U+000A, U+000C, U+000D
  as ``\\b \\t \\n \\f \\r``; every other code point below U+0020 as ``\\u00xx`` (lower-case
  hex); everything else, including non-ASCII and U+007F, as its own UTF-8 bytes;
- integers in decimal without leading zeros or ``+``; ``true``, ``false``;
- floats (only latitudes and longitudes) as Python's ``repr``: the shortest text that reads
  back as the same IEEE 754 double, e.g. ``51.5`` or ``-0.1276``; NaN and infinities are
  refused (they are refused earlier, by validation).

That is exactly ``json.dumps(value, ensure_ascii=False, sort_keys=True,
separators=(",", ":"), allow_nan=False).encode("utf-8")``, which is stable across Python
versions and platforms for these types.
"""

from __future__ import annotations

import json
import json.encoder
from typing import Any

__all__ = ["GENESIS_HASH", "canonical_bytes", "canonical_text"]

#: The ``prev_hash`` of the first event: 32 zero bytes, written as 64 hex digits.
GENESIS_HASH = "0" * 64


def _refuse(value: object) -> object:
    raise TypeError(f"{type(value).__name__} cannot be written in canonical JSON")


# The C accelerator of the json module (absent on some Pythons; then the plain encoder).
c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
c_encode_basestring: Any = getattr(json.encoder, "c_encode_basestring", None)

if c_make_encoder is not None and c_encode_basestring is not None:
    # One C encoder made once: json.dumps builds a new one on every call, which costs more
    # than the encoding of a small event. Arguments: markers, default, encoder, indent,
    # key separator, item separator, sort_keys, skipkeys, allow_nan.
    _iterencode = c_make_encoder(
        None, _refuse, c_encode_basestring, None, ":", ",", True, False, False
    )

    def canonical_text(value: dict[str, Any]) -> str:
        """The canonical JSON text of a mapping (:func:`canonical_bytes` before UTF-8)."""
        return "".join(_iterencode(value, 0))

else:  # pragma: no cover
    _ENCODER = json.JSONEncoder(
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )

    def canonical_text(value: dict[str, Any]) -> str:
        """The canonical JSON text of a mapping (:func:`canonical_bytes` before UTF-8)."""
        return _ENCODER.encode(value)


def canonical_bytes(value: dict[str, Any]) -> bytes:
    """The canonical bytes of a JSON-compatible mapping.

    Raises ``ValueError`` for NaN or infinity, ``TypeError`` for a value JSON cannot hold and
    ``UnicodeEncodeError`` for a string with a lone surrogate (not text).

    >>> canonical_bytes({"b": 1, "a": "é"})
    b'{"a":"\\xc3\\xa9","b":1}'
    """
    return canonical_text(value).encode("utf-8")
