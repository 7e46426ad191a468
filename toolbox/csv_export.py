"""CSV that Résilia writes (the operator's manifest, exports): safe to open in a spreadsheet.

A cell that begins with = + - @, a tab or a carriage return is read by spreadsheets as a
formula (CSV injection: a customer's name "=HYPERLINK(...)" would run on the operator's
desk). Such cells are prefixed with an apostrophe, which spreadsheets show as text.
"""

import csv
import io
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralised(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralised(cell) for cell in row])
    return out.getvalue()


class _Line:
    """A file-like object whose write() hands back the line csv.writer just wrote."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Iterable[object], rows: Iterable[Iterable[object]], *, delimiter: str = ","
) -> Iterator[str]:
    """The same CSV as csv_text, one line at a time, for a streamed response: UTF-8 with a
    byte-order mark first, so Excel reads the accents. A spreadsheet set to French reads
    columns split by `;` (its decimal separator is the comma)."""
    writer = csv.writer(_Line(), delimiter=delimiter)
    yield "\ufeff" + writer.writerow([neutralised(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralised(cell) for cell in row])
