"""Interventions through pages and API: who may read and who may write, validation with field messages, buurten of
another municipality refused, and every change on record (auditlog)."""
import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from access import roles as R
from dashboards.models import Intervention
from dashboards.selectors.filters import add_months
from dashboards.services.interventions import intervention_create, intervention_update
from tests.dashboards.interventions_fixtures import Grid, months
from tests.factories import grant, login, make_user

pytestmark = pytest.mark.django_db


def month(offset):
    """The first day of the month `offset` months from this one (negative: before it)."""
    return add_months(timezone.localdate().replace(day=1), offset)


@pytest.fixture
def grid():
    return Grid(n=4)


@pytest.fixture
def people(grid):
    viewer = make_user("analist")
    grant(viewer, R.DASHBOARD_VIEWER, scope=grid.board)
    editor = make_user("redacteur")
    grant(editor, R.DASHBOARD_VIEWER, scope=grid.board)
    grant(editor, R.INTERVENTION_EDITOR)
    nobody = make_user("zonder-rechten")
    return {"viewer": viewer, "editor": editor, "nobody": nobody}


@pytest.fixture
def intervention(grid, people):
    return intervention_create(user=people["editor"], name="Camera Stationsplein", kind="camera",
                               buurten=[grid.cells[(0, 0)], grid.cells[(0, 1)]], start=month(-13),
                               categories=[grid.burglary], description="Vier camera's")


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def payload(grid, **extra):
    data = {"name": "Straatcoaches Haven", "kind": "straatcoaches", "buurten": [grid.cells[(1, 1)].code],
            "start": month(-11).isoformat(), "categories": ["1.1.1"], "themes": ["wos-hic"], "description": "Avonden"}
    data.update(extra)
    return data


# -- pages -----------------------------------------------------------------------------------------------------


def test_a_viewer_reads_the_list_and_the_effect_but_sees_no_buttons(grid, people, intervention):
    client = login(Client(), people["viewer"])
    page = client.get("/dashboards/maatregelen/")
    assert page.status_code == 200
    assert "Camera Stationsplein" in page.content.decode()
    assert "/dashboards/maatregelen/nieuw/" not in page.content.decode()
    detail = client.get(f"/dashboards/maatregelen/{intervention.pk}/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "Wijzigen" not in body and "Buurt 0-0" in body
    assert client.get("/dashboards/maatregelen/nieuw/").status_code == 403
    assert client.get(f"/dashboards/maatregelen/{intervention.pk}/wijzigen/").status_code == 403
    assert client.post("/dashboards/maatregelen/nieuw/", {"name": "x"}).status_code == 403
    assert client.get("/dashboards/maatregelen/999999/").status_code == 404


def test_an_editor_creates_and_changes_through_the_form(grid, people):
    client = login(Client(), people["editor"])
    assert "/dashboards/maatregelen/nieuw/" in client.get("/dashboards/maatregelen/").content.decode()
    form = client.get("/dashboards/maatregelen/nieuw/")
    assert form.status_code == 200 and grid.foreign.code not in form.content.decode()
    response = client.post("/dashboards/maatregelen/nieuw/", {
        "name": "Verlichting park", "kind": "verlichting", "buurten": [grid.cells[(2, 2)].pk],
        "start": month(-12).isoformat(), "end": "", "description": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Intervention.objects.get(name="Verlichting park")
    assert response["Location"] == f"/dashboards/maatregelen/{item.pk}/"
    assert item.created_by == people["editor"] and item.municipality == grid.municipality
    refused = client.post(f"/dashboards/maatregelen/{item.pk}/wijzigen/", {
        "name": "Verlichting park", "kind": "verlichting", "buurten": [grid.cells[(2, 2)].pk],
        "start": month(-12).isoformat(), "end": month(-13).isoformat()})
    assert refused.status_code == 200 and "De einddatum ligt vóór de startdatum." in refused.content.decode()
    foreign = client.post("/dashboards/maatregelen/nieuw/", {
        "name": "Elders", "kind": "camera", "buurten": [grid.foreign.pk], "start": month(-12).isoformat()})
    assert foreign.status_code == 200 and not Intervention.objects.filter(name="Elders").exists()


def test_anonymous_and_users_without_the_grant_are_refused(grid, people, intervention):
    anonymous = Client()
    assert anonymous.get("/dashboards/maatregelen/").status_code == 302
    assert APIClient().get("/api/v1/interventions").status_code in (401, 403)
    client = login(Client(), people["nobody"])
    for url in ("/dashboards/maatregelen/", f"/dashboards/maatregelen/{intervention.pk}/", "/dashboards/doelen/"):
        assert client.get(url).status_code == 403
    nobody = api(people["nobody"])
    assert nobody.get("/api/v1/interventions").status_code == 403
    assert nobody.get(f"/api/v1/interventions/{intervention.pk}/effect").status_code == 403
    assert nobody.post("/api/v1/interventions", payload(grid), format="json").status_code == 403


# -- API -------------------------------------------------------------------------------------------------------


def test_the_api_lists_and_shows_for_viewers_and_refuses_their_writes(grid, people, intervention):
    client = api(people["viewer"])
    listing = client.get("/api/v1/interventions")
    assert listing.status_code == 200
    row = listing.json()["results"][0]
    assert row["name"] == "Camera Stationsplein" and row["kindLabel"] == "cameratoezicht"
    assert row["buurten"] == [{"code": grid.cells[(0, 0)].code, "name": "Buurt 0-0"},
                              {"code": grid.cells[(0, 1)].code, "name": "Buurt 0-1"}]
    assert row["categories"] == ["1.1.1"] and row["_links"]["effect"]["href"].endswith("/effect")
    assert client.get(f"/api/v1/interventions/{intervention.pk}").json()["start"] == intervention.start.isoformat()
    assert client.get("/api/v1/interventions/999999").status_code == 404
    assert client.post("/api/v1/interventions", payload(grid), format="json").status_code == 403
    assert not Intervention.objects.filter(name="Straatcoaches Haven").exists()


def test_an_editor_posts_with_field_messages_on_errors(grid, people):
    client = api(people["editor"])
    created = client.post("/api/v1/interventions", payload(grid), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["themes"] == ["wos-hic"] and created.json()["municipality"] == "GM0034"
    bad = client.post("/api/v1/interventions", payload(grid, name="", buurten=["BU99999999"]), format="json")
    assert bad.status_code == 400
    names = {p["name"] for p in bad.json()["invalidParams"]}
    assert {"name", "buurten"} <= names
    late = client.post("/api/v1/interventions", payload(grid, start=month(-11).isoformat(), end=month(-13).isoformat()), format="json")
    assert late.status_code == 400
    assert any("vóór de startdatum" in p["reason"] for p in late.json()["invalidParams"])


def test_buurten_of_another_municipality_are_refused(grid, people):
    client = api(people["editor"])
    response = client.post("/api/v1/interventions", payload(grid, buurten=[grid.cells[(0, 0)].code,
                                                                           grid.foreign.code]), format="json")
    assert response.status_code == 400
    reasons = [p["reason"] for p in response.json()["invalidParams"] if p["name"] == "buurten"]
    assert reasons and "BU03630101" in reasons[0] and "Almere" in reasons[0]
    assert not Intervention.objects.exists()


def test_the_effect_endpoint(grid, people, intervention):
    # twelve months before the start and the twelve after it, all of them whole months that have passed
    before = add_months(intervention.start, -12)
    series = {cell: {m: 5 for m in months(before, 24)} for cell in grid.cells}
    series[(0, 0)] = {**{m: 10 for m in months(before, 12)}, **{m: 4 for m in months(intervention.start, 12)}}
    grid.load(series)
    response = api(people["viewer"]).get(f"/api/v1/interventions/{intervention.pk}/effect")
    assert response.status_code == 200
    data = response.json()
    for key in ("treated", "control", "displacement", "displacementControl"):
        assert set(data[key]) >= {"before", "after", "buurten"}
    assert data["treated"]["before"] == 120 + 60 and data["treated"]["after"] == 48 + 60
    assert data["periods"]["beforeFrom"] == before.isoformat() and data["periods"]["months"] == 12
    assert data["rateRatio"] < 1 and len(data["rateRatioCi95"]) == 2
    assert data["wdd"] < 0 and data["wddSe"] > 0
    assert data["marylandLevel"] in (2, 3) and "Maryland" in data["explanation"]
    assert data["source"] == "politie-bvh" and data["attribution"].startswith("Bron:")
    refused = api(people["viewer"]).get(f"/api/v1/interventions/{intervention.pk}/effect?source=cbs-misdrijven")
    assert refused.status_code == 400
    page = login(Client(), people["viewer"]).get(f"/dashboards/maatregelen/{intervention.pk}/")
    body = page.content.decode()
    assert "<svg" in body and "Incidenten per groep vóór en na de start" in body and "Maryland" in body


# -- audit -----------------------------------------------------------------------------------------------------


def test_creating_and_changing_leave_change_records_by_the_editor(grid, people, intervention):
    entries = LogEntry.objects.get_for_object(intervention)
    assert entries.filter(action=LogEntry.Action.CREATE, actor=people["editor"]).exists()
    intervention_update(user=people["editor"], intervention=intervention, name="Camera Stationsplein-Oost",
                        kind="camera", buurten=[grid.cells[(0, 0)]], start=intervention.start)
    assert entries.filter(action=LogEntry.Action.UPDATE, actor=people["editor"]).exists()
    assert LogEntry.objects.filter(content_type__model="intervention", actor=people["editor"]).count() >= 3


def test_the_service_refuses_a_viewer(grid, people):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        intervention_create(user=people["viewer"], name="X", kind="camera", buurten=[grid.cells[(0, 0)]],
                            start=month(-13))


def test_a_planned_intervention_has_a_page_and_an_effect_without_figures(grid, people):
    planned = intervention_create(user=people["editor"], name="Gepland", kind="camera",
                                  buurten=[grid.cells[(0, 0)]], start=month(12))  # a year ahead
    page = login(Client(), people["viewer"]).get(f"/dashboards/maatregelen/{planned.pk}/")
    assert page.status_code == 200 and "nog geen hele maand" in page.content.decode()
    data = api(people["viewer"]).get(f"/api/v1/interventions/{planned.pk}/effect").json()
    assert data["periods"] is None and data["rateRatio"] is None and data["marylandLevel"] is None
    assert data["treated"]["buurten"] == [{"code": grid.cells[(0, 0)].code, "name": "Buurt 0-0"}]
