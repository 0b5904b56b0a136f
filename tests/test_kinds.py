"""One table of kinds: the union, references, dependants and the site rule all derive from it."""

from __future__ import annotations

import sqlite3
import typing

import pytest

from anpr_ops import OpLog
from anpr_ops.errors import (
    BrokenReferenceError,
    GuardsMissingError,
    LogBusyError,
    LogError,
    NotALogError,
    StorageError,
    UnknownOffenceCodeError,
)
from anpr_ops.events import KINDS, SITE_VIA, Event, ReplacementEvent, references, referrers
from anpr_ops.events.models import Correction
from anpr_ops.store._connection import translate
from anpr_ops.vocab import EventKind
from tests import factory as f


def _union_members(alias: object) -> set[type]:
    union = typing.get_args(alias)[0]
    return set(typing.get_args(union))


def test_the_event_union_is_exactly_the_kinds_table() -> None:
    assert _union_members(Event) == {spec.model for spec in KINDS}
    assert [spec.kind for spec in KINDS] == list(EventKind)


def test_the_replacement_union_is_every_kind_a_correction_may_replace() -> None:
    replaceable = {spec.model for spec in KINDS if spec.replaceable}
    assert _union_members(ReplacementEvent) == replaceable
    assert Correction not in replaceable


def test_references_are_read_off_the_fields() -> None:
    by_kind = {spec.kind: references(spec.model) for spec in KINDS}
    assert by_kind[EventKind.VEHICLE_STOP] == {"hit_id": EventKind.ANPR_HIT}
    assert by_kind[EventKind.OUTCOME] == {
        "search_id": EventKind.SEARCH,
        "stop_id": EventKind.VEHICLE_STOP,
        "enquiry_id": EventKind.ARREST_ENQUIRY,
    }
    assert by_kind[EventKind.ANPR_HIT] == {}


def test_dependants_are_the_fields_that_name_a_kind() -> None:
    assert referrers(EventKind.ANPR_HIT) == ((EventKind.VEHICLE_STOP, "hit_id"),)
    assert set(referrers(EventKind.VEHICLE_STOP)) == {
        (EventKind.SEARCH, "stop_id"),
        (EventKind.OUTCOME, "stop_id"),
        (EventKind.SEIZURE, "stop_id"),
    }
    assert referrers(EventKind.PATROL) == ()


def test_the_site_rule_follows_references_to_events_that_have_a_site() -> None:
    assert SITE_VIA[EventKind.SEARCH] == ("stop_id",)
    assert SITE_VIA[EventKind.OUTCOME] == ("search_id", "stop_id")
    assert SITE_VIA[EventKind.SEIZURE] == ("search_id", "stop_id", "sweep_id")
    assert EventKind.VEHICLE_STOP not in SITE_VIA  # its site_id is required


def test_an_unknown_code_in_a_batch_names_the_event_and_field_as_attributes() -> None:
    with OpLog.memory() as log:
        log.extend([f.operation(), f.hit(), f.stop(hit_id="hit-1"), f.search()])
        with pytest.raises(UnknownOffenceCodeError) as caught:
            log.append(f.outcome(offences=["MD71234", "ZZ99999"]))
    assert caught.value.event_id == "out-1"
    assert caught.value.field == "offences[1]"
    assert caught.value.offence_code == "ZZ99999"
    assert isinstance(caught.value.__cause__, UnknownOffenceCodeError)


def test_a_broken_reference_names_the_event_and_field_as_attributes() -> None:
    with OpLog.memory() as log:
        log.append(f.operation())
        with pytest.raises(BrokenReferenceError) as caught:
            log.append(f.stop(hit_id="no-such-hit"))
    assert (caught.value.event_id, caught.value.field, caught.value.ref) == (
        "stop-1",
        "hit_id",
        "no-such-hit",
    )


def _sqlite_error(code: int, message: str = "whatever the words") -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


TRANSLATIONS = [
    (5, LogBusyError, "log_busy"),
    (6, LogBusyError, "log_busy"),
    (8, StorageError, "read_only"),
    (13, StorageError, "disk_full"),
    (11, NotALogError, "corrupt"),
    (26, NotALogError, "corrupt"),
    (14, StorageError, "cannot_open"),
    (10, StorageError, "io_error"),
    (10 | (2 << 8), StorageError, "io_error"),  # an extended code: its low byte decides
    (1811, GuardsMissingError, "guards_missing"),
    (19, LogError, "sqlite_error"),  # another constraint is not our guards
    (1, LogError, "sqlite_error"),
]


@pytest.mark.parametrize(("code", "kind", "our_code"), TRANSLATIONS)
def test_sqlite_errors_are_sorted_by_their_code_not_their_words(
    code: int, kind: type[LogError], our_code: str
) -> None:
    # The words say "locked" and "full" on purpose: only the code may decide.
    translated = translate(_sqlite_error(code, "database is locked; disk full"), "doing")
    assert type(translated) is kind and translated.code == our_code
