"""Two-factor login (issue 12, findings 1 and 2): a password alone never opens a sensitive role.

Through the public surface only: the login page, the second-factor pages, the pages and API endpoints a sensitive
role opens, the administrator's reset, the demo's command. Codes are computed with django-otp's public TOTP function
from the secret the enrolment page shows, as an authenticator app does."""
import base64
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from access import roles as R
from access.api import api_token_rotate
from audit.models import AccessEvent
from tests.factories import PASSWORD, admins, authenticator, grant, login, make_user, totp_code

pytestmark = pytest.mark.django_db
A = AccessEvent.Action
VERIFY = "/inloggen/tweede-factor/"
ENROL = "/inloggen/tweede-factor/instellen/"


def password_only(user, client=None):
    """Log in with the password and nothing more (what an attacker with a stolen password has)."""
    client = client or Client()
    response = client.post("/inloggen/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client, response


def events(action, user=None):
    rows = AccessEvent.objects.filter(action=action)
    return rows.filter(actor=user) if user is not None else rows


def code_from_secret(secret_text):
    key = base64.b32decode(secret_text.replace(" ", "") + "=" * (-len(secret_text.replace(" ", "")) % 8))
    return f"{totp(key):06d}"


@pytest.fixture
def officer():
    """A signal officer with the search role (sensitive), not enrolled yet."""
    user = make_user("henk", department="toezicht-handhaving")
    grant(user, R.SIGNAL_SEARCH)
    return user


@pytest.fixture
def auditor():
    user = make_user("anouk")
    grant(user, R.AUDITOR)
    return user


def test_the_sensitive_roles_are_the_ones_that_need_a_second_factor():
    sensitive = {code for code, role in R.ROLES.items() if role.sensitive}
    assert sensitive == {R.AUTHORISATION_ADMIN, R.AUDITOR, *R.SIGNAL_ROLES, R.ADDRESS_LEVEL_VIEWER}
    assert not {R.DASHBOARD_VIEWER, R.INTERVENTION_EDITOR, R.DATA_STEWARD} & sensitive


# --- a password alone -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/signalen/zoeken/", "/signalen/afdeling/", "/audit/", "/beheer/", "/",
                                 "/mijn-autorisaties/", "/mijn-api-token/", "/django-beheer/"])
def test_a_password_alone_opens_no_page_of_a_sensitive_user(officer, auditor, url):
    admin, _ = admins()
    for user in (officer, auditor, admin):
        client, response = password_only(user)
        assert response["Location"].startswith(ENROL)  # straight on to enrolment: none of them has an app yet
        page = client.get(url)
        assert page.status_code == 302, (user, url, page.status_code)
        assert page["Location"].startswith(ENROL + "?next="), page["Location"]


def test_a_password_alone_opens_no_api_endpoint(officer, auditor):
    client, _ = password_only(officer)
    assert client.get("/api/v1/addresses", {"q": "1311"}).status_code == 403
    assert client.get("/api/v1/signals").status_code == 403
    assert client.get("/api/v1/hit-report").status_code == 403
    client, _ = password_only(auditor)
    assert client.get("/api/v1/audit/events").status_code == 403


def test_an_enrolled_user_is_asked_for_the_code_and_cannot_skip_it(officer):
    authenticator(officer)
    client, response = password_only(officer)
    assert response["Location"] == VERIFY + "?next=%2F"
    for url in ("/signalen/zoeken/", "/signalen/zoeken/?q=1311", "/mijn-autorisaties/"):
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(VERIFY + "?next="), url
    assert client.get("/api/v1/addresses", {"q": "1311"}).status_code == 403
    # The step itself: with the right code the page asked for opens.
    page = client.post(VERIFY + "?next=/signalen/zoeken/", {"code": totp_code(officer), "next": "/signalen/zoeken/"})
    assert page.status_code == 302 and page["Location"] == "/signalen/zoeken/"
    assert client.get("/signalen/zoeken/").status_code == 200
    assert client.get("/api/v1/addresses", {"q": "1311"}).status_code == 200


def test_the_next_page_after_the_code_stays_on_the_platform(officer):
    authenticator(officer)
    client, _ = password_only(officer)
    page = client.post(VERIFY, {"code": totp_code(officer), "next": "https://evil.example/"})
    assert page["Location"] == "/"


def test_a_grant_approved_during_a_password_session_needs_the_second_factor_at_the_next_request():
    analist = make_user("ali", department="oov")
    client, response = password_only(analist)
    assert response["Location"] == "/"  # no sensitive role, no app: the password suffices
    assert client.get("/mijn-autorisaties/").status_code == 200
    grant(analist, R.SIGNAL_SEARCH)
    page = client.get("/signalen/zoeken/")
    assert page.status_code == 302 and page["Location"].startswith(ENROL)
    assert client.get("/api/v1/addresses", {"q": "1311"}).status_code == 403


def test_a_user_without_a_sensitive_role_needs_no_second_factor_but_one_for_an_api_token():
    user = make_user("zoe", department="burgerzaken")
    client, response = password_only(user)
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    page = client.get("/mijn-api-token/")
    assert page.status_code == 302 and page["Location"].startswith(ENROL + "?next=%2Fmijn-api-token%2F")
    assert client.post("/mijn-api-token/").status_code == 302
    from rest_framework.authtoken.models import Token

    assert not Token.objects.filter(user=user).exists()


def test_someone_who_enrolled_of_their_own_accord_is_asked_for_the_code():
    user = make_user("zoe", department="burgerzaken")
    authenticator(user)
    client, response = password_only(user)
    assert response["Location"].startswith(VERIFY)
    assert client.get("/").status_code == 302


# --- enrolment --------------------------------------------------------------------------------------------------

def test_enrolment_on_first_login_shows_a_qr_code_and_the_secret_then_ten_recovery_codes_once(officer):
    client, response = password_only(officer)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "qr-code" in html  # inline SVG, made here
    assert "http" not in re.search(r"<svg.*?</svg>", html, re.S).group(0).replace("http://www.w3.org", "")
    secret = re.search(r'class="twofactor-secret">([A-Z2-7 ]+)<', html).group(1)
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]

    wrong = client.post(ENROL, {"code": "000000" if code_from_secret(secret) != "000000" else "111111"})
    assert wrong.status_code == 400 and "niet juist" in wrong.content.decode()
    assert events(A.TWOFACTOR_FAILED, officer).get().outcome == AccessEvent.Outcome.DENIED
    assert secret in wrong.content.decode()  # the same device, to try again

    assert "Te veel onjuiste codes" in client.post(ENROL, {"code": code_from_secret(secret)}).content.decode()
    later = time_machine.travel(timezone.now() + timedelta(seconds=2))  # django-otp: one second after one failure
    later.start()
    done = client.post(ENROL, {"code": code_from_secret(secret), "next": "/signalen/zoeken/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert events(A.TWOFACTOR_ENROL, officer).count() == 1
    assert client.get("/signalen/zoeken/").status_code == 200  # this session has passed the second factor
    # Shown once: enrolment is over; the page now sends an enrolled user to the code.
    again = client.get(ENROL)
    assert again.status_code == 302 and again["Location"].startswith(VERIFY)
    assert StaticToken.objects.filter(device__user=officer).count() == 10
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).count() == 1
    later.stop()


def test_a_new_enrolment_page_is_a_new_secret(officer):
    client, _ = password_only(officer)
    first = re.search(r'class="twofactor-secret">([A-Z2-7 ]+)<', client.get(ENROL).content.decode()).group(1)
    second = re.search(r'class="twofactor-secret">([A-Z2-7 ]+)<', client.get(ENROL).content.decode()).group(1)
    assert first != second
    assert client.post(ENROL, {"code": code_from_secret(first)}).status_code == 400  # the old secret is gone
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):  # the wrong code's one second of throttling
        done = client.post(ENROL, {"code": code_from_secret(second)})
        assert done.status_code == 200
        assert 'href="/"' in done.content.decode()  # on to the home page when no page was asked for


# --- codes ------------------------------------------------------------------------------------------------------

def test_wrong_codes_are_throttled_and_recorded(officer):
    device = authenticator(officer)
    client, _ = password_only(officer)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(5):  # five wrong codes, each one really checked (django-otp waits 1, 2, 4, 8 s)
            clock.shift(timedelta(seconds=2 ** attempt + 1))
            wrong = "000000" if totp_code(officer, device) != "000000" else "111111"
            page = client.post(VERIFY, {"code": wrong})
            assert page.status_code == 400 and "niet juist" in page.content.decode(), attempt
        # The sixth try is the right code, but after five failures django-otp refuses any code for 16 seconds.
        page = client.post(VERIFY, {"code": f"{totp(device.bin_key):06d}"})
        assert page.status_code == 400 and "Te veel onjuiste codes" in page.content.decode()
        assert client.get("/signalen/zoeken/").status_code == 302
        failed = events(A.TWOFACTOR_FAILED, officer)
        assert failed.count() == 6 and set(failed.values_list("outcome", flat=True)) == {AccessEvent.Outcome.DENIED}
        # A recovery code is no way around it either.
        StaticToken.objects.create(device=_static(officer), token="abcdefgh")
        assert "Te veel onjuiste codes" in client.post(VERIFY, {"code": "abcdefgh"}).content.decode()
        assert StaticToken.objects.filter(token="abcdefgh").exists()
        # After the wait the right code works.
        clock.shift(timedelta(seconds=20))
        page = client.post(VERIFY, {"code": f"{totp(device.bin_key):06d}"})
        assert page.status_code == 302
        assert client.get("/signalen/zoeken/").status_code == 200


def _static(user):
    from django_otp.plugins.otp_static.models import StaticDevice

    return StaticDevice.objects.get_or_create(user=user, name="Herstelcodes", defaults={"confirmed": True})[0]


def test_a_code_is_accepted_once(officer):
    device = authenticator(officer)
    code = totp_code(officer, device)
    first, _ = password_only(officer)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    second, _ = password_only(officer, Client())
    assert second.post(VERIFY, {"code": code}).status_code == 400  # replayed within its 30 seconds


def test_a_recovery_code_works_once_and_is_recorded(officer):
    client, response = password_only(officer)
    secret = re.search(r'class="twofactor-secret">([A-Z2-7 ]+)<', client.get(response["Location"]).content.decode())
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>",
                       client.post(ENROL, {"code": code_from_secret(secret.group(1))}).content.decode())
    client.post("/uitloggen/")

    client, _ = password_only(officer, Client())
    page = client.post(VERIFY, {"code": codes[0].upper()[:4] + " " + codes[0].upper()[4:]}, follow=True)
    assert page.status_code == 200 and "nog 9 herstelcodes" in page.content.decode()
    event = events(A.TWOFACTOR_RECOVERY, officer).get()
    assert "nog 9" in event.object_label
    assert client.get("/signalen/zoeken/").status_code == 200
    client.post("/uitloggen/")

    client, _ = password_only(officer, Client())
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400  # used: never again
    assert client.get("/signalen/zoeken/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones_in_a_verified_session_only(officer):
    client = login(Client(), officer)
    old = StaticToken.objects.create(device=_static(officer), token="oldcode1").token
    page = client.post("/mijn-tweede-factor/")
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", page.content.decode())
    assert len(codes) == 10 and old not in codes
    assert not StaticToken.objects.filter(token=old).exists()
    assert events(A.TWOFACTOR_RECOVERY_NEW, officer).count() == 1
    unverified, _ = password_only(officer, Client())
    assert unverified.post("/mijn-tweede-factor/").status_code == 302  # to the code first
    assert StaticToken.objects.filter(device__user=officer).count() == 10


def test_my_second_factor_page():
    user = make_user("zoe", department="burgerzaken")
    client, _ = password_only(user)
    html = client.get("/mijn-tweede-factor/").content.decode()
    assert "nog geen tweede factor" in html
    client = login(Client(), user)
    html = client.get("/mijn-tweede-factor/").content.decode()
    assert "Herstelcodes over" in html and "Nieuwe herstelcodes maken" in html


# --- an administrator's reset -----------------------------------------------------------------------------------

def test_an_administrator_resets_a_second_factor_and_the_person_enrols_again(officer):
    admin, _other = admins()
    officer_session = login(Client(), officer)
    assert officer_session.get("/signalen/zoeken/").status_code == 200
    raw = api_token_rotate(user=officer)

    admin_client = login(Client(), admin)
    assert "Tweede factor resetten" in admin_client.get(f"/beheer/gebruikers/{officer.username}/").content.decode()
    page = admin_client.post(f"/beheer/gebruikers/{officer.username}/tweede-factor-resetten/")
    assert page.status_code == 302
    event = events(A.TWOFACTOR_RESET, admin).get()
    assert event.object_id == str(officer.pk)
    assert not TOTPDevice.objects.filter(user=officer).exists()
    # The session verified with the old app no longer is; the token made in it is withdrawn.
    page = officer_session.get("/signalen/zoeken/")
    assert page.status_code == 302 and page["Location"].startswith(ENROL)
    assert Client(HTTP_AUTHORIZATION=f"Token {raw}").get("/api/v1/addresses", {"q": "1311"}).status_code == 401
    # At the next login: enrolment.
    _client, response = password_only(officer, Client())
    assert response["Location"].startswith(ENROL)


def test_nobody_resets_their_own_second_factor_and_others_may_not_reset_at_all(officer):
    admin, _other = admins()
    admin_client = login(Client(), admin)
    admin_client.post(f"/beheer/gebruikers/{admin.username}/tweede-factor-resetten/")
    assert TOTPDevice.objects.filter(user=admin).exists()
    assert not events(A.TWOFACTOR_RESET).exists()
    victim = make_user("bea")
    authenticator(victim)
    officer_client = login(Client(), officer)
    assert officer_client.post(f"/beheer/gebruikers/{victim.username}/tweede-factor-resetten/").status_code == 403
    assert TOTPDevice.objects.filter(user=victim).exists()


# --- tokens -----------------------------------------------------------------------------------------------------

def test_a_token_is_made_in_a_verified_session_only(officer):
    from rest_framework.authtoken.models import Token

    client, _ = password_only(officer)
    assert client.post("/mijn-api-token/").status_code == 302
    assert not Token.objects.filter(user=officer).exists()
    client = login(Client(), officer)
    page = client.post("/mijn-api-token/")
    assert page.status_code == 200 and Token.objects.filter(user=officer).exists()


# --- the demo ---------------------------------------------------------------------------------------------------

def test_the_demo_accounts_with_a_sensitive_role_pass_with_the_documented_code(settings):
    from access import demo

    settings.DEMO_ACCOUNTS_ENABLED = True
    demo.seed(io.StringIO())
    with_app = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
    assert {"beheerder", "beheerder2", "auditor", "handhaver", "sociale-zaken", "coordinator"} <= with_app
    assert not {"zonder-rechten", "analist"} & with_app
    out, err = io.StringIO(), io.StringIO()
    call_command("demo_code", "beheerder", stdout=out, stderr=err)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    key = base64.b32decode(demo.DEMO_TOTP_SECRET)
    assert code == f"{totp(key):06d}"  # the README's secret in any authenticator app gives the same code
    client = Client()
    response = client.post("/inloggen/", {"username": "beheerder", "password": demo.DEMO_PASSWORD})
    assert response["Location"].startswith(VERIFY)
    assert "demo_code" in client.get(response["Location"]).content.decode()
    assert client.post(VERIFY, {"code": code}).status_code == 302
    assert client.get("/beheer/").status_code == 200


def test_the_demo_code_command_is_for_demo_installations_only(settings):
    from django.core.management.base import CommandError

    settings.DEMO_ACCOUNTS_ENABLED = False
    with pytest.raises(CommandError):
        call_command("demo_code", "beheerder", stdout=io.StringIO())
