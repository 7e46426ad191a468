"""CSV that Résilia writes (the operator's manifest, exports): safe to open in a spreadsheet.

A cell that begins with = + - @, a tab or a carriage return is read by spreadsheets as a
formula (CSV injection: a customer's name "=HYPERLINK(...)" would run on the operator's
desk). Such cells are prefixed with an apostrophe, which spreadsheets show as text.
"""

import csv
import io
from collections.abc import Iterable

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
