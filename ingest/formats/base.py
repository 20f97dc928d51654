"""The contract between the import run (ingest.services) and a delivery format.

The run opens the file (encoding detected, delimiter sniffed, `.xlsx` read through openpyxl), maps the header onto
the format's canonical column names (extra columns ignored; a missing required column rejects the run with a message
that names it), and streams the data lines in batches:

    fmt.begin(ctx)                                  # lookups, once per run (categories, buurt shapes, addresses)
    rows = (row for batch in batches for row in fmt.convert(batch, ctx))   # Reject -> the report, row -> the load
    counts = fmt.load(rows, ctx)                    # one set-based write through the owning app's services
    fmt.finish(ctx)

all inside one transaction: above the source's reject threshold the whole run is rolled back. `convert` works on a
batch at a time so a format can vectorise (coordinate transformation, point in polygon). It yields for every line
either a row (whatever `load` takes, usually a tuple) or a `Rejected(line, reason)`.
A format that is not a table (GeoJSON) sets `table = False` and implements `lines(stream, ctx)` itself.

Added later (backward compatible):
- `Line.cells`: the line's raw cells (list of str) as read; the run builds the report's raw excerpt from them when a
  Rejected carries no `raw` of its own, so formats need not.
- `RunContext.columns`: the canonical names of the columns the file has (set before begin, for table formats).
- A Reject raised from begin/load/finish rejects the whole run with its message.
- `RunContext.facts_source`: the dashboards.Source the run feeds (ImportSource.facts_source), or None for reference
  data; `RunContext.progress(fraction)` is called by the run, formats with `table = False` may call it themselves.
- `Format.accept_extensions`: file name endings the upload form accepts (default: .csv, .txt, .xlsx).
- Value helpers every format may use (decimal commas, Dutch dates, RD bounds): `parse_int`, `parse_decimal`,
  `parse_date`, `parse_datetime`, `parse_time`, `DateParser` (cached, for millions of rows), `in_rd_bounds`.
  Each raises Reject with a Dutch reason on bad input and returns None for an empty cell.
- The run (ingest.services) rejects the whole file for file-level problems (empty, binary, missing required columns,
  a line longer than ingest.reading.MAX_LINE_BYTES, mixed encodings) and raises nothing into the format.
"""
import datetime
import re
from dataclasses import dataclass, field

FORMATS = {}


@dataclass
class Line:
    """One data line: its line number in the file (the header is line 1) and its values by canonical column."""

    number: int
    values: dict
    cells: list = None  # the raw cells as read (for the report's excerpt)


@dataclass
class Rejected:
    """A line that cannot be used, with the reason in Dutch for the data steward's report."""

    line: int
    reason: str
    raw: str = ""


class Reject(Exception):
    """Raise from a per-line conversion helper; the message (Dutch) becomes the report's reason."""


@dataclass
class RunContext:
    """What a format knows of the run it serves."""

    source: object  # ingest.ImportSource
    run: object = None  # ingest.ImportRun (None in parser unit tests)
    today: object = None  # datetime.date, for "date in the future" checks
    notes: dict = field(default_factory=dict)  # counted remarks for the report, e.g. {"niet ingedeeld: A99": 3}
    state: dict = field(default_factory=dict)  # the format's own lookups, filled by begin()
    facts_source: object = None  # dashboards.Source the run feeds, or None (reference data)
    columns: tuple = ()  # canonical names of the columns present in the file (table formats)
    on_progress: object = None  # callable(fraction 0..1), set by the run

    def note(self, text, count=1):
        self.notes[text] = self.notes.get(text, 0) + count

    def progress(self, fraction):
        if self.on_progress is not None:
            self.on_progress(fraction)


class Format:
    code = ""  # e.g. "politie-bvh"; ImportSource.format holds it
    name = ""  # Dutch label
    columns: dict = {}  # canonical name -> accepted header spellings (matched case- and space-insensitively)
    required: tuple = ()  # canonical names that must be present
    table = True
    batch_size = 20_000
    accept_extensions = (".csv", ".txt", ".xlsx")

    def begin(self, ctx: RunContext):
        """Load what every line needs (once per run)."""

    def convert(self, batch: list, ctx: RunContext):
        """Yield a row or a Rejected for every Line of the batch."""
        raise NotImplementedError

    def load(self, rows, ctx: RunContext):
        """Write the accepted rows set-based through the owning app's services; return a LoadCounts-like object
        with inserted, updated and unchanged."""
        raise NotImplementedError

    def finish(self, ctx: RunContext):
        """After the load, inside the same transaction."""

    def lines(self, stream, ctx: RunContext):
        """Only for formats with table = False: yield Line objects from the binary stream."""
        raise NotImplementedError


def register(cls):
    FORMATS[cls.code] = cls()
    return cls


def format_for(code):
    return FORMATS[code]


# -- value helpers ------------------------------------------------------------------------------------------------
# Dutch exports: decimal commas ("1.234,5" or "1234,5"), dates "20-9-2017", "20-09-2017 17:30", "20-9-2017 17:30:05",
# ISO ("2017-09-20", "2017-09-20T17:30:00"); Excel cells arrive as their text (ingest.reading).

_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\.\d+)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_int(text):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text.replace(".", "") if "," not in text else text.split(",")[0].replace(".", ""))
    except ValueError:
        raise Reject(f"geen geheel getal: {text[:40]!r}") from None


def parse_decimal(text):
    """'1.234,5' -> 1234.5, '1234,5' -> 1234.5, '1234.5' -> 1234.5 (a dot alone is a decimal point)."""
    text = (text or "").strip()
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise Reject(f"geen getal: {text[:40]!r}") from None


def parse_date(text):
    text = (text or "").strip()
    if not text:
        return None
    value = _date(text.split(" ", 1)[0].split("T", 1)[0])
    if value is None:
        raise Reject(f"onleesbare datum: {text[:40]!r}")
    return value


def _date(text):
    match = _DUTCH_DATE.match(text)
    try:
        if match:
            day, month, year = map(int, match.groups())
            return datetime.date(year, month, day)
        match = _ISO_DATE.match(text) or _COMPACT_DATE.match(text)
        if match:
            year, month, day = map(int, match.groups())
            return datetime.date(year, month, day)
    except ValueError:
        return None
    return None


def parse_time(text):
    text = (text or "").strip()
    if not text:
        return None
    match = _TIME.match(text)
    if match:
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour == 24 and minute == 0 and second == 0:
            hour = 0
        if hour < 24 and minute < 60 and second < 60:
            return datetime.time(hour, minute, second)
    raise Reject(f"onleesbare tijd: {text[:40]!r}")


def parse_datetime(text):
    """'20-9-2017 17:30' -> (date, time); a date alone -> (date, None); empty -> (None, None)."""
    text = (text or "").strip()
    if not text:
        return None, None
    if "T" in text and text[:4].isdigit():
        day_text, _, time_text = text.partition("T")
    else:
        day_text, _, time_text = text.partition(" ")
    day = _date(day_text)
    if day is None:
        raise Reject(f"onleesbare datum: {text[:40]!r}")
    time_text = time_text.strip()
    if time_text.endswith("Z") or "+" in time_text:
        time_text = time_text.rstrip("Z").split("+", 1)[0]
    return day, (parse_time(time_text) if time_text else None)


class DateParser:
    """parse_datetime with a cache per date part and per time part: a delivery of millions of rows has a few
    thousand distinct dates and at most 86,400 distinct times, so each is parsed once."""

    def __init__(self):
        self.days = {}
        self.times = {"": None}

    def __call__(self, text):
        if not text:
            return None, None
        day_text, _, time_text = text.strip().replace("T", " ", 1).partition(" ")
        day = self.days.get(day_text)
        if day is None:
            day = _date(day_text)
            if day is None:
                raise Reject(f"onleesbare datum: {text[:40]!r}")
            self.days[day_text] = day
        try:
            return day, self.times[time_text]
        except KeyError:
            time = parse_time(time_text.strip().rstrip("Z").split("+", 1)[0])
            if len(self.times) < 200_000:
                self.times[time_text] = time
            return day, time


# Rijksdriehoek (EPSG:28992): the bounds of the Netherlands (the EPSG area of use, land and territorial sea).
RD_BOUNDS = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)  # min x, min y, max x, max y


def in_rd_bounds(x, y):
    min_x, min_y, max_x, max_y = RD_BOUNDS
    return min_x <= x <= max_x and min_y <= y <= max_y
