"""Hand-made mutants of the code that guards, chains, canonicalises and verifies a log.

Loaded as a pytest plugin (``pytest -p tests.harness.mutants``) with ``ANPR_OPS_MUTANT`` naming
one mutant: before any test runs, the mutant replaces a piece of the library (a trigger's SQL,
the chain link, a check of the verifier, the canonical encoder, the report's period rule) with a
subtly wrong one. tests/test_mutants.py runs the tests that should notice each mutant and
expects them to fail: a mutant that survives is a bug the suite would let through.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

import pytest

MUTANTS: dict[str, tuple[str, tuple[str, ...]]] = {}
"""name -> (what it breaks, the tests that must notice)."""
_APPLY: dict[str, Callable[[pytest.MonkeyPatch], None]] = {}


def mutant(name: str, breaks: str, *tests: str) -> Callable[[Callable[[Any], None]], None]:
    def register(apply: Callable[[Any], None]) -> None:
        MUTANTS[name] = (breaks, tests)
        _APPLY[name] = apply

    return register


_STORAGE = "tests/test_log_storage.py"
_CHAIN = "tests/test_chain.py"
_CONTRACT = "tests/test_log_contract.py"
_VERIFY2 = "tests/test_verify_format2.py"


@mutant("guard-below-head", "insert guard: seq < head instead of <=", _STORAGE)
def _guard_below_head(mp: Any) -> None:
    from anpr_ops import _schema

    weak = _schema.GUARDS["events_no_replace"].replace("NEW.seq <= (", "NEW.seq < (")
    mp.setitem(_schema.GUARDS, "events_no_replace", weak)


@mutant("guard-delete-off", "the delete guard never fires", _STORAGE)
def _guard_delete_off(mp: Any) -> None:
    from anpr_ops import _schema

    weak = _schema.GUARDS["events_no_delete"].replace("ON events BEGIN", "ON events WHEN 0 BEGIN")
    mp.setitem(_schema.GUARDS, "events_no_delete", weak)


@mutant("guard-update-off", "the update guard never fires", _STORAGE)
def _guard_update_off(mp: Any) -> None:
    from anpr_ops import _schema

    weak = _schema.GUARDS["events_no_update"].replace("ON events BEGIN", "ON events WHEN 0 BEGIN")
    mp.setitem(_schema.GUARDS, "events_no_update", weak)


def _patch_link(mp: Any, link: Callable[[bytes, bytes], bytes]) -> None:
    from anpr_ops import chain
    from anpr_ops.store import _record

    mp.setattr(chain, "link", link)
    mp.setattr(_record, "link", link)


@mutant("link-swapped", "the chain link hashes body then previous hash", _CHAIN, _CONTRACT)
def _link_swapped(mp: Any) -> None:
    _patch_link(mp, lambda prev, body: hashlib.sha256(body + prev).digest())


@mutant("link-forgets-prev", "the chain link ignores the previous hash", _CHAIN, _STORAGE)
def _link_forgets_prev(mp: Any) -> None:
    _patch_link(mp, lambda prev, body: hashlib.sha256(bytes(32) + body).digest())


@mutant("verify-no-seq", "the walk does not check seq numbers", _CHAIN, _STORAGE)
def _verify_no_seq(mp: Any) -> None:
    from anpr_ops import _verifier, chain

    real = chain.verify_rows

    def renumbered(rows: Any) -> Any:
        return real((n, body, digest) for n, (_, body, digest) in enumerate(rows, start=1))

    mp.setattr(chain, "verify_rows", renumbered)
    mp.setattr(_verifier, "verify_rows", renumbered)


@mutant("verify-no-columns", "copied columns are not compared with the body", _STORAGE)
def _verify_no_columns(mp: Any) -> None:
    from anpr_ops import _verifier

    mp.setattr(_verifier, "_COPIES", "SELECT seq FROM events WHERE 0")


@mutant("verify-no-commitments", "personal values are not checked", _VERIFY2)
def _verify_no_commitments(mp: Any) -> None:
    from anpr_ops import _verifier

    mp.setattr(_verifier, "_personal", lambda conn: (0, 0, None))


@mutant(
    "verify-no-canonical",
    "bodies are not checked for canonical form",
    "tests/test_verify_format2.py",
)
def _verify_no_canonical(mp: Any) -> None:
    from anpr_ops import _verifier

    mp.setattr(_verifier, "_bodies", lambda conn, check: None)


@mutant(
    "canonical-unsorted", "canonical JSON keeps insertion order", _CHAIN, "tests/test_events.py"
)
def _canonical_unsorted(mp: Any) -> None:
    import json

    from anpr_ops import _canonical

    def unsorted(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    mp.setattr(_canonical, "canonical_text", unsorted)


@mutant("schema-case-sensitive", "the schema check misses objects named in capitals", _STORAGE)
def _schema_case_sensitive(mp: Any) -> None:
    from anpr_ops import _schema

    real = _schema.schema_objects

    def as_written(conn: Any) -> Any:
        # The old bug: an object on "EVENTS" is not taken for one on events.
        shouted = {
            str(name).casefold()
            for name, table in conn.execute("SELECT name, tbl_name FROM sqlite_master")
            if str(table) != str(table).lower()
        }
        return {o for o in real(conn) if o[1] not in shouted}

    mp.setattr(_schema, "schema_objects", as_written)


@mutant(
    "period-smaller-end", "adding reports keeps the smaller end", "tests/test_report_examples.py"
)
def _period_smaller_end(mp: Any) -> None:
    from anpr_ops.report.opreport import Period

    def narrowed(self: Any, other: Any) -> Any:
        start = None if self.start is None or other.start is None else min(self.start, other.start)
        end = None if self.end is None or other.end is None else min(self.end, other.end)
        return Period(start, end)

    mp.setattr(Period, "__or__", narrowed)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    name = os.environ.get("ANPR_OPS_MUTANT")
    if not name:
        return
    patcher = pytest.MonkeyPatch()
    _APPLY[name](patcher)
    config.add_cleanup(patcher.undo)
