"""Where erased values may still be found: the word search an erasure runs over the log, page
by page, finds in a page exactly what it finds in each text alone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from anpr_ops.store._residue import Residue, _candidates, _forms

# Text as the models allow it: no control characters but tab and newline.
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\n "), max_size=40
)


@given(st.lists(TEXT, max_size=8))
def test_a_page_has_the_forms_of_its_texts(texts: list[str]) -> None:
    """Joining texts into a page neither loses a form nor makes one across two texts."""
    each: set[str] = set()
    for text in texts:
        each |= _candidates(text)
    assert _forms(texts, whole=True) == each


@given(
    st.from_regex(r"[A-Z]{2}[0-9]{2} ?[A-Z]{3}", fullmatch=True),
    st.lists(st.sampled_from(["seen", "near", "12", "the", "-", ":"]), max_size=4),
    st.lists(st.sampled_from(["bridge", "van", "at", "10:05", "/"]), max_size=4),
)
def test_a_plate_is_found_however_it_sits_in_a_text(
    plate: str, before: list[str], after: list[str]
) -> None:
    residue = Residue([("vrm", plate.replace(" ", ""))])
    text = " ".join([*before, plate.lower(), *after])
    assert residue.mentioned_in(text)
    assert residue.fields.keys() <= _candidates(text)


def test_a_value_is_not_found_inside_a_longer_word() -> None:
    residue = Residue([("subject_ref", "P-17")])
    assert not residue.mentioned_in("case P-170 closed")
    assert residue.mentioned_in("case p-17 closed")


def test_short_values_are_not_looked_for_in_a_reason() -> None:
    assert not Residue([("officer_id", "PC")]).mentioned_in("PC asked")
    assert Residue([("notes", "left the van open")]).mentioned_in("notes: LEFT THE VAN OPEN.")
