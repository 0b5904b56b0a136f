"""Reading and writing other formats: JSON Lines of events, data.police.uk, ANPR hit files.

- :mod:`anpr_ops.interop.jsonl` — the interchange format, one event per line, both ways;
- :mod:`anpr_ops.interop.police_uk` — data.police.uk stop-and-search CSV and API JSON in,
  CSV out (vocabularies in :mod:`anpr_ops.interop.police_uk.vocabulary`);
- :mod:`anpr_ops.interop.hits` — CSV files of ANPR hits in.

Every importer reads the whole file before writing, writes it as one atomic batch, and
reports a bad row as a :class:`SourceFormatError` naming its line (or JSON item) and column.
"""

from __future__ import annotations

from anpr_ops.errors import SourceFormatError
from anpr_ops.interop._source import RejectedRow, rejects_path, write_rejects

__all__ = ["RejectedRow", "SourceFormatError", "rejects_path", "write_rejects"]
