"""The counts behind every scrutiny figure: a commutative monoid over searches.

:class:`ScrutinyCounts` maps a small key per search,
``(force, self-defined code or None, officer-defined ethnicity or None, legislation, object
group)``, to a :class:`ScrutinyCell` of five counts. Every figure (by group, by power, by
object, rates, ratios) is a sum of cells divided by a sum of cells or by a population, so
counts of disjoint sets of searches add up (``a + b``) and the figures of the sum are the
figures of the union. :func:`scrutiny_counts` fills it from events; a store that keeps rollups
at append time can fill the same value from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final, TypeVar

import attrs

from anpr_ops._messages import shown
from anpr_ops.errors import ReportError
from anpr_ops.events import Event, Outcome, Search
from anpr_ops.scrutiny._groups import drug_grounds_of, object_group
from anpr_ops.vocab import Disposal

__all__ = ["ScrutinyCell", "ScrutinyCounts", "ScrutinyKey", "scrutiny_counts"]

#: ``(force, self_defined_ethnicity code or None, officer_defined_ethnicity or None,
#: legislation, object group)``: what one search is counted under.
ScrutinyKey = tuple[str, str | None, str | None, str, str]

_K = TypeVar("_K")


@attrs.frozen
class ScrutinyCell:
    """Searches and what came of them.

    ``arrests`` and ``positive_outcomes`` count *searches* (with at least one live arrest, or
    one live outcome other than no further action, naming them), as
    :class:`~anpr_ops.report.SearchCounts` does; ``linked_outcomes`` the searches whose outcome
    was linked to the object of the search, out of ``linked_known`` where that was recorded.
    """

    searches: int = 0
    arrests: int = 0
    positive_outcomes: int = 0
    linked_outcomes: int = 0
    linked_known: int = 0

    def __add__(self, other: ScrutinyCell) -> ScrutinyCell:
        if not isinstance(other, ScrutinyCell):
            return NotImplemented
        return ScrutinyCell(
            self.searches + other.searches,
            self.arrests + other.arrests,
            self.positive_outcomes + other.positive_outcomes,
            self.linked_outcomes + other.linked_outcomes,
            self.linked_known + other.linked_known,
        )

    def is_zero(self) -> bool:
        """True when nothing was counted."""
        return self == _ZERO

    def to_dict(self) -> dict[str, int]:
        """The five counts as a JSON object."""
        return attrs.asdict(self)


_ZERO: Final = ScrutinyCell()


def _key_order(key: ScrutinyKey) -> tuple[str, ...]:
    # None sorts before every code, and cannot clash with one ("" is no code).
    return tuple("" if part is None else part for part in key)


def _frozen(cells: Mapping[ScrutinyKey, ScrutinyCell]) -> Mapping[ScrutinyKey, ScrutinyCell]:
    """A read-only copy in key order, without empty cells (so equal counts compare equal)."""
    kept = {k: cells[k] for k in sorted(cells, key=_key_order) if not cells[k].is_zero()}
    return MappingProxyType(kept)


def _check_key(key: Any) -> ScrutinyKey:
    if not (
        isinstance(key, tuple)
        and len(key) == 5
        and isinstance(key[0], str)
        and all(part is None or isinstance(part, str) for part in key[1:3])
        and isinstance(key[3], str)
        and isinstance(key[4], str)
    ):
        message = (
            f"a scrutiny key is (force, self-defined code or None, officer-defined or None, "
            f"legislation, object group), not {shown(key)}"
        )
        raise ReportError(message, code="bad_scrutiny_key")
    return key


def _cells(value: Mapping[ScrutinyKey, ScrutinyCell]) -> Mapping[ScrutinyKey, ScrutinyCell]:
    for key, cell in value.items():
        _check_key(key)
        if not isinstance(cell, ScrutinyCell):
            message = f"a scrutiny cell is a ScrutinyCell, not {type(cell).__name__}"
            raise ReportError(message, code="bad_scrutiny_cell")
    return _frozen(value)


@attrs.frozen(unsafe_hash=False)
class ScrutinyCounts:
    """Searches counted by force, ethnicity (self- and officer-defined), power and object.

    A commutative monoid: :meth:`empty` is the identity and ``a + b`` the counts of the union
    of two disjoint sets of searches. The marginal counts (:meth:`by`) and :meth:`total` are
    sums of cells, so every partition sums to the total.

    >>> a = ScrutinyCounts({("metropolitan", "B1", "black", "mda_1971_s23",
    ...                      "drugs_not_stated"): ScrutinyCell(2, 1, 1, 1, 2)})
    >>> (a + ScrutinyCounts.empty()) == a, (a + a).total().searches
    (True, 4)
    """

    cells: Mapping[ScrutinyKey, ScrutinyCell] = attrs.field(
        factory=lambda: MappingProxyType({}), converter=_cells
    )
    """Key → counts; cells with nothing counted are not kept."""

    @classmethod
    def empty(cls) -> ScrutinyCounts:
        """The identity of ``+``: no searches."""
        return cls()

    def __add__(self, other: ScrutinyCounts) -> ScrutinyCounts:
        if not isinstance(other, ScrutinyCounts):
            return NotImplemented
        if not other.cells:
            return self
        if not self.cells:
            return other
        merged = dict(self.cells)
        for key, cell in other.cells.items():
            merged[key] = merged[key] + cell if key in merged else cell
        return ScrutinyCounts(merged)

    def total(self) -> ScrutinyCell:
        """Every search counted."""
        out = _ZERO
        for cell in self.cells.values():
            out = out + cell
        return out

    @property
    def forces(self) -> frozenset[str]:
        """The forces whose searches are counted."""
        return frozenset(key[0] for key in self.cells)

    def by(self, part: Callable[[ScrutinyKey], _K]) -> dict[_K, ScrutinyCell]:
        """Cells summed by ``part(key)``: ``counts.by(lambda k: k[3])`` is by legislation."""
        out: dict[_K, ScrutinyCell] = {}
        for key, cell in self.cells.items():
            name = part(key)
            out[name] = out[name] + cell if name in out else cell
        return out

    def where(self, keep: Callable[[ScrutinyKey], bool]) -> ScrutinyCounts:
        """The counts of the cells whose key ``keep`` accepts."""
        return ScrutinyCounts({k: c for k, c in self.cells.items() if keep(k)})

    def __iter__(self) -> Iterator[tuple[ScrutinyKey, ScrutinyCell]]:
        return iter(self.cells.items())

    def to_rows(self) -> list[dict[str, Any]]:
        """One JSON object per cell: the key's five parts by name and the five counts."""
        return [
            {
                "force": key[0],
                "self_defined_ethnicity": key[1],
                "officer_defined_ethnicity": key[2],
                "legislation": key[3],
                "object_group": key[4],
                **cell.to_dict(),
            }
            for key, cell in self.cells.items()
        ]


def scrutiny_counts(events: Iterable[Event], forces: Mapping[str, str]) -> ScrutinyCounts:
    """Count the searches among ``events``, each under the force of its operation.

    ``events`` should be the current (corrected) events, e.g. ``log.events(op_id,
    include_children=True)``; ``forces`` maps each operation id to its force. A search counts
    an arrest (or a positive outcome) when at least one outcome among ``events`` names it with
    that disposal, whatever the order of the events.

    Raises :class:`~anpr_ops.errors.ReportError` (``unknown_force``) for a search of an
    operation missing from ``forces``.
    """
    found: dict[str, tuple[ScrutinyKey, bool | None]] = {}
    arrested: set[str] = set()
    positive: set[str] = set()
    for event in events:
        if isinstance(event, Search):
            force = forces.get(event.op_id)
            if force is None:
                message = (
                    f"search {event.event_id!r} belongs to operation {event.op_id!r}, "
                    "whose force was not given"
                )
                raise ReportError(message, code="unknown_force")
            sde = event.self_defined_ethnicity
            ode = event.officer_defined_ethnicity
            key: ScrutinyKey = (
                force,
                sde.value if sde is not None else None,
                ode.value if ode is not None else None,
                event.legislation.value,
                object_group(event.object_of_search, drug_grounds_of(event)).value,
            )
            found[event.event_id] = (key, event.outcome_linked_to_object)
        elif isinstance(event, Outcome) and event.search_id is not None:
            if event.disposal is Disposal.ARREST:
                arrested.add(event.search_id)
            if event.disposal is not Disposal.NO_FURTHER_ACTION:
                positive.add(event.search_id)
    cells: dict[ScrutinyKey, ScrutinyCell] = {}
    for search_id, (key, linked) in found.items():
        cell = ScrutinyCell(
            1,
            int(search_id in arrested),
            int(search_id in positive),
            int(linked is True),
            int(linked is not None),
        )
        cells[key] = cells[key] + cell if key in cells else cell
    return ScrutinyCounts(cells)
