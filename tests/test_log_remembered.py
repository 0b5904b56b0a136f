"""Appends from remembered state: what one connection remembers between its appends (the
chain head, operations, offence definitions, recent events) must never let it write what a
fresh look at the log would refuse, nor refuse what it would accept.

Each test changes the log through a second connection between two appends of the first, so
that the first connection's memory is out of date, and checks the outcome against the rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops.errors import (
    BrokenReferenceError,
    CorrectionError,
    EventConflictError,
    UnknownOffenceCodeError,
)
from anpr_ops.store import _memory
from tests import factory as f
from tests.support import raw
from tests.support import remembered as remembered_by


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[OpLog, OpLog]]:
    """Two connections to one new log; the first has appended (so it remembers state)."""
    path = tmp_path / "op.db"
    with OpLog.open(path, create=True) as first, OpLog.open(path) as second:
        first.extend([f.operation(), f.hit()])
        yield first, second


def _seqs(log: OpLog) -> list[int]:
    return [seq for (seq,) in raw(log).execute("SELECT seq FROM events ORDER BY seq")]


def test_an_append_after_another_connection_wrote_goes_on_the_chain_after_it(
    pair: tuple[OpLog, OpLog],
) -> None:
    first, second = pair
    second.append(f.hit("hit-2"))
    result = first.append(f.hit("hit-3"))
    assert (result.first_seq, result.last_seq) == (4, 4)
    assert result.head_hash == second.head()[1]
    assert _seqs(first) == [1, 2, 3, 4]
    assert first.verify().ok


def test_a_reference_retracted_by_another_connection_is_refused(
    pair: tuple[OpLog, OpLog],
) -> None:
    first, second = pair
    first.append(f.stop(hit_id="hit-1"))  # first now remembers hit-1 as live
    second.append(f.correction("stop-1", retract=True))
    second.append(f.correction("hit-1", retract=True))
    before = second.head()
    with pytest.raises(BrokenReferenceError, match="retracted"):
        first.append(f.stop("stop-2", hit_id="hit-1"))
    assert first.head() == before


def test_a_definition_added_by_another_connection_is_known(pair: tuple[OpLog, OpLog]) -> None:
    first, second = pair
    first.append(f.stop())
    first.append(f.search())
    second.append(f.definition("XX12345"))
    result = first.append(f.outcome(offences=("XX12345",)))
    assert result.appended == ("out-1",)
    assert first.verify().ok


def test_a_definition_retracted_by_another_connection_is_unknown_again(
    pair: tuple[OpLog, OpLog],
) -> None:
    first, second = pair
    first.extend([f.stop(), f.search(), f.definition("XX12345")])
    second.append(f.correction("def-XX12345", retract=True))
    with pytest.raises(UnknownOffenceCodeError):
        first.append(f.outcome(offences=("XX12345",)))


def test_an_operation_opened_by_another_connection_is_known(pair: tuple[OpLog, OpLog]) -> None:
    first, second = pair
    with pytest.raises(BrokenReferenceError):
        first.append(f.hit("hit-x", op_id="other-op"))  # remembered: no such operation
    second.append(f.operation("other-op"))
    assert first.append(f.hit("hit-x", op_id="other-op")).appended == ("hit-x",)


def test_an_operation_opened_twice_through_two_connections_is_refused(
    pair: tuple[OpLog, OpLog],
) -> None:
    first, second = pair
    with pytest.raises(BrokenReferenceError):
        first.append(f.hit("hit-x", op_id="other-op"))
    second.append(f.operation("other-op"))
    with pytest.raises(BrokenReferenceError, match="already open"):
        first.append(f.operation("other-op", event_id="other-op-again"))


def test_an_event_stored_by_another_connection_is_a_duplicate_or_a_conflict(
    pair: tuple[OpLog, OpLog],
) -> None:
    first, second = pair
    second.append(f.hit("hit-2"))
    same = first.append(f.hit("hit-2"))
    assert same.noop and same.duplicates == ("hit-2",)
    head = first.head()
    with pytest.raises(EventConflictError):
        first.append(f.hit("hit-2", vrm="XY12ABC"))
    assert first.head() == head
    # A batch mixing a stored event and a new one writes only the new one.
    mixed = first.extend([f.hit("hit-2"), f.hit("hit-3")])
    assert (mixed.duplicates, mixed.appended) == (("hit-2",), ("hit-3",))


def test_a_retraction_checks_dependants_written_by_another_connection(
    pair: tuple[OpLog, OpLog],
) -> None:
    first, second = pair
    second.append(f.stop(hit_id="hit-1"))
    with pytest.raises(CorrectionError, match="refer to it"):
        first.append(f.correction("hit-1", retract=True))


def test_refusals_leave_the_remembered_state_usable(pair: tuple[OpLog, OpLog]) -> None:
    first, _ = pair
    with pytest.raises(BrokenReferenceError):
        first.append(f.stop(hit_id="no-such-hit"))
    with pytest.raises(EventConflictError):
        first.append(f.hit("hit-1", vrm="XY12ABC"))
    assert first.append(f.stop(hit_id="hit-1")).appended == ("stop-1",)
    assert _seqs(first) == [1, 2, 3]
    assert first.verify(projections=True).ok


def test_references_older_than_what_is_remembered_are_looked_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_memory, "RECENT", 3)
    with OpLog.open(tmp_path / "op.db", create=True) as log:
        log.append(f.operation())
        for i in range(20):
            log.append(f.hit(f"hit-{i}"))
        remembered = remembered_by(log)
        assert remembered is not None and len(remembered.recent) <= 6
        assert "hit-0" not in remembered.recent
        log.append(f.stop(hit_id="hit-0"))
        log.append(f.correction("stop-1", retract=True))
        log.append(f.correction("hit-0", retract=True))
        with pytest.raises(BrokenReferenceError, match="retracted"):
            log.append(f.stop("stop-2", hit_id="hit-0"))
        assert log.verify(projections=True).ok


def test_a_site_added_by_another_connection_is_known(pair: tuple[OpLog, OpLog]) -> None:
    first, second = pair
    sites = ("vauxhall", "blackfriars", "tower-bridge", "lambeth")
    second.append(f.correction(f"{f.OP}-open", replacement=f.operation(sites=sites)))
    assert first.append(f.hit("hit-2", site="lambeth")).appended == ("hit-2",)


def test_a_code_whose_definition_another_connection_retracted_can_be_defined_again(
    pair: tuple[OpLog, OpLog],
) -> None:
    first, second = pair
    first.append(f.definition("XX12345"))
    second.append(f.correction("def-XX12345", retract=True))
    again = f.definition("XX12345", event_id="def-XX12345-again", title="Defined again")
    assert first.append(again).appended == ("def-XX12345-again",)
    assert first.offences()["XX12345"].title == "Defined again"
