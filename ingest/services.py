"""Import runs: start one for a delivered file, process it (whole or not at all), record it.

    run = run_start(source=..., file=<uploaded file or path>, file_name=..., actor=user, trigger=...)
        # stores the file (sha256, size), creates the run (queued), records the upload (AccessEvent UPLOAD) and
        # queues ingest.tasks.import_run_process on commit
    run_process(run_id=...)
        # what the task does: under a per-source lock, in ONE transaction: fmt.begin, convert per batch, load, finish;
        # above the source's reject threshold, on a refused file or on an error everything is rolled back and the
        # run's status, report and rejected lines are written after the rollback. One audit record per run
        # (audit.services.import_run_record).

Idempotent: a run already finished is left alone; a run left "running" by a killed worker is processed again (its
transaction was rolled back, so nothing of it was stored). The same file (sha256) delivered again for a source whose
earlier run of it succeeded changes nothing: the new run succeeds at once with every row counted unchanged and the
message "al ingelezen op ...", without reading the file (a re-load could undo later corrections).

Progress is visible while the run's transaction is open: it is written to the cache (a key per run, shared by all
processes through the configured cache), never inside the load transaction.
"""
import contextlib
import hashlib
import logging
import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from audit.models import AccessEvent
from audit.services import access_event_record, import_run_record

from .formats import Reject, Rejected, RunContext, format_for
from .models import ImportRun, ImportSource, RejectedRow
from .reading import RAW_EXCERPT, FileRefused, open_table

logger = logging.getLogger(__name__)

REJECTED_KEPT = 10_000  # rejected lines stored for the report and its CSV (the count is always complete)
REJECTED_IN_REPORT = 50
PROGRESS_TIMEOUT = 24 * 60 * 60
LOCK_NAMESPACE = 0x1A6E  # first key of the two-key PostgreSQL advisory lock: "ingest, source <id>"
STALE_QUEUED = timedelta(minutes=2)
INBOX_SETTLE_SECONDS = 30  # a file changed more recently may still be being written (SFTP, a copy): next scan


class SourceBusy(Exception):
    """Another run of the same source holds the source lock; try again later."""


class _RunRejected(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(message)


# -- starting a run ------------------------------------------------------------------------------------------------


def _store(file, *, source, file_name):
    """Copy the delivery into INGEST_UPLOAD_DIR/<source>/, hashing as it goes; returns (path, sha256, size)."""
    folder = Path(settings.INGEST_UPLOAD_DIR) / source.code
    folder.mkdir(parents=True, exist_ok=True)
    safe = get_valid_filename(Path(file_name).name)[:100] or "levering"
    target = folder / f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}-{safe}"
    digest = hashlib.sha256()
    size = 0
    limit = settings.INGEST_MAX_UPLOAD_BYTES
    opened = None
    if isinstance(file, (str, Path)):
        opened = open(file, "rb")
        chunks = iter(lambda: opened.read(1024 * 1024), b"")
    elif hasattr(file, "chunks"):
        chunks = file.chunks()
    else:
        chunks = iter(lambda: file.read(1024 * 1024), b"")
    try:
        with open(target, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise ValidationError(
                        _("Het bestand is groter dan de toegestane %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
                        code="too_large",
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        if opened is not None:
            opened.close()
    return target, digest.hexdigest(), size


@transaction.atomic
def run_start(*, source: ImportSource, file, file_name: str, actor=None, trigger: str = ImportRun.Trigger.UPLOAD,
              queue: bool = True) -> ImportRun:
    """Store a delivered file and create its run (queued). `file`: an uploaded file, a binary file object or a path.
    A user's delivery is recorded as an access event (upload). Queues the processing task after the commit."""
    if not source.active:
        raise ValidationError(_("Deze bron is niet actief."), code="inactive")
    path, sha256, size = _store(file, source=source, file_name=file_name)
    run = ImportRun.objects.create(
        source=source, file_name=Path(file_name).name[:255], stored_path=str(path), sha256=sha256, size=size,
        triggered_by=actor, trigger=trigger,
    )
    if actor is not None:
        access_event_record(
            action=AccessEvent.Action.UPLOAD, actor=actor, object_type="ingest.ImportRun", object_id=str(run.pk),
            object_label=f"{source.code}: {run.file_name} ({size} bytes)", query=f"sha256:{sha256}",
        )
    if queue:
        from .tasks import import_run_process

        run_id = run.pk
        transaction.on_commit(lambda: import_run_process.delay(run_id))
    return run


@transaction.atomic
def run_rejected_export(*, run: ImportRun, actor) -> int:
    """Record the download of a run's rejected lines (an export: an access event); returns how many lines."""
    count = RejectedRow.objects.filter(run=run).count()
    access_event_record(action=AccessEvent.Action.EXPORT, actor=actor, object_type="ingest.ImportRun",
                        object_id=str(run.pk), object_label=f"{run.source.code}: {run.file_name}",
                        query="afgekeurde regels", result_count=count)
    return count


# -- progress (outside the load transaction) ----------------------------------------------------------------------


def progress_key(run_id):
    return f"ingest:run:{run_id}:progress"


def _progress_put(run_id, percent):
    cache.set(progress_key(run_id), int(percent), PROGRESS_TIMEOUT)


def run_progress(*, run: ImportRun) -> int:
    """0-100: from the run when finished, else from the cache the running task writes to."""
    if run.finished:
        return 100
    value = cache.get(progress_key(run.pk))
    return int(value) if value is not None else run.progress


# -- the per-source lock ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _source_lock(source_id):
    """One run per source at a time, across processes and machines: a PostgreSQL session advisory lock (released by
    the server when the worker's connection dies, so a killed worker never leaves it behind); elsewhere (SQLite, the
    embedded default) a lock key in the shared cache."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, source_id])
            held = cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, source_id])
        return
    key = f"ingest:lock:source:{source_id}"
    held = cache.add(key, uuid.uuid4().hex, 6 * 60 * 60)
    try:
        yield held
    finally:
        if held:
            cache.delete(key)


# -- processing ----------------------------------------------------------------------------------------------------


def run_process(*, run_id: int) -> ImportRun:
    """Process a queued (or orphaned running) run; a finished run is returned untouched. Raises SourceBusy when
    another run of the source is being processed. Not atomic itself: the load is one transaction, the outcome of a
    rejected or failed run is written after its rollback."""
    run = ImportRun.objects.select_related("source").get(pk=run_id)
    if run.finished:
        return run
    with _source_lock(run.source_id) as held:
        if not held:
            raise SourceBusy(run.source.code)
        started = timezone.now()
        marked = ImportRun.objects.filter(
            pk=run_id, status__in=(ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
        ).update(status=ImportRun.Status.RUNNING, started_at=started, progress=0, message="",
                 attempts=F("attempts") + 1)  # committed before the load: a killed attempt still counts
        if not marked:
            return ImportRun.objects.get(pk=run_id)
        _progress_put(run_id, 0)
        run.refresh_from_db()
        try:
            return _process(run)
        finally:
            cache.delete(progress_key(run_id))
            if ImportRun.objects.filter(pk=run_id, status__in=ImportRun.FINISHED).exists():
                Path(run.stored_path).unlink(missing_ok=True)


def _counts(run):
    return {"read": run.rows_read, "inserted": run.inserted, "updated": run.updated, "unchanged": run.unchanged,
            "rejected": run.rejected}


def _process(run):
    source = run.source
    earlier = (
        ImportRun.objects.filter(source=source, sha256=run.sha256, status=ImportRun.Status.SUCCEEDED)
        .exclude(pk=run.pk).order_by("finished_at").first()
    )
    if earlier is not None:
        return _already_loaded(run, earlier)

    fmt = format_for(source.format)
    ctx = RunContext(source=source, run=run, today=timezone.localdate())
    if source.facts_source:
        from dashboards.models import Source

        ctx.facts_source = Source.objects.filter(code=source.facts_source).first()
    state = {"read": 0, "rejected": 0, "kept": [], "last": -1, "table": None, "t0": time.monotonic()}

    def progress(fraction):
        percent = min(99, int(fraction * 100))
        if percent != state["last"]:
            state["last"] = percent
            _progress_put(run.pk, percent)

    ctx.on_progress = progress
    try:
        with transaction.atomic():
            if ctx.facts_source is None and source.facts_source:
                raise FileRefused(_("De dashboardbron %(code)s bestaat niet; neem contact op met de beheerder.")
                                  % {"code": source.facts_source})
            if fmt.table:
                table = open_table(run.stored_path, fmt, file_name=run.file_name)
                state["table"] = table
                ctx.columns = tuple(table.mapping)
            fmt.begin(ctx)
            rows = _rows(fmt, ctx, run, state)
            counts = fmt.load(rows, ctx)
            fmt.finish(ctx)
            if state["read"] == 0:
                raise _RunRejected(_("Het bestand bevat geen gegevensregels (alleen een kopregel of niets)."))
            threshold = float(source.reject_threshold)
            if state["rejected"] and state["rejected"] * 100 > threshold * state["read"]:
                raise _RunRejected(_(
                    "%(rejected)s van de %(read)s regels (%(share)s%%) zijn afgekeurd; de grens voor deze bron is "
                    "%(threshold)s%%. Er is niets ingelezen: verbeter het bestand en lever het opnieuw aan."
                ) % {"rejected": state["rejected"], "read": state["read"],
                     "share": _percent(state["rejected"] * 100 / state["read"]), "threshold": _percent(threshold)})
            run.status = ImportRun.Status.SUCCEEDED
            run.inserted, run.updated, run.unchanged = counts.inserted, counts.updated, counts.unchanged
            run.rows_read, run.rejected = state["read"], state["rejected"]
            run.message = _success_message(run)
            _finish(run, ctx, state)
            return run
    except FileRefused as exc:
        return _finish_after_rollback(run, ctx, state, ImportRun.Status.REJECTED, exc.message)
    except Reject as exc:  # raised by a format's begin/finish/load for the file as a whole
        return _finish_after_rollback(run, ctx, state, ImportRun.Status.REJECTED, str(exc))
    except _RunRejected as exc:
        return _finish_after_rollback(run, ctx, state, ImportRun.Status.REJECTED, exc.message)
    except (OperationalError, InterfaceError):
        raise  # the database went away: the task is retried (nothing was stored)
    except Exception as exc:  # noqa: BLE001 - any other error: the run failed, nothing was stored
        from dashboards.services.facts import DuplicateIds

        if isinstance(exc, DuplicateIds):
            message = _("Het bestand bevat dubbele id's (%(ids)s). Er is niets ingelezen.") % {
                "ids": ", ".join(map(str, exc.ids[:10]))}
            return _finish_after_rollback(run, ctx, state, ImportRun.Status.REJECTED, message)
        logger.exception("import run %s failed", run.pk)
        if isinstance(exc, DatabaseError):
            detail = _("databasefout")
        else:
            detail = f"{type(exc).__name__}: {exc}"[:300]
        message = _("Het inlezen is mislukt door een onverwachte fout (%(error)s). Er is niets opgeslagen; "
                    "neem contact op met de beheerder.") % {"error": detail}
        return _finish_after_rollback(run, ctx, state, ImportRun.Status.FAILED, message)
    finally:
        if state["table"] is not None:
            state["table"].close()


def _percent(value):
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _rows(fmt, ctx, run, state):
    """The accepted rows of the file, batch by batch; rejected lines are counted and kept for the report."""
    kept = state["kept"]
    if fmt.table:
        table = state["table"]
        if table.delimiter:
            state["delimiter"] = "tab" if table.delimiter == "\t" else table.delimiter
        state["columns"] = list(table.mapping)
        for lines, refused in table.batches():
            state["read"] += len(lines) + len(refused)
            for item in refused:
                state["rejected"] += 1
                if len(kept) < REJECTED_KEPT:
                    kept.append(item)
            by_number = None
            for item in fmt.convert(lines, ctx):
                if type(item) is Rejected:
                    state["rejected"] += 1
                    if len(kept) < REJECTED_KEPT:
                        if not item.raw:
                            if by_number is None:
                                by_number = {line.number: line for line in lines}
                            line = by_number.get(item.line)
                            if line is not None and line.cells is not None:
                                item.raw = (table.delimiter or ";").join(line.cells)[:RAW_EXCERPT]
                        kept.append(item)
                else:
                    yield item
            ctx.progress(table.fraction)
    else:
        with open(run.stored_path, "rb") as stream:
            size = max(1, Path(run.stored_path).stat().st_size)
            batch = []

            def flush():
                for item in fmt.convert(batch, ctx):
                    if type(item) is Rejected:
                        state["rejected"] += 1
                        if len(kept) < REJECTED_KEPT:
                            kept.append(item)
                    else:
                        yield item
                ctx.progress(stream.tell() / size)

            for line in fmt.lines(stream, ctx):
                if type(line) is Rejected:
                    state["read"] += 1
                    state["rejected"] += 1
                    if len(kept) < REJECTED_KEPT:
                        kept.append(line)
                    continue
                state["read"] += 1
                batch.append(line)
                if len(batch) >= fmt.batch_size:
                    yield from flush()
                    batch = []
            if batch:
                yield from flush()


def _report(ctx, state):
    elapsed = time.monotonic() - state["t0"]
    report = {
        "notes": [{"text": text, "count": count} for text, count in sorted(ctx.notes.items())],
        "rejectedRows": [{"line": r.line, "reason": r.reason, "raw": r.raw} for r in state["kept"][:REJECTED_IN_REPORT]],
        "rejectedKept": min(len(state["kept"]), REJECTED_KEPT),
        "seconds": round(elapsed, 2),
    }
    table = state.get("table")
    if table is not None:
        report["encoding"] = table.encoding_label
    for key in ("delimiter", "columns"):
        if key in state:
            report[key] = state[key]
    if elapsed > 0 and state["read"]:
        report["rowsPerSecond"] = int(state["read"] / elapsed)
    return report


def _finish(run, ctx, state, outcome=AccessEvent.Outcome.ALLOWED):
    """Write the run's outcome, its rejected lines and its audit record (inside the current transaction)."""
    run.report = _report(ctx, state)
    run.progress = 100
    run.finished_at = timezone.now()
    run.save()
    if state["kept"]:
        RejectedRow.objects.bulk_create(
            [RejectedRow(run=run, line=r.line, reason=str(r.reason)[:300], raw=(r.raw or "")[:300])
             for r in state["kept"]],
            batch_size=2000,
        )
    import_run_record(actor=run.triggered_by, source=run.source.code, file_name=run.file_name, sha256=run.sha256,
                      counts=_counts(run), outcome=outcome, object_id=str(run.pk))


def _finish_after_rollback(run, ctx, state, status, message):
    run.status = status
    run.message = message
    run.rows_read, run.rejected = state["read"], state["rejected"]
    run.inserted = run.updated = run.unchanged = 0
    outcome = AccessEvent.Outcome.DENIED if status == ImportRun.Status.REJECTED else AccessEvent.Outcome.ERROR
    with transaction.atomic():
        _finish(run, ctx, state, outcome)
    return run


def _already_loaded(run, earlier):
    with transaction.atomic():
        run.status = ImportRun.Status.SUCCEEDED
        run.rows_read, run.rejected = earlier.rows_read, earlier.rejected
        run.inserted = run.updated = 0
        run.unchanged = earlier.inserted + earlier.updated + earlier.unchanged
        when = timezone.localtime(earlier.finished_at or earlier.created_at)
        run.message = _(
            "Dit bestand is al ingelezen op %(date)s (levering %(id)s); er is niets gewijzigd."
        ) % {"date": when.strftime("%d-%m-%Y %H:%M"), "id": earlier.pk}
        run.report = {"notes": [], "rejectedRows": [], "alreadyLoadedBy": earlier.pk}
        run.progress = 100
        run.finished_at = timezone.now()
        run.save()
        import_run_record(actor=run.triggered_by, source=run.source.code, file_name=run.file_name, sha256=run.sha256,
                          counts=_counts(run), object_id=str(run.pk))
    return run


def _success_message(run):
    message = _("Ingelezen: %(read)s regels, %(inserted)s nieuw, %(updated)s bijgewerkt, %(unchanged)s ongewijzigd, "
                "%(rejected)s afgekeurd.") % {"read": run.rows_read, "inserted": run.inserted,
                                              "updated": run.updated, "unchanged": run.unchanged,
                                              "rejected": run.rejected}
    return message


# -- the inbox -----------------------------------------------------------------------------------------------------


def _inbox(source):
    if not source.inbox:
        return None
    root = Path(settings.INGEST_INBOX_ROOT).resolve()
    folder = (root / source.inbox).resolve()
    if root != folder and root not in folder.parents:
        return None  # an inbox must lie under INGEST_INBOX_ROOT
    return folder


def _move(path, folder):
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}-{timezone.now():%Y%m%d%H%M%S}{path.suffix}"
    shutil.move(str(path), str(target))
    return target


def inbox_scan() -> dict:
    """Load every file waiting in an active source's inbox, one after the other, and move it to done/ or failed/
    next to the inbox (files changed in the last INBOX_SETTLE_SECONDS are left for the next scan: they may still be
    being written); also pick up runs whose task got lost (queued for a while) or whose worker died (running
    while no worker holds the source's lock). A source busy with another run is left for the next scan."""
    summary = {"files": 0, "succeeded": 0, "failed": 0, "recovered": 0, "busy": 0}
    for source in ImportSource.objects.filter(active=True).exclude(inbox="").order_by("pk"):
        folder = _inbox(source)
        if folder is None or not folder.is_dir():
            continue
        settled = time.time() - INBOX_SETTLE_SECONDS
        for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                           and p.stat().st_mtime < settled):
            run = run_start(source=source, file=path, file_name=path.name, trigger=ImportRun.Trigger.INBOX,
                            queue=False)
            summary["files"] += 1
            try:
                run = run_process(run_id=run.pk)
            except SourceBusy:
                # another run of this source is being processed: forget this run, keep the file for the next scan
                Path(run.stored_path).unlink(missing_ok=True)
                ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.QUEUED).delete()
                summary["busy"] += 1
                break
            ok = run.status == ImportRun.Status.SUCCEEDED
            _move(path, folder / ("done" if ok else "failed"))
            summary["succeeded" if ok else "failed"] += 1
    stale = ImportRun.objects.filter(
        status__in=(ImportRun.Status.QUEUED, ImportRun.Status.RUNNING), created_at__lt=timezone.now() - STALE_QUEUED
    ).order_by("pk").values_list("pk", flat=True)
    for run_id in list(stale):
        try:
            run_process(run_id=run_id)
            summary["recovered"] += 1
        except SourceBusy:
            summary["busy"] += 1
    return summary
