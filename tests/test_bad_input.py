"""Bad input answers 4xx with a clear message, never a server error (issue 12, finding 9: seventeen 500s, 7 causes).

Each test reproduces one cause of the attack as it was carried out. The NUL-byte and long-username cases failed only
on PostgreSQL (which refuses NUL in text and checks column lengths); they run on SQLite too, where the same answer is
expected. tests/test_fuzz_inputs.py sends such values to every URL and API endpoint.
"""
import io
import json
from datetime import date
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.management import get_commands, load_command_class
from django.test import Client

from access import roles as R
from access.models import User
from tests.factories import grant, login, make_department, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db):
    department = make_department("toezicht-handhaving", "Toezicht en Handhaving")
    user = make_user("henk", department)
    grant(user, R.SIGNAL_OFFICER, scope=department)
    grant(user, R.BULK_CHECK)
    return user


@pytest.fixture
def officer_client(officer):
    return login(Client(), officer)


def _problem(response, status):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["detail"]
    return body


# --- 1. JSON bodies on POST /api/v1/signals --------------------------------------------------------------------

def test_deeply_nested_json_is_refused_with_400(officer_client):
    body = "[" * 100_000 + "]" * 100_000
    response = officer_client.post("/api/v1/signals", body, content_type="application/json")
    problem = _problem(response, 400)
    assert "diep" in problem["detail"]


def test_moderately_nested_json_beyond_the_limit_is_refused_too(officer_client):
    body = json.dumps({"category": "woonfraude", "details": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})
    _problem(officer_client.post("/api/v1/signals", body, content_type="application/json"), 400)


def test_a_json_body_over_the_limit_is_refused_with_413(officer_client):
    body = json.dumps({"category": "woonfraude", "details": "x" * (2_621_440 + 10)})
    problem = _problem(officer_client.post("/api/v1/signals", body, content_type="application/json"), 413)
    assert "te groot" in problem["detail"]


def test_a_json_body_with_a_nul_or_a_lone_surrogate_is_refused(officer_client):
    for text in ('{"category": "woon\\u0000fraude", "address": 1}', '{"category": "\\ud800", "address": 1}'):
        _problem(officer_client.post("/api/v1/signals", text, content_type="application/json"), 400)


# --- 2. the bulk check ------------------------------------------------------------------------------------------

def test_a_200_kb_field_in_the_bulk_check_is_a_form_error(officer_client):
    content = ("adres\n" + "x" * 200_000 + "\n").encode()
    upload = io.BytesIO(content)
    upload.name = "adressen.csv"
    response = officer_client.post("/signalen/bulkcontrole/", {"file": upload, "purpose": "Actiedag handhaving"})
    assert response.status_code == 200
    assert "geen leesbaar CSV-bestand" in response.content.decode()


def test_a_nul_byte_in_the_bulk_file_is_a_form_error(officer_client):
    upload = io.BytesIO(b"adres\nStationsstraat\x0012\n")
    upload.name = "adressen.csv"
    response = officer_client.post("/signalen/bulkcontrole/", {"file": upload, "purpose": "Actiedag handhaving"})
    assert response.status_code == 200
    assert "geen leesbaar CSV-bestand" in response.content.decode()


# --- 3. dates out of range on the audit pages and API -----------------------------------------------------------

@pytest.fixture
def auditor_client(db):
    user = make_user("auditor", make_department("audit"))
    grant(user, R.AUDITOR)
    return login(Client(), user)


@pytest.mark.parametrize("url", ["/audit/", "/audit/persoon/?person=henk&", "/audit/afwijkend/", "/audit/wijzigingen/",
                                 "/audit/export.csv"])
@pytest.mark.parametrize("param", ["since", "until"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_out_of_range_on_the_audit_pages_are_a_form_error(auditor_client, url, param, day):
    separator = "" if url.endswith("&") else "?"
    response = auditor_client.get(f"{url}{separator}{param}={day}")
    assert response.status_code in (200, 400), (url, response.status_code)
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        assert "Kies een datum tussen" in response.content.decode(), url


@pytest.mark.parametrize("param", ["since", "until"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_out_of_range_in_the_audit_api_are_a_400(auditor_client, param, day):
    problem = _problem(auditor_client.get(f"/api/v1/audit/events?{param}={day}"), 400)
    assert "Kies een datum tussen" in json.dumps(problem, ensure_ascii=False)


# --- 4. NUL bytes in URLs, filters and forms ---------------------------------------------------------------------

@pytest.fixture
def admin_client(db):
    from tests.factories import admins

    first, _second = admins()
    return login(Client(), first)


@pytest.mark.parametrize("url", [
    "/beheer/gebruikers/henk%00/",
    "/beheer/gebruikers/henk%00/wijzigen/",
    "/beheer/gebruikers/?q=henk%00",
    "/beheer/gebruikers/?department=%00",
    "/beheer/autorisaties/goedkeuren/?q=%00",
    "/django-beheer/access/user/?q=%00",
    "/django-beheer/access/user/%00/change/",
    "/api/v1/signals?q=%00",
])
def test_a_nul_byte_in_a_url_or_filter_is_a_400(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert "ongeldig teken" in response.content.decode()


URLENCODED = "application/x-www-form-urlencoded"  # what a browser sends for a form without enctype


def test_a_nul_byte_in_a_form_value_is_a_400(admin_client):
    response = admin_client.post("/beheer/gebruiker-toevoegen/", urlencode({"username": "piet\x00", "first_name": "Piet"}),
                                 content_type=URLENCODED)
    assert response.status_code == 400
    assert not User.objects.filter(username__startswith="piet").exists()


def test_a_nul_byte_in_a_multipart_text_field_is_a_form_error(admin_client):
    response = admin_client.post("/beheer/gebruiker-toevoegen/", {"username": "piet\x00", "first_name": "Piet"})
    assert response.status_code in (200, 400)
    assert not User.objects.filter(username__startswith="piet").exists()


def test_a_nul_byte_in_an_api_path_is_a_problem_json_400(admin_client):
    _problem(admin_client.get("/api/v1/signals/%00"), 400)


# --- 5. the login with an overlong username ------------------------------------------------------------------------

def test_a_login_with_a_username_over_255_characters_is_refused_as_a_failed_login(db):
    from axes.models import AccessAttempt

    response = Client().post("/inloggen/", {"username": "a" * 300, "password": "wat-dan-ook"})
    assert response.status_code == 200
    assert "150 tekens" in response.content.decode()
    assert all(len(a.username or "") <= 255 for a in AccessAttempt.objects.all())


def test_a_login_with_a_nul_in_the_username_is_a_400(db):
    response = Client().post("/inloggen/", urlencode({"username": "henk\x00", "password": "wat-dan-ook"}),
                             content_type=URLENCODED)
    assert response.status_code == 400


# --- 6. /static/%2e%2e/ under the development server -----------------------------------------------------------

@pytest.mark.parametrize("path", ["/static/%2e%2e/%2e%2e/veiligheid/settings.py", "/static/../manage.py",
                                  "/static/vendor/%2e%2e/package.json", "/static/%00"])
def test_the_development_server_answers_static_traversal_with_4xx(settings, path):
    settings.DEBUG = True
    command = load_command_class(get_commands()["runserver"], "runserver")
    options = vars(command.create_parser("manage.py", "runserver").parse_args([]))
    handler = command.get_handler(**options)
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "SERVER_NAME": "127.0.0.1", "HTTP_HOST": "127.0.0.1"}
    setup_testing_defaults(environ)
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(int(status.split()[0]))

    body = b"".join(handler(environ, start_response))
    assert 400 <= statuses[0] < 500, (path, statuses, body[:200])
    assert b"SECRET_KEY" not in body


# --- found by tests/test_fuzz_inputs.py ---------------------------------------------------------------------------

@pytest.fixture
def dashboard_client(db):
    from areas.models import Municipality
    from dashboards.models import Dashboard

    Municipality.objects.create(code="GM0034", name="Almere")  # the installation's own (DASHBOARD_MUNICIPALITY)
    board = Dashboard.objects.create(slug="buurtveiligheid", name="Veiligheid per buurt")
    user = make_user("analist", make_department("oov"))
    grant(user, R.DASHBOARD_VIEWER, scope=board)
    grant(user, R.INTERVENTION_EDITOR)
    return login(Client(), user)


def test_a_month_beyond_9999_on_a_dashboard_is_a_400(dashboard_client):
    problem = _problem(dashboard_client.get("/api/v1/dashboards/buurtveiligheid/trend?to=9999-12"), 400)
    assert "Kies een datum tussen" in problem["detail"]
    assert dashboard_client.get("/dashboards/buurtveiligheid/?to=9999-12-31").status_code < 500


def test_an_id_too_large_for_the_database_in_a_choice_is_a_form_error(dashboard_client):
    response = dashboard_client.post("/dashboards/maatregelen/nieuw/", urlencode(
        {"name": "Camera", "kind": "camera", "buurten": "99999999999999999999999", "start": date.today().isoformat(),
         "themes": "99999999999999999999999", "categories": "99999999999999999999999"}), content_type=URLENCODED)
    assert response.status_code == 200
