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
"""
from dataclasses import dataclass, field

FORMATS = {}


@dataclass
class Line:
    """One data line: its line number in the file (the header is line 1) and its values by canonical column."""

    number: int
    values: dict


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

    def note(self, text, count=1):
        self.notes[text] = self.notes.get(text, 0) + count


class Format:
    code = ""  # e.g. "politie-bvh"; ImportSource.format holds it
    name = ""  # Dutch label
    columns: dict = {}  # canonical name -> accepted header spellings (matched case- and space-insensitively)
    required: tuple = ()  # canonical names that must be present
    table = True
    batch_size = 20_000

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
