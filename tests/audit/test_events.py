"""Every event type the audit records now, through the public surface (HTTP), with its context fields."""
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from access import roles as R
from access.models import Authorisation
from audit.models import AccessEvent
from dashboards.models import Dashboard
from tests.factories import PASSWORD, admins, demo_second_factor, grant, login, make_user

pytestmark = pytest.mark.django_db
A = AccessEvent.Action


def last(action, **filters):
    return AccessEvent.objects.filter(action=action, **filters).order_by("-id").first()


def test_login_logout_recorded_with_context():
    user = make_user("ana", department="burgerzaken")
    client = Client(HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="10.1.2.3")
    client.post("/inloggen/", {"username": "ana", "password": PASSWORD})
    event = last(A.LOGIN)
    assert event.actor == user and event.actor_username == "ana"
    assert event.actor_department == "Burgerzaken"
    assert event.ip_address == "10.1.2.3" and event.user_agent == "Firefox/140"
    assert event.outcome == AccessEvent.Outcome.ALLOWED and len(event.request_id) == 32
    client.post("/uitloggen/")
    assert last(A.LOGOUT).actor == user


def test_failed_login_and_lockout(settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = make_user("ana")
    client = Client()
    client.post("/inloggen/", {"username": "ana", "password": "fout"})
    failed = last(A.LOGIN_FAILED)
    assert failed.outcome == AccessEvent.Outcome.DENIED and failed.actor == user and failed.query == "ana"
    for _ in range(3):
        response = client.post("/inloggen/", {"username": "ana", "password": "fout"})
    assert response.status_code == 429
    lockout = last(A.LOCKOUT)
    assert lockout is not None and lockout.actor == user and lockout.outcome == AccessEvent.Outcome.DENIED


def test_failed_login_of_unknown_user_is_recorded_without_actor():
    Client().post("/inloggen/", {"username": "bestaat-niet\r\nFAKE LINE", "password": "x"})
    event = last(A.LOGIN_FAILED)
    assert event.actor is None
    assert "\n" not in event.query and "\r" not in event.query
    assert event.query == "bestaat-niet\\x0d\\x0aFAKE LINE"


def test_every_403_is_recorded():
    user = make_user("zonder")
    client = login(Client(), user)
    response = client.get("/audit/")
    assert response.status_code == 403
    event = last(A.DENIED)
    assert event.actor == user and event.outcome == AccessEvent.Outcome.DENIED
    assert event.path == "/audit/" and event.query == "audit.review_audit"


def test_api_403_is_recorded():
    user = make_user("zonder")
    client = login(Client(), user)
    assert client.get("/api/v1/audit/events").status_code == 403
    assert last(A.DENIED, path="/api/v1/audit/events").actor == user


def test_grant_request_approval_and_revoke_through_the_admin_pages():
    first, second = admins()
    person = make_user("piet", department="oov")
    client_a, client_b = login(Client(), first), login(Client(), second)
    response = client_a.post("/beheer/autorisaties/nieuw/", {
        "user": person.pk, "role": R.AUDITOR, "scope": "", "purpose": "Controle logboek Q4",
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": (timezone.localdate() + timedelta(days=90)).isoformat(),
    })
    assert response.status_code == 302, response.content[:1000]
    g = Authorisation.objects.get(user=person, role=R.AUDITOR)
    requested = last(A.GRANT_REQUEST)
    assert requested.actor == first and requested.purpose == "Controle logboek Q4"
    assert requested.object_type == "access.Authorisation" and requested.object_id == str(g.pk)
    assert requested.role == R.AUTHORISATION_ADMIN  # the grant that allowed the administrator to do this

    client_b.post(f"/beheer/autorisaties/{g.pk}/besluit/", {"decision": "approve", "note": "ok"})
    approved = last(A.GRANT_APPROVE, object_id=str(g.pk))
    assert approved.actor == second and approved.role == R.AUTHORISATION_ADMIN

    client_a.post(f"/beheer/autorisaties/{g.pk}/intrekken/", {"reason": "Project afgerond"})
    revoked = last(A.GRANT_REVOKE)
    assert revoked.actor == first and revoked.purpose == "Project afgerond" and revoked.object_id == str(g.pk)


def test_grant_expiry_is_recorded_by_the_beat_job():
    person = make_user("piet")
    dashboard = Dashboard.objects.create(slug="buurt", name="Buurt")
    g = grant(person, R.DASHBOARD_VIEWER, scope=dashboard, days=2)
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        from access.tasks import expire_authorisations

        expire_authorisations.delay()
    event = last(A.GRANT_EXPIRE)
    assert event.object_id == str(g.pk) and event.actor is None


def test_auditor_page_views_and_exports_are_recorded(auditor, auditor_client):
    auditor_client.get("/audit/?person=admin-a&action=grant_request")
    view = last(A.AUDIT_VIEW)
    assert view.actor == auditor and view.role == R.AUDITOR and view.authorisation_id is not None
    assert view.query == "person=admin-a; action=grant_request"
    for url, page in [("/audit/adres/?address=1234AB+1", "audit.address"), ("/audit/persoon/?person=x", "audit.person"),
                      ("/audit/afwijkend/", "audit.unusual"), ("/audit/wijzigingen/", "audit.changes"),
                      ("/audit/integriteit/", "audit.integrity"), ("/api/v1/audit/events", "audit.api.events")]:
        assert auditor_client.get(url).status_code == 200
        assert last(A.AUDIT_VIEW).object_type == page
    auditor_client.get("/audit/export.csv?action=login")
    export = last(A.AUDIT_EXPORT)
    assert export.actor == auditor and export.query == "action=login" and export.result_count >= 1


def test_request_id_is_generated_and_returned():
    response = Client().get("/inloggen/")
    assert len(response["X-Request-ID"]) == 32
    other = Client().get("/inloggen/")
    assert other["X-Request-ID"] != response["X-Request-ID"]


@pytest.mark.parametrize("header", ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "garbage",
                                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX: y"])
def test_a_client_never_chooses_the_request_id(header):
    """The request id is an audit identity (and once keyed the anti-fishing tally): a W3C traceparent a client
    sends is not used for it."""
    make_user("ana")
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    first = Client().post("/inloggen/", {"username": "ana", "password": PASSWORD}, HTTP_TRACEPARENT=header)
    second = Client().get("/inloggen/", HTTP_TRACEPARENT=header)
    assert trace not in (first["X-Request-ID"], second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"] and len(first["X-Request-ID"]) == 32
    assert last(A.LOGIN).request_id == first["X-Request-ID"]


def test_lockout_behind_a_proxy_keys_on_the_real_client(settings):
    """django-axes uses the audit's client IP: with TRUSTED_PROXY_COUNT=1 five failures from one client do not
    lock the account for another client behind the same proxy (axes alone saw only the proxy's address)."""
    settings.TRUSTED_PROXY_COUNT = 1
    user = make_user("ana")
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/inloggen/", {"username": "ana", "password": "fout-wachtwoord"})
    assert last(A.LOCKOUT) is not None and last(A.LOCKOUT).ip_address == "203.0.113.66"
    owner = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = owner.post("/inloggen/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and last(A.LOGIN).ip_address == "198.51.100.7"


def test_ip_is_remote_addr_and_a_forged_forwarded_for_is_ignored():
    user = make_user("ana")
    client = Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="6.6.6.6")
    client.post("/inloggen/", {"username": user.username, "password": PASSWORD})
    assert last(A.LOGIN).ip_address == "192.0.2.10"


def test_ip_from_trusted_proxies_only(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    make_user("ana")
    # The client forged "6.6.6.6"; our one proxy appended the address it saw (203.0.113.7).
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    client.post("/inloggen/", {"username": "ana", "password": PASSWORD})
    assert last(A.LOGIN).ip_address == "203.0.113.7"


def test_ip_with_two_trusted_proxies_and_garbage(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    make_user("ana")
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4, 10.0.0.2")
    client.post("/inloggen/", {"username": "ana", "password": PASSWORD})
    assert last(A.LOGIN).ip_address == "198.51.100.4"
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip, 10.0.0.2")
    client.post("/uitloggen/")
    client.post("/inloggen/", {"username": "ana", "password": PASSWORD})
    assert last(A.LOGIN).ip_address is None


def test_change_records_get_the_unforgeable_ip_and_request_id():
    from auditlog.models import LogEntry

    first, _second = admins()
    person = make_user("piet")
    client = Client(REMOTE_ADDR="192.0.2.44", HTTP_X_FORWARDED_FOR="6.6.6.6")
    login(client, first)
    response = client.post("/beheer/autorisaties/nieuw/", {
        "user": person.pk, "role": R.AUDITOR, "scope": "", "purpose": "Controle",
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
    })
    g = Authorisation.objects.get(user=person)
    entry = LogEntry.objects.get_for_object(g).order_by("-id").first()
    assert entry.actor == first and entry.remote_addr == "192.0.2.44"
    assert entry.cid == response["X-Request-ID"] == last(A.GRANT_REQUEST).request_id


@pytest.mark.parametrize("evil", ["a\nb", "a\r\nINFO forged", "tab\there", "nul\x00x", "esc\x1b[31m", "ls\u2028x",
                                  "c1\x85x", "del\x7f"])
def test_control_characters_cannot_forge_log_lines(auditor, evil):
    from audit.services import access_event_record

    event = access_event_record(action=A.EXPORT, actor=auditor, query=evil, purpose=evil, object_label=evil)
    event = AccessEvent.objects.get(pk=event.pk)
    for value in (event.query, event.purpose, event.object_label):
        assert not any(ord(ch) < 32 or ord(ch) == 127 or 0x80 <= ord(ch) < 0xA0 or ch in "\u2028\u2029" for ch in value)
        assert "\\x" in value or "\\u" in value


def test_seed_demo_grants_are_findable_by_the_auditor(settings):
    """The demo check: the auditor finds today's grants by `beheerder` with their purpose, and exports them."""
    settings.DEMO_ACCOUNTS_ENABLED = True
    call_command("seed_demo", verbosity=0)
    client = Client()
    assert client.post("/inloggen/", {"username": "auditor", "password": "Veilig-demo-2026"}).status_code == 302
    demo_second_factor(client, "auditor")  # the README's manage.py demo_code auditor
    home = client.get("/").content.decode()
    assert 'href="/audit/"' in home  # click 1: the tool on the home page
    today = timezone.localdate().isoformat()
    query = f"person=beheerder&action=grant_request&since={today}&until={today}"
    page = client.get(f"/audit/?{query}").content.decode()  # click 2: filter
    assert "Demo: " in page and "beheerder" in page
    export = client.get(f"/audit/export.csv?{query}")
    body = export.getvalue().decode("utf-8-sig")
    assert export.status_code == 200 and "Demo: " in body and body.count("grant_request") >= 3


def test_event_list_names_the_role_not_its_code(auditor, auditor_client):
    auditor_client.get("/audit/")  # recorded with the auditor role
    html = auditor_client.get("/audit/?action=audit_view").content.decode()
    from access.roles import ROLES

    assert f'<span title="{R.AUDITOR}">{ROLES[R.AUDITOR].label}</span>' in html
