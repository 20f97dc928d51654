"""The one CSV export of the platform: streamed, UTF-8 with a BOM (Excel), `;`-separated (Dutch Excel), and every
cell through one formula-injection guard.

    return csv_response(filename="uitdraai-signalen.csv", header=[_("Adres"), ...], rows=(... for row in rows))

Every download (the audit trail, the hit report, the bulk check) goes through `csv_response`; nothing else writes
CSV for a user. Numbers (int, float, Decimal) are written as numbers; every other value is text and passes
`csv_safe`.
"""
import csv
import re
from decimal import Decimal

from django.http import StreamingHttpResponse

BOM = "\ufeff"
DELIMITER = ";"

# A spreadsheet reads a cell as a formula (or a DDE command) when it starts with one of these, also after leading
# spaces: = + - @ and their full-width forms, which some spreadsheet versions and input methods treat alike.
FORMULA_CHARS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
# A tab, carriage return or line feed at the very start is refused as well (OWASP's list: tab and CR start a new
# cell or row in some importers, after which the rest of the text is read as a formula).
CONTROL_START = frozenset("\t\r\n")


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet run this cell (or part of it) as a formula?"""
    if not text:
        return False
    if text[0] in CONTROL_START:
        return True
    stripped = text.lstrip()
    return bool(stripped) and stripped[0] in FORMULA_CHARS


def csv_safe(value) -> str:
    """The text of one cell, with a leading apostrophe where a spreadsheet would otherwise read a formula. None is an
    empty cell; numbers stay numbers (a negative amount is a number, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if is_formula_like(text) else text


class _Line:
    """File-like target for csv.writer that hands back each written line instead of storing it."""

    def write(self, line):
        return line


def csv_lines(*, header, rows, delimiter: str = DELIMITER):
    """The lines of the export, BOM first: the header, then every row; every cell through `csv_safe`."""
    writer = csv.writer(_Line(), delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    yield BOM
    yield writer.writerow([csv_safe(str(cell)) for cell in header])
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])


def _filename(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "export"
    return name if name.lower().endswith(".csv") else f"{name}.csv"


def csv_response(*, filename: str, header, rows, delimiter: str = DELIMITER, headers=None) -> StreamingHttpResponse:
    """A download of `rows` (an iterable of sequences, read while the response is sent) under `header`."""
    response = StreamingHttpResponse(
        csv_lines(header=header, rows=rows, delimiter=delimiter), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    for key, value in (headers or {}).items():
        response[key] = value
    return response
