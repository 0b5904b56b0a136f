"""``drug_grounds`` on search events: possession or supply, for drug searches only, and the
scrutiny figures' split of drug searches read from it, end to end through a log.

The operation: six searches for controlled drugs (two for possession, three for supply, one
not saying) and one for stolen goods. Worked by hand: 6 drug searches, grounds recorded for 5,
possession only 2 of 6 (and 2 of the 5 recorded).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from anpr_ops import OpLog, canonical_dict, event_json_schema, parse_event
from anpr_ops.cli import main
from anpr_ops.errors import EventValidationError
from anpr_ops.events import Search
from anpr_ops.scrutiny import scrutiny_report
from anpr_ops.vocab import LABELS, DrugGrounds
from tests import factory as f

OP = "dg"


def search(n: int, obj: str, grounds: str | None, sde: str = "W1") -> dict[str, Any]:
    event = f.search(
        f"s{n}",
        op_id=OP,
        stop_id=None,
        search_type="person",
        vrm=None,
        object_of_search=obj,
        self_defined_ethnicity=sde,
        legislation="mda_1971_s23" if obj == "controlled_drugs" else "pace_1984_s1",
    )
    event.pop("vrm")
    if grounds is not None:
        event["drug_grounds"] = grounds
    return event


EVENTS = [
    f.operation(OP, sites=()),
    search(1, "controlled_drugs", "possession"),
    search(2, "controlled_drugs", "possession", sde="B1"),
    search(3, "controlled_drugs", "supply"),
    search(4, "controlled_drugs", "supply", sde="B1"),
    search(5, "controlled_drugs", "supply"),
    search(6, "controlled_drugs", None),
    search(7, "stolen_goods", None),
]


def test_the_field_is_a_vocabulary_with_labels() -> None:
    assert [g.value for g in DrugGrounds] == ["possession", "supply"]
    assert set(LABELS[DrugGrounds]) == set(DrugGrounds)
    event = parse_event(search(1, "controlled_drugs", "supply"))
    assert isinstance(event, Search) and event.drug_grounds is DrugGrounds.SUPPLY


@pytest.mark.parametrize("obj", ["stolen_goods", "offensive_weapons", "psychoactive_substances"])
def test_grounds_are_refused_for_a_search_that_is_not_for_drugs(obj: str) -> None:
    with OpLog.memory() as log:
        log.append(f.operation(OP, sites=()))
        head = log.head()
        with pytest.raises(EventValidationError) as info:
            log.append(search(9, obj, "possession"))
        assert log.head() == head
    assert info.value.problems[0].kind == "drug_grounds_not_drugs"
    assert "controlled_drugs" in info.value.message


def test_an_unknown_value_names_the_field() -> None:
    with pytest.raises(EventValidationError) as info:
        parse_event(search(1, "controlled_drugs", "dealing"))
    assert info.value.field == "drug_grounds"


def test_a_search_without_grounds_keeps_its_canonical_form() -> None:
    """The field is optional and left out when absent: bodies and ids of events written before
    it existed do not change."""
    body = canonical_dict(parse_event(search(6, "controlled_drugs", None)))
    assert "drug_grounds" not in body
    assert canonical_dict(parse_event(search(3, "controlled_drugs", "supply")))["drug_grounds"] == (
        "supply"
    )


def test_the_json_schema_offers_the_field() -> None:
    schema = json.dumps(event_json_schema())
    assert '"drug_grounds"' in schema and '"possession"' in schema and '"supply"' in schema


def test_the_scrutiny_figures_split_drug_searches_from_a_log() -> None:
    with OpLog.memory() as log:
        log.extend(EVENTS)
        figures = scrutiny_report(log, OP)
    drugs = figures.to_dict()["drug_searches"]
    assert drugs["searches"] == 6
    assert drugs["possession_only"] == {"numerator": 2, "denominator": 6}
    assert drugs["possession_only_of_recorded"] == {"numerator": 2, "denominator": 5}
    assert drugs["grounds_recorded"] == {"numerator": 5, "denominator": 6}
    by_object = figures.total().by_object
    searches = {group: cell.searches for group, cell in by_object.items()}
    assert searches == {
        "drugs_possession": 2,
        "drugs_supply": 3,
        "drugs_not_stated": 1,
        "other": 1,
    }


def test_a_correction_moves_a_search_between_groups() -> None:
    with OpLog.memory() as log:
        log.extend(EVENTS)
        log.correct(
            "s6", reason="grounds added", replacement=search(6, "controlled_drugs", "supply")
        )
        drugs = scrutiny_report(log, OP).to_dict()["drug_searches"]
    assert drugs["grounds_recorded"] == {"numerator": 6, "denominator": 6}
    assert drugs["possession_only"] == {"numerator": 2, "denominator": 6}


def test_the_command_line_shows_the_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "dg.db"
    with OpLog.open(db, create=True) as log:
        log.extend(EVENTS)
    capsys.readouterr()
    assert main(["scrutiny", str(db), "--op", OP, "--format", "json"]) == 0
    drugs = json.loads(capsys.readouterr().out)["drug_searches"]
    assert drugs["possession_only_of_recorded"] == {"numerator": 2, "denominator": 5}
