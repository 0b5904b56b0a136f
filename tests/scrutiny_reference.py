"""An independent computation of the scrutiny figures, sharing no code with anpr_ops.scrutiny.

The figures are worked from plain per-search rows: from a data.police.uk CSV read with the
csv module, or from a fold over a log's events. Populations come from a Census CSV read here
with the csv module. The groupings are written out again from the sources (domain.md §1.2 and
§2.3, the Census 2021 classification), not imported. Slow and plain on purpose.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

from anpr_ops import OpLog

GROUPS = ("asian", "black", "mixed", "white", "other", "not_stated")
OBJECTS = ("drugs_possession", "drugs_supply", "drugs_not_stated", "weapons", "other")
COUNTS = ("searches", "arrests", "positive_outcomes", "linked_outcomes", "linked_known")

# 16+1 and 18+1 codes to the five Census 2021 groups: Chinese (O1 in 2001) is Asian in 2021,
# Arab (O2) is Other.
CODE_TOP = {
    **dict.fromkeys(["W1", "W2", "W3", "W9"], "white"),
    **dict.fromkeys(["M1", "M2", "M3", "M9"], "mixed"),
    **dict.fromkeys(["A1", "A2", "A3", "A4", "A9", "O1"], "asian"),
    **dict.fromkeys(["B1", "B2", "B9"], "black"),
    **dict.fromkeys(["O2", "O9"], "other"),
    "NS": "not_stated",
}
# The current data.police.uk labels (domain.md §2.3) to codes; the old ones carry the code in
# brackets.
CURRENT_LABELS = {
    "White - English/Welsh/Scottish/Northern Irish/British": "W1",
    "White - Irish": "W2",
    "White - Gypsy or Irish Traveller": "W3",
    "White - Any other White background": "W9",
    "Mixed/Multiple ethnic groups - White and Black Caribbean": "M1",
    "Mixed/Multiple ethnic groups - White and Black African": "M2",
    "Mixed/Multiple ethnic groups - White and Asian": "M3",
    "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background": "M9",
    "Asian/Asian British - Indian": "A1",
    "Asian/Asian British - Pakistani": "A2",
    "Asian/Asian British - Bangladeshi": "A3",
    "Asian/Asian British - Chinese": "A4",
    "Asian/Asian British - Any other Asian background": "A9",
    "Black/African/Caribbean/Black British - Caribbean": "B1",
    "Black/African/Caribbean/Black British - African": "B2",
    "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background": "B9",
    "Other ethnic group - Arab": "O2",
    "Other ethnic group - Any other ethnic group": "O9",
    "Other ethnic group - Not stated": "NS",
}
LEGISLATION = {
    "Misuse of Drugs Act 1971 (section 23)": "mda_1971_s23",
    "Police and Criminal Evidence Act 1984 (section 1)": "pace_1984_s1",
    "Criminal Justice and Public Order Act 1994 (section 60)": "cjpoa_1994_s60",
    "Firearms Act 1968 (section 47)": "firearms_1968_s47",
    "Criminal Justice Act 1988 (section 139B)": "cja_1988_s139b",
    "Psychoactive Substances Act 2016 (s36(2))": "psa_2016_s36",
}
WEAPONS = {"Offensive weapons", "Firearms", "Anything to threaten or harm anyone"}
WEAPON_CODES = {"offensive_weapons", "firearms", "anything_to_threaten_or_harm"}
ARREST = {"Arrest", "Suspect arrested"}
NOTHING = {"", "A no further action disposal", "Nothing found - no further action"}
CENSUS_TOP = {
    "Asian, Asian British or Asian Welsh": "asian",
    "Black, Black British, Black Welsh, Caribbean or African": "black",
    "Mixed or Multiple ethnic groups": "mixed",
    "White": "white",
    "Other ethnic group": "other",
}


@dataclass(frozen=True)
class Row:
    """One search, as the figures need it."""

    force: str
    code: str | None
    officer: str
    legislation: str
    object_group: str
    arrest: bool
    positive: bool
    linked: bool | None

    @property
    def group(self) -> str:
        return "not_stated" if self.code is None else CODE_TOP[self.code]


def census(path: Path) -> dict[str, dict[str, int]]:
    """force id -> the five top-level groups' residents, from a Census CSV."""
    out: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["level"] == "top":
                force = out.setdefault(row["force_id"], {})
                force[CENSUS_TOP[row["ethnic_group"]]] = int(row["population"])
    return out


def police_uk_rows(path: Path, force: str) -> list[Row]:
    """Every row of a data.police.uk stop-and-search CSV."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            label = r["Self-defined ethnicity"]
            if not label:
                code = None
            elif label.endswith(")"):
                code = label.rsplit("(", 1)[1].rstrip(")")
            else:
                code = CURRENT_LABELS[label]
            obj = r["Object of search"]
            if obj == "Controlled drugs":
                group = "drugs_not_stated"  # data.police.uk does not say possession or supply
            elif obj in WEAPONS:
                group = "weapons"
            else:
                group = "other"
            linked = {"True": True, "False": False, "": None}[
                r["Outcome linked to object of search"]
            ]
            rows.append(
                Row(
                    force,
                    code,
                    r["Officer-defined ethnicity"].lower() or "not_recorded",
                    LEGISLATION.get(r["Legislation"], "other"),
                    group,
                    r["Outcome"] in ARREST,
                    r["Outcome"] not in NOTHING,
                    linked,
                )
            )
    return rows


def log_rows(log: OpLog, op_id: str, *, include_children: bool = True) -> list[Row]:
    """Every current search of an operation, from a plain fold over its events."""
    events = list(log.events(op_id, include_children=include_children))
    forces = {e.op_id: e.force for e in events if e.kind == "operation"}
    arrested, positive = set(), set()
    for e in events:
        if e.kind == "outcome" and e.search_id is not None:
            if e.disposal == "arrest":
                arrested.add(e.search_id)
            if e.disposal != "no_further_action":
                positive.add(e.search_id)
    rows = []
    for e in events:
        if e.kind != "search":
            continue
        obj = e.object_of_search.value
        if obj == "controlled_drugs":
            grounds = e.drug_grounds.value if e.drug_grounds is not None else "not_stated"
            group = f"drugs_{grounds}"  # possession, supply, not_stated
        elif obj in WEAPON_CODES:
            group = "weapons"
        else:
            group = "other"
        rows.append(
            Row(
                forces[e.op_id],
                e.self_defined_ethnicity.value if e.self_defined_ethnicity else None,
                e.officer_defined_ethnicity.value
                if e.officer_defined_ethnicity
                else "not_recorded",
                e.legislation.value,
                group,
                e.event_id in arrested,
                e.event_id in positive,
                e.outcome_linked_to_object,
            )
        )
    return rows


def _counts(rows: Iterable[Row]) -> dict[str, int]:
    rows = list(rows)
    return {
        "searches": len(rows),
        "arrests": sum(r.arrest for r in rows),
        "positive_outcomes": sum(r.positive for r in rows),
        "linked_outcomes": sum(r.linked is True for r in rows),
        "linked_known": sum(r.linked is not None for r in rows),
    }


def _rates(c: Mapping[str, int]) -> dict[str, dict[str, int]]:
    return {
        "find_rate": {"numerator": c["linked_outcomes"], "denominator": c["searches"]},
        "find_rate_recorded": {"numerator": c["linked_outcomes"], "denominator": c["linked_known"]},
        "arrest_rate": {"numerator": c["arrests"], "denominator": c["searches"]},
        "positive_outcome_rate": {
            "numerator": c["positive_outcomes"],
            "denominator": c["searches"],
        },
    }


def _with_rates(rows: Iterable[Row]) -> dict[str, Any]:
    c = _counts(rows)
    return {**c, "rates": _rates(c)}


def _split(rows: list[Row], attr: str) -> dict[str, dict[str, Any]]:
    keys = sorted({getattr(r, attr) for r in rows})
    return {k: _with_rates(r for r in rows if getattr(r, attr) == k) for k in keys}


def expected(
    rows: list[Row],
    populations: Mapping[str, Mapping[str, int]],
    forces: Iterable[str],
    *,
    min_searches: int = 20,
) -> dict[str, Any]:
    """The figures of ``rows``: the parts of ``ScrutinyReport.to_dict()`` that are figures
    (maps keyed as in the JSON; the comparison ignores their order)."""
    forces = sorted(set(forces) | {r.force for r in rows})
    if all(f in populations for f in forces):
        residents: dict[str, int] | None = {
            g: sum(populations[f][g] for f in forces) for g in GROUPS[:-1]
        }
    else:
        residents = None
    z = NormalDist().inv_cdf(0.975)
    by_group = {g: [r for r in rows if r.group == g] for g in GROUPS}
    b, pb = len(by_group["white"]), residents["white"] if residents else None
    groups = {}
    for g in GROUPS:
        mine = by_group[g]
        a = len(mine)
        pa = residents[g] if residents is not None and g != "not_stated" else None
        rate = a / pa * 1000 if pa else None
        ratio: dict[str, Any] = {"value": None, "low": None, "high": None, "status": "undefined"}
        if pa and pb and b:
            if g == "white":
                ratio = {"value": 1.0, "low": None, "high": None, "status": "reference"}
            elif a:
                value = (a / pa) / (b / pb)
                spread = z * math.sqrt(1 / a + 1 / b)
                ratio = {
                    "value": value,
                    "low": math.exp(math.log(value) - spread),
                    "high": math.exp(math.log(value) + spread),
                    "status": "low_count" if min(a, b) < min_searches else "ok",
                }
        groups[g] = {
            **_with_rates(mine),
            "population": pa,
            "rate_per_1000": rate,
            "rate_status": "undefined"
            if rate is None
            else "low_count"
            if a < min_searches
            else "ok",
            "ratio_to_white": ratio,
            "by_legislation": _split(mine, "legislation"),
            "by_object": _split(mine, "object_group"),
        }
    population = sum(residents.values()) if residents is not None else None
    officers = sorted({r.officer for r in rows})
    drug_rows = [r for r in rows if r.object_group.startswith("drugs_")]
    possession = sum(r.object_group == "drugs_possession" for r in rows)
    supply = sum(r.object_group == "drugs_supply" for r in rows)
    return {
        "forces": forces,
        "total": {
            **_with_rates(rows),
            "population": population,
            "rate_per_1000": len(rows) / population * 1000 if population else None,
        },
        "groups": groups,
        "self_defined": {
            code: {"group": CODE_TOP.get(code, "not_stated"), **_with_rates(mine)}
            for code in sorted({r.code or "not_recorded" for r in rows})
            for mine in [[r for r in rows if (r.code or "not_recorded") == code]]
        },
        "officer_defined": {
            o: {
                **_with_rates(mine),
                "by_legislation": _split(mine, "legislation"),
                "by_object": _split(mine, "object_group"),
            }
            for o in officers
            for mine in [[r for r in rows if r.officer == o]]
        },
        "by_legislation": _split(rows, "legislation"),
        "by_object": {o: _with_rates(r for r in rows if r.object_group == o) for o in OBJECTS},
        "drug_searches": {
            "searches": len(drug_rows),
            "possession_only": {"numerator": possession, "denominator": len(drug_rows)},
            "possession_only_of_recorded": {
                "numerator": possession,
                "denominator": possession + supply,
            },
            "grounds_recorded": {"numerator": possession + supply, "denominator": len(drug_rows)},
            "share_of_all_searches": {"numerator": len(drug_rows), "denominator": len(rows)},
        },
    }


EXACT_KEYS = {"groups", "self_defined", "officer_defined", "by_legislation", "by_object"}


def assert_same_figures(got: Any, want: Any, where: str = "") -> None:
    """``got`` (from anpr_ops) holds every figure of ``want`` (from here): counts exactly,
    rates and ratios to within floating-point rounding. Keys ``want`` lacks (labels, reasons,
    notes) are not compared, but the breakdown maps have exactly the keys ``want`` has."""
    if isinstance(want, dict):
        assert isinstance(got, dict), where
        if where.rsplit(".", 1)[-1] in EXACT_KEYS:
            assert set(got) == set(want), f"{where}: {sorted(got)} != {sorted(want)}"
        assert set(got) >= set(want), f"{where}: missing {set(want) - set(got)}"
        for key, value in want.items():
            assert_same_figures(got[key], value, f"{where}.{key}")
    elif isinstance(want, float):
        assert isinstance(got, float), f"{where}: {got!r} is not a float"
        assert math.isclose(got, want, rel_tol=1e-12), f"{where}: {got!r} != {want!r}"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"
