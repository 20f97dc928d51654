"""Every refusal is an access event, also where the user sees a 404: another department's signal or register,
another dashboard, through the pages and the API. Missing and forbidden ids are recorded alike (the view cannot
tell them apart) and the user sees exactly the same answer; a 403 is recorded once."""
import json
import uuid

import pytest
from django.test import Client

from access import roles as R
from audit.models import AccessEvent
from dashboards.models import Dashboard
from tests.factories import grant, login, make_user
from tests.signals.test_chinese_wall import _normalised

DENIED = AccessEvent.Action.DENIED


def denials(user):
    return list(AccessEvent.objects.filter(action=DENIED, actor=user).order_by("id")
                .values_list("outcome", "object_type", "object_id"))


@pytest.fixture
def th_signal(place, addresses):
    return place("hh", "th", addresses["a12"], details="GEHEIM")


@pytest.mark.parametrize("suffix", ["", "wijzigen/", "verlengen/", "beeindigen/"])
def test_another_departments_signal_page_is_a_recorded_denial(client, people, th_signal, suffix):
    login(client, people["sz"])
    response = client.get(f"/signalen/signaal/{th_signal.public_id}/{suffix}")
    assert response.status_code == 404
    assert denials(people["sz"]) == [("denied", "signals.Signal", str(th_signal.public_id))]


def test_a_post_to_another_departments_signal_is_a_recorded_denial(client, people, th_signal):
    login(client, people["sz"])
    response = client.post(f"/signalen/signaal/{th_signal.public_id}/beeindigen/", {"reason": "weg ermee"})
    assert response.status_code == 404
    assert denials(people["sz"]) == [("denied", "signals.Signal", str(th_signal.public_id))]


def test_a_missing_signal_is_recorded_like_a_forbidden_one_and_looks_the_same(client, people, th_signal):
    login(client, people["sz"])
    missing = uuid.uuid4()
    forbidden_page = client.get(f"/signalen/signaal/{th_signal.public_id}/")
    missing_page = client.get(f"/signalen/signaal/{missing}/")
    assert forbidden_page.status_code == missing_page.status_code == 404
    assert _normalised(forbidden_page, th_signal.public_id) == _normalised(missing_page, missing)
    assert denials(people["sz"]) == [("denied", "signals.Signal", str(th_signal.public_id)),
                                     ("denied", "signals.Signal", str(missing))]


@pytest.mark.parametrize("url", ["/signalen/afdeling/toezicht-handhaving/",
                                 "/signalen/afdeling/toezicht-handhaving/nieuw/"])
def test_another_departments_register_is_a_recorded_denial(client, people, th_signal, url):
    login(client, people["sz"])
    assert client.get(url).status_code == 404
    assert denials(people["sz"]) == [("denied", "access.Department", "toezicht-handhaving")]


def test_own_pages_and_a_403_record_no_404_denial(client, people, th_signal):
    login(client, people["hh"])
    assert client.get(f"/signalen/signaal/{th_signal.public_id}/").status_code == 200
    assert client.get("/signalen/afdeling/toezicht-handhaving/").status_code == 200
    assert denials(people["hh"]) == []
    client.logout()
    login(client, people["searcher"])  # no officer grant at all: the page itself is closed (403), recorded once
    assert client.get(f"/signalen/signaal/{th_signal.public_id}/").status_code == 403
    assert [(o, t) for o, t, _id in denials(people["searcher"])] == [("denied", "")]


def api(user):
    from rest_framework.authtoken.models import Token

    from access.api import token_digest

    raw = f"token-{user.username}"
    Token.objects.create(user=user, key=token_digest(raw))
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")


def test_the_api_records_another_departments_signal_as_a_denial(people, th_signal):
    client = api(people["sz"])
    for method, url, body in [("get", f"/api/v1/signals/{th_signal.pk}", None),
                              ("get", f"/api/v1/signals/{th_signal.public_id}", None),
                              ("patch", f"/api/v1/signals/{th_signal.public_id}", {"details": "x"}),
                              ("post", f"/api/v1/signals/{th_signal.public_id}/close", {"reason": "weg"})]:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
        if method == "patch":
            kwargs["content_type"] = "application/merge-patch+json"
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code == 404, (method, url, response.content[:200])
    assert [t for _o, t, _id in denials(people["sz"])] == ["signals.Signal"] * 4


def test_the_api_records_a_signal_placed_for_another_department_as_a_denial(people, addresses):
    client = api(people["sz"])
    response = client.post("/api/v1/signals", data=json.dumps({
        "department": "toezicht-handhaving", "address": addresses["a14"].pk, "category": "woonfraude"}),
        content_type="application/json")
    assert response.status_code == 400
    assert denials(people["sz"]) == [("denied", "access.Department", "toezicht-handhaving")]


def test_another_dashboard_is_a_recorded_denial(db):
    mine = Dashboard.objects.create(slug="buurtveiligheid", name="Veiligheid per buurt")
    Dashboard.objects.create(slug="overlast", name="Overlast")
    ana = make_user("ana")
    grant(ana, R.DASHBOARD_VIEWER, scope=mine)
    client = login(Client(), ana)
    assert client.get("/dashboards/buurtveiligheid/").status_code == 200
    assert client.get("/dashboards/overlast/").status_code == 404
    assert client.get("/dashboards/bestaat-niet/").status_code == 404
    assert denials(ana) == [("denied", "dashboards.Dashboard", "overlast"),
                            ("denied", "dashboards.Dashboard", "bestaat-niet")]
