"""Project-level behaviour: health check, home page tools, demo municipality, request id header."""
import pytest
from django.core.management import call_command
from django.test import Client

from access import roles as R
from access.models import Authorisation, Department, User
from areas.models import Address, Buurt, Population
from dashboards.models import Dashboard
from tests.factories import grant, login, make_user

pytestmark = pytest.mark.django_db


def test_healthz_reports_json():
    response = Client().get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["database"] == "ok" and data["status"] == "ok"


def test_home_shows_only_the_tools_the_grants_open():
    dashboard = Dashboard.objects.create(slug="buurt", name="Buurt")
    ana = make_user("ana")
    client = login(Client(), ana)
    assert "/dashboards/" not in client.get("/").content.decode()
    grant(ana, R.DASHBOARD_VIEWER, scope=dashboard)
    body = client.get("/").content.decode()
    assert "/dashboards/" in body
    assert "/beheer/" not in body


def test_responses_carry_a_request_id():
    response = Client().get("/inloggen/")
    assert len(response["X-Request-ID"]) == 32


def test_seed_demo_builds_the_demo_municipality_once():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    counts = (Buurt.objects.count(), Address.objects.count(), User.objects.count(), Authorisation.objects.count())
    assert counts[0] == 238
    assert counts[1] >= 20_000
    assert Population.objects.filter(year=2024).count() == 238
    assert Department.objects.count() >= 6
    usernames = set(User.objects.values_list("username", flat=True))
    assert {
        "beheerder", "beheerder2", "auditor", "analist", "handhaver", "sociale-zaken",
        "coordinator", "gegevensbeheerder", "hennep-analist", "zonder-rechten",
    } <= usernames
    assert not Authorisation.objects.filter(user__username="zonder-rechten").exists()
    assert Authorisation.objects.filter(
        user__username="analist", role=R.DASHBOARD_VIEWER, status=Authorisation.Status.ACTIVE
    ).exists()
    # Postcodes and streets are consistent within a buurt: a postcode never spans two buurten.
    from django.db.models import Count

    assert not Address.objects.order_by().values("postcode").annotate(n=Count("buurt", distinct=True)).filter(n__gt=1).exists()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert counts == (Buurt.objects.count(), Address.objects.count(), User.objects.count(), Authorisation.objects.count())


def test_demo_users_log_in_on_a_demo_installation(settings):
    settings.DEMO_ACCOUNTS_ENABLED = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    from access.demo import DEMO_PASSWORD
    from tests.factories import demo_second_factor

    for username in ("beheerder", "analist", "zonder-rechten"):
        client = Client()
        response = client.post("/inloggen/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        if response["Location"].startswith("/inloggen/tweede-factor/"):  # beheerder: a sensitive role
            demo_second_factor(client, username)
        assert client.get("/").status_code == 200


def test_interface_is_dutch_even_for_an_english_browser_until_the_user_switches():
    client = Client()
    body = client.get("/inloggen/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="nl"' in body
    client.post("/taal/", {"language": "en", "next": "/inloggen/"})
    body = client.get("/inloggen/").content.decode()
    assert 'lang="en"' in body


def test_administrators_see_the_administration_tool():
    from tests.factories import admins

    first, _ = admins()
    body = login(Client(), first).get("/").content.decode()
    assert "/beheer/" in body


def test_form_help_texts_are_linked_to_their_inputs():
    """Screen readers read a field's help text: the input's aria-describedby names the help paragraph's id."""
    import re

    user = make_user("helper-reader")
    grant(user, R.SIGNAL_SEARCH)
    html = login(Client(), user).get("/signalen/zoeken/").content.decode()
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described, html
    for ref in described:
        assert f'id="{ref}"' in html
