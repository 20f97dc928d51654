"""Run one delivery format over a file the way the import run does (the file opened and its header mapped by
ingest.reading; lines in batches; begin, convert, load, finish), for the format tests of cbs-statline, meldingen and
hennep. The run service itself (threshold, transaction, report, sha256) has its own tests."""
import datetime
import tempfile
from pathlib import Path
from types import SimpleNamespace

from dashboards.models import Source
from ingest.formats import RunContext, format_for
from ingest.formats.base import Rejected
from ingest.reading import open_table

TODAY = datetime.date(2026, 12, 1)


def run_format(code, data, *, facts_source="", today=TODAY, batch_size=3):
    """data: a path, or the file's text; returns an object with counts, rejected (list of Rejected) and ctx."""
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
