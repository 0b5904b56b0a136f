"""The CSV helper every CSV writer can share: formulas neutralised, numbers left alone."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anpr_ops._csv import FORMULA_STARTS, safe_cell, safe_row, writer

FORMULAS = [
    "=1+1",
    '=HYPERLINK("http://example.invalid","x")',
    "+1",
    "-2+3",
    "-1e3",
    "-1.",
    "-.5",
    "-1\n=1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "=",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_starts_a_formula_gets_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    ["", "Vauxhall", "1.5", "Op Kaiser = day", " =1", "'=1", "a\n=1", "-1", "-0.123600", "-51"],
)
def test_other_text_is_unchanged(text: str) -> None:
    """Text that starts no formula, and plain negative numbers (a longitude as text)."""
    assert safe_cell(text) == text


@pytest.mark.parametrize("value", [-1, -0.5, 0, 3, 2.5, None, True, float("-inf")])
def test_values_that_are_not_text_are_unchanged(value: object) -> None:
    assert safe_cell(value) is value


@given(st.text())
def test_a_safe_cell_never_starts_a_formula(text: str) -> None:
    """Only a plain negative number may start with a formula character, and it is a number."""
    out = safe_cell(text)
    assert isinstance(out, str)
    assert out in (text, "'" + text)
    if out.startswith(FORMULA_STARTS):
        assert out.startswith("-") and float(out) < 0 and "e" not in out.casefold()
        assert out[1:].replace(".", "", 1).isdigit() and out[1:].isascii()


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6))
def test_a_number_written_as_text_is_unchanged(number: object) -> None:
    text = str(number)
    if "E" not in text:
        assert safe_cell(text) == text


def test_safe_row_and_writer_neutralise_every_cell() -> None:
    assert safe_row(["=a", 1, "b", None, -2]) == ["'=a", 1, "b", None, -2]
    out = io.StringIO()
    w = writer(out)
    w.writerow(["name", "value"])
    w.writerows([["=cmd|' /C calc'!A0", -3], ["@x", 1.5], ["ok", None]])
    assert out.getvalue().endswith("\n") and "\r\n" not in out.getvalue()
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["name", "value"], ["'=cmd|' /C calc'!A0", "-3"], ["'@x", "1.5"], ["ok", ""]]
    w.writerow(["-0.5", "-1+1"])
    assert out.getvalue().endswith("-0.5,'-1+1\n")


def test_writer_passes_csv_options_on() -> None:
    out = io.StringIO()
    writer(out, lineterminator="\r\n", delimiter=";").writerow(["+a", "b"])
    assert out.getvalue() == "'+a;b\r\n"
