"""Scrutiny figures of an operation in a log: the one function that reads the log."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from anpr_ops.scrutiny._counts import scrutiny_counts
from anpr_ops.scrutiny._figures import DEFAULT_CONFIDENCE, DEFAULT_MIN_SEARCHES, ScrutinyReport
from anpr_ops.scrutiny._population import PopulationTable
from anpr_ops.vrm import mask_plates_in_text

if TYPE_CHECKING:
    from anpr_ops.store import OpLog

__all__ = ["scrutiny_report"]


def scrutiny_report(
    log: OpLog,
    op_id: str,
    *,
    include_children: bool = True,
    population: PopulationTable | str | os.PathLike[str] | None = None,
    min_searches: int = DEFAULT_MIN_SEARCHES,
    confidence: float = DEFAULT_CONFIDENCE,
) -> ScrutinyReport:
    """The scrutiny figures of operation ``op_id`` (and, by default, its child operations).

    Counts the current (corrected) searches and their outcomes, under each operation's force,
    and divides by ``population``: the packaged Census 2021 table when ``None``, a
    :class:`PopulationTable`, or the path of a population CSV of your own. Ratios resting on
    fewer than ``min_searches`` searches in either group are flagged; intervals are at
    ``confidence``.

    Raises :class:`~anpr_ops.errors.EventNotFoundError` for an unknown ``op_id`` and
    :class:`~anpr_ops.errors.SourceFormatError` for a population file that cannot be read.
    """
    if population is None:
        table = PopulationTable.census2021()
    elif isinstance(population, PopulationTable):
        table = population
    else:
        table = PopulationTable.from_csv(population)
    op_ids = log.op_ids(op_id, include_children=include_children)
    scope = set(op_ids)
    forces = {op.op_id: op.force for op in log.operations() if op.op_id in scope}
    counts = scrutiny_counts(log.events(op_id, include_children=include_children), forces)
    return ScrutinyReport(
        counts,
        table,
        frozenset(forces.values()),
        frozenset({op_id}),
        mask_plates_in_text(log.operation(op_id).name),
        min_searches,
        confidence,
    )
