"""Scrutiny figures: the fairness questions asked of stop and search, answered from the record.

Searches, arrests, positive outcomes and outcomes linked to the object of the search, by
self-defined ethnicity (the five Census 2021 groups and each code) and by officer-defined
ethnicity; find and arrest rates by group, power and object (drugs split into possession only
and supply); searches per 1,000 residents and ratios to the White group with confidence
intervals, from Census 2021 populations per police force area or a table of your own; not-stated
searches always counted and shown. Definitions, sources and caveats: docs/scrutiny.md.

Four layers, each usable alone:

- :class:`ScrutinyCounts`, a commutative monoid of five counts per (force, self-defined code,
  officer-defined ethnicity, power, object group), filled by :func:`scrutiny_counts` from
  events;
- :class:`PopulationTable`, the packaged Census 2021 table or a user's CSV;
- :class:`ScrutinyReport`, every figure from counts and populations (``to_dict()``);
- renderings, in :mod:`anpr_ops.render` (``render_scrutiny``).

>>> from anpr_ops import OpLog
>>> with OpLog.memory() as log:
...     _ = log.append({"kind": "operation", "op_id": "op", "name": "Op", "force": "metropolitan",
...                     "occurred_at": "2024-05-01T08:00:00Z", "starts_at": "2024-05-01T08:00:00Z"})
...     figures = scrutiny_report(log, "op")
>>> figures.force, figures.total().counts.searches, figures.total().population
('metropolitan', 0, 8791152)
"""

from __future__ import annotations

from anpr_ops.scrutiny._api import scrutiny_report
from anpr_ops.scrutiny._counts import ScrutinyCell, ScrutinyCounts, ScrutinyKey, scrutiny_counts
from anpr_ops.scrutiny._figures import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MIN_SEARCHES,
    SCRUTINY_VERSION,
    GroupFigures,
    Ratio,
    ScrutinyReport,
    rate_ratio,
)
from anpr_ops.scrutiny._groups import (
    CENSUS_2021_DETAILED,
    CODE_GROUP,
    GROUP_LABELS,
    NOT_RECORDED,
    OBJECT_GROUP_LABELS,
    WEAPON_OBJECTS,
    DrugGrounds,
    EthnicGroup,
    ObjectGroup,
    drug_grounds_of,
    ethnic_group,
    object_group,
)
from anpr_ops.scrutiny._population import (
    ANY_FORCE,
    BTP,
    POPULATION_GROUPS,
    AreaPopulation,
    PopulationTable,
)

__all__ = [
    "ANY_FORCE",
    "BTP",
    "CENSUS_2021_DETAILED",
    "CODE_GROUP",
    "DEFAULT_CONFIDENCE",
    "DEFAULT_MIN_SEARCHES",
    "GROUP_LABELS",
    "NOT_RECORDED",
    "OBJECT_GROUP_LABELS",
    "POPULATION_GROUPS",
    "SCRUTINY_VERSION",
    "WEAPON_OBJECTS",
    "AreaPopulation",
    "DrugGrounds",
    "EthnicGroup",
    "GroupFigures",
    "ObjectGroup",
    "PopulationTable",
    "Ratio",
    "ScrutinyCell",
    "ScrutinyCounts",
    "ScrutinyKey",
    "ScrutinyReport",
    "drug_grounds_of",
    "ethnic_group",
    "object_group",
    "rate_ratio",
    "scrutiny_counts",
    "scrutiny_report",
]
