"""Uploads and runs in the audit trail: an upload is an access event; each run is one import record with the file
hash and the counts (not one record per row), also for rejected runs (written after the rollback)."""
import pytest

from audit.models import AccessEvent
from ingest import services
from ingest.models import ImportRun

from .conftest import BVH_FIXTURE, run_file

pytestmark = pytest.mark.django_db


def test_one_record_per_run_with_hash_and_counts(almere, bvh_source, steward):
    run = run_file(bvh_source, BVH_FIXTURE, actor=steward, trigger=ImportRun.Trigger.UPLOAD)
    upload = AccessEvent.objects.get(action=AccessEvent.Action.UPLOAD)
    assert upload.actor == steward and upload.query == f"sha256:{run.sha256}"
    record = AccessEvent.objects.get(action=AccessEvent.Action.IMPORT)
    assert record.actor == steward and record.outcome == AccessEvent.Outcome.ALLOWED
    assert record.query == f"sha256:{run.sha256}" and record.result_count == 14
    assert "inserted: 14" in record.object_label and record.object_id == str(run.pk)
    assert record.object_label.startswith("politie-bvh: ")
    assert AccessEvent.objects.exclude(action__startswith="grant").count() == 2  # no record per row


def test_a_scheduled_run_is_recorded_without_a_person(almere, bvh_source):
    run = services.run_start(source=bvh_source, file=BVH_FIXTURE, file_name="x.csv", queue=False,
                             trigger=ImportRun.Trigger.INBOX)
    services.run_process(run_id=run.pk)
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.UPLOAD).exists()
    record = AccessEvent.objects.get(action=AccessEvent.Action.IMPORT)
    assert record.actor is None


def test_the_source_is_audited(bvh_source):
    from auditlog.models import LogEntry

    bvh_source.reject_threshold = 2
    bvh_source.save()
    assert LogEntry.objects.get_for_object(bvh_source).count() == 2
