"""Who may deliver to which source: the data-steward grant on that source. A steward of another source sees 404 (as
for a source that does not exist), a user without any grant is refused (403 / 404), on pages and API alike."""
import pytest
from django.test import Client
from rest_framework.test import APIClient

from access import roles as R
from audit.models import AccessEvent
from ingest.models import ImportRun, ImportSource
from ingest.selectors import source_list_for_user
from tests.factories import grant, login, make_user

from .conftest import BVH_FIXTURE, run_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_source(db):
    return ImportSource.objects.create(code="meldingen", name="Meldingen", format="meldingen",
                                       facts_source="meldingen")


@pytest.fixture
def other_steward(other_source):
    user = make_user("andere-beheerder", "oov")
    grant(user, R.DATA_STEWARD, scope=other_source)
    return user


@pytest.fixture
def their_run(almere, bvh_source):
    return run_file(bvh_source, BVH_FIXTURE)


def test_the_list_holds_only_the_sources_with_a_grant(steward, other_steward, bvh_source, other_source):
    assert list(source_list_for_user(user=steward)) == [bvh_source]
    assert list(source_list_for_user(user=other_steward)) == [other_source]
    page = login(Client(), other_steward).get("/gegevens/")
    assert page.status_code == 200
    assert b"Meldingen" in page.content and b"Politie BVH" not in page.content


def test_a_steward_of_another_source_gets_404_everywhere(steward, other_steward, bvh_source, their_run):
    client = login(Client(), other_steward)
    for url in ["/gegevens/bronnen/politie-bvh/", f"/gegevens/leveringen/{their_run.pk}/",
                f"/gegevens/leveringen/{their_run.pk}/afgekeurd.csv", "/gegevens/bronnen/bestaat-niet/",
                "/gegevens/leveringen/999999/"]:
        assert client.get(url).status_code == 404, url
    upload = client.post("/gegevens/bronnen/politie-bvh/", {"file": BVH_FIXTURE.open("rb")})
    assert upload.status_code == 404
    api = APIClient()
    api.force_authenticate(other_steward)
    assert api.get(f"/api/v1/imports/{their_run.pk}").status_code == 404
    assert api.post("/api/v1/imports", {"source": "politie-bvh", "file": BVH_FIXTURE.open("rb")},
                    format="multipart").status_code == 404
    assert [s["code"] for s in api.get("/api/v1/import-sources").json()] == ["meldingen"]
    assert ImportRun.objects.count() == 1
    denials = AccessEvent.objects.filter(actor=other_steward, outcome=AccessEvent.Outcome.DENIED)
    assert denials.filter(object_type="ingest.ImportRun", object_id=str(their_run.pk)).exists()
    assert denials.filter(object_type="ingest.ImportSource", object_id="politie-bvh").exists()


def test_a_user_without_a_grant_is_refused(bvh_source, their_run):
    user = make_user("niemand", "burgerzaken")
    client = login(Client(), user)
    for url in ["/gegevens/", "/gegevens/bronnen/politie-bvh/", f"/gegevens/leveringen/{their_run.pk}/"]:
        assert client.get(url).status_code in (403, 404), url
    api = APIClient()
    api.force_authenticate(user)
    assert api.get("/api/v1/import-sources").status_code == 403
    assert api.get(f"/api/v1/imports/{their_run.pk}").status_code in (403, 404)
    assert api.post("/api/v1/imports", {"source": "politie-bvh", "file": BVH_FIXTURE.open("rb")},
                    format="multipart").status_code == 403
    assert APIClient().get("/api/v1/import-sources").status_code in (401, 403)


def test_a_dashboard_viewer_is_no_data_steward(bvh_source, their_run):
    from dashboards.models import Dashboard

    board = Dashboard.objects.create(slug="buurtveiligheid", name="Buurt")
    user = make_user("kijker", "oov")
    grant(user, R.DASHBOARD_VIEWER, scope=board)
    assert login(Client(), user).get("/gegevens/").status_code == 403
