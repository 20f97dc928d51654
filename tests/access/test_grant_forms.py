"""Grant and renewal forms as an administrator meets them: the dates are filled in (ISO, so the browser's date
picker shows them) and bounded to what the service accepts, and a purpose needs real text. The lockout page says
how long the lockout lasts."""
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from access import roles as R
from access.forms import one_year_ahead
from access.models import Authorisation
from dashboards.models import Dashboard
from tests.factories import admins, grant, login, make_user

pytestmark = pytest.mark.django_db


def date_input(html, name):
    """The attributes of the <input name=...> as a dict."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return dict(re.findall(r'(\w+)="([^"]*)"', tag))


@pytest.fixture
def dashboard():
    return Dashboard.objects.create(slug="buurtveiligheid", name="Veiligheid per buurt")


def test_new_grant_form_has_its_dates_filled_in_iso_and_bounded(dashboard):
    first, _ = admins()
    html = login(Client(), first).get("/beheer/autorisaties/nieuw/").content.decode()
    today = timezone.localdate()
    start, end = date_input(html, "valid_from"), date_input(html, "valid_until")
    assert start["type"] == end["type"] == "date"
    assert start["value"] == today.isoformat()
    assert today < timezone.datetime.fromisoformat(end["value"]).date() <= one_year_ahead(today)
    assert start["min"] == end["min"] == today.isoformat()
    assert end["max"] == one_year_ahead(today).isoformat()


def test_renew_form_proposes_the_furthest_allowed_end_date(dashboard):
    first, _ = admins()
    g = grant(make_user("ana"), R.DASHBOARD_VIEWER, scope=dashboard, days=10)
    html = login(Client(), first).get(f"/beheer/autorisaties/{g.pk}/verlengen/").content.decode()
    end = date_input(html, "valid_until")
    last = one_year_ahead(timezone.localdate())
    assert end["type"] == "date" and end["value"] == end["max"] == last.isoformat()
    assert end["min"] == (g.valid_until + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("purpose", ["x", " ab ", "  \n "])
def test_a_grant_purpose_needs_real_text(dashboard, purpose):
    first, _ = admins()
    ana = make_user("ana")
    response = login(Client(), first).post("/beheer/autorisaties/nieuw/", {
        "user": ana.pk, "role": R.DASHBOARD_VIEWER, "scope": f"dashboards.Dashboard:{dashboard.pk}",
        "purpose": purpose, "valid_from": timezone.localdate().isoformat(),
        "valid_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
    })
    assert response.status_code == 200
    assert "Beschrijf het doel en de grondslag" in response.content.decode()
    assert not Authorisation.objects.filter(user=ana).exists()


def test_a_renewal_keeps_the_purpose_when_left_empty_but_refuses_a_token_one(dashboard):
    first, _ = admins()
    g = grant(make_user("ana"), R.DASHBOARD_VIEWER, scope=dashboard, days=10)
    client = login(Client(), first)
    until = (timezone.localdate() + timedelta(days=100)).isoformat()
    response = client.post(f"/beheer/autorisaties/{g.pk}/verlengen/", {"valid_until": until, "purpose": "ok"})
    assert response.status_code == 200 and "Beschrijf het doel en de grondslag" in response.content.decode()
    assert not Authorisation.objects.filter(renewal_of=g).exists()
    response = client.post(f"/beheer/autorisaties/{g.pk}/verlengen/", {"valid_until": until, "purpose": ""})
    assert response.status_code == 302 and Authorisation.objects.get(renewal_of=g).purpose == g.purpose


@pytest.mark.parametrize(("minutes", "words"), [(30, "30 minuten"), (1, "1 minuut"), (90, "1 uur en 30 minuten")])
def test_the_lockout_page_says_how_long_it_lasts(settings, minutes, words):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=minutes)
    make_user("ana")
    client = Client()
    for _ in range(3):
        response = client.post("/inloggen/", {"username": "ana", "password": "fout"})
    assert response.status_code == 429
    assert words in response.content.decode()


def test_the_lockout_page_in_english(settings):
    settings.AXES_FAILURE_LIMIT = 1
    make_user("ana")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(2):
        response = client.post("/inloggen/", {"username": "ana", "password": "fout"})
    assert response.status_code == 429 and "30 minutes" in response.content.decode()
