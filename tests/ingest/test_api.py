"""The ingest API: sources, the 202 upload flow, the run's status, counts, progress and report."""
import pytest
from rest_framework.test import APIClient

from audit.models import AccessEvent
from dashboards.models import Incident
from ingest.models import ImportRun

from .conftest import BVH_FIXTURE

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(steward):
    client = APIClient()
    client.force_authenticate(steward)
    return client


def test_sources(api, bvh_source):
    assert api.get("/api/v1/import-sources").json() == [
        {"code": "politie-bvh", "name": "Politie BVH", "format": "politie-bvh"}]


def test_upload_answers_202_with_the_run_and_the_run_can_be_followed(api, almere, bvh_source, steward,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), BVH_FIXTURE.open("rb") as handle:
        response = api.post("/api/v1/imports", {"source": "politie-bvh", "file": handle}, format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"  # answered before the worker (here: the commit) takes it
    assert response["Location"] == f"/api/v1/imports/{body['id']}"
    assert body["source"] == "politie-bvh" and body["fileName"] == BVH_FIXTURE.name
    run = api.get(f"/api/v1/imports/{body['id']}").json()
    # the embedded default processes the task in-process on commit: the run is done
    assert run["status"] == "succeeded" and run["statusLabel"] == "ingelezen"
    assert (run["rowsRead"], run["inserted"], run["updated"], run["unchanged"], run["rejected"]) == (14, 14, 0, 0, 0)
    assert run["progress"] == 100
    assert any("Z99" in note["text"] for note in run["report"]["notes"])
    assert run["report"]["encoding"] == "Windows-1252"
    assert Incident.objects.count() == 14
    assert ImportRun.objects.get(pk=body["id"]).trigger == ImportRun.Trigger.API
    upload = AccessEvent.objects.get(action=AccessEvent.Action.UPLOAD)
    assert upload.actor == steward and upload.object_id == str(body["id"])
    assert [r["id"] for r in api.get("/api/v1/imports").json()] == [body["id"]]


def test_a_queued_run_reports_its_progress_from_the_cache(api, bvh_source):
    from django.core.cache import cache

    from ingest import services

    run = services.run_start(source=bvh_source, file=BVH_FIXTURE, file_name="x.csv", queue=False)
    cache.set(services.progress_key(run.pk), 42)
    body = api.get(f"/api/v1/imports/{run.pk}").json()
    assert body["status"] == "queued" and body["progress"] == 42


def test_a_bad_request_is_400(api, bvh_source):
    assert api.post("/api/v1/imports", {"source": "politie-bvh"}, format="multipart").status_code == 400
    assert api.post("/api/v1/imports", {"file": BVH_FIXTURE.open("rb")}, format="multipart").status_code == 400


def test_a_rejected_run_is_reported_through_the_api(api, almere, bvh_source, tmp_path,
                                                    django_capture_on_commit_callbacks):
    path = tmp_path / "leeg.csv"
    path.write_bytes(b"Incidentsoort code;Begin-pleegdatum/tijd\n")
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        body = api.post("/api/v1/imports", {"source": "politie-bvh", "file": handle}, format="multipart").json()
    body = api.get(f"/api/v1/imports/{body['id']}").json()
    assert body["status"] == "rejected" and "geen gegevensregels" in body["message"]
