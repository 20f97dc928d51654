"""Issue 12, finding 1: an administrator can no longer become another administrator (or a signal officer).

The attack as filed: as `beheerder`, request a sensitive grant, set a second administrator's password on the user
edit page, log in as that administrator and approve the grant. Now there is no password on that page; a person sets
their own password through a one-time link mailed to their own address; a reset ends their sessions and API token;
every password, token and account change is an access event."""
import re
from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core import mail
from django.test import Client
from django.utils import timezone

from access import roles as R
from access.api import api_token_rotate
from access.models import Authorisation, User
from audit.models import AccessEvent
from tests.factories import PASSWORD, admins, grant, login, make_department, make_user

pytestmark = pytest.mark.django_db

CHOSEN = "Door-de-beheerder-gekozen-2026"
NEW = "Mijn-eigen-nieuwe-wachtwoord-77"
LINK = re.compile(r"https?://[^\s]+/wachtwoord-instellen/[^\s/]+/[^\s/]+/")


def _user_data(user, **changes):
    data = {"username": user.username, "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email, "department": user.department_id or "", "job_title": user.job_title,
            "phone": user.phone, "is_active": "on" if user.is_active else ""}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _link_in(message) -> str:
    found = LINK.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]


def _events(action, **filters):
    return AccessEvent.objects.filter(action=action, **filters)


def _refused_login(username, password) -> bool:
    return Client().post("/inloggen/", {"username": username, "password": password}).status_code != 302


def _set_password_through(link, password=NEW, client=None):
    client = client or Client()
    opened = client.get(link)
    assert opened.status_code == 302 and opened["Location"].endswith("/instellen/"), opened
    form_url = opened["Location"]
    assert "Wachtwoord instellen" in client.get(form_url).content.decode()
    return client.post(form_url, {"new_password1": password, "new_password2": password})


@pytest.fixture
def officer():
    """A signal officer of Sociale Zaken with an API token: what an administrator wanted to become."""
    person = make_user("officier", department=make_department("sociale-zaken"), first_name="Olga")
    grant(person, R.SIGNAL_OFFICER, scope=person.department)
    return person


# --- the attack -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["admin", "officer"])
def test_an_administrator_cannot_choose_another_persons_password(target, officer):
    first, second = admins()
    victim = second if target == "admin" else officer
    # The first step of the attack: a sensitive grant, waiting for a second administrator.
    accomplice = make_user("handlanger", department="oov")
    requested = login(Client(), first).post("/beheer/autorisaties/nieuw/", {
        "user": accomplice.pk, "role": R.AUDITOR, "purpose": "Controle van het gebruik",
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
    })
    assert requested.status_code == 302
    pending = Authorisation.objects.get(user=accomplice, role=R.AUDITOR)
    assert pending.status == Authorisation.Status.REQUESTED

    client = login(Client(), first)
    page = client.get(f"/beheer/gebruikers/{victim.username}/wijzigen/").content.decode()
    assert 'type="password"' not in page and 'name="password"' not in page

    response = client.post(f"/beheer/gebruikers/{victim.username}/wijzigen/",
                           _user_data(victim, password=CHOSEN, job_title="Gewijzigd"))
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.job_title == "Gewijzigd"  # the form worked, the password field did nothing
    assert not victim.check_password(CHOSEN) and victim.check_password(PASSWORD)
    assert _refused_login(victim.username, CHOSEN)
    pending.refresh_from_db()
    assert pending.status == Authorisation.Status.REQUESTED
    # The change itself is an access event naming the field, never a value.
    change = _events(AccessEvent.Action.ACCOUNT_CHANGE, actor=first, object_id=str(victim.pk)).get()
    assert change.query == "functie" and CHOSEN not in change.query


def test_the_link_goes_to_the_person_and_never_to_the_administrator(officer):
    first, _ = admins()
    client = login(Client(), first)
    response = client.post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/", follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [officer.email]
    link = _link_in(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    page = response.content.decode()
    assert token not in page and "wachtwoord-instellen" not in page
    assert "krijgt per e-mail een link" in page
    event = _events(AccessEvent.Action.PASSWORD_LINK, actor=first, object_id=str(officer.pk)).get()
    assert token not in event.query and officer.email in event.query
    assert token not in "".join(AccessEvent.objects.values_list("query", "object_label", "path").order_by()
                                .values_list("query", flat=True))


# --- creating an account --------------------------------------------------------------------------------------------

def test_a_new_account_sets_its_own_password_through_a_one_time_link():
    first, _ = admins()
    client = login(Client(), first)
    form = client.get("/beheer/gebruiker-toevoegen/").content.decode()
    assert 'name="password"' not in form
    response = client.post("/beheer/gebruiker-toevoegen/", {
        "username": "nina", "first_name": "Nina", "last_name": "Nieuw", "email": "nina@gemeente.example",
        "job_title": "Analist", "phone": "", "is_active": "on", "password": CHOSEN,
    }, follow=True)
    assert response.status_code == 200
    nina = User.objects.get(username="nina")
    assert not nina.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nina@gemeente.example"]
    assert "nina" in mail.outbox[0].body and "Welkom" in mail.outbox[0].subject
    link = _link_in(mail.outbox[0])
    assert link.rstrip("/").rsplit("/", 1)[1] not in response.content.decode()

    # Django's password rules apply on the link's page.
    browser = Client()
    browser.get(link)
    short = browser.post("/wachtwoord-instellen/{}/instellen/".format(link.split("/")[-3]),
                         {"new_password1": "kort", "new_password2": "kort"})
    assert short.status_code == 200 and "alert" in short.content.decode()

    done = _set_password_through(link)
    assert done.status_code == 302 and done["Location"] == "/inloggen/"
    nina.refresh_from_db()
    assert nina.check_password(NEW)
    login(Client(), nina, password=NEW)
    # Once only.
    again = Client().get(link)
    assert again.status_code == 200 and "werkt niet" in again.content.decode()

    created = _events(AccessEvent.Action.ACCOUNT_CREATE, actor=first, object_id=str(nina.pk)).get()
    assert "e-mailadres" in created.query
    assert _events(AccessEvent.Action.PASSWORD_LINK, actor=first, object_id=str(nina.pk)).count() == 1
    assert _events(AccessEvent.Action.PASSWORD_SET, actor=nina, object_id=str(nina.pk)).count() == 1


def test_an_inactive_new_account_gets_no_link_until_activated():
    first, second = admins()
    client = login(Client(), first)
    client.post("/beheer/gebruiker-toevoegen/", {"username": "slaper", "email": "slaper@gemeente.example"})
    assert mail.outbox == []
    page = client.get("/beheer/gebruikers/slaper/").content.decode()
    assert "niet actief" in page and "/wachtwoordlink/" not in page
    slaper = User.objects.get(username="slaper")
    login(Client(), second).post("/beheer/gebruikers/slaper/wijzigen/", _user_data(slaper, is_active="on"))
    assert _events(AccessEvent.Action.ACCOUNT_REACTIVATE, actor=second, object_id=str(slaper.pk)).exists()
    client.post("/beheer/gebruikers/slaper/wachtwoordlink/")
    assert [message.to for message in mail.outbox] == [["slaper@gemeente.example"]]


# --- a reset ends everything ----------------------------------------------------------------------------------------

def test_a_reset_ends_the_sessions_and_the_api_token_at_once(officer):
    first, _ = admins()
    session = login(Client(), officer)
    assert session.get("/signalen/afdeling/sociale-zaken/").status_code == 200
    raw = api_token_rotate(user=officer, actor=officer)
    api = Client(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/signals").status_code == 200

    login(Client(), first).post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/")

    logged_out = session.get("/signalen/afdeling/sociale-zaken/")
    assert logged_out.status_code == 302 and logged_out["Location"].startswith("/inloggen/")
    assert api.get("/api/v1/signals").status_code == 401
    assert _refused_login(officer.username, PASSWORD)  # the old password is gone too
    ended = _events(AccessEvent.Action.SESSIONS_END, actor=first, object_id=str(officer.pk)).get()
    assert ended.result_count == 1
    assert _events(AccessEvent.Action.API_TOKEN_REVOKE, actor=first, object_id=str(officer.pk)).count() == 1

    # The person sets a new password with the mailed link and works again; a new token works, the old never.
    _set_password_through(_link_in(mail.outbox[-1]))
    again = login(Client(), officer, password=NEW)
    assert again.get("/signalen/afdeling/sociale-zaken/").status_code == 200
    assert api.get("/api/v1/signals").status_code == 401


def test_a_newer_link_and_a_changed_address_end_the_older_link(officer):
    first, second = admins()
    client = login(Client(), first)
    client.post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/")
    older = _link_in(mail.outbox[-1])
    client.post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/")
    newer = _link_in(mail.outbox[-1])
    assert "werkt niet" in Client().get(older).content.decode()
    assert Client().get(newer).status_code == 302
    officer.refresh_from_db()
    login(Client(), second).post(f"/beheer/gebruikers/{officer.username}/wijzigen/",
                                 _user_data(officer, email="olga.nieuw@gemeente.example"))
    assert "werkt niet" in Client().get(newer).content.decode()


def test_a_link_expires(settings, officer):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    first, _ = admins()
    login(Client(), first).post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/")
    link = _link_in(mail.outbox[-1])
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert "werkt niet" in Client().get(link).content.decode()
    assert Client().get(link).status_code == 302


@pytest.mark.parametrize("path", [
    "/wachtwoord-instellen/onbekend/onbekend/",
    "/wachtwoord-instellen/MQ/instellen/",
    "/wachtwoord-instellen/%C3%A9%C3%A9/x-y/",
    "/wachtwoord-instellen/" + "A" * 500 + "/1-2/",
])
def test_a_broken_link_is_a_clear_page_not_an_error(path):
    response = Client().get(path)
    assert response.status_code == 200 and "werkt niet" in response.content.decode()
    assert Client().post(path, {"new_password1": NEW, "new_password2": NEW}).status_code == 200


def test_a_link_with_a_nul_byte_is_refused_not_an_error():
    assert Client().get("/wachtwoord-instellen/%00/x-y/").status_code in (200, 400)


def test_a_link_for_one_person_opens_nobody_else(officer):
    first, second = admins()
    login(Client(), first).post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/")
    uid, token = _link_in(mail.outbox[-1]).rstrip("/").split("/")[-2:]
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    other_uid = urlsafe_base64_encode(force_bytes(second.pk))
    assert "werkt niet" in Client().get(f"/wachtwoord-instellen/{other_uid}/{token}/").content.decode()
    assert "werkt niet" in Client().get(f"/wachtwoord-instellen/{uid}/{token[:-1]}x/").content.decode()
    # Django's own reset token (another salt) is no key here either.
    from django.contrib.auth.tokens import default_token_generator

    officer.refresh_from_db()
    django_token = default_token_generator.make_token(officer)
    assert "werkt niet" in Client().get(f"/wachtwoord-instellen/{uid}/{django_token}/").content.decode()


def test_a_deactivated_person_cannot_use_their_link(officer):
    first, second = admins()
    login(Client(), first).post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/")
    link = _link_in(mail.outbox[-1])
    officer.refresh_from_db()
    login(Client(), second).post(f"/beheer/gebruikers/{officer.username}/wijzigen/",
                                 _user_data(officer, is_active=""))
    assert "werkt niet" in Client().get(link).content.decode()


def test_a_mail_that_cannot_be_sent_changes_nothing(settings, officer):
    first, _ = admins()
    client = login(Client(), first)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = client.post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/", follow=True)
    assert response.status_code == 200 and "niet worden verstuurd" in response.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
    assert not _events(AccessEvent.Action.PASSWORD_LINK).exists()


# --- who may send links ---------------------------------------------------------------------------------------------

def test_only_administrators_send_links_and_never_to_themselves(officer):
    first, second = admins()
    for person in (make_user("zonder-rechten"), officer):
        response = login(Client(), person).post(f"/beheer/gebruikers/{second.username}/wachtwoordlink/")
        assert response.status_code == 403
    assert mail.outbox == []
    own = login(Client(), first).post(f"/beheer/gebruikers/{first.username}/wachtwoordlink/", follow=True)
    assert "Mijn account" in own.content.decode() and mail.outbox == []
    first.refresh_from_db()
    assert first.check_password(PASSWORD)


# --- the follow-on attack: first the address, then the link ---------------------------------------------------------

def test_a_changed_address_is_told_and_receives_no_link_for_a_day(settings, officer):
    settings.ACCOUNT_EMAIL_CHANGE_HOLD_HOURS = 24
    first, second = admins()
    original = officer.email
    client = login(Client(), first)
    client.post(f"/beheer/gebruikers/{officer.username}/wijzigen/", _user_data(officer, email=first.email))

    assert [message.to for message in mail.outbox] == [[original]]
    assert "gewijzigd door" in mail.outbox[0].body and first.username in mail.outbox[0].body
    changed = _events(AccessEvent.Action.EMAIL_CHANGE, actor=first, object_id=str(officer.pk)).get()
    assert original in changed.query and first.email in changed.query

    refused = client.post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/", follow=True)
    assert "uur geleden gewijzigd" in refused.content.decode()
    assert len(mail.outbox) == 1  # nothing went to the new address
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)  # and nothing was reset
    # Another administrator cannot shorten the wait either.
    login(Client(), second).post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/")
    assert len(mail.outbox) == 1

    # After the wait (the person had a day to object), the address is the account's address.
    with time_machine.travel(timezone.now() + timedelta(hours=26)):
        login(Client(), second).post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/")
        assert mail.outbox[-1].to == [first.email]


# --- deactivating ---------------------------------------------------------------------------------------------------

def test_deactivating_ends_sessions_and_token_and_reactivating_does_not_bring_them_back(officer):
    first, _ = admins()
    session = login(Client(), officer)
    raw = api_token_rotate(user=officer, actor=officer)
    admin = login(Client(), first)
    admin.post(f"/beheer/gebruikers/{officer.username}/wijzigen/", _user_data(officer, is_active=""))
    assert _events(AccessEvent.Action.ACCOUNT_DEACTIVATE, actor=first, object_id=str(officer.pk)).exists()
    officer.refresh_from_db()
    admin.post(f"/beheer/gebruikers/{officer.username}/wijzigen/", _user_data(officer, is_active="on"))
    assert _events(AccessEvent.Action.ACCOUNT_REACTIVATE, actor=first, object_id=str(officer.pk)).exists()
    assert session.get("/signalen/afdeling/sociale-zaken/").status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Token {raw}").get("/api/v1/signals").status_code == 401
    assert login(Client(), officer).get("/signalen/afdeling/sociale-zaken/").status_code == 200  # the password itself was kept


# --- one's own password ---------------------------------------------------------------------------------------------

def test_changing_ones_own_password_ends_the_other_sessions_and_the_token(officer):
    here, elsewhere = login(Client(), officer), login(Client(), officer)
    raw = api_token_rotate(user=officer, actor=officer)
    assert "Wachtwoord wijzigen" in here.get("/mijn-account/").content.decode()
    response = here.post("/mijn-account/wachtwoord/", {
        "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert here.get("/signalen/afdeling/sociale-zaken/").status_code == 200  # this session goes on
    assert elsewhere.get("/signalen/afdeling/sociale-zaken/").status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Token {raw}").get("/api/v1/signals").status_code == 401
    officer.refresh_from_db()
    assert officer.check_password(NEW)
    assert _events(AccessEvent.Action.PASSWORD_CHANGE, actor=officer, outcome="allowed").count() == 1
    ended = _events(AccessEvent.Action.SESSIONS_END, actor=officer).get()
    assert ended.result_count == 1


def test_guessing_the_current_password_is_recorded_and_stopped(settings, officer):
    settings.AXES_FAILURE_LIMIT = 3
    client = login(Client(), officer)
    for _attempt in range(3):
        response = client.post("/mijn-account/wachtwoord/", {
            "old_password": "geraden-wachtwoord", "new_password1": NEW, "new_password2": NEW})
        assert response.status_code == 200
    assert _events(AccessEvent.Action.PASSWORD_CHANGE, actor=officer, outcome="denied").count() == 3
    blocked = client.post("/mijn-account/wachtwoord/", {
        "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}, follow=True)
    assert "Te veel pogingen" in blocked.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


# --- the change log keeps no secrets, the access log has the events -------------------------------------------------

def test_password_changes_are_access_events_and_never_in_the_change_log(officer):
    first, _ = admins()
    login(Client(), first).post(f"/beheer/gebruikers/{officer.username}/wachtwoordlink/")
    _set_password_through(_link_in(mail.outbox[-1]))
    for entry in LogEntry.objects.filter(object_pk=str(officer.pk)):
        assert "password" not in (entry.changes or {}), entry.changes
    assert _events(AccessEvent.Action.PASSWORD_SET, actor=officer).exists()
    for event in AccessEvent.objects.all():
        assert NEW not in f"{event.query}{event.object_label}{event.purpose}"


# --- API tokens -----------------------------------------------------------------------------------------------------

def test_making_replacing_and_revoking_a_token_are_access_events(officer):
    client = login(Client(), officer)
    client.post("/mijn-api-token/", {"action": "rotate"})
    client.post("/mijn-api-token/", {"action": "rotate"})  # a new token replaces the old
    client.post("/mijn-api-token/", {"action": "revoke"})
    actions = list(AccessEvent.objects.filter(object_type="authtoken.Token", object_id=str(officer.pk), actor=officer)
                   .order_by("id").values_list("action", flat=True))
    assert actions == [AccessEvent.Action.API_TOKEN_CREATE, AccessEvent.Action.API_TOKEN_REVOKE,
                       AccessEvent.Action.API_TOKEN_CREATE, AccessEvent.Action.API_TOKEN_REVOKE]
