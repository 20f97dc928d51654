"""Run a reference-data format (cbs-gebieden, cbs-kerncijfers, bag-adressen) over a file the way the import run
does (begin, lines or the table reader in batches, convert, load, finish), without an ImportRun: RunContext(source=
None). The run service (threshold, transaction, report) has its own tests in ingest."""
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings

from ingest.formats import RunContext, format_for
from ingest.formats.base import Rejected
from ingest.reading import open_table

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(settings.BASE_DIR).parent / "shared" / "data"


def run_lines(code, batches, *, state=None):
    """Feed batches of Line objects (or, for table = False, nothing: see run_file) straight to the format."""
    fmt = format_for(code)
    ctx = RunContext(source=None, state=dict(state or {}))
    rejected = []
    fmt.begin(ctx)

    def rows():
        for batch in batches:
            for item in fmt.convert(batch, ctx):
                if isinstance(item, Rejected):
                    rejected.append(item)
                else:
                    yield item

    counts = fmt.load(rows(), ctx)
    fmt.finish(ctx)
    return SimpleNamespace(counts=counts, rejected=rejected, ctx=ctx)


def run_file(code, path, *, state=None, batch_size=None):
    """The whole file through the format: GeoJSON through fmt.lines, tables through ingest.reading."""
    fmt = format_for(code)
    state = dict(state or {})
    state.setdefault("file_name", Path(path).name)
    ctx = RunContext(source=None, state=state)
    rejected = []
    fmt.begin(ctx)
    size = batch_size or fmt.batch_size

    def batches():
        if fmt.table:
            table = open_table(path, fmt, file_name=Path(path).name)
            try:
                for lines, refused in table.batches(size):
                    rejected.extend(refused)
                    yield lines
            finally:
                table.close()
        else:
            with open(path, "rb") as stream:
                batch = []
                for line in fmt.lines(stream, ctx):
                    if isinstance(line, Rejected):
                        rejected.append(line)
                        continue
                    batch.append(line)
                    if len(batch) >= size:
                        yield batch
                        batch = []
                if batch:
                    yield batch

    def rows():
        for batch in batches():
            for item in fmt.convert(batch, ctx):
                if isinstance(item, Rejected):
                    rejected.append(item)
                else:
                    yield item

    counts = fmt.load(rows(), ctx)
    fmt.finish(ctx)
    return SimpleNamespace(counts=counts, rejected=rejected, ctx=ctx)
