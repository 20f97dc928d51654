"""GET /api/v1/audit/events: auditor role only, the pages' filters, cursor pagination."""
import pytest
from django.test import Client

from access import roles as R
from audit.models import AccessEvent
from audit.services import access_event_record
from dashboards.models import Dashboard
from tests.factories import grant, login, make_user

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit/events"
A = AccessEvent.Action


def test_anonymous_is_refused():
    response = Client().get(URL)
    assert response.status_code in (401, 403)
    assert b"actor_username" not in response.content


def test_user_without_grants_is_refused():
    response = login(Client(), make_user("zonder")).get(URL)
    assert response.status_code == 403


@pytest.mark.parametrize("role", [R.AUTHORISATION_ADMIN, R.SIGNAL_SEARCH, R.DASHBOARD_VIEWER, R.HIT_REPORT_COORDINATOR])
def test_other_roles_are_refused(role):
    user = make_user("ander")
    scope = Dashboard.objects.create(slug="d", name="D") if role == R.DASHBOARD_VIEWER else None
    grant(user, role, scope=scope)
    assert login(Client(), user).get(URL).status_code == 403




def test_auditor_gets_filtered_cursor_pages(auditor_client, auditor):
    henk = make_user("henk", department="oov")
    for i in range(5):
        access_event_record(action=A.EXPORT, actor=henk, query=f"q{i}", purpose="Zaak 7")
    access_event_record(action=A.LOGIN, actor=henk)
    response = auditor_client.get(URL, {"person": "henk", "action": "export", "page_size": 2})
    assert response.status_code == 200
    assert response["X-Request-ID"]
    data = response.json()
    assert [r["query"] for r in data["results"]] == ["q4", "q3"]
    assert data["results"][0]["actor_username"] == "henk" and data["results"][0]["purpose"] == "Zaak 7"
    assert data["results"][0]["actor_department"]
    seen = [r["query"] for r in data["results"]]
    while data["next"]:
        data = auditor_client.get(data["next"]).json()
        seen += [r["query"] for r in data["results"]]
    assert seen == ["q4", "q3", "q2", "q1", "q0"]
    view = AccessEvent.objects.filter(action=A.AUDIT_VIEW, object_type="audit.api.events").order_by("-id").first()
    assert view.actor == auditor and view.role == R.AUDITOR and "person=henk" in view.query


def test_invalid_filter_is_a_400(auditor_client):
    response = auditor_client.get(URL, {"since": "gisteren"})
    assert response.status_code == 400
    assert auditor_client.get(URL, {"page_size": "veel"}).status_code == 400


def test_no_trailing_slash_route():
    from django.urls import resolve

    assert resolve(URL).url_name == "audit-events"
