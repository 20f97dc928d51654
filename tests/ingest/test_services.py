"""The import run: whole or not at all, the reject threshold, errors, the task's idempotency and the source lock,
progress outside the load transaction, the inbox."""
import contextlib
import os
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

from audit.models import AccessEvent
from dashboards.models import Incident
from ingest import services, tasks
from ingest.formats import Format, Rejected, register
from ingest.formats.base import FORMATS
from ingest.models import ImportRun, ImportSource

from .conftest import BVH_FIXTURE, bvh_rows, bvh_text, run_file

pytestmark = pytest.mark.django_db


def test_above_the_threshold_the_whole_run_is_rolled_back_and_the_report_kept(almere, bvh_source, tmp_path):
    rows = bvh_rows()
    rows[0][8] = "morgen"  # 1 of 14 rejected: 7.1 % > 1 %
    run = run_file(bvh_source, bvh_text(rows), tmp_path=tmp_path)
    assert run.status == ImportRun.Status.REJECTED
    assert "1 van de 14 regels (7,14%) zijn afgekeurd; de grens voor deze bron is 1%" in run.message
    assert Incident.objects.count() == 0
    assert run.rows_read == 14 and run.rejected == 1 and run.inserted == 0
    assert run.report["rejectedRows"][0]["line"] == 2 and "onleesbare datum" in run.report["rejectedRows"][0]["reason"]
    assert run.rejected_rows.get().raw.startswith("A20;Gekwal. Diefstal in/uit woning;Stadhuisplein")
    event = AccessEvent.objects.get(action=AccessEvent.Action.IMPORT, object_id=str(run.pk))
    assert event.outcome == AccessEvent.Outcome.DENIED and "rejected: 1" in event.object_label
    # at the threshold it passes
    bvh_source.reject_threshold = "7.2"
    bvh_source.save()
    run = run_file(bvh_source, bvh_text(rows), tmp_path=tmp_path, name="tweede.csv")
    assert run.status == ImportRun.Status.SUCCEEDED and run.inserted == 13 and run.rejected == 1
    assert "13 nieuw" in run.message and "1 afgekeurd" in run.message


class _Exploding(Format):
    code = "test-exploding"
    columns = {"a": ("a",)}
    required = ("a",)

    def convert(self, batch, ctx):
        for line in batch:
            if line.values["a"] == "boem":
                raise RuntimeError("kapot")
            yield line.values["a"]

    def load(self, rows, ctx):
        from dashboards.services.facts import LoadCounts

        Incident.objects.filter(pk__in=[]).exists()
        return LoadCounts(inserted=len(list(rows)))


@pytest.fixture
def exploding(db):
    register(_Exploding)
    yield ImportSource.objects.create(code="test", name="Test", format="test-exploding")
    FORMATS.pop("test-exploding", None)


def test_an_error_fails_the_run_with_a_dutch_message_and_nothing_stored(almere, bvh_source, exploding, tmp_path):
    run_file(bvh_source, BVH_FIXTURE)
    before = Incident.objects.count()
    run = run_file(exploding, "a\nx\nboem\n", tmp_path=tmp_path)
    assert run.status == ImportRun.Status.FAILED
    assert run.message.startswith("Het inlezen is mislukt door een onverwachte fout (RuntimeError: kapot)")
    assert "niets opgeslagen" in run.message
    assert Incident.objects.count() == before
    assert AccessEvent.objects.get(action=AccessEvent.Action.IMPORT, object_id=str(run.pk)).outcome == "error"


def test_the_task_leaves_a_finished_run_alone(almere, bvh_source):
    run = run_file(bvh_source, BVH_FIXTURE)
    assert tasks.import_run_process(run.pk) == ImportRun.Status.SUCCEEDED
    run.refresh_from_db()
    assert (run.inserted, run.attempts) == (14, 1)
    assert AccessEvent.objects.filter(action=AccessEvent.Action.IMPORT).count() == 1


def test_a_run_left_running_by_a_killed_worker_is_processed_again(almere, bvh_source):
    run = services.run_start(source=bvh_source, file=BVH_FIXTURE, file_name=BVH_FIXTURE.name, queue=False)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)  # the worker died mid-run
    assert tasks.import_run_process(run.pk) == ImportRun.Status.SUCCEEDED
    assert Incident.objects.count() == 14
    assert not Path(run.stored_path).exists()  # the upload is removed once its run is finished


@contextlib.contextmanager
def held_by_another_worker(source_id):
    """The source's lock as another worker holds it: on PostgreSQL from a second database session (an advisory lock
    is re-entrant within one session, so the test's own connection would simply get it again)."""
    if connection.vendor != "postgresql":
        with services._source_lock(source_id) as held:
            yield held
        return
    import psycopg2

    config = connection.settings_dict
    other = psycopg2.connect(dbname=config["NAME"], user=config["USER"] or None, password=config["PASSWORD"] or None,
                             host=config["HOST"] or None, port=config["PORT"] or None)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [services.LOCK_NAMESPACE, source_id])
            yield cursor.fetchone()[0]
    finally:
        other.close()


def test_one_run_per_source_at_a_time(almere, bvh_source):
    run = services.run_start(source=bvh_source, file=BVH_FIXTURE, file_name=BVH_FIXTURE.name, queue=False)
    with held_by_another_worker(bvh_source.pk) as held:  # another worker holds the source
        assert held
        with pytest.raises(services.SourceBusy):
            services.run_process(run_id=run.pk)
        assert tasks.import_run_process(run.pk) is None  # in-process: left queued for later
    run.refresh_from_db()
    assert run.status == ImportRun.Status.QUEUED and Incident.objects.count() == 0
    assert services.run_process(run_id=run.pk).status == ImportRun.Status.SUCCEEDED


def test_an_upload_is_queued_on_commit_and_processed(almere, bvh_source, steward, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = services.run_start(source=bvh_source, file=BVH_FIXTURE.open("rb"), file_name="week.csv",
                                 actor=steward)
        assert Incident.objects.count() == 0  # nothing before the commit
    assert callbacks  # the queueing waited for the commit (the load then replaces the figures' cache version too)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED and run.triggered_by == steward
    assert run.sha256 == __import__("hashlib").sha256(BVH_FIXTURE.read_bytes()).hexdigest()
    assert run.size == BVH_FIXTURE.stat().st_size


def test_progress_is_written_outside_the_load_transaction(almere, bvh_source, tmp_path):
    """While the load runs, the cache holds the progress (readable by any process); the run row says 'running'."""
    seen = []

    class Spy(Format):
        code = "test-spy"
        columns = {"a": ("a",)}
        required = ("a",)
        batch_size = 10

        def convert(self, batch, ctx):
            seen.append(cache.get(services.progress_key(ctx.run.pk)))
            yield from (Rejected(line.number, "x") if line.values["a"] == "" else line.values["a"] for line in batch)

        def load(self, rows, ctx):
            from dashboards.services.facts import LoadCounts

            return LoadCounts(unchanged=len(list(rows)))

    register(Spy)
    try:
        source = ImportSource.objects.create(code="spy", name="Spy", format="test-spy")
        run = run_file(source, "a\n" + "".join(f"{i}\n" for i in range(100)), tmp_path=tmp_path)
    finally:
        FORMATS.pop("test-spy", None)
    assert run.status == ImportRun.Status.SUCCEEDED and run.unchanged == 100
    assert seen[0] == 0 and seen[-1] > 50 and seen == sorted(seen)
    assert services.run_progress(run=run) == 100 and cache.get(services.progress_key(run.pk)) is None


def test_the_inbox_scan_loads_files_and_moves_them(almere, bvh_source, settings, tmp_path):
    settings.INGEST_INBOX_ROOT = tmp_path / "inbox"
    bvh_source.inbox = "politie"
    bvh_source.save()
    inbox = tmp_path / "inbox" / "politie"
    inbox.mkdir(parents=True)
    (inbox / "week48.csv").write_bytes(BVH_FIXTURE.read_bytes())
    (inbox / "kapot.csv").write_bytes(b"")
    (inbox / "wordt-geschreven.csv").write_bytes(b"Incidentsoort code;")
    old = time.time() - 120
    os.utime(inbox / "week48.csv", (old, old))
    os.utime(inbox / "kapot.csv", (old, old))
    summary = tasks.inbox_scan()
    assert summary["files"] == 2 and summary["succeeded"] == 1 and summary["failed"] == 1
    assert (inbox / "done" / "week48.csv").exists() and (inbox / "failed" / "kapot.csv").exists()
    assert not (inbox / "week48.csv").exists()
    assert (inbox / "wordt-geschreven.csv").exists()  # still being written: left for the next scan
    runs = ImportRun.objects.filter(trigger=ImportRun.Trigger.INBOX)
    assert runs.count() == 2 and all(r.triggered_by is None for r in runs)
    assert Incident.objects.count() == 14
    assert tasks.inbox_scan()["files"] == 0
    os.utime(inbox / "wordt-geschreven.csv", (old, old))
    assert tasks.inbox_scan()["failed"] == 1 and (inbox / "failed" / "wordt-geschreven.csv").exists()


def test_an_inbox_outside_the_root_is_ignored(bvh_source, settings, tmp_path):
    settings.INGEST_INBOX_ROOT = tmp_path / "inbox"
    (tmp_path / "inbox").mkdir()
    (tmp_path / "elders").mkdir()
    (tmp_path / "elders" / "x.csv").write_text("x")
    os.utime(tmp_path / "elders" / "x.csv", (time.time() - 120, time.time() - 120))
    bvh_source.inbox = "../elders"
    bvh_source.save()
    assert tasks.inbox_scan()["files"] == 0 and (tmp_path / "elders" / "x.csv").exists()


def test_a_run_whose_task_got_lost_is_picked_up_by_the_scan(almere, bvh_source, settings, tmp_path):
    import datetime

    from django.utils import timezone

    settings.INGEST_INBOX_ROOT = tmp_path
    run = services.run_start(source=bvh_source, file=BVH_FIXTURE, file_name=BVH_FIXTURE.name, queue=False)
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    assert tasks.inbox_scan()["recovered"] == 1
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED


def test_an_oversized_file_is_refused_at_the_start(bvh_source, settings, tmp_path):
    from django.core.exceptions import ValidationError

    settings.INGEST_MAX_UPLOAD_BYTES = 100
    settings.INGEST_UPLOAD_DIR = tmp_path / "uploads"
    with pytest.raises(ValidationError):
        services.run_start(source=bvh_source, file=BVH_FIXTURE, file_name="x.csv", queue=False)
    assert ImportRun.objects.count() == 0
    assert list((tmp_path / "uploads").rglob("*.csv")) == []
