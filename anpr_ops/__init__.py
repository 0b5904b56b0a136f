"""anpr_ops: the append-only, tamper-evident record of police ANPR operations.

>>> from anpr_ops import OpLog, parse_event, AnprOpsError

The face is small: the log, events, reports and the root error. The rest is reached through
namespaces, as ``attrs`` exposes ``attrs.validators``: :mod:`anpr_ops.errors` (every error),
:mod:`anpr_ops.vocab` (the vocabularies), :mod:`anpr_ops.events` (the event models),
:mod:`anpr_ops.offences` (the offence catalogue), :mod:`anpr_ops.scrutiny` (the scrutiny
figures), :mod:`anpr_ops.render`, :mod:`anpr_ops.interop`, :mod:`anpr_ops.strategies`, and for
proofs a third party can check :mod:`anpr_ops.proofs` (proof files and their checks),
:mod:`anpr_ops.keys` (signing keys), :mod:`anpr_ops.merkle` and :mod:`anpr_ops.note`.
"""

from __future__ import annotations

from anpr_ops import errors, vocab
from anpr_ops._version import __version__
from anpr_ops.errors import AnprOpsError

try:
    from anpr_ops import events, offences
    from anpr_ops.chain import VerifyResult
    from anpr_ops.checkpoint import Checkpoint
    from anpr_ops.events import (
        Event,
        EventBase,
        canonical_dict,
        event_json_schema,
        parse_event,
        parse_events,
    )
    from anpr_ops.report import (
        NO_SITE,
        OperationInfo,
        OpReport,
        Period,
        Rate,
        Rollup,
        Tally,
        report_logs,
    )
    from anpr_ops.store import AppendResult, OpLog
    from anpr_ops.vrm import Vrm
except ImportError as exc:  # pragma: no cover - exercised by the stdlib verifier test
    # ``python -m anpr_ops.verify`` runs this file first, on machines that may have only the
    # standard library: without the runtime dependencies the verifier still works, and the
    # rest of the face is simply absent. A failure inside anpr_ops itself is a real error.
    if exc.name is not None and exc.name.partition(".")[0] == "anpr_ops":
        raise

__all__ = [  # noqa: RUF022 - plain sorted order, as tests/test_errors.py checks
    "AnprOpsError",
    "AppendResult",
    "Checkpoint",
    "Event",
    "EventBase",
    "NO_SITE",
    "OpLog",
    "OpReport",
    "OperationInfo",
    "Period",
    "Rate",
    "Rollup",
    "Tally",
    "VerifyResult",
    "Vrm",
    "__version__",
    "canonical_dict",
    "errors",
    "event_json_schema",
    "events",
    "offences",
    "parse_event",
    "parse_events",
    "report_logs",
    "vocab",
]
