"""The address-level (hennep) dashboard: only for the address-level grant (page, CSV export and API alike), every
look and every export an access event, the period and property-type filter, and the ordinary dashboards never
showing the address-level source."""
import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from access import roles as R
from areas.models import Address
from audit.models import AccessEvent
from dashboards.models import Category, Source
from dashboards.selectors.filters import FigureQueryError, add_months, figure_query_from_params
from tests.dashboards.figures_fixtures import World
from tests.factories import grant, login, make_user

pytestmark = pytest.mark.django_db

PAGE = "/dashboards/{slug}/"
EXPORT = "/dashboards/{slug}/adressen.csv"
API = "/api/v1/dashboards/{slug}/addresses"


@pytest.fixture
def world():
    w = World()
    today = timezone.localdate()
    w.addresses = []
    for n, code in enumerate(["BU00340101", "BU00340101", "BU00340102", "BU00340201"], start=1):
        buurt = w.buurten[code]
        w.addresses.append(Address.objects.create(
            bag_id=f"00342000000{n:05d}", street="Hennepstraat", number=n, letter="A" if n == 2 else "",
            postcode="1301AB", city="Almere", buurt=buurt, lon=5.001 + n / 1000, lat=52.001 + n / 1000))
    hennep = Category.objects.get(code="hennep")
    spec = [  # days ago, address index, property type, plants
        (3, 0, "eengezinswoning", 240),
        (40, 1, "flat", 90),
        (200, 2, "bedrijfspand", 1200),
        (500, 3, "schuur", 60),
        (1500, 0, "eengezinswoning", 300),  # outside the default three years
    ]
    rows = []
    for days, index, kind, plants in spec:
        address = w.addresses[index]
        rows.append(w.row(today - datetime.timedelta(days=days), address.buurt.code, hennep,
                          time=datetime.time(9, 30), address_id=address.pk, lon=address.lon, lat=address.lat,
                          property_type=kind, quantity=plants, modus_operandi="stroom illegaal afgetapt"))
    w.load(rows, source=Source.objects.get(code="hennep"))
    w.load([w.row(today - datetime.timedelta(days=5), "BU00340101", w.burglary)])  # a police incident
    return w


def _user(world, username, role, slug):
    user = make_user(username)
    grant(user, role, scope=world.boards[slug])
    return user


def _api(user):
    client = APIClient()
    client.force_login(user)
    return client


def _events(user, action):
    return AccessEvent.objects.filter(actor=user, action=action, outcome=AccessEvent.Outcome.ALLOWED)


def test_the_ordinary_dashboard_viewer_is_refused_page_export_and_api(world):
    user = _user(world, "analist", R.DASHBOARD_VIEWER, "buurtveiligheid")
    client = login(Client(), user)
    assert client.get(PAGE.format(slug="hennep")).status_code == 404
    assert client.get(EXPORT.format(slug="hennep")).status_code in (403, 404)
    assert _api(user).get(API.format(slug="hennep")).status_code in (403, 404)
    # nor through the dashboard the viewer does have
    assert client.get(EXPORT.format(slug="buurtveiligheid")).status_code in (403, 404)
    assert _api(user).get(API.format(slug="buurtveiligheid")).status_code in (403, 404)
    assert not _events(user, AccessEvent.Action.DASHBOARD_VIEW).exists()
    assert not _events(user, AccessEvent.Action.EXPORT).exists()
    assert AccessEvent.objects.filter(actor=user, outcome=AccessEvent.Outcome.DENIED).count() >= 3


def test_anonymous_and_users_without_grants_see_nothing(world):
    anonymous = Client()
    for url in (PAGE, EXPORT):
        response = anonymous.get(url.format(slug="hennep"))
        assert response.status_code == 302 and response["Location"].startswith("/inloggen/")
    assert APIClient().get(API.format(slug="hennep")).status_code in (401, 403)
    nobody = make_user("zonder-rechten")
    client = login(Client(), nobody)
    assert client.get(PAGE.format(slug="hennep")).status_code == 403
    assert client.get(EXPORT.format(slug="hennep")).status_code == 403
    assert _api(nobody).get(API.format(slug="hennep")).status_code == 403


def test_the_hennep_analist_sees_the_clearings_and_the_view_is_recorded(world):
    user = _user(world, "hennep-analist", R.ADDRESS_LEVEL_VIEWER, "hennep")
    client = login(Client(), user)
    response = client.get(PAGE.format(slug="hennep"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hennepstraat 1, 1301 AB Almere" in html and "Hennepstraat 2A" in html
    assert "bedrijfspand" in html and "schuur of bijgebouw" in html and "flat of appartement" in html
    assert "1200" in html and "Haven-Noord" in html
    assert 'id="hennep-points"' in html and 'id="hennep-outlines"' in html
    assert "vendor/leaflet/dist/leaflet.js" in html and "tile.openstreetmap" not in html
    assert "<script>" not in html.replace('<script id="hennep-points" type="application/json">', "")  # CSP
    records = response.context["records"]
    assert [r.plants for r in records] == [240, 90, 1200, 60]  # newest first; 1500 days ago is outside the default
    assert {r.key: r.count for r in response.context["by_type"]} == {
        "eengezinswoning": 1, "flat": 1, "bedrijfspand": 1, "schuur": 1}
    assert {r.key: r.count for r in response.context["by_buurt"]} == {
        "BU00340101": 2, "BU00340102": 1, "BU00340201": 1}
    event = _events(user, AccessEvent.Action.DASHBOARD_VIEW).get()
    assert event.object_id == str(world.boards["hennep"].pk) and event.result_count == 4
    assert "from=" in event.query and event.role == R.ADDRESS_LEVEL_VIEWER
    client.get(PAGE.format(slug="hennep"))
    assert _events(user, AccessEvent.Action.DASHBOARD_VIEW).count() == 2  # every look


def test_the_period_and_property_type_filter(world):
    user = _user(world, "hennep-analist", R.ADDRESS_LEVEL_VIEWER, "hennep")
    client = login(Client(), user)
    this_month = timezone.localdate().replace(day=1)
    start = add_months(this_month, -60).strftime("%Y-%m")
    everything = client.get(PAGE.format(slug="hennep"), {"from": start})
    assert len(everything.context["records"]) == 5
    houses = client.get(PAGE.format(slug="hennep"), {"from": start, "type": "eengezinswoning"})
    assert [r.plants for r in houses.context["records"]] == [240, 300]
    only_last = client.get(PAGE.format(slug="hennep"), {"from": this_month.strftime("%Y-%m")})
    expected = 1 if (timezone.localdate() - datetime.timedelta(days=3)) >= this_month else 0
    assert len(only_last.context["records"]) == expected
    for bad in ({"from": "gisteren"}, {"from": "2024-13"}, {"type": "kasteel"},
                {"from": this_month.strftime("%Y-%m"), "to": add_months(this_month, -2).strftime("%Y-%m")}):
        response = client.get(PAGE.format(slug="hennep"), bad)
        assert response.status_code == 400, bad
        assert "Hennepstraat" not in response.content.decode()
        assert _api(user).get(API.format(slug="hennep"), bad).status_code == 400


def test_the_export_is_a_csv_with_addresses_and_an_access_event(world):
    user = _user(world, "hennep-analist", R.ADDRESS_LEVEL_VIEWER, "hennep")
    client = login(Client(), user)
    response = client.get(EXPORT.format(slug="hennep"), {"type": "flat"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="hennep-')
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("Datum;Tijd;Adres;Postcode;BAG-id;Soort pand;Planten")
    assert len(lines) == 2 and "Hennepstraat 2A" in lines[1] and ";90;" in lines[1]
    event = _events(user, AccessEvent.Action.EXPORT).get()
    assert event.result_count == 1 and "type=flat" in event.query and "format=csv" in event.query
    assert not _events(user, AccessEvent.Action.DASHBOARD_VIEW).exists()


def test_the_addresses_api(world):
    user = _user(world, "hennep-analist", R.ADDRESS_LEVEL_VIEWER, "hennep")
    api = _api(user)
    response = api.get(API.format(slug="hennep"))
    assert response.status_code == 200
    data = response.json()
    assert data["source"] == "hennep" and data["count"] == 4 and data["attribution"].startswith("Bron:")
    first = data["results"][0]
    assert set(first) >= {"address", "bagId", "postcode", "date", "propertyType", "plants", "buurtCode", "lon", "lat"}
    assert first["address"] == "Hennepstraat 1, 1301 AB Almere" and first["bagId"] == "0034200000000001"
    assert first["propertyType"] == "eengezinswoning" and first["plants"] == 240 and first["buurtCode"] == "BU00340101"
    assert first["date"] == (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    assert _events(user, AccessEvent.Action.DASHBOARD_VIEW).count() == 1
    api.get(API.format(slug="hennep"), {"type": "schuur"})
    assert _events(user, AccessEvent.Action.DASHBOARD_VIEW).count() == 2  # an event per call
    for slug in ("buurtveiligheid", "ander", "bestaat-niet"):
        assert api.get(API.format(slug=slug)).status_code == 404, slug


def test_an_ordinary_dashboard_never_has_addresses_even_for_someone_with_both_grants(world):
    user = _user(world, "beide", R.ADDRESS_LEVEL_VIEWER, "hennep")
    grant(user, R.DASHBOARD_VIEWER, scope=world.boards["buurtveiligheid"])
    client = login(Client(), user)
    assert client.get(EXPORT.format(slug="buurtveiligheid")).status_code == 404
    assert _api(user).get(API.format(slug="buurtveiligheid")).status_code == 404
    page = client.get(PAGE.format(slug="buurtveiligheid"))
    assert page.status_code == 200 and "Hennepstraat" not in page.content.decode()
    assert client.get(PAGE.format(slug="buurtveiligheid"), {"source": "hennep"}).status_code == 400
    assert _api(user).get("/api/v1/dashboards/buurtveiligheid/buurten", {"source": "hennep"}).status_code == 400
    with pytest.raises(FigureQueryError):
        figure_query_from_params({"source": "hennep"}, dashboard=world.boards["buurtveiligheid"])
    with pytest.raises(FigureQueryError):
        figure_query_from_params({"source": "hennep"})
    # the hennep page shows only the address-level source, whatever `source` says
    response = client.get(PAGE.format(slug="hennep"), {"source": "politie-bvh"})
    assert response.status_code == 200 and {r.property_type for r in response.context["records"]} == {
        "eengezinswoning", "flat", "bedrijfspand", "schuur"}
