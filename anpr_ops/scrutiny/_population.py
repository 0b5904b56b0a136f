"""Resident populations by ethnic group: the denominators of searches per 1,000 people.

:meth:`PopulationTable.census2021` is the packaged Census 2021 table of the 43 police force
areas of England and Wales (``anpr_ops/data/census2021-ethnicity-by-pfa.csv``; provenance,
licence and caveats in the ``.md`` file beside it), keyed by data.police.uk force id.
:meth:`PopulationTable.from_csv` reads a user's own table, for other areas or populations::

    force,group,population          (the force column is optional)
    metropolitan,asian,1816202
    metropolitan,black,1188137
    ...

``group`` is one of ``asian``, ``black``, ``mixed``, ``white``, ``other`` (each exactly once
per force); ``population`` a whole number of people. Without a ``force`` column the table is
one area and applies whatever the operation's force. A file that breaks these rules is a
:class:`~anpr_ops.errors.SourceFormatError` naming the line and column.
"""

from __future__ import annotations

import csv
import functools
import io
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Final

import attrs

from anpr_ops._messages import shown
from anpr_ops.errors import SourceFormatError
from anpr_ops.scrutiny._groups import GROUP_LABELS, EthnicGroup

__all__ = [
    "ANY_FORCE",
    "BTP",
    "CENSUS_2021_FILE",
    "POPULATION_GROUPS",
    "AreaPopulation",
    "PopulationTable",
]

#: The groups a population gives (not stated has no population).
POPULATION_GROUPS: Final = tuple(g for g in EthnicGroup if g is not EthnicGroup.NOT_STATED)
#: The packaged Census 2021 table, inside the ``anpr_ops`` package.
CENSUS_2021_FILE: Final = "data/census2021-ethnicity-by-pfa.csv"
#: British Transport Police: polices the railways, not an area, so has no residents.
BTP: Final = "btp"
#: The key of a table's one area when it has no ``force`` column: it applies to any force.
ANY_FORCE: Final = "*"

_CENSUS_SOURCE: Final = (
    "Census 2021 usual residents by ethnic group (ONS TS021), summed to police force areas; "
    "Office for National Statistics, Open Government Licence v3.0"
)
_CENSUS_TOP: Final = {label: group for group, label in GROUP_LABELS.items()}


def _counts(items: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(items))


@attrs.frozen
class AreaPopulation:
    """Residents of one area by top-level ethnic group."""

    name: str
    """The area's name, e.g. ``Metropolitan Police`` (a PFA's ONS name)."""
    groups: Mapping[str, int] = attrs.field(converter=_counts)
    """Group key (:data:`POPULATION_GROUPS`) → residents."""
    code: str | None = None
    """The ONS area code (``E23000001``), when known."""

    @property
    def total(self) -> int:
        """Everyone in the five groups (the Census file's own ``total``)."""
        return sum(self.groups.values())


def _areas(items: Mapping[str, AreaPopulation]) -> Mapping[str, AreaPopulation]:
    return MappingProxyType(dict(items))


@attrs.frozen
class PopulationTable:
    """Resident populations by force: the packaged Census 2021 table or a user's own.

    >>> census = PopulationTable.census2021()
    >>> census.area("metropolitan").groups["black"], census.area("btp")
    (1188137, None)
    """

    areas: Mapping[str, AreaPopulation] = attrs.field(converter=_areas, repr=False)
    """Force id (or :data:`ANY_FORCE`) → its population."""
    source: str
    """Where the figures come from, in a sentence."""

    @classmethod
    def census2021(cls) -> PopulationTable:
        """The packaged Census 2021 table of the 43 police force areas (no BTP)."""
        return _census2021()

    @classmethod
    def from_csv(
        cls, source: str | os.PathLike[str], *, name: str | None = None
    ) -> PopulationTable:
        """A user's own table from a CSV file (see the module's documentation)."""
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            message = f"cannot read the population file {path}: {exc.strerror or exc}"
            raise SourceFormatError(message, code="unreadable") from exc
        return cls.from_text(_decode(data, str(path)), name=name or str(path))

    @classmethod
    def from_text(cls, text: str, *, name: str = "population table") -> PopulationTable:
        """A user's own table from CSV text (see the module's documentation)."""
        areas = _read_user_table(text, name)
        source = f"the user's population table {name}"
        return cls(areas, source)

    def area(self, force: str) -> AreaPopulation | None:
        """The population of ``force``'s area, or ``None`` when the table has none."""
        return self.areas.get(force, self.areas.get(ANY_FORCE))

    def covers(self, force: str) -> bool:
        """True when the table gives a population for ``force``."""
        return self.area(force) is not None


@functools.cache
def _census2021() -> PopulationTable:
    data = resources.files("anpr_ops").joinpath(CENSUS_2021_FILE).read_bytes()
    return PopulationTable(_read_census(_decode(data, CENSUS_2021_FILE)), _CENSUS_SOURCE)


def _decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"{name}: line {line} is not UTF-8 text"
        raise SourceFormatError(message, line=line, code="not_utf8") from exc
    return text.removeprefix("\ufeff")


def _read_census(text: str) -> dict[str, AreaPopulation]:
    """The packaged file: every PFA's five top-level groups, checked against its total."""
    groups: dict[str, dict[str, int]] = {}
    names: dict[str, tuple[str, str]] = {}
    totals: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(text, newline="")):
        force = row["force_id"]
        names[force] = (row["pfa_name"], row["pfa_code"])
        if row["level"] == "total":
            totals[force] = int(row["population"])
        elif row["level"] == "top":
            groups.setdefault(force, {})[_CENSUS_TOP[row["ethnic_group"]].value] = int(
                row["population"]
            )
    areas = {}
    for force, by_group in groups.items():
        if sorted(by_group) != sorted(POPULATION_GROUPS) or sum(by_group.values()) != totals.get(
            force
        ):
            message = f"{CENSUS_2021_FILE}: the groups of {force!r} do not add up to its total"
            raise SourceFormatError(message, code="inconsistent_total")
        name, code = names[force]
        areas[force] = AreaPopulation(name, by_group, code)
    return areas


_USER_COLUMNS: Final = ("group", "population")


def _read_user_table(text: str, name: str) -> dict[str, AreaPopulation]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()  # blank lines at the end
    if not rows:
        message = f"{name}: line 1: the population file is empty (expected group,population)"
        raise SourceFormatError(message, line=1, code="empty_file")
    header = [cell.strip().casefold() for cell in rows[0]]
    for column in _USER_COLUMNS:
        if column not in header:
            message = (
                f"{name}: line 1 (the header) has no {column!r} column; the columns are "
                "group,population and, optionally, force"
            )
            raise SourceFormatError(message, line=1, column=column, code="bad_header")
    if len(set(header)) != len(header):
        message = f"{name}: line 1 (the header) names a column twice"
        raise SourceFormatError(message, line=1, code="bad_header")
    at = {column: header.index(column) for column in header}
    has_force = "force" in at
    found: dict[str, dict[str, int]] = {}
    first_line: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            message = f"{name}: line {line} has {len(row)} fields, the header {len(header)}"
            raise SourceFormatError(message, line=line, code="field_count")
        force = row[at["force"]].strip() if has_force else ANY_FORCE
        if has_force and not force:
            message = f"{name}: line {line}, column 'force' is empty; give a force id"
            raise SourceFormatError(message, line=line, column="force", code="bad_value")
        group = _group(row[at["group"]], name, line)
        population = _count(row[at["population"]], name, line)
        by_group = found.setdefault(force, {})
        first_line.setdefault(force, line)
        if group in by_group:
            where = f" for force {force!r}" if has_force else ""
            message = f"{name}: line {line}, column 'group': {group!r} is given twice{where}"
            raise SourceFormatError(message, line=line, column="group", code="duplicate_group")
        by_group[group] = population
    if not found:
        message = f"{name}: line 2: the population file has no rows after its header"
        raise SourceFormatError(message, line=2, code="no_rows")
    areas = {}
    for force, by_group in found.items():
        missing = [g.value for g in POPULATION_GROUPS if g.value not in by_group]
        if missing:
            where = f" for force {force!r} (from line {first_line[force]})" if has_force else ""
            message = (
                f"{name}: no population{where} for {', '.join(missing)}; a table gives all "
                f"five groups: {', '.join(g.value for g in POPULATION_GROUPS)}"
            )
            raise SourceFormatError(message, column="group", code="missing_group")
        area_name = force if has_force else name
        areas[force] = AreaPopulation(
            area_name, {g.value: by_group[g.value] for g in POPULATION_GROUPS}
        )
    return areas


def _group(cell: str, name: str, line: int) -> str:
    value = cell.strip().casefold()
    if value in {g.value for g in POPULATION_GROUPS}:
        return value
    message = (
        f"{name}: line {line}, column 'group': {shown(cell.strip())} is not a group; expected "
        f"one of {', '.join(g.value for g in POPULATION_GROUPS)}"
    )
    raise SourceFormatError(message, line=line, column="group", code="bad_value")


def _count(cell: str, name: str, line: int) -> int:
    value = cell.strip()
    if value.isascii() and value.isdigit():
        return int(value)
    message = (
        f"{name}: line {line}, column 'population': {shown(value)} is not a whole number of "
        "people (digits only, e.g. 1188137)"
    )
    raise SourceFormatError(message, line=line, column="population", code="bad_value")
