"""The administrator pages and the user's own pages, through HTTP."""
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from access import roles as R
from access.models import Authorisation
from dashboards.models import Dashboard
from tests.factories import admins, grant, login, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def dashboard():
    return Dashboard.objects.create(slug="buurtveiligheid", name="Veiligheid per buurt")


def test_grant_approve_use_and_revoke_through_the_pages(dashboard):
    first, second = admins()
    ana = make_user("ana", first_name="Ana")
    admin1, admin2, user = login(Client(), first), login(Client(), second), login(Client(), ana)

    # Without a grant: home shows no tools, the dashboard is refused.
    home = user.get("/")
    assert "geen actieve autorisaties" in home.content.decode()
    assert user.get(f"/dashboards/{dashboard.slug}/").status_code == 403

    until = timezone.localdate() + timedelta(days=90)
    response = admin1.post(
        "/beheer/autorisaties/nieuw/",
        {
            "user": ana.pk,
            "role": R.DASHBOARD_VIEWER,
            "scope": f"dashboards.Dashboard:{dashboard.pk}",
            "purpose": "Analyse inbraken Almere Haven, taak OOV",
            "valid_from": timezone.localdate().isoformat(),
            "valid_until": until.isoformat(),
        },
    )
    assert response.status_code == 302
    grant_obj = Authorisation.objects.get(user=ana)
    assert grant_obj.status == Authorisation.Status.REQUESTED
    assert user.get(f"/dashboards/{dashboard.slug}/").status_code == 403

    # The requester cannot approve; the queue says so and a forced POST fails.
    queue = admin1.get("/beheer/autorisaties/goedkeuren/").content.decode()
    assert "Een andere beheerder moet hierover beslissen" in queue
    admin1.post(f"/beheer/autorisaties/{grant_obj.pk}/besluit/", {"decision": "approve"})
    grant_obj.refresh_from_db()
    assert grant_obj.status == Authorisation.Status.REQUESTED

    admin2.post(f"/beheer/autorisaties/{grant_obj.pk}/besluit/", {"decision": "approve", "note": "ok"})
    grant_obj.refresh_from_db()
    assert grant_obj.status == Authorisation.Status.ACTIVE and grant_obj.approved_by == second

    home = user.get("/").content.decode()
    assert "/dashboards/" in home
    mine = user.get("/mijn-autorisaties/").content.decode()
    assert "Dashboardgebruiker" in mine and "Analyse inbraken Almere Haven" in mine
    assert user.get(f"/dashboards/{dashboard.slug}/").status_code == 200

    # Revoke: the very next request of the (still logged-in) user is refused.
    response = admin2.post(f"/beheer/autorisaties/{grant_obj.pk}/intrekken/", {"reason": "Project afgerond"})
    assert response.status_code == 302
    assert user.get(f"/dashboards/{dashboard.slug}/").status_code == 403
    assert "/dashboards/" not in user.get("/").content.decode()


def test_grant_form_shows_clear_errors_and_stores_nothing(dashboard):
    first, _ = admins()
    ana = make_user("ana")
    admin1 = login(Client(), first)
    response = admin1.post(
        "/beheer/autorisaties/nieuw/",
        {
            "user": ana.pk,
            "role": R.DASHBOARD_VIEWER,
            "scope": "",
            "purpose": "Analyse",
            "valid_from": timezone.localdate().isoformat(),
            "valid_until": (timezone.localdate() + timedelta(days=500)).isoformat(),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "12 maanden" in body
    assert not Authorisation.objects.filter(user=ana).exists()


def test_administrator_cannot_pick_themselves(dashboard):
    first, _ = admins()
    admin1 = login(Client(), first)
    form = admin1.get("/beheer/autorisaties/nieuw/").content.decode()
    assert f'value="{first.pk}"' not in form


def test_user_pages_for_administrators(dashboard):
    first, _ = admins()
    ana = make_user("ana", first_name="Ana", last_name="Lyst")
    grant(ana, R.DASHBOARD_VIEWER, scope=dashboard, days=10)
    admin1 = login(Client(), first)
    listing = admin1.get("/beheer/gebruikers/?q=ana").content.decode()
    assert "Ana Lyst" in listing and "Dashboardgebruiker" in listing
    detail = admin1.get("/beheer/gebruikers/ana/").content.decode()
    assert "Wat kan deze persoon zien?" in detail and "Veiligheid per buurt" in detail
    expiring = admin1.get("/beheer/autorisaties/verlopend/").content.decode()
    assert "Ana Lyst" in expiring


def test_renew_page_creates_a_request(dashboard):
    first, _ = admins()
    ana = make_user("ana")
    g = grant(ana, R.DASHBOARD_VIEWER, scope=dashboard, days=10)
    admin1 = login(Client(), first)
    response = admin1.post(
        f"/beheer/autorisaties/{g.pk}/verlengen/",
        {"valid_until": (timezone.localdate() + timedelta(days=200)).isoformat(), "purpose": ""},
    )
    assert response.status_code == 302
    renewal = Authorisation.objects.get(renewal_of=g)
    assert renewal.status == Authorisation.Status.REQUESTED and renewal.purpose == g.purpose


def test_non_administrators_are_refused(dashboard):
    ana = make_user("ana")
    grant(ana, R.DASHBOARD_VIEWER, scope=dashboard)
    client = login(Client(), ana)
    for url in ["/beheer/", "/beheer/gebruikers/", "/beheer/autorisaties/nieuw/", "/django-beheer/"]:
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert "login" in response["Location"]


def test_superuser_without_grant_cannot_use_django_admin():
    boss = make_user("boss", is_superuser=True, is_staff=True)
    client = login(Client(), boss)
    response = client.get("/django-beheer/access/department/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_expired_grant_is_refused_on_the_next_request_even_before_the_daily_job(dashboard):
    import time_machine

    ana = make_user("ana")
    g = grant(ana, R.DASHBOARD_VIEWER, scope=dashboard, days=3)
    client = login(Client(), ana)
    assert client.get(f"/dashboards/{dashboard.slug}/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        client = login(Client(), ana)
        assert client.get(f"/dashboards/{dashboard.slug}/").status_code == 403
        g.refresh_from_db()
        assert g.status == Authorisation.Status.EXPIRED


def test_administrator_creates_and_deactivates_a_user():
    """The administrator never chooses the password: the new person gets a one-time link by e-mail
    (tests/access/test_accounts.py follows that link)."""
    from django.core import mail

    from access.models import User

    first, second = admins()
    client = login(Client(), first)
    response = client.post(
        "/beheer/gebruiker-toevoegen/",
        {"username": "nina", "first_name": "Nina", "last_name": "Nieuw", "email": "nina@gemeente.example",
         "job_title": "Analist", "phone": "", "is_active": "on", "password": "Een-lang-wachtwoord-77"},
    )
    assert response.status_code == 302
    nina = User.objects.get(username="nina")
    assert not nina.has_usable_password()
    assert [message.to for message in mail.outbox] == [["nina@gemeente.example"]]
    nina.set_password("Een-lang-wachtwoord-77")  # as if she followed the link
    nina.save()
    nina_client = login(Client(), nina, password="Een-lang-wachtwoord-77")
    assert nina_client.get("/").status_code == 200
    client.post(
        "/beheer/gebruikers/nina/wijzigen/",
        {"username": "nina", "first_name": "Nina", "last_name": "Nieuw", "email": "nina@gemeente.example",
         "job_title": "Analist", "phone": ""},
    )
    nina.refresh_from_db()
    assert not nina.is_active
    assert nina_client.get("/").status_code == 302  # logged out at the next request


def test_administrator_cannot_edit_their_own_account():
    first, _ = admins()
    client = login(Client(), first)
    response = client.post(
        f"/beheer/gebruikers/{first.username}/wijzigen/",
        {"username": first.username, "first_name": "X", "last_name": "", "email": "", "job_title": "", "phone": ""},
    )
    assert response.status_code == 200 and "eigen account" in response.content.decode()
    first.refresh_from_db()
    assert first.is_active


def test_django_admin_holds_only_platform_reference_data():
    first, _ = admins()
    client = login(Client(), first)
    index = client.get("/django-beheer/").content.decode()
    assert "/django-beheer/access/department/" in index
    for url in ("/django-beheer/auditlog/logentry/", "/django-beheer/authtoken/tokenproxy/", "/django-beheer/auth/group/",
                "/django-beheer/axes/accessattempt/", "/django-beheer/signals/signal/"):
        assert client.get(url).status_code == 404, url


def test_admin_forms_render_with_the_platform_form_renderer():
    """Fields render through Django's Jinja2 widget templates; the admin's own widget templates (Django templates
    only) still render through the fallback."""
    from access.models import Department

    first, _ = admins()
    dept = Department.objects.create(code="oov", name="Openbare Orde en Veiligheid", phone="036 333")
    client = login(Client(), first)
    add = client.get("/django-beheer/access/department/add/")
    assert add.status_code == 200
    html = add.content.decode()
    assert 'name="code"' in html and 'name="email"' in html and 'type="email"' in html
    change = client.get(f"/django-beheer/access/department/{dept.pk}/change/")
    assert change.status_code == 200 and 'value="036 333"' in change.content.decode()
    saved = client.post(f"/django-beheer/access/department/{dept.pk}/change/",
                        {"code": "oov", "name": "OOV", "phone": "036 444", "email": ""})
    assert saved.status_code == 302
    dept.refresh_from_db()
    assert (dept.name, dept.phone) == ("OOV", "036 444")


def test_widget_templates_that_exist_only_as_django_templates_come_from_the_fallback():
    from django.forms.renderers import get_default_renderer
    from django.template.backends.django import Template as DjangoTemplate
    from django.template.backends.jinja2 import Template as Jinja2Template

    renderer = get_default_renderer()
    assert isinstance(renderer.get_template("django/forms/widgets/text.html"), Jinja2Template)
    wrapper = renderer.get_template("admin/widgets/related_widget_wrapper.html")  # the admin's, Django-only
    assert isinstance(wrapper, DjangoTemplate)
