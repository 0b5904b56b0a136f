"""Many generated logs on disk, and the one log that holds all their events.

Each generated log is one force's part of a national operation: the same ``national``
operation event (one operation kept in many files), then a whole coherent operation of that
force below it (anpr_ops.strategies.operation_batches), with ids and subject references of
its own. Subjects never repeat across logs: people are counted once per log, so only then is
the sum of the logs' reports the report of one log holding every event (docs/reports.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from anpr_ops import OpLog
from anpr_ops.events import Event, Operation
from anpr_ops.strategies import operation_batches

NATIONAL = "national"
FORCES = ("metropolitan", "kent", "surrey")

NATIONAL_OPERATION = Operation(
    event_id="national-open",
    op_id=NATIONAL,
    occurred_at=datetime(2019, 1, 1, tzinfo=UTC),
    name="National week of action",
    force="national",
    starts_at=datetime(2019, 1, 1, tzinfo=UTC),
)


def force_log(index: int) -> st.SearchStrategy[list[Event]]:
    """The events of the ``index``-th force's log: the national operation, then the force's."""
    people = [f"f{index}-p{n}" for n in range(1, 5)]
    force = FORCES[index % len(FORCES)]

    def under_national(batch: list[Event]) -> list[Event]:
        root = batch[0]
        assert isinstance(root, Operation) and root.parent_op_id is None
        moved = root.model_copy(update={"parent_op_id": NATIONAL, "force": force})
        return [NATIONAL_OPERATION, moved, *batch[1:]]

    batches = operation_batches(
        op_id=f"f{index}", people=people, max_children=1, max_units=4, max_corrections=2
    )
    return batches.map(under_national)


def force_logs(count: int) -> st.SearchStrategy[tuple[list[Event], ...]]:
    """The events of ``count`` force logs."""
    return st.tuples(*(force_log(i) for i in range(count)))


def write_logs(folder: Path, logs: Sequence[Sequence[Any]]) -> list[Path]:
    """Each list of events in a log file of its own; the paths, in order."""
    paths = []
    for number, events in enumerate(logs):
        path = folder / f"force-{number:02d}.db"
        with OpLog.open(path, create=True, durability="normal") as log:
            log.extend(events)
        paths.append(path)
    return paths


def combined(logs: Sequence[Sequence[Any]]) -> OpLog:
    """One in-memory log holding every event of every log (the national operation once)."""
    log = OpLog.memory()
    for events in logs:
        log.extend(events)  # the national operation again is a no-op: the same event
    return log
