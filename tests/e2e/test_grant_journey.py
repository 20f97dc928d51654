"""Browser journey of issue 12 ("Proved in CI"): one administrator grants, the other approves with a second factor,
the user gains access, revoke, the user loses it.

On the demo: `beheerder` requests the role "Signalen zoeken" for Zoë (`zonder-rechten`, no roles, no authenticator
app); `beheerder2` logs in with the password and the code that `manage.py demo_code beheerder2` prints (the README's
way for newcomers) and approves; Zoë's open session is sent to enrolment at her next request (a password alone never
opens a sensitive role), she sets up her app from the secret on the page, sees her recovery codes and then searches;
`beheerder` revokes and her next request is refused. Screenshots of the final pages go to test-artifacts/e2e/."""
import base64
import io
import re

import pytest
from django.core.management import call_command
from django_otp.oath import totp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the catalogue of migration 0003

PERSON, FULL_NAME = "zonder-rechten", "Zoë Zonder"
ROLE = "Signalen zoeken"


@pytest.fixture(autouse=True)
def demo_accounts(settings):
    settings.DEMO_ACCOUNTS_ENABLED = True  # the demo users log in (off by default in the test settings)


def login_password_only(browser, live_server, username, password="Veilig-demo-2026"):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen", exact=True).click()
    return context, page


def test_one_grants_the_other_approves_with_a_second_factor_then_revoke(browser, live_server, demo, page_as,
                                                                         screenshot):
    from access.models import Authorisation

    # Zoë is logged in already, without a second factor (she needs none yet) and without access to the search.
    zoe_context, zoe = login_password_only(browser, live_server, PERSON)
    assert zoe.url == f"{live_server.url}/"
    response = zoe.goto(f"{live_server.url}/signalen/zoeken/")
    assert response.status == 403

    # beheerder (past the demo's authenticator code, page_as) requests the role for her.
    admin = page_as("beheerder")
    admin.goto(f"{live_server.url}/beheer/autorisaties/nieuw/?user={PERSON}")
    admin.get_by_label("Rol").select_option(label=ROLE)
    admin.get_by_label("Doel en grondslag").fill("Controle woonfraude in de wijk; toezicht op grond van de APV")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Aanvragen").click()
    grant = Authorisation.objects.get(user__username=PERSON, role="signal_search")
    assert grant.status == Authorisation.Status.REQUESTED
    assert zoe.goto(f"{live_server.url}/signalen/zoeken/").status == 403  # requested is not granted

    # beheerder2: the password, then the code of the demo app as the README tells a newcomer to get it.
    second_context, second = login_password_only(browser, live_server, "beheerder2")
    assert "/inloggen/tweede-factor/" in second.url
    assert second.goto(f"{live_server.url}/beheer/autorisaties/goedkeuren/").url.startswith(
        f"{live_server.url}/inloggen/tweede-factor/")  # no skipping the step by typing a URL
    out = io.StringIO()
    call_command("demo_code", "beheerder2", stdout=out, stderr=io.StringIO())
    second.get_by_label("Code", exact=True).fill(out.getvalue().strip())
    with second.expect_navigation():
        second.get_by_role("button", name="Controleren").click()
    assert second.url == f"{live_server.url}/beheer/autorisaties/goedkeuren/"
    card = second.locator("article.card", has_text=FULL_NAME)
    with second.expect_navigation():
        card.get_by_role("button", name="Goedkeuren").click()
    grant.refresh_from_db()
    assert grant.status == Authorisation.Status.ACTIVE and grant.approved_by.username == "beheerder2"
    screenshot(second, "approved")

    # Zoë's next request: her new role is sensitive, so her password session is sent to set up a second factor.
    zoe.goto(f"{live_server.url}/signalen/zoeken/")
    assert "/inloggen/tweede-factor/instellen/" in zoe.url
    assert zoe.locator("svg.qr-code").count() == 1
    screenshot(zoe, "enrol")
    secret = zoe.locator(".twofactor-secret").inner_text().replace(" ", "")
    code = f"{totp(base64.b32decode(secret + '=' * (-len(secret) % 8))):06d}"  # what her authenticator app shows
    zoe.get_by_label("Code uit de app").fill(code)
    with zoe.expect_navigation():
        zoe.get_by_role("button", name="Instellen").click()
    codes = zoe.locator(".recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c.strip()) for c in codes)
    with zoe.expect_navigation():
        zoe.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    assert zoe.url == f"{live_server.url}/signalen/zoeken/"
    assert zoe.get_by_role("heading", name="Adres zoeken").is_visible()
    screenshot(zoe, "access")

    # beheerder revokes the grant on Zoë's page.
    admin.goto(f"{live_server.url}/beheer/gebruikers/{PERSON}/")
    row = admin.locator("tr", has_text=ROLE)
    with admin.expect_navigation():
        row.get_by_role("link", name="Intrekken").click()
    admin.get_by_label("Reden van intrekking").fill("Actiedag afgerond")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Intrekken").click()
    grant.refresh_from_db()
    assert grant.status == Authorisation.Status.REVOKED
    screenshot(admin, "revoked")

    # Her very next request is refused.
    response = zoe.goto(f"{live_server.url}/signalen/zoeken/")
    assert response.status == 403
    assert zoe.get_by_role("heading", name="Geen toegang").is_visible()
    screenshot(zoe, "lost")
    zoe_context.close()
    second_context.close()
