"""How error messages quote a value. Standard library only.

A message names the value it got, cut short so that a hostile megabyte never reaches a log
line; personal values are masked by their own module first (see ``vrm.mask``).
"""

from __future__ import annotations

__all__ = ["shorten", "shown"]

_LIMIT = 40


def shorten(text: str, limit: int = _LIMIT) -> str:
    """``text`` cut to ``limit`` characters, ending in ``...`` when cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown(value: object, limit: int = _LIMIT) -> str:
    """``repr(value)`` as a message quotes it, cut short.

    >>> shown("x" * 50)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."
    """
    try:
        text = repr(value)
    except ValueError:  # an integer too long to convert to text
        return "a very long integer"
    return shorten(text, limit)
