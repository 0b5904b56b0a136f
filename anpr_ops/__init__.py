"""anpr_ops: the append-only, tamper-evident record of police ANPR operations.

>>> from anpr_ops import OpLog, parse_event, AnprOpsError

Public names are loaded on first use, so ``python -m anpr_ops.verify`` (which needs only the
standard library) never imports pydantic, attrs or sqlite-utils.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from anpr_ops.errors import (
    AnprOpsError,
    BrokenReferenceError,
    CheckpointError,
    CorrectionError,
    EarlierRowsError,
    EventConflictError,
    EventNotFoundError,
    EventValidationError,
    FieldProblem,
    GuardsMissingError,
    ImportRefusedError,
    InvalidVrmError,
    LogBusyError,
    LogError,
    LogNotFoundError,
    MappingError,
    NotALogError,
    ProofError,
    ReportError,
    SchemaVersionError,
    SignatureError,
    SourceFormatError,
    StorageError,
    UnknownOffenceCodeError,
)

try:
    __version__ = version("anpr-ops")
except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"

# name -> module it lives in; imported on first attribute access.
_LAZY: dict[str, str] = {
    "AppendResult": "anpr_ops.log",
    "OpLog": "anpr_ops.log",
    "OpReport": "anpr_ops.report",
    "Rate": "anpr_ops.report",
    "Tally": "anpr_ops.report",
    "Checkpoint": "anpr_ops.chain",
    "VerifyResult": "anpr_ops.chain",
    "AnprHit": "anpr_ops.events",
    "ArrestEnquiry": "anpr_ops.events",
    "Correction": "anpr_ops.events",
    "Event": "anpr_ops.events",
    "OffenceDefinition": "anpr_ops.events",
    "Operation": "anpr_ops.events",
    "Outcome": "anpr_ops.events",
    "Patrol": "anpr_ops.events",
    "Search": "anpr_ops.events",
    "Seizure": "anpr_ops.events",
    "Site": "anpr_ops.events",
    "VehicleStop": "anpr_ops.events",
    "WeaponSweep": "anpr_ops.events",
    "canonical_dict": "anpr_ops.events",
    "event_json_schema": "anpr_ops.events",
    "parse_event": "anpr_ops.events",
    "parse_events": "anpr_ops.events",
    "Offence": "anpr_ops.offences",
    "OffenceCatalogue": "anpr_ops.offences",
    "OffenceCategory": "anpr_ops.offences",
    "OffenceGroup": "anpr_ops.offences",
    "builtin_catalogue": "anpr_ops.offences",
    "VrmFormat": "anpr_ops.vrm",
    "AgeRange": "anpr_ops.vocab",
    "Disposal": "anpr_ops.vocab",
    "DrugClass": "anpr_ops.vocab",
    "EventKind": "anpr_ops.vocab",
    "Gender": "anpr_ops.vocab",
    "HitReason": "anpr_ops.vocab",
    "Hotlist": "anpr_ops.vocab",
    "Legislation": "anpr_ops.vocab",
    "ObjectOfSearch": "anpr_ops.vocab",
    "OfficerDefinedEthnicity": "anpr_ops.vocab",
    "SearchType": "anpr_ops.vocab",
    "SeizureItem": "anpr_ops.vocab",
    "SeizurePower": "anpr_ops.vocab",
    "SelfDefinedEthnicity": "anpr_ops.vocab",
    "StopPower": "anpr_ops.vocab",
    "StopReason": "anpr_ops.vocab",
    "WeaponType": "anpr_ops.vocab",
}

if TYPE_CHECKING:
    from anpr_ops.chain import Checkpoint, VerifyResult
    from anpr_ops.events import (
        AnprHit,
        ArrestEnquiry,
        Correction,
        Event,
        OffenceDefinition,
        Operation,
        Outcome,
        Patrol,
        Search,
        Seizure,
        Site,
        VehicleStop,
        WeaponSweep,
        canonical_dict,
        event_json_schema,
        parse_event,
        parse_events,
    )
    from anpr_ops.log import AppendResult, OpLog
    from anpr_ops.offences import (
        Offence,
        OffenceCatalogue,
        OffenceCategory,
        OffenceGroup,
        builtin_catalogue,
    )
    from anpr_ops.report import OpReport, Rate, Tally
    from anpr_ops.vocab import (
        AgeRange,
        Disposal,
        DrugClass,
        EventKind,
        Gender,
        HitReason,
        Hotlist,
        Legislation,
        ObjectOfSearch,
        OfficerDefinedEthnicity,
        SearchType,
        SeizureItem,
        SeizurePower,
        SelfDefinedEthnicity,
        StopPower,
        StopReason,
        WeaponType,
    )
    from anpr_ops.vrm import VrmFormat


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'anpr_ops' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AgeRange",
    "AnprHit",
    "AnprOpsError",
    "AppendResult",
    "ArrestEnquiry",
    "BrokenReferenceError",
    "Checkpoint",
    "CheckpointError",
    "Correction",
    "CorrectionError",
    "Disposal",
    "DrugClass",
    "EarlierRowsError",
    "Event",
    "EventConflictError",
    "EventKind",
    "EventNotFoundError",
    "EventValidationError",
    "FieldProblem",
    "Gender",
    "GuardsMissingError",
    "HitReason",
    "Hotlist",
    "ImportRefusedError",
    "InvalidVrmError",
    "Legislation",
    "LogBusyError",
    "LogError",
    "LogNotFoundError",
    "MappingError",
    "NotALogError",
    "ObjectOfSearch",
    "Offence",
    "OffenceCatalogue",
    "OffenceCategory",
    "OffenceDefinition",
    "OffenceGroup",
    "OfficerDefinedEthnicity",
    "OpLog",
    "OpReport",
    "Operation",
    "Outcome",
    "Patrol",
    "ProofError",
    "Rate",
    "ReportError",
    "SchemaVersionError",
    "Search",
    "SearchType",
    "Seizure",
    "SeizureItem",
    "SeizurePower",
    "SelfDefinedEthnicity",
    "SignatureError",
    "Site",
    "SourceFormatError",
    "StopPower",
    "StopReason",
    "StorageError",
    "Tally",
    "UnknownOffenceCodeError",
    "VehicleStop",
    "VerifyResult",
    "VrmFormat",
    "WeaponSweep",
    "WeaponType",
    "__version__",
    "builtin_catalogue",
    "canonical_dict",
    "event_json_schema",
    "parse_event",
    "parse_events",
]
