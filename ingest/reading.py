"""Opening a delivered file: encoding, delimiter, header, and the data lines streamed in batches.

    table = open_table(path, fmt)            # FileRefused (Dutch message) for a file that cannot be read at all
    for lines, rejected in table.batches():  # lists of base.Line and of base.Rejected (lines of the wrong shape)
        ...
    table.close()

Memory stays flat: the file is read line by line (never whole), and a line longer than MAX_LINE_BYTES stops the run
with a clear message (so a 50 MB single line is never held), as does a field longer than csv's field limit.

Encoding: a UTF-8 BOM means UTF-8, a UTF-16 BOM UTF-16 (Excel's "Unicode text"). charset-normalizer judges a sample
from the start: data that is not text (binary, an image, random bytes) is refused. Otherwise the first line that is
not plain ASCII decides, while streaming: valid UTF-8 -> UTF-8, else Windows-1252 (the superset of Latin-1 that
Excel writes on Dutch Windows). Mixed encodings are refused, not guessed per line: a later non-ASCII line in the
other encoding stops the run with both line numbers, so the data steward can save the file again in one encoding
(guessing per line would silently store wrong names; UTF-8 is recognisable, but a Windows-1252 line in a UTF-8 file
is a sign of a file pasted together from several exports).

Delimiter: the most frequent of `;` `,` tab `|` in the header line. `.xlsx` is read with openpyxl in read-only
(streaming) mode; cells come as text (dates as ISO text, whole numbers without ".0"), formulas are never evaluated:
a cell starting with = + - @ stays the text it is.

Header names map onto the format's canonical columns ignoring case, spaces and punctuation ("Begin-pleegdatum/tijd"
= "begin pleegdatum tijd"); extra columns are ignored; missing required columns refuse the file, naming them.
"""
import codecs
import csv
import datetime
import re

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

from .formats.base import Line, Rejected

MAX_LINE_BYTES = 1024 * 1024  # one line (a record) of a delivery; BVH lines are a few hundred bytes
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (";", ",", "\t", "|")
RAW_EXCERPT = 200


class FileRefused(Exception):
    """The file as a whole cannot be read; the message (Dutch) is the run's message."""

    def __init__(self, message):
        self.message = message
        super().__init__(message)


def normalise_name(text):
    return re.sub(r"[^0-9a-z]", "", (text or "").replace("\ufeff", "").lower())


def column_lookup(fmt):
    lookup = {}
    for canonical, spellings in fmt.columns.items():
        for spelling in (canonical, *spellings):
            lookup.setdefault(normalise_name(spelling), canonical)
    return lookup


def map_header(header, fmt):
    """{canonical: index} for the header's columns the format knows; FileRefused when required ones are missing."""
    lookup = column_lookup(fmt)
    mapping = {}
    for index, name in enumerate(header):
        canonical = lookup.get(normalise_name(name))
        if canonical is not None and canonical not in mapping:
            mapping[canonical] = index
    missing = [name for name in fmt.required if name not in mapping]
    if missing:
        labels = [_label(fmt, name) for name in missing]
        message = _("Verplichte kolommen ontbreken: %(missing)s.") % {"missing": ", ".join(labels)}
        if len(header) <= 1:
            message += " " + _("De kopregel heeft maar één kolom: is het scheidingsteken juist (verwacht ; , tab of |)?")
        else:
            message += " " + _("Gevonden kolommen: %(found)s.") % {"found": ", ".join(h[:40] for h in header[:30])}
        raise FileRefused(message)
    return mapping


def _label(fmt, canonical):
    spellings = fmt.columns.get(canonical) or ()
    return spellings[0] if spellings else canonical


def sniff_delimiter(line):
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties: the first (";", as Dutch Excel writes)
    return best if counts[best] else ";"


def _is_binary(sample):
    if not sample:
        return False
    controls = sum(1 for b in sample[:8192] if b < 32 and b not in (9, 10, 13))
    if b"\x00" in sample[:8192] or controls > len(sample[:8192]) * 0.01:
        return True
    return from_bytes(sample[:SAMPLE_BYTES]).best() is None


def _cp1252(line):
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        return line.decode("latin-1")  # the five bytes Windows-1252 leaves undefined


def open_table(path, fmt, *, file_name=""):
    name = (file_name or str(path)).lower()
    with open(path, "rb") as probe:
        head = probe.read(SAMPLE_BYTES)
    if not head.strip():
        raise FileRefused(_("Het bestand is leeg."))
    if head.startswith(b"PK\x03\x04"):
        if name.endswith((".xlsx", ".xlsm")) or not name.endswith((".csv", ".txt")):
            return XlsxTable(path, fmt)
        raise FileRefused(_("Dit is geen tekstbestand maar een ingepakt bestand (zip of Excel); lever CSV of .xlsx."))
    return CsvTable(path, fmt, head)


class CsvTable:
    kind = "csv"

    def __init__(self, path, fmt, head):
        self.fmt = fmt
        self.raw = open(path, "rb")
        self.size = max(1, self.raw.seek(0, 2))
        self.raw.seek(0)
        self.bytes_read = 0
        self.first_special = None  # line number of the first non-ASCII line (it decided the encoding)
        if head.startswith(codecs.BOM_UTF8):
            self.encoding = "utf-8-sig"
            self.raw.read(3)
            self.bytes_read = 3
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self.encoding = "utf-16"
        elif _is_binary(head):
            self.close()
            raise FileRefused(_("Het bestand is geen tekstbestand (binaire gegevens); lever een CSV- of .xlsx-bestand."))
        else:
            self.encoding = None  # decided by the first line that is not plain ASCII
        self.line_no = 0
        self._lines = self._text_lines()
        header_line = next(self._lines, None)
        while header_line is not None and not header_line.strip():
            header_line = next(self._lines, None)
        if header_line is None:
            self.close()
            raise FileRefused(_("Het bestand is leeg."))
        self.header_line_no = self.line_no
        self.delimiter = sniff_delimiter(header_line)
        self.header = [h.strip() for h in next(csv.reader([header_line], delimiter=self.delimiter))]
        try:
            self.mapping = map_header(self.header, fmt)
        except FileRefused:
            self.close()
            raise

    @property
    def encoding_label(self):
        return {None: "UTF-8", "utf-8": "UTF-8", "utf-8-sig": "UTF-8 (met BOM)", "utf-16": "UTF-16",
                "cp1252": "Windows-1252"}[self.encoding]

    def _text_lines(self):
        if self.encoding == "utf-16":
            yield from self._utf16_lines()
            return
        readline = self.raw.readline
        limit = MAX_LINE_BYTES
        while True:
            line = readline(limit + 1)
            if not line:
                return
            self.line_no += 1
            if len(line) > limit:
                raise FileRefused(
                    _("Regel %(line)s is langer dan %(limit)s MB. Dit is geen geldig bestand van dit formaat "
                      "(ontbreken de regeleinden?).") % {"line": self.line_no, "limit": limit // (1024 * 1024)}
                )
            self.bytes_read += len(line)
            if line.isascii():
                yield line.decode("ascii")
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if self.encoding is None:
                self.encoding = "utf-8" if text is not None else "cp1252"
                self.first_special = self.line_no
            if self.encoding == "cp1252":
                if text is not None:
                    raise FileRefused(self._mixed("Windows-1252", "UTF-8"))
                yield _cp1252(line)
            elif text is None:
                raise FileRefused(self._mixed("UTF-8", "Windows-1252"))
            else:
                yield text

    def _utf16_lines(self):
        import io

        self.raw.seek(0)
        text = io.TextIOWrapper(self.raw, encoding="utf-16", newline="")
        limit = MAX_LINE_BYTES // 2
        try:
            while True:
                line = text.readline(limit + 1)
                if not line:
                    return
                self.line_no += 1
                if len(line) > limit:
                    raise FileRefused(_("Regel %(line)s is langer dan %(limit)s MB. Dit is geen geldig bestand van "
                                        "dit formaat (ontbreken de regeleinden?).")
                                      % {"line": self.line_no, "limit": MAX_LINE_BYTES // (1024 * 1024)})
                self.bytes_read += 2 * len(line)
                yield line
        except UnicodeDecodeError:
            raise FileRefused(self._mixed("UTF-16", _("een andere codering"))) from None

    def _mixed(self, first, other):
        if self.first_special is None:
            return _(
                "Het bestand bevat gemengde tekencoderingen: het is opgeslagen als %(first)s, maar regel %(line)s is "
                "%(other)s. Sla het bestand opnieuw op in één codering (bij voorkeur UTF-8) en lever het opnieuw aan."
            ) % {"first": first, "other": other, "line": self.line_no}
        return _(
            "Het bestand bevat gemengde tekencoderingen: regel %(first_line)s is %(first)s, regel %(line)s is "
            "%(other)s. Sla het bestand opnieuw op in één codering (bij voorkeur UTF-8) en lever het opnieuw aan."
        ) % {"first": first, "first_line": self.first_special, "other": other, "line": self.line_no}

    @property
    def fraction(self):
        return min(1.0, self.bytes_read / self.size)

    def batches(self, size=None):
        """Yield (lines, rejected) per batch: Line objects, and Rejected for lines of the wrong shape."""
        size = size or self.fmt.batch_size
        mapping = list(self.mapping.items())
        need = max(index for _name, index in mapping) + 1 if mapping else 0
        width = len(self.header)
        delimiter = self.delimiter
        reader = csv.reader(self._lines, delimiter=delimiter)
        lines, rejected = [], []
        previous = self.line_no
        try:
            for cells in reader:
                number = previous + 1
                previous = self.line_no
                if len(cells) >= need and len(cells) <= width:
                    values = {name: cells[index].strip() for name, index in mapping}
                    lines.append(Line(number, values, cells))
                elif not any(cell.strip() for cell in cells):
                    continue  # an empty line
                elif len(cells) > width:
                    rejected.append(Rejected(number, _(
                        "de regel heeft %(n)s kolommen, de kopregel %(width)s (een scheidingsteken in een waarde "
                        "zonder aanhalingstekens?)") % {"n": len(cells), "width": width},
                        delimiter.join(cells)[:RAW_EXCERPT]))
                else:
                    rejected.append(Rejected(number, _(
                        "de regel heeft %(n)s kolommen, de kopregel %(width)s (verkeerd scheidingsteken of een "
                        "afgebroken regel?)") % {"n": len(cells), "width": width},
                        delimiter.join(cells)[:RAW_EXCERPT]))
                if len(lines) + len(rejected) >= size:
                    yield lines, rejected
                    lines, rejected = [], []
        except csv.Error as exc:
            raise FileRefused(_("Regel %(line)s is niet te lezen (%(error)s): controleer aanhalingstekens en "
                                "scheidingstekens.") % {"line": self.line_no, "error": exc}) from None
        if lines or rejected:
            yield lines, rejected

    def close(self):
        self.raw.close()


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.hour == value.minute == value.second == 0:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


class XlsxTable:
    kind = "xlsx"
    encoding_label = "xlsx"
    delimiter = ""

    def __init__(self, path, fmt):
        import zipfile

        from openpyxl import load_workbook

        self.fmt = fmt
        try:
            # data_only=False: a formula is kept as its text, never evaluated or taken for a value
            self.book = load_workbook(path, read_only=True, data_only=False)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise FileRefused(_("Het Excel-bestand is niet te lezen (%(error)s).") % {"error": exc}) from None
        self.sheet = self.book.worksheets[0]
        self.total = max(1, self.sheet.max_row or 1)
        self.rows = self.sheet.iter_rows(values_only=True)
        self.line_no = 0
        header = None
        for row in self.rows:
            self.line_no += 1
            cells = [_cell_text(v).strip() for v in row]
            if any(cells):
                header = cells
                break
        if header is None:
            self.close()
            raise FileRefused(_("Het bestand is leeg."))
        while header and not header[-1]:
            header.pop()
        self.header = header
        try:
            self.mapping = map_header(header, fmt)
        except FileRefused:
            self.close()
            raise

    @property
    def fraction(self):
        return min(1.0, self.line_no / self.total)

    def batches(self, size=None):
        size = size or self.fmt.batch_size
        mapping = list(self.mapping.items())
        lines, rejected = [], []
        for row in self.rows:
            self.line_no += 1
            cells = [_cell_text(v) for v in row]
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) < len(self.header):
                cells += [""] * (len(self.header) - len(cells))
            lines.append(Line(self.line_no, {name: cells[index].strip() for name, index in mapping}, cells))
            if len(lines) >= size:
                yield lines, rejected
                lines, rejected = [], []
        if lines or rejected:
            yield lines, rejected

    def close(self):
        self.book.close()
