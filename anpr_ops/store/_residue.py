"""Where values being erased may still be found in a log: in another record that is not
erased (a plate erased from a hit but kept in the stop that followed it), in a public field or
an event id typed with it, or in a reason or purpose someone wrote into the access record.

Such a value is not an erased value — it is still held — so a search of the file's bytes would
find it. An erasure counts them (never naming them), so that a data protection officer is not
surprised by such a search, and refuses a reason that quotes a value being erased, since the
access record that keeps the reason can never be erased.

A value counts as found when the same text (ignoring case and spaces) is a whole value, a word,
or two adjacent words of a text: ``AB12CDE`` is found in ``"stopped AB12 CDE at 10:05"`` and
in an event id ``hit-AB12CDE``. It is a search of words, not of every substring.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Collection, Iterable, Iterator

__all__ = ["Residue"]

_WORD = re.compile(r"[^\W_]+")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
# Texts are searched a page at a time, joined by a character no stored text holds (the event
# models refuse control characters), which no word or pair below runs across.
_SEPARATOR = "\x00"
_SPACED = re.compile(r"[^\s\x00]+")
# Two adjacent words of a text (overlapping: each word with the next), split by white space,
# or by anything that is not a letter or digit.
# Each starts only where a word starts, so that a long word is not tried from every letter.
_SPACED_PAIR = re.compile(r"(?<![^\s\x00])([^\s\x00]+)\s+(?=([^\s\x00]+))")
_WORD_PAIR = re.compile(r"(?<![^\W_])([^\W_]+)(?:[^\w\x00]|_)+(?=([^\W_]+))")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_PAGE = 5000


def _key(text: str) -> str:
    return "".join(text.split()).upper()


def _candidates(text: str) -> set[str]:
    """Every form of ``text`` and of its words that a value could match."""
    return _forms([text], whole=True)


class Residue:
    """The values being erased, by field, and where else they can be found."""

    def __init__(self, values: Iterable[tuple[str, str]]) -> None:
        self.fields: dict[str, set[str]] = {}
        phrases: set[str] = set()
        for field, value in values:
            key = _key(value)
            if key:
                self.fields.setdefault(key, set()).add(field)
                if len(value.split()) > 1:
                    phrases.add(key)
        # A value of several words (free text) is also looked for inside a text, as a whole.
        self.phrases = sorted(phrases)

    def mentioned_in(self, text: str) -> bool:
        """Whether ``text`` quotes one of the values of three characters or more (as a word,
        two words, or a phrase of several words)."""
        if any(len(form) >= 3 and form in self.fields for form in _candidates(text)):
            return True
        whole = _key(text)
        return any(phrase in whole for phrase in self.phrases)

    def found_elsewhere(self, conn: sqlite3.Connection, erased: Collection[int]) -> dict[str, int]:
        """For each field, how many distinct values being erased are still found elsewhere:
        in the personal values of events not in ``erased``, in the public part of any event,
        or in an entry of the access record."""
        wanted = self.fields
        found: set[str] = set()
        for texts in self._pages(conn, erased):
            found |= wanted.keys() & _forms(texts, whole=bool(self.phrases))
            if len(found) == len(wanted):
                break
        counts: dict[str, int] = {}
        for key in found:
            for field in wanted[key]:
                counts[field] = counts.get(field, 0) + 1
        return dict(sorted(counts.items()))

    @staticmethod
    def _pages(conn: sqlite3.Connection, erased: Collection[int]) -> Iterator[list[str]]:
        """Every text a value could hide in, a page at a time: each personal value still held,
        and each string of every chained body and access entry."""
        last = 0
        while rows := conn.execute(
            'SELECT seq, "values" FROM personal WHERE seq > ? ORDER BY seq LIMIT ?',
            (last, _PAGE),
        ).fetchall():
            last = rows[-1][0]
            yield list(
                {
                    text
                    for seq, values in rows
                    if seq not in erased
                    for text in _strings(json.loads(values))
                }
            )
        for table in ("events", "access_log"):
            last = 0
            while rows := conn.execute(
                f"SELECT seq, body FROM {table} WHERE seq > ? ORDER BY seq LIMIT ?",
                (last, _PAGE),
            ).fetchall():
                last = rows[-1][0]
                # Field names, vocabulary codes and times repeat from body to body: each text
                # once per page is enough; a commitment or hash (64 hex digits) holds no value.
                texts = {text for _, body in rows for text in _STRING.findall(body)}
                yield [text for text in texts if not _DIGEST.fullmatch(text)]


def _forms(texts: list[str], *, whole: bool) -> set[str]:
    """The forms of some texts a value can match, upper case: each word (split by white space,
    or a run of letters and digits), each two adjacent words of a text run together, and with
    ``whole`` each text without its spaces (needed only for values of several words)."""
    page = _SEPARATOR.join(texts).upper()
    forms = set(_SPACED.findall(page))
    forms.update(_WORD.findall(page))
    for pairs in (_SPACED_PAIR, _WORD_PAIR):
        forms.update(a + b for a, b in pairs.findall(page))
    if whole:
        forms.update(_key(text) for text in texts)
    forms.discard("")
    return forms


def _strings(data: object) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)
