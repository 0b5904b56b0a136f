"""Number plates: normalise, classify, display and correct ANPR misreads.

A VRM (vehicle registration mark) is the text of a number plate. Here it is held in one
*normalised* form: the ASCII letters ``A-Z`` and digits ``0-9`` only, upper case, with no
spaces or hyphens (``"ab12 cde"`` is stored as ``"AB12CDE"``). Spaces come back only for
display. A UK plate fits exactly one of these formats (``reference/domain.md`` §3.1):

================  ===========  =====================================================
format            display      shape
================  ===========  =====================================================
current           AB12 CDE     2001-: two-letter memory tag (no I, Q, Z), age
                               identifier (never 00, 01 or 50), three letters (no I, Q)
prefix            A123 BCD     1983-2001: year letter (no I, O, Q, Z), 1-3 digits
                               without a leading zero, three letters (no I, Q, Z)
suffix            ABC 123D     1963-1983: three letters (no I, Q, Z), 1-3 digits
                               without a leading zero, year letter (no I, O, Q, Z)
dateless          ABC 123      pre-1963: 1-3 letters (no I, Q, Z) and 1-4 digits
                  123 ABC      without a leading zero, in either order
northern_ireland  ABZ 1234     two or three letters ending in I or Z (never starting
                  AZ 1234      with either), then 1-4 digits
diplomatic        123 D 456    three digits, D or X, three digits
other             WOB12345     a foreign plate: 1-10 letters and digits, recordable
                               only when the caller says it is foreign
================  ===========  =====================================================

Number plates are personal data. Error messages and logs show a plate only through
:func:`mask` (``"A******"``); :class:`~anpr_ops.errors.InvalidVrmError` and the pydantic
errors of :data:`Vrm` never carry the plate in clear.
"""

from __future__ import annotations

import enum
import re
import string
import unicodedata
from typing import Annotated, Any, TypeAlias

import attrs
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from anpr_ops._messages import shorten
from anpr_ops.errors import InvalidVrmError

__all__ = [
    "FOREIGN_HINT",
    "UK_FORMATS",
    "ForeignVrm",
    "Vrm",
    "VrmFormat",
    "classify",
    "coerce",
    "display",
    "mask",
    "mask_plates_in_text",
    "normalise",
    "plates_in_text",
    "validate",
]

#: How a message about a plate that fits no UK format ends, for callers of this module; an
#: event's message says how an event marks a foreign plate instead (``vrm_country``).
FOREIGN_HINT = "pass foreign=True for a foreign plate"


class VrmFormat(enum.StrEnum):
    """The format a normalised plate fits; the value is the stable interchange string.

    >>> classify("AB12 CDE")
    <VrmFormat.CURRENT: 'current'>
    >>> str(VrmFormat.NORTHERN_IRELAND)
    'northern_ireland'
    """

    CURRENT = "current"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    DATELESS = "dateless"
    NORTHERN_IRELAND = "northern_ireland"
    DIPLOMATIC = "diplomatic"
    OTHER = "other"


UK_FORMATS: tuple[VrmFormat, ...] = tuple(fmt for fmt in VrmFormat if fmt is not VrmFormat.OTHER)
"""Every UK format, in priority order (the order :func:`coerce` ranks equal candidates by).

>>> VrmFormat.OTHER in UK_FORMATS
False
"""

_UK_MAX_LENGTH = 7
_FOREIGN_MAX_LENGTH = 10
_PLATE_CHARACTERS = frozenset(string.ascii_uppercase + string.digits)
# Only a-z map to A-Z: str.upper() turns "ß" into "SS" and the "fi" ligature into "FI",
# which would let look-alike characters through as valid plates.
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
# The Charles Wright plate font draws O/0 and I/1 alike, so ANPR confuses them.
_AS_LETTER = {"0": "O", "1": "I"}
_AS_DIGIT = {"O": "0", "I": "1"}
# Longer masked plates are cut short in messages: the length is stated in words where it matters.
_SHOWN_MAX = 12


def _templates(*runs: tuple[str, int, int]) -> tuple[str, ...]:
    """Every letter/digit template of a run of groups: ``("L", 1, 3)`` is one to three letters."""
    templates = [""]
    for kind, fewest, most in runs:
        templates = [t + kind * n for t in templates for n in range(fewest, most + 1)]
    return tuple(templates)


@attrs.frozen
class _Spec:
    """How one UK format looks: its pattern and its letter (L) / digit (D) templates.

    The pattern's groups are the parts :func:`display` separates with a space.
    """

    pattern: re.Pattern[str]
    templates: tuple[str, ...]


# The patterns are domain.md §3.1's regexes, applied to the normalised (spaceless) plate.
_SPECS: dict[VrmFormat, _Spec] = {
    VrmFormat.CURRENT: _Spec(
        re.compile(r"([A-HJ-PR-Y]{2}(?!00|01|50)[0-9]{2})([A-HJ-PR-Z]{3})"),
        _templates(("L", 2, 2), ("D", 2, 2), ("L", 3, 3)),
    ),
    VrmFormat.PREFIX: _Spec(
        re.compile(r"([A-HJ-NPR-Y](?!0)[0-9]{1,3})([A-HJ-PR-Y]{3})"),
        _templates(("L", 1, 1), ("D", 1, 3), ("L", 3, 3)),
    ),
    VrmFormat.SUFFIX: _Spec(
        re.compile(r"([A-HJ-PR-Y]{3})((?!0)[0-9]{1,3}[A-HJ-NPR-Y])"),
        _templates(("L", 3, 3), ("D", 1, 3), ("L", 1, 1)),
    ),
    VrmFormat.DATELESS: _Spec(
        re.compile(r"(?:([A-HJ-PR-Y]{1,3})([1-9][0-9]{0,3})|([1-9][0-9]{0,3})([A-HJ-PR-Y]{1,3}))"),
        _templates(("L", 1, 3), ("D", 1, 4)) + _templates(("D", 1, 4), ("L", 1, 3)),
    ),
    VrmFormat.NORTHERN_IRELAND: _Spec(
        re.compile(r"([A-HJ-Y][A-Z]?[IZ])([0-9]{1,4})"),
        _templates(("L", 2, 3), ("D", 1, 4)),
    ),
    VrmFormat.DIPLOMATIC: _Spec(
        re.compile(r"([0-9]{3})([DX])([0-9]{3})"),
        _templates(("D", 3, 3), ("L", 1, 1), ("D", 3, 3)),
    ),
}


# Every UK format in one pattern (they are disjoint, so the alternation is exact).
_ANY_UK = re.compile("|".join(f"(?:{_SPECS[fmt].pattern.pattern})" for fmt in UK_FORMATS))


def mask(text: str) -> str:
    """Hide a plate for messages and logs: the first character of four or more, then ``*``.

    Shorter text is all ``*``. Works on any string, valid plate or not.

    >>> mask("AB12CDE")
    'A******'
    >>> mask("A1")
    '**'
    """
    if len(text) >= 4:
        return text[0] + "*" * (len(text) - 1)
    return "*" * len(text)


# Plate-shaped words in free text: the current, prefix and suffix formats only (each with an
# optional space where a plate is printed with one). Dateless and Northern Ireland plates are
# left out on purpose: "A12", "M25" or "B 1234" are road and bus numbers far more often than
# plates, and flagging every road would bury the real finds.
_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])("
    r"[A-Za-z]{2}[0-9]{2} ?[A-Za-z]{3}"  # current: AB12 CDE
    r"|[A-Za-z][0-9]{1,3} ?[A-Za-z]{3}"  # prefix: A123 BCD
    r"|[A-Za-z]{3} ?[0-9]{1,3}[A-Za-z]"  # suffix: ABC 123D
    r")(?![A-Za-z0-9])"
)
_IN_TEXT_FORMATS = frozenset({VrmFormat.CURRENT, VrmFormat.PREFIX, VrmFormat.SUFFIX})


def plates_in_text(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each word of ``text`` shaped like a current, prefix or suffix UK
    plate (``AB12 CDE``, ``A123 BCD``, ``ABC 123D``): plates typed into free text, which must
    not be published. Road and bus numbers (``A12``, ``M25``) are not matched.

    >>> text = "Stop of AB12 CDE on the A12"
    >>> [text[a:b] for a, b in plates_in_text(text)]
    ['AB12 CDE']
    """
    found = []
    for match in _IN_TEXT.finditer(text):
        try:
            fmt = classify(match.group(1))
        except InvalidVrmError:
            continue
        if fmt in _IN_TEXT_FORMATS:
            found.append(match.span(1))
    return found


def mask_plates_in_text(text: str) -> str:
    """``text`` with every plate-shaped word of :func:`plates_in_text` masked
    (``"Stop of A******* on the A12"``), spaces kept."""
    out = []
    last = 0
    for start, end in plates_in_text(text):
        word = text[start:end]
        out.append(text[last:start])
        out.append(word[0] + "".join(" " if ch == " " else "*" for ch in word[1:]))
        last = end
    out.append(text[last:])
    return "".join(out)


def _shown(text: str) -> str:
    """The masked text as messages and pydantic errors show it, cut short if long."""
    return shorten(mask(text), _SHOWN_MAX + 3)


def _require_str(text: object) -> str:
    if not isinstance(text, str):
        message = f"a VRM must be a str, not {type(text).__name__}"
        raise InvalidVrmError(message, code="not_a_string")
    return text


def normalise(text: str) -> str:
    """Remove whitespace and hyphens and upper-case the ASCII letters; nothing else changes.

    Never raises for a ``str`` (checking is :func:`classify`'s job) and is idempotent.
    Non-ASCII letters are left as they are, so look-alikes fail validation instead of
    turning into plates.

    >>> normalise(" ab12-cde ")
    'AB12CDE'
    >>> normalise("stra\\u00dfe") == "STRA\\u00dfE"  # str.upper() would give "STRASSE"
    True
    """
    text = _require_str(text)
    if text.isascii() and text.isalnum():  # the common case: nothing to remove
        return text.upper()  # safe: ASCII only, so no "ß" -> "SS"
    kept = "".join(ch for ch in text if ch != "-" and not ch.isspace())
    return kept.translate(_ASCII_UPPER)


def _parse(text: str, *, foreign: bool) -> tuple[str, VrmFormat, tuple[str, ...]]:
    """The normalised plate, its format and its display parts; raises InvalidVrmError."""
    plate = normalise(text)
    if not plate:
        message = "VRM is empty after removing spaces and hyphens; expected a plate like 'AB12 CDE'"
        raise InvalidVrmError(message, code="empty")
    for ch in "" if plate.isascii() and plate.isalnum() else plate:
        if ch not in _PLATE_CHARACTERS:
            found = f"U+{ord(ch):04X} {unicodedata.name(ch, 'an unnamed character')}"
            message = (
                f"VRM {_shown(plate)!r} contains {found}; expected only the letters A-Z and "
                "the digits 0-9 (spaces and hyphens are ignored)"
            )
            raise InvalidVrmError(message, code="bad_characters")
    longest = _FOREIGN_MAX_LENGTH if foreign else _UK_MAX_LENGTH
    if len(plate) > longest:
        kind = "a foreign" if foreign else "a UK"
        message = (
            f"VRM {_shown(plate)!r} has {len(plate)} characters after removing spaces and "
            f"hyphens; expected at most {longest} for {kind} plate"
        )
        raise InvalidVrmError(message, code="too_long")
    if foreign:
        return plate, VrmFormat.OTHER, (plate,)
    for fmt in UK_FORMATS:
        match = _SPECS[fmt].pattern.fullmatch(plate)
        if match is not None:
            return plate, fmt, tuple(part for part in match.groups() if part is not None)
    message = (
        f"VRM {_shown(plate)!r} fits no UK plate format (current, prefix, suffix, dateless, "
        f"Northern Ireland, diplomatic); {FOREIGN_HINT}"
    )
    raise InvalidVrmError(message, code="unrecognised_format")


def classify(text: str, *, foreign: bool = False) -> VrmFormat:
    """The format of a plate, after normalising it.

    With ``foreign=True`` any 1-10 letters and digits are :attr:`VrmFormat.OTHER`, with no
    UK check. Raises :class:`~anpr_ops.errors.InvalidVrmError` with ``code`` ``empty``,
    ``bad_characters``, ``too_long`` (over 7 characters, 10 if foreign) or
    ``unrecognised_format``, checked in that order.

    >>> classify("a123 bcd")
    <VrmFormat.PREFIX: 'prefix'>
    >>> classify("WOB 12345", foreign=True)
    <VrmFormat.OTHER: 'other'>
    >>> try:
    ...     classify("AB00 CDE")  # 00 is no age identifier
    ... except InvalidVrmError as error:
    ...     print(error.code)
    unrecognised_format
    """
    return _parse(text, foreign=foreign)[1]


def validate(text: str, *, foreign: bool = False) -> str:
    """The normalised plate, once it is known to be valid (see :func:`classify`).

    >>> validate("ab12 cde")
    'AB12CDE'
    """
    # The common case, a clean UK plate, in one regex match; anything else takes the path
    # that says exactly what is wrong.
    if not foreign and isinstance(text, str) and text.isascii() and text.isalnum():
        plate = text.upper()
        if _ANY_UK.fullmatch(plate):
            return plate
    return _parse(text, foreign=foreign)[0]


def display(text: str, *, foreign: bool = False) -> str:
    """The plate as it is printed on the vehicle; a foreign plate is shown normalised.

    >>> display("ab12cde"), display("abc123d"), display("123d456")
    ('AB12 CDE', 'ABC 123D', '123 D 456')
    """
    return " ".join(_parse(text, foreign=foreign)[2])


def _fit(read: str, template: str) -> str | None:
    """The read with O/0 and I/1 swapped to suit the template, or None if it cannot suit it."""
    fitted = []
    for ch, kind in zip(read, template, strict=True):
        if kind == "L":
            if ch in string.ascii_uppercase:
                fitted.append(ch)
            elif ch in _AS_LETTER:
                fitted.append(_AS_LETTER[ch])
            else:
                return None
        elif ch in string.digits:
            fitted.append(ch)
        elif ch in _AS_DIGIT:
            fitted.append(_AS_DIGIT[ch])
        else:
            return None
    return "".join(fitted)


def coerce(raw: str) -> tuple[str, ...]:
    """Every valid UK plate an ANPR read could be, given its O/0 and I/1 confusion.

    For each format, letters go where the format expects a letter (``0`` becomes ``O``,
    ``1`` becomes ``I``) and digits where it expects a digit (``O`` becomes ``0``, ``I``
    becomes ``1``); nothing else changes. The result is normalised and distinct, best
    first: the read itself if it is already valid, then by fewest substitutions, then by
    :data:`UK_FORMATS` order, then alphabetically. Empty if nothing fits. Only a non-str
    raises (``not_a_string``).

    >>> coerce("Lbo7 se0")
    ('LB07SEO',)
    >>> coerce("OO 11")
    ('OO11', 'OOI1')
    >>> coerce("no plate")
    ()
    """
    read = normalise(raw)
    ranks: dict[str, tuple[int, int]] = {}
    for priority, fmt in enumerate(UK_FORMATS):
        spec = _SPECS[fmt]
        for template in spec.templates:
            if len(template) != len(read):
                continue
            candidate = _fit(read, template)
            if candidate is None or spec.pattern.fullmatch(candidate) is None:
                continue
            changes = sum(a != b for a, b in zip(read, candidate, strict=True))
            ranks.setdefault(candidate, (changes, priority))
    return tuple(sorted(ranks, key=lambda candidate: (*ranks[candidate], candidate)))


class _MaskedVrm(str):
    """The input of a plate field as pydantic's errors show it: masked.

    pydantic prints a failing field's input in clear unless the *model* sets
    ``hide_input_in_errors``; a plate type cannot rely on that, so it first swaps the input
    for this stand-in (text: the masked plate; ``value``: the real input) and validates
    the stand-in's ``value``, so the stand-in is what any error reports.
    """

    __slots__ = ("value",)
    value: object


def _conceal(value: object) -> _MaskedVrm:
    if isinstance(value, str):
        stand_in = _MaskedVrm(_shown(normalise(value)))
    else:
        stand_in = _MaskedVrm(f"<{type(value).__name__}>")
    stand_in.value = value
    return stand_in


@attrs.frozen
class _VrmType:
    """pydantic metadata making ``Annotated[str, _VrmType(...)]`` a validated plate."""

    foreign: bool
    description: str
    examples: tuple[str, ...]

    def _validate(self, stand_in: _MaskedVrm) -> str:
        try:
            return validate(_require_str(stand_in.value), foreign=self.foreign)
        except InvalidVrmError as error:
            raise PydanticCustomError(
                error.code,
                "{reason} (error code {code})",
                {"reason": error.message, "code": error.code},
            ) from error

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.chain_schema(
            [
                core_schema.no_info_plain_validator_function(_conceal),
                core_schema.no_info_plain_validator_function(self._validate),
            ],
            serialization=core_schema.simple_ser_schema("str"),
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "description": self.description, "examples": list(self.examples)}


Vrm: TypeAlias = Annotated[
    str,
    _VrmType(
        foreign=False,
        description=(
            "A UK vehicle registration mark. Spaces, hyphens and lower case are accepted; "
            "the value is stored normalised (A-Z and 0-9 only, e.g. AB12CDE)."
        ),
        examples=("AB12CDE", "A123BCD", "ABZ1234"),
    ),
]
"""A UK number plate as a pydantic field: normalised, then validated.

Errors have the :class:`~anpr_ops.errors.InvalidVrmError` code as their type and never
show the plate.

>>> from pydantic import BaseModel
>>> class Read(BaseModel):
...     vrm: Vrm
>>> Read(vrm="ab12 cde").vrm
'AB12CDE'
"""

ForeignVrm: TypeAlias = Annotated[
    str,
    _VrmType(
        foreign=True,
        description=(
            "A foreign vehicle registration mark: 1-10 letters A-Z and digits 0-9 once "
            "spaces and hyphens are removed; stored normalised (e.g. WOB12345)."
        ),
        examples=("WOB12345", "AB123CD"),
    ),
]
"""A foreign number plate as a pydantic field (``classify(..., foreign=True)``).

>>> from pydantic import TypeAdapter
>>> TypeAdapter(ForeignVrm).validate_python("wob 12345")
'WOB12345'
"""
