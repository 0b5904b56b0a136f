"""The police forces data.police.uk knows: their ids and names.

An operation names its force by the data.police.uk id (``metropolitan``). People write the
name instead ("Metropolitan Police Service"), so :func:`force_id` takes either — whatever the
case, with ``&`` for "and" and spaces for hyphens — and refuses anything else with the close
matches. The list is that of ``https://data.police.uk/api/forces`` (the 43 forces of England and
Wales and the Police Service of Northern Ireland) and British Transport Police (``btp``), whose
stop and search data.police.uk publishes under that id.

>>> force_id("Metropolitan Police Service"), force_id("city-of-london"), force_id("BTP")
('metropolitan', 'city-of-london', 'btp')
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from anpr_ops._messages import shown
from anpr_ops.errors import UnknownForceError

__all__ = ["FORCES", "force_id", "force_name"]

#: data.police.uk force id -> the force's name as data.police.uk gives it.
FORCES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "avon-and-somerset": "Avon and Somerset Constabulary",
        "bedfordshire": "Bedfordshire Police",
        "btp": "British Transport Police",
        "cambridgeshire": "Cambridgeshire Constabulary",
        "cheshire": "Cheshire Constabulary",
        "city-of-london": "City of London Police",
        "cleveland": "Cleveland Police",
        "cumbria": "Cumbria Constabulary",
        "derbyshire": "Derbyshire Constabulary",
        "devon-and-cornwall": "Devon & Cornwall Police",
        "dorset": "Dorset Police",
        "durham": "Durham Constabulary",
        "dyfed-powys": "Dyfed-Powys Police",
        "essex": "Essex Police",
        "gloucestershire": "Gloucestershire Constabulary",
        "greater-manchester": "Greater Manchester Police",
        "gwent": "Gwent Police",
        "hampshire": "Hampshire Constabulary",
        "hertfordshire": "Hertfordshire Constabulary",
        "humberside": "Humberside Police",
        "kent": "Kent Police",
        "lancashire": "Lancashire Constabulary",
        "leicestershire": "Leicestershire Police",
        "lincolnshire": "Lincolnshire Police",
        "merseyside": "Merseyside Police",
        "metropolitan": "Metropolitan Police Service",
        "norfolk": "Norfolk Constabulary",
        "north-wales": "North Wales Police",
        "north-yorkshire": "North Yorkshire Police",
        "northamptonshire": "Northamptonshire Police",
        "northern-ireland": "Police Service of Northern Ireland",
        "northumbria": "Northumbria Police",
        "nottinghamshire": "Nottinghamshire Police",
        "south-wales": "South Wales Police",
        "south-yorkshire": "South Yorkshire Police",
        "staffordshire": "Staffordshire Police",
        "suffolk": "Suffolk Constabulary",
        "surrey": "Surrey Police",
        "sussex": "Sussex Police",
        "thames-valley": "Thames Valley Police",
        "warwickshire": "Warwickshire Police",
        "west-mercia": "West Mercia Police",
        "west-midlands": "West Midlands Police",
        "west-yorkshire": "West Yorkshire Police",
        "wiltshire": "Wiltshire Police",
    }
)

_OTHER = re.compile(r"[^a-z0-9]+")


def _key(text: str) -> str:
    """``text`` compared without regard to case, ``&``/``and``, spaces or punctuation."""
    return _OTHER.sub("-", text.casefold().replace("&", " and ")).strip("-")


_BY_KEY: Final = {
    **{_key(name): force for force, name in FORCES.items()},
    **{force: force for force in FORCES},
}


def force_id(text: str) -> str:
    """The data.police.uk id of the force ``text`` names: its id or its name.

    Raises :class:`~anpr_ops.errors.UnknownForceError` (``suggestions``: close matches) for
    anything else.
    """
    found = _BY_KEY.get(_key(text))
    if found is not None:
        return found
    close = difflib.get_close_matches(_key(text), list(_BY_KEY), n=3, cutoff=0.6)
    suggestions = tuple(dict.fromkeys(_BY_KEY[c] for c in close))
    hint = (
        f"; did you mean {', '.join(suggestions)}?"
        if suggestions
        else "; give a data.police.uk force id (e.g. metropolitan) or name"
    )
    message = f"{shown(text)} is not a police force data.police.uk knows{hint}"
    raise UnknownForceError(message, suggestions=suggestions)


def force_name(force: str) -> str:
    """The name of the force with data.police.uk id ``force`` (the id itself if unknown)."""
    return FORCES.get(force, force)
