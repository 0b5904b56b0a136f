"""Plates typed into free text that is published: found at append (a warning naming the field,
never the text) and masked wherever names and free text leave the log for publication —
reports, the scrutiny figures, the data.police.uk export.

Found: the current, prefix and suffix formats, written with or without their space. Left
alone on purpose: dateless and Northern Ireland shapes, which are road and bus numbers far
more often than plates (docs/data-protection.md says so).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from anpr_ops import OpLog
from anpr_ops.cli import cli
from anpr_ops.interop.police_uk import export_police_uk
from anpr_ops.render import render
from anpr_ops.strategies import vrms
from anpr_ops.vrm import VrmFormat, display, mask_plates_in_text, plates_in_text
from tests import factory as f

FOUND = (VrmFormat.CURRENT, VrmFormat.PREFIX, VrmFormat.SUFFIX)
# Words around a plate: letters only (a digit or letter beside a plate would make it part of
# a longer word), so a generated sentence holds exactly the plates put into it.
WORDS = st.lists(st.text("abcdefghij", min_size=1, max_size=6), max_size=4).map(" ".join)


def _plate(fmt: VrmFormat) -> st.SearchStrategy[str]:
    spaced = vrms(fmt).map(display)
    return st.one_of(vrms(fmt), spaced, spaced.map(str.lower))


@given(st.sampled_from(FOUND).flatmap(_plate), WORDS, WORDS)
def test_a_plate_of_a_found_format_is_found_anywhere_in_a_sentence(
    plate: str, before: str, after: str
) -> None:
    text = f"{before} {plate}, {after}".strip()
    start = text.index(plate)
    assert plates_in_text(text) == [(start, start + len(plate))]
    masked = mask_plates_in_text(text)
    hidden = plate[0] + re.sub(r"[^ ]", "*", plate[1:])
    assert masked == text[:start] + hidden + text[start + len(plate) :]
    assert plates_in_text(masked) == []


@given(WORDS)
def test_text_without_plates_is_left_as_it_is(text: str) -> None:
    assert plates_in_text(text) == [] and mask_plates_in_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Vauxhall Bridge Road, A202",
        "the M25 near junction 10",
        "Blackfriars (A201) and the A3036",
        "Route 388 bus stop B1234",
        "Camera VX-1 at 51.4861,-0.1236",
        "Op Kaiser 2020",
        "AB12CDEF",  # too long to be a plate: part of a longer word
    ],
)
def test_road_numbers_and_codes_are_not_plates(text: str) -> None:
    assert plates_in_text(text) == []


def test_the_mask_keeps_the_first_letter_and_spaces() -> None:
    assert mask_plates_in_text("Stop of AB12 CDE on the A12") == "Stop of A*** *** on the A12"
    assert mask_plates_in_text("abc123d and LD65XKP") == "a****** and L******"


def _op(name: str, site_name: str = "Vauxhall") -> dict[str, object]:
    op = f.operation()
    op["name"] = name
    op["sites"] = [{"site_id": "vauxhall", "name": site_name}]
    return op


def test_an_append_warns_of_a_plate_in_free_text_naming_the_field_not_the_text() -> None:
    with OpLog.memory() as log:
        result = log.append(_op("Op Kaiser: LD65 XKP seen", "Vauxhall near AB12CDE"))
    assert [w.split(":")[1].split(" holds")[0].strip() for w in result.warnings] == [
        "name",
        "sites[0].name",
    ]
    assert all("LD65" not in w and "AB12" not in w for w in result.warnings)
    with OpLog.memory() as log:
        assert log.append(_op("Op Kaiser")).warnings == ()


def test_the_command_line_prints_the_warning_on_stderr(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(_op("Op Kaiser LD65XKP")) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["append", str(tmp_path / "day.db"), str(events), "--create"])
    assert result.exit_code == 0, result.output
    assert "warning: event" in result.stderr and "name holds what looks like a number plate" in (
        result.stderr
    )
    assert "LD65" not in result.stderr and "LD65" not in result.stdout


def test_reports_and_scrutiny_mask_a_plate_in_names() -> None:
    with OpLog.memory() as log:
        log.append(_op("Op Kaiser LD65 XKP", "Vauxhall AB12CDE"))
        log.extend([f.hit(), f.stop()])
        report = log.report(f.OP)
        info = report.operations[f.OP]
        assert info.name == "Op Kaiser L*** ***" and info.sites[0][1] == "Vauxhall A******"
        for fmt in ("text", "markdown", "json", "csv", "html"):
            text = render(report, fmt)
            assert not re.search(r"LD65|AB12", text, re.IGNORECASE), fmt
        from anpr_ops.scrutiny import scrutiny_report

        assert scrutiny_report(log, f.OP).name == "Op Kaiser L*** ***"


def test_the_police_uk_export_masks_a_plate_in_its_free_text() -> None:
    with OpLog.memory() as log:
        log.append(f.operation())
        search = f.search()
        search["policing_operation"] = "Op Kaiser LD65XKP"
        search["legislation"] = "other"
        search["legislation_text"] = "a power used on AB12 CDE"
        log.extend([f.hit(), f.stop(), search])
        out = io.StringIO()
        export_police_uk(log, f.OP, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["Policing operation"] == "Op Kaiser L******"
    assert rows[0]["Legislation"] == "a power used on A*** ***"
