"""The plain renderings: the report's own summary sentences, and its JSON."""

from __future__ import annotations

import json
from typing import Literal

from anpr_ops.report import OpReport

__all__ = ["to_json", "to_text"]


def to_text(
    report: OpReport,
    *,
    numbers: Literal["figures", "words"] = "figures",
    activity: bool = False,
) -> str:
    """The end-of-day summary (``report.to_text``) and a final newline."""
    return report.to_text(numbers=numbers, activity=activity) + "\n"


def to_json(report: OpReport) -> str:
    """``report.to_dict()`` as indented JSON, keys in the documented order, UTF-8 as is.

    The same report always gives the same bytes: ``to_dict()`` orders every map itself.
    """
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
