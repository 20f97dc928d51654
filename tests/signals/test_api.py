"""The signals REST API through HTTP: hits, own-department register, hit report, and the Chinese wall on every
API channel (lists, details, filters, ordering, search, errors, writes)."""
import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from access.api import api_token_rotate
from audit.models import AccessEvent
from signals.models import Signal

pytestmark = pytest.mark.django_db

JSON = "application/json"
SECRET_B = "GEHEIM-sz-details"  # Sociale Zaken's details (department B for a T&H user)


def api(user=None, token=False):
    client = Client()
    if user is not None and not token:
        client.force_login(user)
    if token:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token_rotate(user=user)}"
    return client


def _problem(response, code):
    assert response.status_code == code, (response.status_code, response.content[:400])
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["API-Version"]
    return response.json()


def _never_leaks(response, *secrets):
    text = response.content.decode()
    for secret in secrets:
        assert secret not in text, (secret, text[:500])


@pytest.fixture
def signals(place, addresses, people):
    """T&H and Sociale Zaken on k3; SZ alone on a12a (contact first); OOV on k3 too (three departments)."""
    return {
        "th_k3": place("hh", "th", addresses["k3"], case_reference="TH-2026-1"),
        "sz_k3": place("sz", "sz", addresses["k3"], case_reference="SZ-2026-9", details=SECRET_B),
        "sz_a12a": place("sz", "sz", addresses["a12a"], contact_before_acting=True, details=SECRET_B,
                         case_reference="SZ-2026-10"),
        "oov_k3": place("oov", "oov", addresses["k3"]),
    }


# ---------------------------------------------------------------------------------------------- hits

def test_hits_show_departments_and_contacts_only(people, signals, addresses):
    client = api(people["searcher"])
    response = client.get(f"/api/v1/addresses/{addresses['k3'].pk}/hits", {"purpose": "Zaak 2026-77"})
    assert response.status_code == 200 and response["API-Version"] == "1.0.0"
    body = response.json()
    assert body["hit"] is True and body["departmentCount"] == 3
    names = [d["department"] for d in body["departments"]]
    assert names == sorted(names) and "Sociale Zaken" in names and "Toezicht en Handhaving" in names
    th = next(d for d in body["departments"] if d["department"] == "Toezicht en Handhaving")
    assert th["contactName"] == "Henk Handhaver" and th["contactPhone"] == "06 1111 1111"
    assert th["since"] == timezone.localdate().strftime("%Y-%m")
    assert set(th) == {"department", "contactName", "contactPhone", "contactEmail", "since", "sinceLabel",
                       "contactBeforeActing"}
    _never_leaks(response, SECRET_B, "GEHEIM", "Uitkeringsfraude", "uitkeringsfraude", "Woonfraude", "SZ-2026",
                 str(signals["sz_k3"].public_id))
    event = AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH).latest("id")
    assert (event.purpose, event.result_count, event.query) == ("Zaak 2026-77", 3, addresses["k3"].search_key)


def test_hits_contact_first_and_no_hit(people, signals, addresses):
    client = api(people["searcher"])
    body = client.get(f"/api/v1/addresses/{addresses['a12a'].pk}/hits", {"purpose": "Zaak 1"}).json()
    assert body["departments"][0]["contactBeforeActing"] is True
    body = client.get(f"/api/v1/addresses/{addresses['a14'].pk}/hits", {"purpose": "Zaak 1"}).json()
    assert body["hit"] is False and body["departments"] == [] and body["message"]
    assert AccessEvent.objects.filter(action=AccessEvent.Action.ADDRESS_SEARCH, result_count=0).exists()


def test_hits_need_purpose_and_search_right(people, signals, addresses):
    url = f"/api/v1/addresses/{addresses['k3'].pk}/hits"
    body = _problem(api(people["searcher"]).get(url), 400)
    assert body["invalidParams"][0]["name"] == "purpose"
    _problem(api(people["oov"]).get(url, {"purpose": "Zaak 1"}), 403)  # officer without search grant
    _problem(Client().get(url, {"purpose": "Zaak 1"}), 401)
    _problem(api(people["searcher"]).get("/api/v1/addresses/99999999/hits", {"purpose": "Zaak 1"}), 404)


def test_search_limit_is_429_with_message_and_recorded(people, signals, addresses, settings):
    settings.SIGNAL_SEARCH_LIMIT_PER_HOUR = 2
    client = api(people["searcher"], token=True)
    url = f"/api/v1/addresses/{addresses['k3'].pk}/hits"
    for _ in range(2):
        assert client.get(url, {"purpose": "Zaak 1"}).status_code == 200
    response = client.get(url, {"purpose": "Zaak 1"})
    body = _problem(response, 429)
    assert "per uur" in body["detail"] and response["Retry-After"] == "3600"
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.ADDRESS_SEARCH, outcome=AccessEvent.Outcome.DENIED, actor=people["searcher"]
    ).exists()


# ---------------------------------------------------------------------------------------------- register

def test_list_only_own_departments_without_details(people, signals):
    response = api(people["hh"]).get("/api/v1/signals")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == str(signals["th_k3"].public_id)
    assert item["category"] == {"code": "woonfraude", "name": "Woonfraude"}
    assert "details" not in item
    _never_leaks(response, SECRET_B, "GEHEIM", "uitkeringsfraude", "ondermijning", "SZ-2026",
                 str(signals["sz_k3"].public_id), str(signals["oov_k3"].public_id))


def test_detail_shows_details_and_records_a_view(people, signals):
    signal = signals["th_k3"]
    response = api(people["hh"]).get(f"/api/v1/signals/{signal.public_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["details"] == "GEHEIM-th-details" and body["caseReference"] == "TH-2026-1"
    assert body["contactOfficer"]["username"] == "henk"
    event = AccessEvent.objects.filter(action=AccessEvent.Action.SIGNAL_VIEW).latest("id")
    assert event.actor_username == "henk" and event.object_id == str(signal.pk)


@pytest.mark.parametrize("who", ["hh", "root", "searcher", "oov"])
def test_other_departments_ids_are_404_everywhere(people, signals, who):
    """Officers (also a superuser, who manages Sociale Zaken only) get 404 for another department's signal on
    every verb, like for an id that does not exist; a search-only user is refused the endpoint (403)."""
    user = people[who]
    foreign = signals["th_k3"] if who == "root" else signals["sz_k3"]
    secrets = ["GEHEIM-th-details", "Woonfraude"] if who == "root" else [SECRET_B, "Uitkeringsfraude"]
    client = api(user)
    url = f"/api/v1/signals/{foreign.public_id}"
    expected = 404 if who in ("hh", "root", "oov") else 403  # the searcher has no officer grant at all
    for response in (
        client.get(url),
        client.patch(url, data=json.dumps({"details": "overschreven"}), content_type=JSON),
        client.post(url + "/close", data=json.dumps({"reason": "weg"}), content_type=JSON),
    ):
        body = _problem(response, expected)
        _never_leaks(response, *secrets)
        if expected == 404:
            assert body["detail"] == _problem(client.get(f"/api/v1/signals/{uuid.uuid4()}"), 404)["detail"]
    foreign.refresh_from_db()
    assert foreign.status == Signal.Status.ACTIVE and foreign.details != "overschreven"
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SIGNAL_VIEW, object_id=str(foreign.pk)).exists()


def test_numeric_and_garbage_ids_are_404(people, signals):
    client = api(people["hh"])
    for value in (signals["sz_k3"].pk, "abc", "../signals"):
        _problem(client.get(f"/api/v1/signals/{value}"), 404)


def test_superuser_sees_only_the_department_granted(people, signals):
    response = api(people["root"]).get("/api/v1/signals")
    ids = {item["id"] for item in response.json()["results"]}
    assert ids == {str(signals["sz_k3"].public_id), str(signals["sz_a12a"].public_id)}
    _never_leaks(response, "GEHEIM-th-details", "Woonfraude", "ondermijning", "TH-2026")


def test_filters_and_ordering_stay_behind_the_wall(people, signals):
    client = api(people["hh"])
    th_id = str(signals["th_k3"].public_id)
    for params in (
        {"department": "sociale-zaken"},
        {"category": "uitkeringsfraude"},
        {"q": "SZ-2026-9"},
        {"q": "1311"},  # SZ has a12a at 1311AB; T&H has nothing there
        {"status": "closed"},
    ):
        response = client.get("/api/v1/signals", params)
        assert response.status_code == 200, params
        assert response.json()["results"] == [], params
        _never_leaks(response, SECRET_B, "GEHEIM")
    for ordering in ("address", "-address", "validFrom", "-validUntil", "status"):
        results = client.get("/api/v1/signals", {"ordering": ordering}).json()["results"]
        assert [r["id"] for r in results] == [th_id]
    assert client.get("/api/v1/signals", {"q": "TH-2026"}).json()["count"] == 1
    assert client.get("/api/v1/signals", {"category": "woonfraude"}).json()["count"] == 1
    body = _problem(client.get("/api/v1/signals", {"ordering": "details"}), 400)
    assert body["invalidParams"][0]["name"] == "ordering"
    _problem(client.get("/api/v1/signals", {"status": "weg"}), 400)


def test_sz_list_is_ordered_and_filtered(people, signals):
    client = api(people["sz"])
    by_address = [r["address"]["label"] for r in client.get("/api/v1/signals", {"ordering": "address"}).json()["results"]]
    assert by_address == sorted(by_address, key=lambda label: label.lower())
    assert client.get("/api/v1/signals", {"q": "1311"}).json()["count"] == 1


def test_create_signal(people, depts, addresses, mailoutbox):
    client = api(people["hh"], token=True)
    response = client.post(
        "/api/v1/signals",
        data=json.dumps({"address": addresses["a14"].pk, "category": "woonfraude", "details": "Onderhuur",
                         "caseReference": "TH-9", "contactBeforeActing": True}),
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    signal = Signal.objects.get(public_id=body["id"])
    assert signal.department == depts["th"] and signal.contact_officer == people["hh"]
    assert body["details"] == "Onderhuur" and body["contactBeforeActing"] is True
    assert body["validUntil"] == signal.valid_until.isoformat()
    assert signal.valid_until > timezone.localdate() + timedelta(days=360)  # default 12 months


def test_create_refuses_other_departments_references_like_unknown_ones(people, depts, addresses):
    client = api(people["hh"])

    def post(**data):
        payload = {"address": addresses["a14"].pk, "category": "woonfraude", **data}
        return client.post("/api/v1/signals", data=json.dumps(payload), content_type=JSON)

    foreign = _problem(post(department="sociale-zaken"), 400)
    unknown = _problem(post(department="bestaat-niet"), 400)
    assert foreign["invalidParams"] == unknown["invalidParams"]
    foreign = _problem(post(category="uitkeringsfraude"), 400)
    unknown = _problem(post(category="bestaat-niet"), 400)
    assert foreign["invalidParams"] == unknown["invalidParams"]
    assert "Uitkeringsfraude" not in json.dumps(foreign)
    foreign = _problem(post(contactOfficer="sanne"), 400)
    unknown = _problem(post(contactOfficer="niemand-bekend"), 400)
    assert foreign["invalidParams"] == unknown["invalidParams"]
    body = _problem(post(status="closed"), 400)
    assert body["invalidParams"][0]["name"] == "status"
    body = _problem(post(validUntil=(timezone.localdate() + timedelta(days=800)).isoformat()), 400)
    assert body["invalidParams"][0]["name"] == "validUntil" and "24" in body["invalidParams"][0]["reason"]
    body = _problem(post(address=99999999), 400)
    assert body["invalidParams"][0]["name"] == "address"
    assert not Signal.objects.filter(department=depts["th"]).exists()


def test_create_needs_officer_grant(people, addresses):
    payload = json.dumps({"address": addresses["a14"].pk, "category": "woonfraude", "department": "toezicht-handhaving"})
    _problem(api(people["searcher"]).post("/api/v1/signals", data=payload, content_type=JSON), 403)
    _problem(api(people["nobody"]).post("/api/v1/signals", data=payload, content_type=JSON), 403)
    _problem(Client().post("/api/v1/signals", data=payload, content_type=JSON), 401)


def test_patch_extend_and_close(people, signals):
    signal = signals["th_k3"]
    client = api(people["hh"])
    url = f"/api/v1/signals/{signal.public_id}"
    new_until = (timezone.localdate() + timedelta(days=500)).isoformat()
    response = client.patch(url, data=json.dumps({"details": "Bijgewerkt", "validUntil": new_until}),
                            content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["details"] == "Bijgewerkt" and response.json()["validUntil"] == new_until
    response = client.patch(url, data=json.dumps({"caseReference": "TH-2026-2"}),
                            content_type="application/merge-patch+json")
    assert response.status_code == 200 and response.json()["caseReference"] == "TH-2026-2"
    _problem(client.patch(url, data="x=1", content_type="application/x-www-form-urlencoded"), 415)
    body = _problem(client.patch(url, data=json.dumps({"department": "oov"}), content_type=JSON), 400)
    assert body["invalidParams"][0]["name"] == "department"
    _problem(client.put(url, data=json.dumps({"details": "x"}), content_type=JSON), 405)
    body = _problem(client.post(url + "/close", data=json.dumps({}), content_type=JSON), 400)
    assert body["invalidParams"][0]["name"] == "reason"
    response = client.post(url + "/close", data=json.dumps({"reason": "Zaak afgerond"}), content_type=JSON)
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert response.json()["closeReason"] == "Zaak afgerond"
    signal.refresh_from_db()
    assert signal.status == Signal.Status.CLOSED and signal.closed_by == people["hh"]
    # Closed signals no longer count as a hit, and cannot be changed.
    _problem(client.patch(url, data=json.dumps({"details": "x"}), content_type=JSON), 400)
    body = api(people["searcher"]).get(f"/api/v1/addresses/{signal.address_id}/hits", {"purpose": "Zaak"}).json()
    assert "Toezicht en Handhaving" not in [d["department"] for d in body["departments"]]


# ---------------------------------------------------------------------------------------------- hit report

def test_hit_report(people, signals, area, addresses):
    client = api(people["coord"])
    response = client.get("/api/v1/hit-report")
    assert response.status_code == 200
    body = response.json()
    assert body["minDepartments"] == 2 and body["count"] == 1
    row = body["results"][0]
    assert row["addressId"] == addresses["k3"].pk and row["departmentCount"] == 3
    assert row["departments"] == ["Openbare Orde en Veiligheid", "Sociale Zaken", "Toezicht en Handhaving"]
    _never_leaks(response, "GEHEIM", "fraude", "ondermijning", "SZ-2026", "TH-2026")
    assert client.get("/api/v1/hit-report", {"min_departments": 4}).json()["count"] == 0
    assert client.get("/api/v1/hit-report", {"min_departments": 2, "wijk": "WK003401"}).json()["count"] == 0
    assert client.get("/api/v1/hit-report", {"min_departments": 3, "buurt": "BU00340201"}).json()["count"] == 1
    for invalid in ("x", 1, 0, -1):  # below two the report would list every department's own addresses
        _problem(client.get("/api/v1/hit-report", {"min_departments": invalid}), 400)
    event = AccessEvent.objects.filter(object_type="signals.HitReport").latest("id")
    assert event.actor_username == "coord" and event.result_count == 1 and "min_departments=3" in event.query


def test_hit_report_needs_coordinator(people, signals):
    for who in ("hh", "root", "searcher"):
        _problem(api(people[who]).get("/api/v1/hit-report"), 403)


# ---------------------------------------------------------------------------------------------- OpenAPI

def test_openapi_lists_the_signal_endpoints(people):
    schema = api(people["nobody"]).get("/api/v1/openapi.json").json()
    from drf_spectacular.validation import validate_schema

    validate_schema(schema)
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/addresses", "get"), ("/api/v1/addresses/{id}/hits", "get"), ("/api/v1/signals", "get"),
        ("/api/v1/signals", "post"), ("/api/v1/signals/{id}", "get"), ("/api/v1/signals/{id}", "patch"),
        ("/api/v1/signals/{id}/close", "post"), ("/api/v1/hit-report", "get"),
    ]:
        assert method in paths.get(path, {}), (path, method, sorted(paths))
    assert "put" not in paths["/api/v1/signals/{id}"]
    hits = paths["/api/v1/addresses/{id}/hits"]["get"]
    assert any(p["name"] == "purpose" and p["required"] for p in hits["parameters"])
    # The schema documents no category or details on the cross-department reads.
    hit_schema = json.dumps(schema["components"]["schemas"].get("Hit", {}))
    assert "category" not in hit_schema and "details" not in hit_schema


def test_address_search_and_suggestions_say_nothing_about_signals(people, signals, addresses):
    client = api(people["hh"])
    for q in ("1322CD 3", "Kadeweg", "1322", "Kadeweg 3 Almere"):
        response = client.get("/api/v1/addresses", {"q": q})
        assert response.status_code == 200
        _never_leaks(response, "GEHEIM", "fraude", "ondermijning", "Sociale Zaken", "Toezicht", "signal")
    results = client.get("/api/v1/addresses", {"q": "Kadeweg"}).json()["results"]
    assert {r["id"] for r in results} == {addresses["k3"].pk, addresses["k5"].pk}  # flagged or not, alike


def test_every_signals_endpoint_refuses_anonymous_callers(signals, addresses):
    sid = signals["th_k3"].public_id
    client = Client()
    for method, url in [
        ("get", f"/api/v1/addresses/{addresses['k3'].pk}/hits?purpose=x"), ("get", "/api/v1/signals"),
        ("post", "/api/v1/signals"), ("get", f"/api/v1/signals/{sid}"), ("patch", f"/api/v1/signals/{sid}"),
        ("post", f"/api/v1/signals/{sid}/close"), ("get", "/api/v1/hit-report"),
    ]:
        response = getattr(client, method)(url, content_type=JSON) if method != "get" else client.get(url)
        body = _problem(response, 401)
        assert "GEHEIM" not in json.dumps(body)


def test_hits_query_count_stays_flat(people, place, addresses):
    client = api(people["searcher"], token=True)
    url = f"/api/v1/addresses/{addresses['k5'].pk}/hits"
    client.get(url, {"purpose": "Zaak 1"})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url, {"purpose": "Zaak 1"})
    for key, dept in (("hh", "th"), ("sz", "sz"), ("oov", "oov"), ("hh", "th"), ("sz", "sz")):
        place(key, dept, addresses["k5"])
    with CaptureQueriesContext(connection) as many:
        body = client.get(url, {"purpose": "Zaak 1"}).json()
    assert body["departmentCount"] == 3
    assert len(many.captured_queries) == len(one.captured_queries)


def test_create_by_address_text_for_officers_without_search_rights(people, depts, addresses):
    client = api(people["oov"])  # officer of OOV, no search grant: cannot list addresses
    _problem(client.get("/api/v1/addresses", {"q": "1311AB 14"}), 403)

    def post(**data):
        return client.post("/api/v1/signals", data=json.dumps({"category": "ondermijning", **data}), content_type=JSON)

    response = post(addressQuery="1311 ab 14")
    assert response.status_code == 201, response.content
    assert response.json()["address"]["id"] == addresses["a14"].pk
    body = _problem(post(addressQuery="1311AB 12"), 400)  # 12 and 12A: not one address
    assert body["invalidParams"][0]["name"] == "addressQuery"
    body = _problem(post(), 400)
    assert body["invalidParams"][0]["name"] == "address"
    _problem(post(address=addresses["a14"].pk, addressQuery="1311AB 14"), 400)


def test_session_writes_need_a_csrf_token_token_writes_do_not(people, addresses):
    payload = json.dumps({"address": addresses["a14"].pk, "category": "woonfraude"})
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["hh"])
    body = _problem(browser.post("/api/v1/signals", data=payload, content_type=JSON), 403)
    assert "CSRF" in body["detail"]
    assert not Signal.objects.exists()
    token_client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {api_token_rotate(user=people['hh'])}")
    assert token_client.post("/api/v1/signals", data=payload, content_type=JSON).status_code == 201
