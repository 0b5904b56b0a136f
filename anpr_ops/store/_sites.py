"""The site of an event, in SQL: generated from the models' references (``SITE_VIA``).

An event counts at its own ``site_id`` when it has one, else at the site of the event it
refers to (a search at its stop's; an outcome at its search's or stop's; a seizure at its
search's, stop's or sweep's), over the per-kind tables of the current state. The readable
views and the report's queries both use :func:`site_sql`, so they cannot disagree.
"""

from __future__ import annotations

from anpr_ops.events import KIND_SPECS, SITE_VIA, references
from anpr_ops.vocab import EventKind

__all__ = ["site_sql"]


def site_sql(kind: EventKind, alias: str) -> str:
    """A scalar SQL expression for the site of the row ``alias`` of ``kind``'s table
    (``NULL`` for an event with no site, even through what it refers to)."""
    model = KIND_SPECS[kind].model
    terms = [f"{alias}.site_id"] if "site_id" in model.model_fields else []
    for number, field in enumerate(SITE_VIA.get(kind, ()), start=1):
        target = references(model)[field]
        inner = f"{alias}{number}"
        table = KIND_SPECS[target].plural
        terms.append(
            f"(SELECT {site_sql(target, inner)} FROM {table} {inner} "
            f"WHERE {inner}.event_id = {alias}.{field})"
        )
    if not terms:
        return "NULL"
    return terms[0] if len(terms) == 1 else f"coalesce({', '.join(terms)})"
