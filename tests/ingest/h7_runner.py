"""Run one delivery format over a file the way the import run does (the file opened and its header mapped by
ingest.reading; lines in batches; begin, convert, load, finish), for the format tests of cbs-statline, meldingen and
hennep. The run service itself (threshold, transaction, report, sha256) has its own tests."""
import datetime
import tempfile
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings

from dashboards.models import Source
from ingest.formats import RunContext, format_for
from ingest.formats.base import Rejected
from ingest.reading import open_table

FIXTURES = Path(__file__).parent / "fixtures"


def fixtures_delivered():
    """The day the committed fixtures (fixtures/*) were delivered, in their own timeline: their rows lie before it,
    and each holds one row dated on the next day (meldingen id 1005, hennep HR-2024-005, CBS period ...MM01 of that
    year) that must be refused as in the future. Read from the meldingen export's row 1005, so it stays the same
    whatever the calendar says: with timezone.localdate() those rows would stop being in the future once their day
    has come."""
    for line in (FIXTURES / "meldingen_signalen_tdo.csv").read_text(encoding="utf-8").splitlines():
        if line.startswith("1005,"):
            return datetime.date.fromisoformat(line.split(",")[1][:10]) - datetime.timedelta(days=1)
    raise LookupError("meldingen_signalen_tdo.csv has no row 1005")


TODAY = fixtures_delivered()


def run_format(code, data, *, facts_source="", today=TODAY, batch_size=3):
    """data: a path, or the file's text; returns an object with counts, rejected (list of Rejected) and ctx. The run's
    day is the fixtures' delivery day (TODAY) unless given: a test with rows of its own dated from the calendar passes
    timezone.localdate()."""
    fmt = format_for(code)
    with tempfile.TemporaryDirectory() as folder:
        if isinstance(data, str):
            path = Path(folder) / f"{code}.csv"
            path.write_text(data, encoding="utf-8")
        else:
            path = data
        source = Source.objects.filter(code=facts_source).first() if facts_source else None
        ctx = RunContext(source=SimpleNamespace(code=code, facts_source=facts_source), today=today,
                         facts_source=source)
        table = open_table(path, fmt)
        rejected = []
        fmt.begin(ctx)

        def rows():
            for lines, refused in table.batches(batch_size):
                rejected.extend(refused)
                for item in fmt.convert(lines, ctx):
                    if isinstance(item, Rejected):
                        rejected.append(item)
                    else:
                        yield item

        try:
            counts = fmt.load(rows(), ctx)
            fmt.finish(ctx)
        finally:
            table.close()
    return SimpleNamespace(counts=counts, rejected=rejected, ctx=ctx)


def square(lon, lat, size=0.1):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                 [lon, lat + size], [lon, lat]]]}


def make_geography():
    """Proefdorp (GM9901): buurt A is the square 5.0–5.1 × 52.0–52.1, buurt B the square east of it; addresses
    9901AA 12 (in A), 9901AA 14 and 14A (in A), 9901AB 3 (B's point, without a buurt of its own), 9901AB 5 (B)."""
    from areas.models import Address, Buurt, Municipality, Wijk

    municipality = Municipality.objects.create(code="GM9901", name="Proefdorp")
    wijk = Wijk.objects.create(code="WK990101", name="Noord", municipality=municipality)
    a = Buurt.objects.create(code="BU99010101", name="A", wijk=wijk, geometry=square(5.0, 52.0), indeling_jaar=2024)
    b = Buurt.objects.create(code="BU99010102", name="B", wijk=wijk, geometry=square(5.1, 52.0), indeling_jaar=2024)
    Address.objects.create(bag_id="0999200000000012", street="Dorpsstraat", number=12, postcode="9901AA",
                           city="Proefdorp", buurt=a, lon=5.04, lat=52.04)
    Address.objects.create(bag_id="0999200000000014", street="Dorpsstraat", number=14, postcode="9901AA",
                           city="Proefdorp", buurt=a, lon=5.041, lat=52.04)
    Address.objects.create(bag_id="0999200000000015", street="Dorpsstraat", number=14, letter="A", postcode="9901AA",
                           city="Proefdorp", buurt=a, lon=5.042, lat=52.04)
    Address.objects.create(bag_id="0999200000000003", street="Kerkweg", number=3, postcode="9901AB",
                           city="Proefdorp", buurt=None, lon=5.13, lat=52.03)
    Address.objects.create(bag_id="0999200000000005", street="Kerkweg", number=5, postcode="9901AB",
                           city="Proefdorp", buurt=b, lon=5.14, lat=52.03)
    return SimpleNamespace(municipality=municipality, a=a, b=b)


def run_through_service(*, format_code, facts_source, path, threshold=100, code=None):
    """The whole import run (ingest.services: stored file, sha256, one transaction, threshold, report) for a file;
    returns the finished ImportRun. The service takes its day from the clock, so the clock travels to the fixtures'
    delivery day (noon in the project's time zone), where their future rows are still in the future."""
    from ingest import services
    from ingest.models import ImportSource

    source, _created = ImportSource.objects.get_or_create(
        code=code or f"h7-{format_code}",
        defaults={"name": format_code, "format": format_code, "facts_source": facts_source,
                  "reject_threshold": threshold})
    moment = datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(moment):
        run = services.run_start(source=source, file=path, file_name=Path(path).name, queue=False)
        return services.run_process(run_id=run.pk)
