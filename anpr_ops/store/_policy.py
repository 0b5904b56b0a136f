"""A log's retention policy (Data Protection Act 2018 s.39): for each kind of event, when the
personal values of its records are erased, or when they are due for review; and whether a read
of personal values must give its justification (s.62).

The policy is kept in the log's access record, as a ``policy`` entry (the latest wins), so that
it is chained and covered by checkpoints like every other entry; a log that never set one has
:meth:`RetentionPolicy.default`. As a file (``anpr-ops retention DB --policy FILE``) it is JSON::

    {
      "kinds": {
        "anpr_hit": {"erase_after_days": 365},
        "vehicle_stop": {"review_after_days": 2190}
      },
      "justification_required": true
    }

Kinds the file leaves out keep their default rule. Corrections have no rule of their own: a
correction belongs to the record it corrects, and is erased with it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any, Final

import attrs

from anpr_ops.errors import PolicyError
from anpr_ops.vocab import EventKind

__all__ = [
    "DEFAULT_ERASE_HITS_DAYS",
    "DEFAULT_REVIEW_DAYS",
    "POLICY_KINDS",
    "RetentionPolicy",
    "RetentionRule",
    "current_policy",
]

#: National ANPR data are held for 12 months: an ANPR hit's personal values are erased a year
#: after it happened, unless the record is restricted as evidence.
DEFAULT_ERASE_HITS_DAYS: Final = 365
#: Every other kind is kept until erased, and reviewed six years after it happened: the time
#: within which a civil claim arising from a stop, search or arrest can be brought (Limitation
#: Act 1980 s.2), and so the time its record may be needed to answer one.
DEFAULT_REVIEW_DAYS: Final = 6 * 365

#: The kinds a policy has a rule for (every kind but ``correction``).
POLICY_KINDS: Final = tuple(kind.value for kind in EventKind if kind is not EventKind.CORRECTION)

_MAX_DAYS = 36_500
_RULE_KEYS = ("erase_after_days", "review_after_days")
_TOP_KEYS = ("kinds", "justification_required")


@attrs.frozen
class RetentionRule:
    """What happens to the personal values of one kind's records: erased ``erase_after_days``
    after the record's ``occurred_at``, or kept and due for review ``review_after_days`` after
    it (exactly one of the two)."""

    erase_after_days: int | None = None
    review_after_days: int | None = None

    def to_dict(self) -> dict[str, int]:
        """The rule as the policy file writes it."""
        if self.erase_after_days is not None:
            return {"erase_after_days": self.erase_after_days}
        assert self.review_after_days is not None
        return {"review_after_days": self.review_after_days}

    def describe(self) -> str:
        """``erase after 365 days`` or ``review after 2190 days``."""
        if self.erase_after_days is not None:
            return f"erase after {self.erase_after_days} days"
        return f"review after {self.review_after_days} days"


@attrs.frozen
class RetentionPolicy:
    """A rule for every kind of event (:data:`POLICY_KINDS`), and whether reads of personal
    values must give a justification.

    ``justification_required`` is true by default: a read or disclosure of personal values
    needs a purpose, recorded with it. The Data (Use and Access) Act 2025 s.82 removes the
    duty to log the justification once it is commenced; a force that relies on that sets it to
    false, and reads then need only an actor (a purpose given is still recorded).

    >>> policy = RetentionPolicy.from_dict({"kinds": {"patrol": {"erase_after_days": 90}}})
    >>> policy.rule("patrol").describe(), policy.rule("anpr_hit").describe()
    ('erase after 90 days', 'erase after 365 days')
    """

    rules: Mapping[str, RetentionRule]
    justification_required: bool = True

    @classmethod
    def default(cls) -> RetentionPolicy:
        """ANPR hits: erase after 365 days; every other kind: review after six years."""
        return cls.from_dict({})

    def rule(self, kind: str) -> RetentionRule:
        """The rule for ``kind``."""
        return self.rules[kind]

    def to_dict(self) -> dict[str, Any]:
        """The policy as a policy file holds it (every kind named)."""
        return {
            "kinds": {kind: self.rules[kind].to_dict() for kind in POLICY_KINDS},
            "justification_required": self.justification_required,
        }

    def describe(self) -> str:
        """One line for people: each rule with its kinds, the most common one last as "every
        other kind".

        >>> RetentionPolicy.default().describe()
        'anpr_hit: erase after 365 days; every other kind: review after 2190 days'
        """
        groups: dict[str, list[str]] = {}
        for kind in POLICY_KINDS:
            groups.setdefault(self.rules[kind].describe(), []).append(kind)
        common = max(groups, key=lambda text: len(groups[text]))
        parts = [f"{', '.join(kinds)}: {text}" for text, kinds in groups.items() if text != common]
        many = len(groups) > 1 and len(groups[common]) > 2
        parts.append(f"{'every other kind' if many else ', '.join(groups[common])}: {common}")
        if not self.justification_required:
            parts.append("reads need no justification")
        return "; ".join(parts)

    @classmethod
    def from_json(cls, text: str) -> RetentionPolicy:
        """Read a policy file; a :class:`~anpr_ops.errors.PolicyError` names what is wrong."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            message = f"the retention policy is not JSON (line {exc.lineno}: {exc.msg})"
            raise PolicyError(message, code="not_json", line=exc.lineno) from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: object) -> RetentionPolicy:
        """A policy from its JSON object; kinds left out keep their default rule."""
        if not isinstance(data, Mapping):
            raise PolicyError("the retention policy must be a JSON object", code="not_an_object")
        _known_keys(data, _TOP_KEYS, "")
        required = data.get("justification_required", True)
        if not isinstance(required, bool):
            message = "justification_required must be true or false"
            raise PolicyError(message, code="bad_value", field="justification_required")
        kinds = data.get("kinds", {})
        if not isinstance(kinds, Mapping):
            message = "kinds must be an object of event kinds"
            raise PolicyError(message, code="not_an_object", field="kinds")
        rules = {kind: _default_rule(kind) for kind in POLICY_KINDS}
        for kind, given in kinds.items():
            rules[_kind(kind)] = _rule(kind, given)
        return cls(rules=rules, justification_required=required)


def _default_rule(kind: str) -> RetentionRule:
    if kind == EventKind.ANPR_HIT:
        return RetentionRule(erase_after_days=DEFAULT_ERASE_HITS_DAYS)
    return RetentionRule(review_after_days=DEFAULT_REVIEW_DAYS)


def _known_keys(data: Mapping[Any, Any], keys: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in keys:
            field = f"{where}{key}" if isinstance(key, str) else where.rstrip(".")
            message = (
                f"{field!r} is not a key of a retention policy here; expected one of "
                f"{', '.join(keys)}"
            )
            raise PolicyError(message, code="unknown_key", field=field)


def _kind(kind: object) -> str:
    if kind == EventKind.CORRECTION:
        message = (
            "kinds.correction: corrections have no rule of their own; a correction is kept and "
            "erased with the record it corrects"
        )
        raise PolicyError(message, code="correction_kind", field="kinds.correction")
    if not isinstance(kind, str) or kind not in POLICY_KINDS:
        message = f"kinds: {kind!r} is not an event kind; expected one of {', '.join(POLICY_KINDS)}"
        raise PolicyError(message, code="unknown_kind", field=f"kinds.{kind}")
    return kind


def _rule(kind: str, given: object) -> RetentionRule:
    where = f"kinds.{kind}"
    if not isinstance(given, Mapping):
        message = f"{where} must be an object with erase_after_days or review_after_days"
        raise PolicyError(message, code="not_an_object", field=where)
    _known_keys(given, _RULE_KEYS, f"{where}.")
    present = [key for key in _RULE_KEYS if key in given]
    if len(present) != 1:
        message = f"{where} needs exactly one of erase_after_days and review_after_days"
        raise PolicyError(message, code="rule_conflict", field=where)
    (key,) = present
    days = given[key]
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= _MAX_DAYS:
        message = f"{where}.{key} must be a whole number of days from 1 to {_MAX_DAYS:,}"
        raise PolicyError(message, code="bad_value", field=f"{where}.{key}")
    return RetentionRule(**{key: days})


_LATEST = (
    'SELECT seq, body FROM access_log WHERE body LIKE \'{"action":"policy",%\' '
    "ORDER BY seq DESC LIMIT 1"
)


def current_policy(conn: sqlite3.Connection) -> tuple[RetentionPolicy, int | None]:
    """The policy in force and the seq of the access entry that set it (``None``: the
    default, never set)."""
    row = conn.execute(_LATEST).fetchone()
    if row is None:
        return RetentionPolicy.default(), None
    entry = json.loads(row[1])
    return RetentionPolicy.from_dict(entry["detail"]["policy"]), int(row[0])
