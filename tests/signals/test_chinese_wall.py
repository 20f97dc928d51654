"""The Chinese wall, attacked through every channel: a user of department A (with search rights, even as
superuser) never receives department B's category or details, and B's signal ids answer 404, never 403."""
import csv
import io
import uuid
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from access import roles as R
from signals.models import Signal
from tests.factories import grant, login

SECRETS = ("GEHEIM", "Woonfraude", "woonfraude", "TH-GEHEIM-77", "Vier bewoners")


def in_a_month():
    """A valid end date for a signal, whatever day the suite runs."""
    return (timezone.localdate() + timedelta(days=30)).isoformat()


@pytest.fixture
def secret_signal(place, addresses, depts):
    """Toezicht en Handhaving's signal on Stationsstraat 12, with a category, details and a case reference."""
    return place("hh", "th", addresses["a12"], details="GEHEIM: Vier bewoners op één adres",
                 case_reference="TH-GEHEIM-77", notify_on_search=True)


@pytest.fixture
def other_side(place, addresses):
    """Sociale Zaken also flags the address, so Sociale Zaken people get a co-occurrence notice."""
    return place("sz", "sz", addresses["a12"], details="Eigen SZ-verhaal")


def assert_clean(content: str):
    """No secret in the page, apart from the echo of the tester's own query (language form, filter field)."""
    import re

    content = re.sub(r'<input name="next" type="hidden" value="[^"]*">', "", content)
    content = re.sub(r'<input type="text" name="q" value="[^"]*"', "", content)
    for secret in SECRETS:
        assert secret not in content, secret


def _normalised(response, public_id):
    """The page without its CSRF tokens (masked per response) and with the requested id blanked out."""
    import re

    text = response.content.decode().replace(str(public_id), "ID")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def signal_urls(signal):
    base = f"/signalen/signaal/{signal.public_id}/"
    return [base, base + "wijzigen/", base + "verlengen/", base + "beeindigen/"]


@pytest.mark.parametrize("who", ["sz", "root", "searcher", "oov"])
def test_other_departments_signal_ids_answer_404_on_every_page(client, people, secret_signal, who):
    login(client, people[who])
    for url in signal_urls(secret_signal):
        response = client.get(url)
        expected = 404 if who != "searcher" else 403  # the searcher holds no officer grant at all: the page is closed
        assert response.status_code == expected, url
        assert_clean(response.content.decode())
        response = client.post(url, {"reason": "weg ermee", "details": "overschreven", "valid_until": in_a_month()})
        assert response.status_code == expected
    secret_signal.refresh_from_db()
    assert secret_signal.status == Signal.Status.ACTIVE and secret_signal.details.startswith("GEHEIM")


def test_missing_and_foreign_ids_look_the_same(client, people, secret_signal):
    login(client, people["sz"])
    foreign = client.get(f"/signalen/signaal/{secret_signal.public_id}/")
    missing = client.get(f"/signalen/signaal/{uuid.uuid4()}/")
    garbage = client.get("/signalen/signaal/1/")
    assert foreign.status_code == missing.status_code == garbage.status_code == 404
    assert _normalised(foreign, secret_signal.public_id) == _normalised(missing, missing.wsgi_request.path[18:-1])


def test_other_departments_register_is_404_even_for_superuser(client, people, secret_signal):
    for who in ("sz", "root", "oov"):
        client.logout()
        login(client, people[who])
        for url in ("/signalen/afdeling/toezicht-handhaving/", "/signalen/afdeling/toezicht-handhaving/nieuw/",
                    "/signalen/afdeling/toezicht-handhaving/?status=all&q=TH-GEHEIM"):
            response = client.get(url)
            assert response.status_code == 404, (who, url)
            assert_clean(response.content.decode())


def test_own_register_filters_and_ordering_never_reach_other_departments(client, people, secret_signal, other_side):
    login(client, people["root"])  # superuser, officer of Sociale Zaken only
    for query in ("", "?status=all", "?q=TH-GEHEIM", "?q=Stationsstraat", "?q=1311AB", "?status=closed",
                  "?status=all&page=2", "?ordering=category", "?category=" + str(secret_signal.category_id)):
        html = client.get("/signalen/afdeling/sociale-zaken/" + query).content.decode()
        assert_clean(html)
    html = client.get("/signalen/afdeling/sociale-zaken/?status=all").content.decode()
    assert "Uitkeringsfraude" in html  # own category is shown to own officers
    assert client.get("/signalen/afdeling/").url == "/signalen/afdeling/sociale-zaken/"


def test_create_in_other_department_or_with_foreign_category_is_refused(client, people, depts, addresses):
    login(client, people["root"])
    response = client.post("/signalen/afdeling/toezicht-handhaving/nieuw/", {
        "address": "1311 AB 14", "category": depts["cats"]["woonfraude"].pk, "contact_officer": people["root"].pk,
        "valid_until": in_a_month()})
    assert response.status_code == 404
    html = client.post("/signalen/afdeling/sociale-zaken/nieuw/", {
        "address": "1311 AB 14", "category": depts["cats"]["woonfraude"].pk, "contact_officer": people["root"].pk,
        "valid_until": in_a_month()}).content.decode()
    assert "Woonfraude" not in html
    assert not Signal.objects.filter(address=addresses["a14"]).exists()


@pytest.mark.parametrize("who", ["sz", "root", "searcher"])
def test_search_result_names_department_and_contact_only(client, people, secret_signal, who):
    login(client, people[who])
    html = client.post("/signalen/zoeken/", {"q": "1311 AB 12", "purpose": "Zaak 1",
                                             "address_id": secret_signal.address_id}).content.decode()
    assert "Toezicht en Handhaving" in html and "Henk Handhaver" in html
    assert_clean(html)
    assert str(secret_signal.public_id) not in html


def test_suggestions_carry_addresses_only(client, people, secret_signal):
    login(client, people["searcher"])
    body = client.get("/signalen/zoeken/suggesties/", {"q": "1311"}).content.decode()
    assert "Stationsstraat 12" in body
    assert_clean(body)
    assert "Toezicht" not in body and "signal" not in body.lower()


def test_exports_carry_counts_and_departments_only(client, people, secret_signal, other_side):
    grant(people["coord"], R.SIGNAL_SEARCH)
    grant(people["coord"], R.BULK_CHECK)
    login(client, people["coord"])
    for url in ("/signalen/uitdraai/", "/signalen/uitdraai/afdrukken/", "/signalen/uitdraai.csv",
                "/signalen/uitdraai.csv?min_departments=2"):
        body = client.get(url).getvalue().decode("utf-8-sig")
        assert "Toezicht en Handhaving" in body
        assert_clean(body)
        assert "Uitkeringsfraude" not in body and "Eigen SZ-verhaal" not in body
    response = client.post("/signalen/bulkcontrole/", {
        "file": SimpleUploadedFile("a.csv", b"1311AB 12\n"), "purpose": "Actiedag", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[1][3:5] == ["2", "Sociale Zaken, Toezicht en Handhaving"]
    assert_clean(response.getvalue().decode("utf-8-sig"))


def test_notifications_and_mail_name_address_and_departments_only(client, people, secret_signal, other_side,
                                                                   django_capture_on_commit_callbacks, place,
                                                                   addresses):
    with django_capture_on_commit_callbacks(execute=True):
        place("oov", "oov", addresses["a12"], details="OOV-GEHEIM observatie")
    login(client, people["sz"])
    html = client.get("/signalen/meldingen/").content.decode()
    assert "Samenloop op Stationsstraat 12" in html and "Openbare Orde en Veiligheid" in html
    assert_clean(html)
    assert "OOV-GEHEIM" not in html and "Ondermijning" not in html
    for message in mail.outbox:
        assert_clean(message.subject + message.body)
        assert "OOV-GEHEIM" not in message.body and "Ondermijning" not in message.body
    # Notify-on-search: T&H hears that the address was searched, not why.
    client.post("/signalen/zoeken/", {"q": "1311 AB 12", "purpose": "SZ-ZAAK-GEHEIM-9",
                                      "address_id": addresses["a12"].pk})
    client.logout()
    login(client, people["hh"])
    html = client.get("/signalen/meldingen/").content.decode()
    assert "is zojuist gezocht door Sanne Sociaal" in html
    assert "SZ-ZAAK-GEHEIM-9" not in html and "Eigen SZ-verhaal" not in html and "Uitkeringsfraude" not in html


def test_django_admin_exposes_no_signals_even_to_a_superuser_administrator(client, people, secret_signal):
    root = people["root"]
    grant(root, R.AUTHORISATION_ADMIN)
    login(client, root)
    index = client.get("/django-beheer/")
    assert index.status_code == 200
    html = index.content.decode()
    assert "/django-beheer/signals/" not in html and "Signalering" not in html
    for url in ("/django-beheer/signals/", "/django-beheer/signals/signal/", "/django-beheer/signals/category/",
                "/django-beheer/signals/notification/", f"/django-beheer/signals/signal/{secret_signal.pk}/change/"):
        assert client.get(url).status_code == 404, url
    entries = LogEntry.objects.filter(content_type__app_label="signals")
    assert entries.exists()
    changelist = client.get("/django-beheer/auditlog/logentry/?q=").content.decode()
    assert_clean(changelist)
    assert "Signaal " not in changelist
    entry = entries.first()
    response = client.get(f"/django-beheer/auditlog/logentry/{entry.pk}/change/", follow=True)
    assert_clean(response.content.decode())
    assert "Stationsstraat 12" not in response.content.decode()


def test_history_never_holds_details(secret_signal, people):
    from signals.services import signal_close, signal_update

    signal_update(user=people["hh"], signal=secret_signal, details="GEHEIM 2: nog meer")
    signal_close(user=people["hh"], signal=secret_signal, reason="GEHEIM reden")
    for entry in LogEntry.objects.get_for_object(secret_signal):
        assert "GEHEIM" not in str(entry.changes) and "GEHEIM" not in entry.object_repr
