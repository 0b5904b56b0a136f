"""Number plates: normalising, classifying, display, O/0 I/1 correction, masking, pydantic types."""

from __future__ import annotations

import doctest
import json
import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

import anpr_ops.vrm
from anpr_ops.errors import AnprOpsError, InvalidVrmError
from anpr_ops.strategies import vrms
from anpr_ops.vrm import (
    UK_FORMATS,
    ForeignVrm,
    Vrm,
    VrmFormat,
    classify,
    coerce,
    display,
    mask,
    normalise,
    validate,
)

F = VrmFormat

# (as written, normalised, format, display form); display forms worked out by hand.
VALID = [
    ("AB12 CDE", "AB12CDE", F.CURRENT, "AB12 CDE"),
    ("ab12cde", "AB12CDE", F.CURRENT, "AB12 CDE"),  # lower case
    (" ab 12-cde\t", "AB12CDE", F.CURRENT, "AB12 CDE"),  # inner spaces, hyphen, tab
    ("AB12\u00a0CDE", "AB12CDE", F.CURRENT, "AB12 CDE"),  # no-break space is whitespace
    ("LB07 SEO", "LB07SEO", F.CURRENT, "LB07 SEO"),  # O among the random letters
    ("BD51 SMZ", "BD51SMZ", F.CURRENT, "BD51 SMZ"),  # Sep 2001 age identifier; Z allowed last
    ("YR02 XYZ", "YR02XYZ", F.CURRENT, "YR02 XYZ"),  # 02: the first age identifier issued
    ("AB49 CDE", "AB49CDE", F.CURRENT, "AB49 CDE"),
    ("A123 BCD", "A123BCD", F.PREFIX, "A123 BCD"),
    ("P1 ABC", "P1ABC", F.PREFIX, "P1 ABC"),
    ("m75-kjf", "M75KJF", F.PREFIX, "M75 KJF"),
    ("L100 OBJ", "L100OBJ", F.PREFIX, "L100 OBJ"),
    ("ABC 123D", "ABC123D", F.SUFFIX, "ABC 123D"),
    ("GFV 1K", "GFV1K", F.SUFFIX, "GFV 1K"),
    ("BOX 10T", "BOX10T", F.SUFFIX, "BOX 10T"),
    ("ABC 123", "ABC123", F.DATELESS, "ABC 123"),
    ("123 ABC", "123ABC", F.DATELESS, "123 ABC"),
    ("A 1", "A1", F.DATELESS, "A 1"),
    ("1 A", "1A", F.DATELESS, "1 A"),
    ("AB 1234", "AB1234", F.DATELESS, "AB 1234"),
    ("9999 AA", "9999AA", F.DATELESS, "9999 AA"),
    ("OSC 10", "OSC10", F.DATELESS, "OSC 10"),
    ("ABZ 1234", "ABZ1234", F.NORTHERN_IRELAND, "ABZ 1234"),
    ("AZ 1234", "AZ1234", F.NORTHERN_IRELAND, "AZ 1234"),
    ("KZ 1", "KZ1", F.NORTHERN_IRELAND, "KZ 1"),
    ("OI 1234", "OI1234", F.NORTHERN_IRELAND, "OI 1234"),  # ends in I
    ("dxi 123", "DXI123", F.NORTHERN_IRELAND, "DXI 123"),
    ("123 D 456", "123D456", F.DIPLOMATIC, "123 D 456"),
    ("270X123", "270X123", F.DIPLOMATIC, "270 X 123"),
]

# (as written, expected InvalidVrmError code) for a UK plate.
INVALID = [
    ("AB00 CDE", "unrecognised_format"),  # 00, 01 and 50 are not age identifiers
    ("AB01 CDE", "unrecognised_format"),
    ("AB50 CDE", "unrecognised_format"),
    ("AI12 CDE", "unrecognised_format"),  # no I, Q or Z in a memory tag
    ("QB12 CDE", "unrecognised_format"),
    ("AZ12 CDE", "unrecognised_format"),
    ("AB12 CDI", "unrecognised_format"),  # no I or Q in the random letters
    ("AB12 CQE", "unrecognised_format"),
    ("A012 BCD", "unrecognised_format"),  # leading zeros
    ("ABC 012D", "unrecognised_format"),
    ("ABC 012", "unrecognised_format"),
    ("012 ABC", "unrecognised_format"),
    ("I123 ABC", "unrecognised_format"),  # I, O, Q, Z are no year letters
    ("ABC 123O", "unrecognised_format"),
    ("IZ 1234", "unrecognised_format"),  # NI letters never start with I or Z
    ("ZA 1234", "unrecognised_format"),
    ("ABCD 12", "unrecognised_format"),  # dateless: at most three letters
    ("12345 A", "unrecognised_format"),  # ... and at most four digits
    ("123 A 456", "unrecognised_format"),  # diplomatic: D or X only
    ("Q123 ABC", "unrecognised_format"),  # Q plates are not supported
    ("ABCDEFG", "unrecognised_format"),
    ("1234567", "unrecognised_format"),
    ("\u0410B12 CDE", "bad_characters"),  # Cyrillic capital A, looks like A
    ("\u00dfA 123", "bad_characters"),  # str.upper() would make the valid "SSA123"
    ("\ufb01 123", "bad_characters"),  # the fi ligature; str.upper() would make NI "FI123"
    ("b\u0131z 1", "bad_characters"),  # dotless i; str.upper() would make NI "BIZ1"
    ("\uff21\uff22\uff11\uff12 \uff23\uff24\uff25", "bad_characters"),  # fullwidth AB12 CDE
    ("AB\u0661\u0662CDE", "bad_characters"),  # Arabic-Indic digits
    ("AB12 CD\U0001f697", "bad_characters"),  # emoji
    ("AB12\u200bCDE", "bad_characters"),  # zero-width space is not whitespace
    ("AB12.CDE", "bad_characters"),
    ("AB12_CDE", "bad_characters"),
    ("", "empty"),
    ("   ", "empty"),
    ("\t\n", "empty"),
    ("- -", "empty"),
    ("AB12 CDEF", "too_long"),
    ("WOB 12345", "too_long"),  # a foreign plate not marked foreign
    ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "too_long"),
]

# (as written, normalised) with foreign=True.
FOREIGN_VALID = [
    ("WOB 12345", "WOB12345"),
    ("ab-123-cd", "AB123CD"),
    ("AB12 CDE", "AB12CDE"),  # a UK-looking plate is still OTHER when marked foreign
    ("1", "1"),
    ("ABCDE12345", "ABCDE12345"),
]

FOREIGN_INVALID = [
    ("ABCDE 123456", "too_long"),
    ("M\u00dc 1234", "bad_characters"),  # U with diaeresis
    (" ", "empty"),
]

# (ANPR read, every valid candidate best first), worked out by hand.
COERCE = [
    ("Lbo7 se0", ("LB07SEO",)),  # cuvva's example: current format
    ("LIOO 0BJ", ("L100OBJ",)),  # prefix: digits after the year letter, letters after
    ("B0X IOT", ("BOX10T",)),  # suffix
    ("0SCI0", ("OSC10",)),  # dateless, letters first
    # dateless, digits first: 1000X and 10OOX need three swaps, 100OX four
    ("IOO0X", ("1000X", "10OOX", "100OX")),
    ("OO 11", ("OO11", "OOI1")),  # valid as read (dateless) first, then the NI reading
    ("AB12 CDE", ("AB12CDE",)),
    ("ZZZZ", ()),
    ("", ()),
    ("\u00dfA 123", ()),
    ("AB12 CDEF", ()),
]

MASK = [
    ("AB12CDE", "A******"),
    ("ABCD", "A***"),
    ("ABC", "***"),
    ("A", "*"),
    ("", ""),
]

# Written from reference/domain.md §3.1 and the design brief, not imported from anpr_ops.vrm.
ORACLE = {
    F.CURRENT: re.compile(r"^[A-HJ-PR-Y]{2}(?!00|01|50)[0-9]{2} ?[A-HJ-PR-Z]{3}$"),
    F.PREFIX: re.compile(r"^[A-HJ-NPR-Y](?!0)[0-9]{1,3} ?[A-HJ-PR-Y]{3}$"),
    F.SUFFIX: re.compile(r"^[A-HJ-PR-Y]{3} ?(?!0)[0-9]{1,3}[A-HJ-NPR-Y]$"),
    F.DATELESS: re.compile(
        r"^(?:[A-HJ-PR-Y]{1,3} ?(?!0)[0-9]{1,4}|(?!0)[0-9]{1,4} ?[A-HJ-PR-Y]{1,3})$"
    ),
    F.NORTHERN_IRELAND: re.compile(r"^[A-HJ-Y][A-Z]?[IZ] ?[0-9]{1,4}$"),
    F.DIPLOMATIC: re.compile(r"^[0-9]{3} ?[DX] ?[0-9]{3}$"),
}

CONFUSABLE = {"O": "0", "0": "O", "I": "1", "1": "I"}
ENTRY_POINTS: list[Callable[[str], object]] = [classify, validate, display]


def matching_formats(plate: str) -> list[VrmFormat]:
    return [fmt for fmt, pattern in ORACLE.items() if pattern.fullmatch(plate)]


@st.composite
def confused_reads(draw: st.DrawFn) -> tuple[str, str]:
    """A valid plate and a read of it with some O/0 and I/1 swapped."""
    plate = draw(vrms())
    flips = draw(st.lists(st.booleans(), min_size=len(plate), max_size=len(plate)))
    read = "".join(
        CONFUSABLE.get(ch, ch) if flip else ch for ch, flip in zip(plate, flips, strict=True)
    )
    return plate, read


class Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    vrm: Vrm


class ForeignRead(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    vrm: ForeignVrm


# --- case tables ----------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "plate", "fmt", "shown"), VALID)
def test_valid_plate_normalises_classifies_and_displays(
    raw: str, plate: str, fmt: VrmFormat, shown: str
) -> None:
    assert validate(raw) == plate
    assert classify(raw) is fmt
    assert display(raw) == shown


@pytest.mark.parametrize(("raw", "code"), INVALID)
@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_invalid_plate_raises_with_its_code(
    entry_point: Callable[[str], object], raw: str, code: str
) -> None:
    with pytest.raises(InvalidVrmError) as info:
        entry_point(raw)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("raw", "code"), [case for case in INVALID if len(normalise(case[0])) >= 2]
)
def test_error_message_never_contains_the_plate(raw: str, code: str) -> None:
    with pytest.raises(InvalidVrmError) as info:
        validate(raw)
    assert normalise(raw) not in str(info.value)
    assert raw.strip() not in str(info.value)


def test_invalid_vrm_error_is_a_value_error_and_an_anpr_ops_error() -> None:
    with pytest.raises(InvalidVrmError) as info:
        validate("AB00 CDE")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, AnprOpsError)


@pytest.mark.parametrize("value", [None, 123, b"AB12CDE", ["AB12CDE"]])
@pytest.mark.parametrize("function", [normalise, coerce, *ENTRY_POINTS])
def test_non_string_raises_not_a_string(
    function: Callable[[object], object], value: object
) -> None:
    with pytest.raises(InvalidVrmError) as info:
        function(value)
    assert info.value.code == "not_a_string"
    assert "AB12CDE" not in str(info.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("stra\u00dfe", "STRA\u00dfE"),  # not "STRASSE"
        ("\ufb01", "\ufb01"),  # not "FI"
        ("\u0131", "\u0131"),  # not "I"
        ("\u212a", "\u212a"),  # Kelvin sign stays; only a-z change
    ],
)
def test_normalise_upper_cases_ascii_letters_only(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(("raw", "plate"), FOREIGN_VALID)
def test_foreign_plate_is_other_and_displays_normalised(raw: str, plate: str) -> None:
    assert classify(raw, foreign=True) is F.OTHER
    assert validate(raw, foreign=True) == plate
    assert display(raw, foreign=True) == plate


@pytest.mark.parametrize(("raw", "code"), FOREIGN_INVALID)
def test_invalid_foreign_plate_raises_with_its_code(raw: str, code: str) -> None:
    with pytest.raises(InvalidVrmError) as info:
        classify(raw, foreign=True)
    assert info.value.code == code


def test_uk_formats_are_every_format_but_other_in_declared_order() -> None:
    assert tuple(fmt for fmt in VrmFormat if fmt is not F.OTHER) == UK_FORMATS
    assert UK_FORMATS[0] is F.CURRENT


@pytest.mark.parametrize(("read", "candidates"), COERCE)
def test_coerce_finds_every_reading_best_first(read: str, candidates: tuple[str, ...]) -> None:
    assert coerce(read) == candidates


@pytest.mark.parametrize(("text", "masked"), MASK)
def test_mask(text: str, masked: str) -> None:
    assert mask(text) == masked


# --- properties -----------------------------------------------------------------------


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_normalise_leaves_no_space_hyphen_or_ascii_lower_case(text: str) -> None:
    result = normalise(text)
    assert not any(ch.isspace() or ch == "-" or "a" <= ch <= "z" for ch in result)


@given(vrms())
def test_display_round_trips_to_the_same_plate_and_format(plate: str) -> None:
    shown = display(plate)
    assert normalise(shown) == plate
    assert validate(shown) == plate
    assert classify(shown) is classify(plate)


@given(vrms(F.OTHER))
def test_generated_foreign_plate_is_valid_only_as_foreign(plate: str) -> None:
    assert display(plate, foreign=True) == plate
    with pytest.raises(InvalidVrmError) as info:
        validate(plate)
    assert info.value.code == "too_long"


@pytest.mark.parametrize("fmt", UK_FORMATS)
@given(data=st.data())
def test_generated_plate_classifies_as_its_format(fmt: VrmFormat, data: st.DataObject) -> None:
    plate = data.draw(vrms(fmt))
    assert normalise(plate) == plate
    assert classify(plate) is fmt


@pytest.mark.parametrize("fmt", UK_FORMATS)
@given(data=st.data())
def test_formats_are_disjoint(fmt: VrmFormat, data: st.DataObject) -> None:
    """A generated plate of one format matches that format's pattern and no other's."""
    plate = data.draw(vrms(fmt))
    assert matching_formats(plate) == [fmt]


@given(st.text(alphabet="ABDIOQXZ0125", min_size=1, max_size=7))
def test_classify_agrees_with_the_independent_patterns(text: str) -> None:
    matching = matching_formats(text)
    assert len(matching) <= 1
    if matching:
        assert classify(text) is matching[0]
    else:
        with pytest.raises(InvalidVrmError) as info:
            classify(text)
        assert info.value.code == "unrecognised_format"


@given(st.one_of(confused_reads().map(lambda pair: pair[1]), st.text("ABIOXZ01 -", max_size=9)))
def test_coerce_candidates_validate_and_differ_only_at_confusable_positions(read: str) -> None:
    plate = normalise(read)
    candidates = coerce(read)
    assert len(set(candidates)) == len(candidates)
    for candidate in candidates:
        assert validate(candidate) == candidate
        assert len(candidate) == len(plate)
        for was, now in zip(plate, candidate, strict=True):
            assert was == now or CONFUSABLE[was] == now


@given(confused_reads())
def test_coerce_recovers_the_plate_from_a_confused_read(pair: tuple[str, str]) -> None:
    plate, read = pair
    assert plate in coerce(read)


@given(vrms())
def test_coerce_puts_a_valid_read_first(plate: str) -> None:
    assert coerce(plate)[0] == plate


@given(st.text(alphabet=st.characters(exclude_characters="*"), min_size=2))
def test_mask_never_contains_the_text(text: str) -> None:
    assert text not in mask(text)
    assert len(mask(text)) == len(text)


# --- pydantic types ---------------------------------------------------------------------


def test_vrm_field_stores_the_normalised_plate_as_a_plain_str() -> None:
    read = Read(vrm="ab12 cde")
    assert read.vrm == "AB12CDE"
    assert type(read.vrm) is str
    assert read.model_dump(mode="json") == {"vrm": "AB12CDE"}
    assert Read.model_validate_json('{"vrm": "a123-bcd"}').vrm == "A123BCD"


FROM_PYTHON_OR_JSON: dict[str, Callable[[str], Read]] = {
    "python": lambda raw: Read.model_validate({"vrm": raw}),
    "json": lambda raw: Read.model_validate_json(json.dumps({"vrm": raw})),
}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("AB00 CDE", "unrecognised_format"),
        ("\u0410B12 CDE", "bad_characters"),
        ("AB12 CDEF", "too_long"),
    ],
)
@pytest.mark.parametrize("source", FROM_PYTHON_OR_JSON)
def test_invalid_vrm_field_error_has_the_code_and_hides_the_plate(
    raw: str, code: str, source: str
) -> None:
    with pytest.raises(ValidationError) as info:
        FROM_PYTHON_OR_JSON[source](raw)
    [error] = info.value.errors()
    assert error["type"] == code
    for text in (str(info.value), info.value.json(), repr(info.value.errors())):
        assert raw not in text
        assert normalise(raw) not in text


def test_empty_vrm_field_is_an_empty_error() -> None:
    with pytest.raises(ValidationError) as info:
        Read(vrm=" - ")
    assert info.value.errors()[0]["type"] == "empty"


@pytest.mark.parametrize("value", [b"AB12CDE", 123])
def test_vrm_field_rejects_non_strings_without_showing_them(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        Read.model_validate({"vrm": value})
    assert info.value.errors()[0]["type"] == "not_a_string"
    assert "AB12CDE" not in str(info.value)
    assert "123" not in str(info.value)


@given(vrms(F.OTHER))
def test_vrm_field_error_never_contains_the_input(plate: str) -> None:
    with pytest.raises(ValidationError) as info:
        Read(vrm=plate)
    assert plate not in str(info.value)


@pytest.mark.parametrize(("raw", "plate"), [("WOB 12345", "WOB12345"), ("AB-123-CD", "AB123CD")])
def test_foreign_vrm_accepts_foreign_plates_the_uk_type_rejects(raw: str, plate: str) -> None:
    assert ForeignRead(vrm=raw).vrm == plate
    with pytest.raises(ValidationError):
        Read(vrm=raw)


@pytest.mark.parametrize("model", [Read, ForeignRead])
def test_json_schema_is_a_described_string_with_valid_examples(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()["properties"]["vrm"]
    assert schema["type"] == "string"
    assert schema["description"]
    assert schema["examples"]
    for example in schema["examples"]:
        assert model.model_validate({"vrm": example}).model_dump() == {"vrm": example}


# --- docstrings -------------------------------------------------------------------------


def test_docstring_examples_run() -> None:
    """The examples in anpr_ops.vrm's docstrings and in vrms()'s docstring hold."""
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    tests = finder.find(anpr_ops.vrm) + finder.find(vrms, "vrms")
    assert sum(len(test.examples) for test in tests) > 10
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
