"""The offence catalogue, checked against the domain notes' table of CONFIRMED codes."""

from __future__ import annotations

import re

import pytest

from anpr_ops.errors import UnknownOffenceCodeError
from anpr_ops.offences import (
    CATEGORY_GROUP,
    OffenceCategory,
    OffenceGroup,
    builtin_catalogue,
    is_offence_code,
)
from tests.conftest import SHARED

CODE = re.compile(r"\b[A-Z]{2}\d{5}[A-Z]?\b")

# The category DESIGN §4 gives each row of domain.md §4.1, keyed by words of the row's title.
ROW_CATEGORY = [
    ("specified drug", "drug_driving"),
    ("unfit through drugs", "drug_driving"),
    ("specimen", "drug_driving"),
    ("preliminary test", "drug_driving"),
    ("Fail to stop", "fail_to_stop"),
    ("per licence", "no_licence"),
    ("insurance", "no_insurance"),
    ("disqualified", "disqualified_driving"),
    ("PWITS", "drugs_supply"),
    ("Possession", "drugs_possession"),
    ("Theft of motor vehicle", "vehicle_theft"),
    ("TWOC", "vehicle_theft"),
    ("Aggravated vehicle taking", "vehicle_theft"),
    ("Going equipped", "vehicle_theft"),
    ("Fail to surrender", "fail_to_surrender"),
    ("Offensive weapon", "weapons"),
    ("Blade/point", "weapons"),
]


def domain_rows() -> list[tuple[str, list[str], str]]:
    """(title, codes, CJS class) of each row of the §4.1 table in domain.md."""
    text = (SHARED / "reference" / "domain.md").read_text(encoding="utf-8")
    table = text.split("### 4.1", 1)[1].split("Notes:", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and CODE.search(cells[1]):
            codes = CODE.findall(cells[1])
            if "Aggravated" in cells[0]:
                codes = ["TH68141"]  # the row gives a range; only TH68141 is described
            rows.append((cells[0], codes, cells[2]))
    return rows


def test_the_domain_table_was_read() -> None:
    rows = domain_rows()
    assert len(rows) == 22
    assert sum(len(codes) for _, codes, _ in rows) == 57


@pytest.mark.parametrize(("title", "codes", "cjs"), domain_rows(), ids=lambda v: str(v)[:30])
def test_every_confirmed_code_is_catalogued_with_its_class_and_category(
    title: str, codes: list[str], cjs: str
) -> None:
    category = next(cat for words, cat in ROW_CATEGORY if words.lower() in title.lower())
    catalogue = builtin_catalogue()
    for code in codes:
        offence = catalogue[code]
        assert offence.cjs_class == cjs, code
        assert offence.category == category, code


def test_the_catalogue_holds_nothing_else() -> None:
    listed = {code for _, codes, _ in domain_rows() for code in codes}
    assert set(builtin_catalogue()) == listed


def test_drug_classes_follow_the_titles() -> None:
    for offence in builtin_catalogue().values():
        match = re.search(r"Class ([ABC])", offence.title)
        assert (offence.drug_class.value if offence.drug_class else None) == (
            match.group(1) if match else None
        ), offence.code


def test_every_category_has_one_group() -> None:
    assert set(CATEGORY_GROUP) == set(OffenceCategory)
    assert CATEGORY_GROUP[OffenceCategory.DRUGS_SUPPLY] is OffenceGroup.DRUGS
    assert CATEGORY_GROUP[OffenceCategory.DRUG_DRIVING] is OffenceGroup.MOTORING
    assert CATEGORY_GROUP[OffenceCategory.FAIL_TO_SURRENDER] is OffenceGroup.BAIL
    assert {c for c, g in CATEGORY_GROUP.items() if g is OffenceGroup.MOTORING} == {
        OffenceCategory.DRUG_DRIVING,
        OffenceCategory.NO_LICENCE,
        OffenceCategory.NO_INSURANCE,
        OffenceCategory.DISQUALIFIED_DRIVING,
        OffenceCategory.FAIL_TO_STOP,
    }


def test_no_catalogue_code_is_unknown() -> None:
    assert not builtin_catalogue().by_category("unknown")


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("MD71243", "MD71234"),
        ("RT88548", "RT88584"),
        ("TH86013", "TH68013"),
        ("BA67001", "BA76001"),
    ],
)
def test_unknown_codes_suggest_close_matches(typo: str, meant: str) -> None:
    with pytest.raises(UnknownOffenceCodeError) as caught:
        builtin_catalogue()[typo]
    assert meant in caught.value.suggestions
    assert caught.value.offence_code == typo


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("RT88584", True),
        ("TH68013A", True),
        ("RT88A10", True),
        ("COML001", True),
        ("rt88584", False),
        ("RT8858", False),
        ("RT885840", False),
        ("RT88584AB", False),
        ("RT８８584", False),
    ],
)
def test_code_shape(code: str, ok: bool) -> None:
    assert is_offence_code(code) is ok
