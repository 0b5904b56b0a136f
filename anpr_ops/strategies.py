"""Public Hypothesis strategies for anpr_ops (install the ``testing`` extra).

Importing this module requires Hypothesis.
"""

from __future__ import annotations

import functools
import string
from typing import TYPE_CHECKING

from anpr_ops.vrm import UK_FORMATS, VrmFormat

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__: list[str] = ["vrms"]

# Letter sets of domain.md §3.1, each in A-Z order so that examples shrink towards "A".
_TAG_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"  # no I, Q, Z
_SERIAL_LETTERS = _TAG_LETTERS + "Z"  # the current format's last three letters may be Z
_YEAR_LETTERS = "ABCDEFGHJKLMNPRSTUVWXY"  # prefix and suffix year letters: no I, O, Q, Z
_NI_FIRST_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXY"  # anything but I and Z
_AGE_IDENTIFIERS = tuple(f"{n:02d}" for n in range(100) if n not in (0, 1, 50))


@functools.cache
def _plates_by_format() -> dict[VrmFormat, SearchStrategy[str]]:
    # Hypothesis is imported here, not at the top: it imports this module through its
    # entry point while it is itself being imported, so a top-level import is circular
    # whenever this module is imported before Hypothesis.
    from hypothesis import strategies as st

    def letters(alphabet: str, fewest: int, most: int | None = None) -> SearchStrategy[str]:
        return st.text(alphabet, min_size=fewest, max_size=fewest if most is None else most)

    def number(most: int) -> SearchStrategy[str]:
        """1 to ``most``, without a leading zero."""
        return st.integers(1, most).map(str)

    def three_digits() -> SearchStrategy[str]:
        return st.integers(0, 999).map(lambda n: f"{n:03d}")

    def joined(*parts: SearchStrategy[str]) -> SearchStrategy[str]:
        return st.tuples(*parts).map("".join)

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
        from hypothesis import strategies as st

        return st.one_of([by_format[uk] for uk in UK_FORMATS])
    return by_format[fmt]


def _hypothesis_setup_hook() -> None:
    """Entry point Hypothesis calls at import: registers strategies for the event models."""
