"""Strategies for plates, offence codes and the field values events are made of."""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from anpr_ops.vrm import UK_FORMATS, VrmFormat

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

    from anpr_ops.offences import OffenceCategory


# Letter sets of domain.md §3.1, each in A-Z order so that examples shrink towards "A".
_TAG_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"  # no I, Q, Z
_SERIAL_LETTERS = _TAG_LETTERS + "Z"  # the current format's last three letters may be Z
_YEAR_LETTERS = "ABCDEFGHJKLMNPRSTUVWXY"  # prefix and suffix year letters: no I, O, Q, Z
_NI_FIRST_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXY"  # anything but I and Z
_AGE_IDENTIFIERS = tuple(f"{n:02d}" for n in range(100) if n not in (0, 1, 50))

#: Time zones :func:`operation_batches` draws from: London first (examples shrink to it),
#: then zones with other rules, including half-hour and 45-minute offsets.
TIMEZONES: tuple[str, ...] = (
    "Europe/London",
    "UTC",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "Asia/Kathmandu",
)

#: Instants (UTC) at which clocks change in :data:`TIMEZONES`; operations are often drawn to
#: start a few hours before one, so their hours straddle the change.
CLOCK_CHANGES: tuple[datetime, ...] = (
    datetime(2020, 10, 25, 1, tzinfo=UTC),  # Europe/London: 02:00 BST -> 01:00 GMT
    datetime(2020, 3, 29, 1, tzinfo=UTC),  # Europe/London: 01:00 GMT -> 02:00 BST
    datetime(2020, 11, 1, 6, tzinfo=UTC),  # America/New_York: 02:00 EDT -> 01:00 EST
    datetime(2020, 3, 8, 7, tzinfo=UTC),  # America/New_York: 02:00 EST -> 03:00 EDT
    datetime(2020, 4, 4, 16, 30, tzinfo=UTC),  # Australia/Adelaide: 03:00 -> 02:00
    datetime(2020, 10, 3, 16, 30, tzinfo=UTC),  # Australia/Adelaide: 02:00 -> 03:00
)

_SITE_IDS = ("north", "south", "east", "west")
_PEOPLE = ("P-1", "P-2", "P-3", "P-4", "P-5")


def _st() -> Any:
    # Hypothesis is imported here, not at the top: it imports this module through its
    # entry point while it is itself being imported, so a top-level import is circular
    # whenever this module is imported before Hypothesis.
    from hypothesis import strategies as st

    return st


# --------------------------------------------------------------------------- plates, codes


@functools.cache
def _plates_by_format() -> dict[VrmFormat, SearchStrategy[str]]:
    st = _st()

    def letters(alphabet: str, fewest: int, most: int | None = None) -> SearchStrategy[str]:
        return st.text(alphabet, min_size=fewest, max_size=fewest if most is None else most)  # type: ignore[no-any-return]

    def number(most: int) -> SearchStrategy[str]:
        """1 to ``most``, without a leading zero."""
        return st.integers(1, most).map(str)  # type: ignore[no-any-return]

    def three_digits() -> SearchStrategy[str]:
        return st.integers(0, 999).map(lambda n: f"{n:03d}")  # type: ignore[no-any-return]

    def joined(*parts: SearchStrategy[str]) -> SearchStrategy[str]:
        return st.tuples(*parts).map("".join)  # type: ignore[no-any-return]

    return {
        VrmFormat.CURRENT: joined(
            letters(_TAG_LETTERS, 2),
            st.sampled_from(_AGE_IDENTIFIERS),
            letters(_SERIAL_LETTERS, 3),
        ),
        VrmFormat.PREFIX: joined(letters(_YEAR_LETTERS, 1), number(999), letters(_TAG_LETTERS, 3)),
        VrmFormat.SUFFIX: joined(letters(_TAG_LETTERS, 3), number(999), letters(_YEAR_LETTERS, 1)),
        VrmFormat.DATELESS: st.one_of(
            joined(letters(_TAG_LETTERS, 1, 3), number(9999)),
            joined(number(9999), letters(_TAG_LETTERS, 1, 3)),
        ),
        VrmFormat.NORTHERN_IRELAND: joined(
            letters(_NI_FIRST_LETTERS, 1),
            letters(string.ascii_uppercase, 0, 1),
            st.sampled_from("ZI"),
            letters(string.digits, 1, 4),
        ),
        VrmFormat.DIPLOMATIC: joined(three_digits(), st.sampled_from("DX"), three_digits()),
        # Eight to ten characters: too long for every UK format, so valid only as foreign.
        VrmFormat.OTHER: letters(string.ascii_uppercase + string.digits, 8, 10),
    }


def vrms(fmt: VrmFormat | None = None) -> SearchStrategy[str]:
    """Normalised valid plates of one format, or of any UK format when ``fmt`` is None.

    ``VrmFormat.OTHER`` gives foreign-looking plates (8-10 letters and digits) that are
    valid only with ``foreign=True``. Plates are built from simple parts, so failing
    examples shrink to plates like ``"AA02AAA"``.

    >>> from hypothesis import given
    >>> from anpr_ops.vrm import classify
    >>> @given(vrms(VrmFormat.SUFFIX))
    ... def test_suffix(plate: str) -> None:
    ...     assert classify(plate) is VrmFormat.SUFFIX
    >>> test_suffix()
    """
    by_format = _plates_by_format()
    if fmt is None:
        return _st().one_of([by_format[uk] for uk in UK_FORMATS])  # type: ignore[no-any-return]
    return by_format[fmt]


def offence_codes(category: OffenceCategory | str | None = None) -> SearchStrategy[str]:
    """Offence codes of the packaged catalogue, of one category when ``category`` is given.

    Shrinks towards the first code of the catalogue (of that category). A category with no
    catalogue code (``violence``, ``other``, ``unknown``: a log defines those with an
    ``offence_definition`` event) is a ``ValueError``.

    >>> from hypothesis import find
    >>> find(offence_codes("vehicle_theft"), lambda code: True)
    'TH68013'
    """
    from anpr_ops.offences import builtin_catalogue

    catalogue = builtin_catalogue()
    if category is None:
        codes = list(catalogue)
    else:
        codes = [offence.code for offence in catalogue.by_category(category)]
        if not codes:
            message = (
                f"the catalogue has no offence of category {str(category)!r}; "
                "define one with an offence_definition event"
            )
            raise ValueError(message)
    return _st().sampled_from(codes)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- field values


def _slugs() -> SearchStrategy[str]:
    st = _st()
    return st.from_regex(r"\A[a-z][a-z0-9]{0,7}(?:-[a-z0-9]{1,6})?\Z")  # type: ignore[no-any-return]


def _event_ids() -> SearchStrategy[str]:
    return _st().from_regex(r"\A[A-Za-z0-9._:-]{1,24}\Z")  # type: ignore[no-any-return]


def _lines(max_size: int = 40) -> SearchStrategy[str]:
    st = _st()
    chars = st.characters(exclude_categories=("Cc", "Cs"))
    return st.text(chars, min_size=1, max_size=max_size)  # type: ignore[no-any-return]


def _refs() -> SearchStrategy[str]:
    st = _st()
    return st.one_of(st.sampled_from(_PEOPLE), _lines(24))  # type: ignore[no-any-return]


def _moments() -> SearchStrategy[datetime]:
    """Aware datetimes, 2000-2035, in a few zones (stored in UTC by the models)."""
    st = _st()
    from zoneinfo import ZoneInfo

    zones = st.sampled_from([UTC, *(ZoneInfo(name) for name in TIMEZONES)])
    return st.datetimes(  # type: ignore[no-any-return]
        min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31), timezones=zones
    )


def _optional(strategy: SearchStrategy[Any]) -> SearchStrategy[Any]:
    st = _st()
    return st.one_of(st.none(), strategy)  # type: ignore[no-any-return]


def _enum(enum: Any) -> SearchStrategy[Any]:
    return _st().sampled_from(list(enum))  # type: ignore[no-any-return]


def _pick(draw: DrawFn, options: Sequence[Any]) -> Any:
    return draw(_st().sampled_from(list(options)))
