"""The optional Search fields that keep what a published source said: date_only and the
legislation / object texts kept for ``other``."""

from __future__ import annotations

from typing import Any

import pytest

from anpr_ops.errors import EventValidationError
from anpr_ops.events import Search, canonical_dict, parse_event

BASE: dict[str, Any] = {
    "kind": "search",
    "event_id": "s-1",
    "op_id": "op-1",
    "occurred_at": "2020-01-05T00:00:00Z",
    "search_type": "person",
    "legislation": "other",
    "object_of_search": "other",
    "grounds": "not published",
    "subject_ref": "p-1",
}


def test_defaults_leave_the_canonical_form_unchanged() -> None:
    """An event that does not use the new fields has the same canonical dict as before."""
    event = parse_event(BASE)
    assert isinstance(event, Search)
    assert set(canonical_dict(event)) == set(BASE)


def test_texts_are_kept_for_other() -> None:
    event = parse_event(
        {**BASE, "legislation_text": "Deer Act 1991 (section 12)", "object_of_search_text": "dog"}
    )
    assert isinstance(event, Search)
    assert event.legislation_text == "Deer Act 1991 (section 12)"
    assert canonical_dict(event)["object_of_search_text"] == "dog"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"legislation": "pace_1984_s1", "legislation_text": "x"}, "text_with_code"),
        ({"object_of_search": "firearms", "object_of_search_text": "x"}, "text_with_code"),
        ({"date_only": True, "occurred_at": "2020-01-05T10:00:00Z"}, "date_only_time"),
        # Midnight in London summer time is 23:00 UTC the day before: not a date-only value.
        ({"date_only": True, "occurred_at": "2020-06-05T00:00:00+01:00"}, "date_only_time"),
    ],
)
def test_inconsistent_source_fields_are_refused(changes: dict[str, Any], code: str) -> None:
    with pytest.raises(EventValidationError) as info:
        parse_event({**BASE, **changes})
    assert info.value.problems[0].kind == code


def test_date_only_at_midnight_utc_is_accepted() -> None:
    event = parse_event({**BASE, "date_only": True})
    assert isinstance(event, Search)
    assert event.date_only
