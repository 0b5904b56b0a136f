"""Public Hypothesis strategies for anpr_ops (install the ``testing`` extra).

- :func:`vrms`: number plates of each format;
- :func:`offence_codes`: catalogue offence codes, optionally of one category;
- :func:`operations`, :func:`anpr_hits`, :func:`vehicle_stops`, :func:`searches`,
  :func:`outcomes`, :func:`seizures`, :func:`weapon_sweeps`, :func:`arrest_enquiries`,
  :func:`patrols`, :func:`corrections`, :func:`offence_definitions`, :func:`events`: single
  valid events (valid as models; their references name nothing in particular);
- :func:`operation_batches`: whole coherent operations — an operation with sites and child
  operations, hits → stops → searches → outcomes and seizures, weapon sweeps and their finds,
  arrest enquiries and arrests, patrols, and corrections (replacements, which may point a
  reference elsewhere, and retractions) — whose references hold, ready for
  ``log.extend(batch)``; :data:`UNITS` names the units of activity it can be limited to.

Installing anpr_ops registers these with Hypothesis (through its ``hypothesis`` entry point),
so ``st.from_type(VehicleStop)`` and friends work for every event model.

Examples shrink towards the first operation site, the first catalogue code, the first value
of each vocabulary, fewer events, earlier times and no corrections.

Importing this module requires Hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from anpr_ops.strategies._kinds import (
    anpr_hits,
    arrest_enquiries,
    corrections,
    events,
    offence_definitions,
    operations,
    outcomes,
    patrols,
    searches,
    seizures,
    sites,
    vehicle_stops,
    weapon_sweeps,
)
from anpr_ops.strategies._operations import (
    UNITS,
    operation_batches,
)
from anpr_ops.strategies._values import (
    CLOCK_CHANGES,
    TIMEZONES,
    _st,
    offence_codes,
    vrms,
)

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__: list[str] = [
    "CLOCK_CHANGES",
    "TIMEZONES",
    "UNITS",
    "anpr_hits",
    "arrest_enquiries",
    "corrections",
    "events",
    "offence_codes",
    "offence_definitions",
    "operation_batches",
    "operations",
    "outcomes",
    "patrols",
    "searches",
    "seizures",
    "sites",
    "vehicle_stops",
    "vrms",
    "weapon_sweeps",
]


def _hypothesis_setup_hook() -> None:
    """Entry point Hypothesis calls at import: registers strategies for the event models."""
    st = _st()
    from anpr_ops import events as ev

    registry: dict[type, Callable[[], SearchStrategy[Any]]] = {
        ev.Site: sites,
        ev.Operation: operations,
        ev.AnprHit: anpr_hits,
        ev.VehicleStop: vehicle_stops,
        ev.Search: searches,
        ev.Outcome: outcomes,
        ev.Seizure: seizures,
        ev.WeaponSweep: weapon_sweeps,
        ev.ArrestEnquiry: arrest_enquiries,
        ev.Patrol: patrols,
        ev.Correction: corrections,
        ev.OffenceDefinition: offence_definitions,
    }
    for model, strategy in registry.items():
        # Deferred, so nothing is built until a test asks for the type.
        st.register_type_strategy(model, st.deferred(strategy))
