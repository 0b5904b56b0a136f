"""The end-of-day summary in sentences, generated from a report's figures.

The lead sentence gives the root operation's own results (wanted offenders arrested, arrests
by group, sweeps, weapons recovered, seizures, patrols); each child operation then gets a
sentence of its own ("Op Kaiser (Vauxhall, …): a further 8 arrests, for …"). Never a plate or
a person: the figures hold none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, Literal

from anpr_ops.errors import ReportError
from anpr_ops.offences import CATEGORY_PHRASES, GROUP_PHRASES, OffenceCategory, OffenceGroup
from anpr_ops.report import (
    CATEGORY_ORDER,
    GROUP_ORDER,
    UNKNOWN,
    WEAPON_ORDER,
    OpReport,
    Rollup,
    group_of,
    ordered,
)
from anpr_ops.vocab import SeizureItem, WeaponType

__all__ = ["summary"]


class _Numbers:
    """Counts in figures, or one to nine in words and larger counts in figures."""

    _WORDS: Final = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

    def __init__(self, style: str) -> None:
        if style not in {"figures", "words"}:
            message = f"numbers must be 'figures' or 'words', not {style!r}"
            raise ReportError(message, code="bad_number_style")
        self.words = style == "words"

    def number(self, n: int) -> str:
        """``n`` in the chosen style."""
        return self._WORDS[n] if self.words and 0 <= n < 10 else str(n)

    def __call__(self, n: int, singular: str, plural: str | None = None) -> str:
        noun = singular if n == 1 else (plural or singular + "s")
        return f"{self.number(n)} {noun}"


_WEAPON_NOUNS: Final = {
    WeaponType.KNIFE: ("knife", "knives"),
    WeaponType.BLADED_ARTICLE: ("bladed article", None),
    WeaponType.FIREARM: ("firearm", None),
    WeaponType.IMITATION_FIREARM: ("imitation firearm", None),
    WeaponType.OFFENSIVE_WEAPON: ("offensive weapon", None),
    WeaponType.OTHER: ("other weapon", None),
    UNKNOWN: ("weapon", None),
}


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _category_list(categories: Iterable[str]) -> list[str]:
    wanted = list(categories)
    phrases = []
    for category in wanted:
        if category == OffenceCategory.NO_INSURANCE and OffenceCategory.NO_LICENCE in wanted:
            continue  # said together with no licence
        if category == OffenceCategory.NO_LICENCE and OffenceCategory.NO_INSURANCE in wanted:
            phrases.append("driving with no licence or insurance")
            continue
        phrases.append(CATEGORY_PHRASES.get(category, category.replace("_", " ")))
    return phrases


def _wanted_clauses(rollup: Rollup, num: _Numbers) -> list[str]:
    clauses = []
    for high_harm in (True, False):
        entries = {k: n for k, n in rollup.wanted.items() if k[0] is high_harm}
        total = sum(entries.values())
        if not total:
            continue
        reasons: list[str] = []
        for _, category, underlying in sorted(
            entries, key=lambda k: (CATEGORY_ORDER.get(k[1], 99), CATEGORY_ORDER.get(k[2], 99))
        ):
            if category == UNKNOWN:
                continue
            reason = CATEGORY_PHRASES.get(category, category)
            if underlying != UNKNOWN and underlying != category:
                reason += " for " + GROUP_PHRASES.get(group_of(underlying), "other offences")
            if reason not in reasons:
                reasons.append(reason)
        label = "high-harm wanted offender" if high_harm else "wanted offender"
        if not high_harm and rollup.totals.high_harm_arrested:
            label = "other wanted offender"
        clause = num(total, label) + " located and arrested"
        if reasons:
            clause += " for " + _join(reasons)
        clauses.append(clause)
    return clauses


def _result_clauses(rollup: Rollup, num: _Numbers) -> list[str]:
    """Sweeps, what was recovered and seized, patrols."""
    totals = rollup.totals
    clauses = []
    if totals.weapon_sweeps:
        clauses.append(num(totals.weapon_sweeps, "weapon sweep"))
    weapons = ordered(rollup.weapons_by_type, WEAPON_ORDER)
    if weapons:
        found = [num(n, *_WEAPON_NOUNS.get(kind, ("weapon", None))) for kind, n in weapons.items()]
        clauses.append(_join(found) + " recovered")
    items = rollup.seizures_by_item
    for item, singular, plural in (
        (SeizureItem.CONTROLLED_DRUG, "drug seizure", None),
        (SeizureItem.VEHICLE, "vehicle seized", "vehicles seized"),
        (SeizureItem.CASH, "cash seizure", None),
        (SeizureItem.OTHER, "other seizure", None),
    ):
        if items.get(item):
            clauses.append(num(items[item], singular, plural))
    if totals.patrols:
        clauses.append(num(totals.patrols, "high-visibility patrol"))
    return clauses


def _activity_clauses(rollup: Rollup, num: _Numbers) -> list[str]:
    """The ANPR funnel: hits, stops, searches."""
    totals = rollup.totals
    clauses = []
    if totals.anpr_hits:
        clauses.append(num(totals.anpr_hits, "ANPR hit"))
    if totals.vehicle_stops:
        clauses.append(num(totals.vehicle_stops, "vehicle stopped", "vehicles stopped"))
    if totals.searches:
        clauses.append(num(totals.searches, "search", "searches"))
    return clauses


def _with_activity(clauses: list[str], rollup: Rollup, num: _Numbers, activity: bool) -> list[str]:
    # Without results to tell, the activity is told anyway, so the sentence is never empty
    # while something happened.
    if activity or not clauses:
        clauses += _activity_clauses(rollup, num)
    return clauses


def _lead_sentence(rollup: Rollup, num: _Numbers, activity: bool) -> list[str]:
    """The root operation's own figures, headline style (arrests by group)."""
    clauses = _wanted_clauses(rollup, num)
    groups: dict[str, int] = {}
    for (category, source), n in rollup.arrests.items():
        # Arrests of wanted people are told in the wanted clause already.
        if source != "enquiry" or not rollup.wanted:
            group = group_of(category)
            groups[group] = groups.get(group, 0) + n
    parts = []
    for i, (group, n) in enumerate(ordered(groups, GROUP_ORDER).items()):
        counted = num(n, "arrest") if i == 0 else num.number(n)
        if group == OffenceGroup.UNKNOWN:
            parts.append(f"{counted} with no offence recorded")
        else:
            parts.append(f"{counted} for {GROUP_PHRASES.get(group, group)}")
    if parts:
        clauses.append(_join(parts))
    clauses += _result_clauses(rollup, num)
    return _with_activity(clauses, rollup, num, activity)


def _further_sentence(rollup: Rollup, num: _Numbers, *, further: bool, activity: bool) -> list[str]:
    """A child operation's figures: its arrests with their kinds of offence, then results."""
    clauses = []
    arrests = rollup.totals.arrests
    if arrests:
        if further and arrests > 1:
            text = f"a further {num(arrests, 'arrest')}"
        elif further:
            text = num(1, "further arrest")
        else:
            text = num(arrests, "arrest")
        kinds = _category_list(rollup.arrests_by_category)
        if kinds:
            text += ", for " + _join(kinds)
        clauses.append(text)
    clauses += _result_clauses(rollup, num)
    return _with_activity(clauses, rollup, num, activity)


def _sentence(clauses: Sequence[str], prefix: str = "") -> str:
    body = "; ".join(clauses) if clauses else "nothing recorded"  # an operation with no events
    text = f"{prefix}{body}."
    return text[0].upper() + text[1:]


def summary(
    report: OpReport, *, numbers: Literal["figures", "words"] = "figures", activity: bool = False
) -> str:
    """The end-of-day summary of ``report`` in sentences (see :meth:`OpReport.to_text`)."""
    num = _Numbers(numbers)
    ops = report.ordered_ops()
    if not ops:
        return "No activity recorded."
    sentences = []
    arrests_said = False
    single = len(report.roots) == 1
    for info in ops:
        rollup = report.by_operation.get(info.op_id, Rollup())
        is_root = info.op_id in report.roots
        if is_root and single:
            clauses = _lead_sentence(rollup, num, activity)
            if clauses or len(ops) == 1:
                sentences.append(_sentence(clauses))
        else:
            clauses = _further_sentence(rollup, num, further=arrests_said, activity=activity)
            sites = ", ".join(name for _, name in info.sites)
            prefix = f"{info.name} ({sites}): " if sites else f"{info.name}: "
            sentences.append(_sentence(clauses, prefix))
        arrests_said = arrests_said or bool(rollup.totals.arrests)
    corrections = report.totals.corrections
    if corrections:
        sentences.append(f"These figures reflect {num(corrections, 'correction')} to the record.")
    return " ".join(sentences)
