"""The data steward's pages: upload, the run page (progress while running, then the report), the runs list, the CSV
of rejected lines."""
import pytest
from django.test import Client

from audit.models import AccessEvent
from ingest import services
from ingest.models import ImportRun
from tests.factories import login

from .conftest import BVH_FIXTURE, bvh_rows, bvh_text, run_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(steward):
    return login(Client(), steward)


def test_the_source_page_has_the_upload_form(client, bvh_source):
    page = client.get("/gegevens/bronnen/politie-bvh/")
    assert page.status_code == 200
    assert b'type="file"' in page.content and b"Afkeurgrens" in page.content


def test_upload_goes_to_the_run_page_with_the_report(client, almere, bvh_source, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), BVH_FIXTURE.open("rb") as handle:
        response = client.post("/gegevens/bronnen/politie-bvh/", {"file": handle})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/gegevens/leveringen/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Verslag" in page and "Regels gelezen" in page and "Z99" in page and "Windows-1252" in page
    assert "<script>" not in page and 'src="/static/ingest/run.js"' in page
    listing = client.get("/gegevens/").content.decode()
    assert BVH_FIXTURE.name in listing and "ingelezen" in listing
    assert AccessEvent.objects.filter(action=AccessEvent.Action.UPLOAD, object_id=str(run.pk)).count() == 1


def test_a_running_run_shows_a_progress_bar_fed_by_the_api(client, bvh_source):
    run = services.run_start(source=bvh_source, file=BVH_FIXTURE, file_name="x.csv", queue=False)
    page = client.get(f"/gegevens/leveringen/{run.pk}/").content.decode()
    assert '<progress id="run-progress"' in page
    assert f'data-run-url="/api/v1/imports/{run.pk}"' in page and 'data-finished="0"' in page


def test_the_upload_form_refuses_wrong_types_and_empty_files(client, bvh_source, tmp_path):
    path = tmp_path / "foto.png"
    path.write_bytes(b"\x89PNG")
    with path.open("rb") as handle:
        page = client.post("/gegevens/bronnen/politie-bvh/", {"file": handle})
    assert page.status_code == 200 and "bestandstype wordt niet aangenomen" in page.content.decode()
    empty = tmp_path / "leeg.csv"
    empty.write_bytes(b"")
    with empty.open("rb") as handle:
        page = client.post("/gegevens/bronnen/politie-bvh/", {"file": handle})
    assert "Het bestand is leeg." in page.content.decode() or "leeg" in page.content.decode()
    assert ImportRun.objects.count() == 0


def test_the_rejected_lines_download_as_csv_and_the_download_is_recorded(client, almere, bvh_source, steward,
                                                                         tmp_path):
    rows = bvh_rows()
    rows[1][8] = "nooit"
    run = run_file(bvh_source, bvh_text(rows), tmp_path=tmp_path)
    page = client.get(f"/gegevens/leveringen/{run.pk}/").content.decode()
    assert "geweigerd" in page and "onleesbare datum" in page and "afgekeurd.csv" in page
    response = client.get(f"/gegevens/leveringen/{run.pk}/afgekeurd.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == "Regel;Reden;Inhoud (begin)"
    assert body.splitlines()[1].startswith("3;") and "nooit" in body
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT, actor=steward)
    assert event.object_id == str(run.pk) and event.result_count == 1
