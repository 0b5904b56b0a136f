"""data.police.uk stop and search: import the monthly CSV files and the API's JSON, export CSV.

A row of a data.police.uk file is one search of one person or vehicle. Importing it gives a
``search`` event and, when the row has an outcome (no further action included), an
``outcome`` event naming the search. The files hold no names, plates, grounds or offence
codes, so:

- a vehicle search says ``vrm_unknown: true``;
- every row gets a synthetic ``subject_ref`` (``pu-person-`` and a digest of the row), on
  the search when a person was searched and on the outcome: it tells rows apart and carries
  nothing about the person;
- ``grounds`` says they were not published (:data:`GROUNDS_NOT_PUBLISHED`);
- an outcome whose disposal needs offences (arrest, summons) says ``offences_unknown: true``,
  so reports count it under the ``unknown`` category.

Event ids come from the row's content, the operation and how many identical rows came
before it in the same file (real files hold identical rows: several people searched
together), so importing a file twice is a no-op and no row is lost. A later, corrected
release of the same month is noticed: rows imported earlier for those months that are not in
the new file are reported, and retracted only when asked (``earlier="supersede"``).

Export writes the current vocabulary with the 15 columns in their order, ``Date`` in UTC
with ``+00:00`` and coordinates to six decimals; never a plate or a subject reference.
``docs/interop.md`` has the tables both ways and what each direction loses.

The package's modules, each importing only those listed before it:

- :mod:`~anpr_ops.interop.police_uk.vocabulary` — the published strings and the event
  vocabulary they stand for, both ways (``PoliceUkMapping``);
- :mod:`~anpr_ops.interop.police_uk.record` — the 15 columns, :class:`PoliceUkRecord` and
  :class:`PoliceUkRows`;
- :mod:`~anpr_ops.interop.police_uk.reading` — CSV and API JSON into records;
- :mod:`~anpr_ops.interop.police_uk.importing` — records into events, ids, corrected
  releases, :func:`import_police_uk`;
- :mod:`~anpr_ops.interop.police_uk.exporting` — events into records and CSV,
  :func:`export_police_uk`.

>>> import io
>>> from anpr_ops import OpLog
>>> csv_text = HEADER_LINE + (
...     "Person search,2020-01-01T05:08:30+00:00,,,51.512598,-0.084967,Male,10-17,"
...     "Other ethnic group - Not stated,Black,Misuse of Drugs Act 1971 (section 23),"
...     "Controlled drugs,Arrest,True,False\\r\\n")
>>> with OpLog.memory() as log:
...     result = import_police_uk(log, io.StringIO(csv_text), "city-2020-01",
...                               force="city-of-london")
...     out = io.StringIO()
...     _ = export_police_uk(log, "city-2020-01", out)
>>> (result.searches, result.outcomes, out.getvalue() == csv_text)
(1, 1, True)
"""

from __future__ import annotations

from anpr_ops.errors import EarlierRowsError, ImportRefusedError
from anpr_ops.interop.police_uk.exporting import (
    PoliceUkExport,
    export_police_uk,
    police_uk_records,
    write_police_uk_csv,
)
from anpr_ops.interop.police_uk.importing import (
    Earlier,
    PoliceUkImport,
    import_police_uk,
    police_uk_events,
)
from anpr_ops.interop.police_uk.reading import (
    guess_from_file_name,
    read_police_uk_csv,
    read_police_uk_json,
)
from anpr_ops.interop.police_uk.record import (
    GROUNDS_NOT_PUBLISHED,
    HEADER,
    HEADER_LINE,
    PoliceUkRecord,
    PoliceUkRows,
)

__all__ = [
    "GROUNDS_NOT_PUBLISHED",
    "HEADER",
    "HEADER_LINE",
    "Earlier",
    "EarlierRowsError",
    "ImportRefusedError",
    "PoliceUkExport",
    "PoliceUkImport",
    "PoliceUkRecord",
    "PoliceUkRows",
    "export_police_uk",
    "guess_from_file_name",
    "import_police_uk",
    "police_uk_events",
    "police_uk_records",
    "read_police_uk_csv",
    "read_police_uk_json",
    "write_police_uk_csv",
]
