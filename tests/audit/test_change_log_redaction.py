"""Auditors judge the use of signals without reading them (issue 12, finding 10).

The attack: an auditor opened "Wijzigingen" and read, for every department's signals, the category, the address (and
with it the postcode), the period, the status and the contact officer, and for notifications the address in their
subject. Now the change history names a signal's record ("Signaal #12 (Sociale Zaken)"), who changed it, when, and
which fields, never the values; the text search leaves signals and notifications out; the access-event channels
(page, API, CSV export) carry no signal content either. Other records (authorisations, users) keep their values.
"""
import csv
import io
import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.test import Client
from django.utils import formats, timezone

from access import roles as R
from areas.models import Address
from audit.labels import VALUES_WITHHELD
from signals.models import Category, Notification, Signal
from signals.services import signal_close, signal_create, signal_extend, signal_update
from tests.factories import grant, login, make_department, make_user

pytestmark = pytest.mark.django_db


def rows_html(html: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>", 1)[1], flags=re.S) if "<tbody>" in html else []


def date_spellings(day) -> list[str]:
    return [day.isoformat(), day.strftime("%d-%m-%Y"), formats.date_format(day), formats.date_format(day, "j F Y")]


@pytest.fixture
def world():
    """Sociale Zaken places and changes a signal (its officer holds no search role, so no search is on record for
    the placing); a Toezicht en Handhaving searcher looks the address up, which notifies the contact officer."""
    sz = make_department("sociale-zaken", "Sociale Zaken", phone="036 222")
    th = make_department("toezicht-handhaving", "Toezicht en Handhaving", phone="036 111")
    category = Category.objects.create(department=sz, code="leefgeld", name="Leefgeldfraude")
    address = Address.objects.create(bag_id="0034200000000077", street="Ganzenbloemweg", number=77, letter="B",
                                     postcode="1357XY", city="Almere")
    officer = make_user("sofie", sz, first_name="Sofie", last_name="Sociaal")
    grant(officer, R.SIGNAL_OFFICER, scope=sz)
    contact = make_user("cornelis", sz, first_name="Cornelis", last_name="Contactmans")
    grant(contact, R.SIGNAL_OFFICER, scope=sz)
    searcher = make_user("thijs", th, first_name="Thijs", last_name="Toezicht")
    grant(searcher, R.SIGNAL_SEARCH)
    today = timezone.localdate()
    first_until, extended_until = today + timedelta(days=97), today + timedelta(days=311)

    client = login(Client(), officer)  # changes attributed through the request, as in production
    signal = signal_create(user=officer, department=sz, address=address, category=category,
                           details="GEHEIM-toelichting", contact_officer=contact, case_reference="SZ-GEHEIM-42",
                           valid_until=first_until, notify_on_search=True)
    signal_update(user=officer, signal=signal, details="GEHEIM-2", contact_before_acting=True)
    signal_extend(user=officer, signal=signal, valid_until=extended_until)
    assert client.get(f"/signalen/signaal/{signal.public_id}/").status_code == 200  # a SIGNAL_VIEW on record
    search = login(Client(), searcher).post("/signalen/zoeken/", {"q": "1357XY 77B", "purpose": "Zaak TH-1"})
    assert search.status_code == 200
    notification = Notification.objects.get(recipient=contact)
    assert "Ganzenbloemweg" in notification.subject  # what the change record of the notification stored
    signal_close(user=officer, signal=signal, reason="GEHEIM-reden")
    return {"sz": sz, "th": th, "category": category, "address": address, "officer": officer, "contact": contact,
            "searcher": searcher, "signal": Signal.objects.get(pk=signal.pk), "notification": notification,
            "dates": date_spellings(first_until) + date_spellings(extended_until)}


def content_of(world) -> list[str]:
    """What the signal says: none of it may reach an auditor."""
    return ["Leefgeldfraude", "leefgeld", "Ganzenbloemweg", "1357XY", "1357 XY", "Contactmans", "Cornelis",
            "cornelis", "GEHEIM", "SZ-GEHEIM-42", *world["dates"]]


def assert_clean(text: str, world, where: str):
    found = [value for value in content_of(world) if value in text]
    assert found == [], f"{where} shows signal content: {found}"


def test_the_attack_holds_today_in_the_stored_records(world):
    """(Not vacuous: the change records themselves hold the values that the auditor must not see.)"""
    stored = " ".join(str(e.changes) + e.object_repr for e in LogEntry.objects.filter(content_type__app_label="signals"))
    assert world["dates"][0] in stored and "Ganzenbloemweg" in stored
    assert str(world["category"].pk) in stored and str(world["contact"].pk) in stored


def test_the_change_history_of_a_signal_shows_who_when_which_fields_not_the_values(auditor_client, world):
    signal = world["signal"]
    response = auditor_client.get("/audit/wijzigingen/", {"model": "signals.signal", "object_pk": signal.pk})
    html = response.content.decode()
    assert_clean(html, world, "the signal's change history")
    entries = response.context["rows"]
    assert len(entries) == 4 and {e.actor.username for e in entries} == {"sofie"}
    for entry in entries:
        assert entry.values_withheld
        assert all(before is None and after is None for _label, before, after in entry.change_lines)
    # which record, with its department (to judge whether the officer was that department's own)
    assert f"Signaal #{signal.pk} (Sociale Zaken)" in html
    # who and when
    assert html.count(">sofie<") == 4
    for entry in entries:
        assert timezone.localtime(entry.timestamp).strftime("%d-%m-%Y %H:%M:%S") in html
    # which fields, by their Dutch names
    created = rows_html(html)[-1]
    for label in ("Categorie", "Adres", "Contactpersoon", "Geldig tot en met", "Status", "Afdeling"):
        assert f"<strong>{label}</strong>" in created, label
    assert "aangemaakt" in created and "gewijzigd" in html
    assert "<strong>Geldig tot en met</strong>:" not in html  # no ": before → after"
    assert "→" not in "".join(rows_html(html))
    assert html.count("Waarden niet getoond.") == 4 and "niet de waarden" in html
    # the stored name is not shown, whatever it holds
    assert f"Signaal {str(signal.public_id)[:8]}" not in html


def test_the_whole_change_history_shows_no_signal_content(auditor_client, world):
    html = auditor_client.get("/audit/wijzigingen/").content.decode()
    rows = rows_html(html)
    signal_rows = [row for row in rows if "signals.signal #" in row or "signals.notification #" in row]
    assert len(signal_rows) == 5  # 4 signal changes and the notification
    for row in signal_rows:
        assert_clean(row, world, "a signal row")
    # Whatever else the history holds, it never names the address (addresses are not audited records of their own)
    # nor the signal's period, and the changes of the placing officer carry nothing of the signal at all.
    for value in ["Ganzenbloemweg", "1357XY", "GEHEIM", *world["dates"]]:
        assert value not in html, value
    own = auditor_client.get("/audit/wijzigingen/", {"person": "sofie"}).content.decode()
    assert own.count("signals.signal #") == 4
    assert_clean(own, world, "the placing officer's changes")


def test_a_notification_is_named_without_its_subject(auditor_client, world):
    note = world["notification"]
    response = auditor_client.get("/audit/wijzigingen/", {"model": "signals.notification"})
    html = response.content.decode()
    assert_clean(html, world, "the notifications' change history")
    assert f"Melding #{note.pk}" in html and "<strong>Onderwerp</strong>" in html
    assert ">thijs<" in html  # the search that caused it, by its actor


def test_searching_the_history_for_a_signals_values_finds_nothing(auditor_client, world):
    for text in ("Ganzenbloemweg", "1357XY", world["dates"][0], str(world["signal"].public_id), "Melding"):
        response = auditor_client.get("/audit/wijzigingen/", {"text": text})
        assert response.status_code == 200
        assert response.context["rows"] == [], text
        assert_clean("".join(rows_html(response.content.decode())), world, f"the search for {text}")  # (the form echoes it)
    # also when the auditor narrows it down to signals: no oracle "which signal holds this value"
    for model in ("signals.signal", "signals.notification"):
        response = auditor_client.get("/audit/wijzigingen/", {"model": model, "text": str(world["category"].pk)})
        assert response.context["rows"] == []
    # the search itself is on record, as every auditor view is
    from audit.models import AccessEvent

    assert AccessEvent.objects.filter(object_type="audit.changes", query__contains="text=Ganzenbloemweg").exists()


def test_the_search_finds_values_of_other_records(auditor_client, world):
    ana = make_user("ana", world["th"])
    g = grant(ana, R.SIGNAL_SEARCH, purpose="Coördinatie huisbezoeken")
    for text in ("huisbezoeken", "Coördinatie", "coördinatie"):
        response = auditor_client.get("/audit/wijzigingen/", {"text": text})
        pks = {(e.content_type.model, e.object_pk) for e in response.context["rows"]}
        assert ("authorisation", str(g.pk)) in pks, text
    # a catalogue and a person are not a signal's content: found and shown by name
    response = auditor_client.get("/audit/wijzigingen/", {"text": "Leefgeldfraude"})
    assert [e.content_type.model for e in response.context["rows"]] == ["category"]
    assert "Leefgeldfraude" in response.content.decode()


def test_other_records_keep_their_values(auditor_client, world):
    ana = make_user("ana", world["th"])
    g = grant(ana, R.SIGNAL_SEARCH, purpose="Controle huisbezoeken")
    html = auditor_client.get("/audit/wijzigingen/", {"model": "access.authorisation", "object_pk": g.pk}).content
    html = html.decode()
    assert "Controle huisbezoeken" in html and g.valid_until.strftime("%d-%m-%Y") in html and "→" in html
    assert "Waarden niet getoond" not in html and "niet de waarden" not in html


def test_the_access_events_page_api_and_export_carry_no_signal_content(auditor_client, world):
    """Signal views and the bulk changes of retention name the signal by id; the officer's own trail holds no content.
    (The searcher's address search does name the address: who searched which address is what an auditor reviews.)"""
    queries = [{"object_type": "signals.Signal"}, {"person": "sofie"}, {"action": "signal_view"}]
    for query in queries:
        page = auditor_client.get("/audit/", query)
        assert page.status_code == 200
        assert_clean(page.content.decode(), world, f"events {query}")
        api = auditor_client.get("/api/v1/audit/events", query)
        assert api.status_code == 200
        assert_clean(api.content.decode(), world, f"api {query}")
        export = auditor_client.get("/audit/export.csv", query)
        body = b"".join(export.streaming_content).decode("utf-8-sig")
        assert_clean(body, world, f"export {query}")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert [(r["gebruiker"], r["object-id"]) for r in rows] == [("sofie", str(world["signal"].pk))]


def test_the_rule_is_one_table_over_models_registered_with_auditlog():
    for label, owner in VALUES_WITHHELD.items():
        model = apps.get_model(label)
        assert auditlog.contains(model), label
        if owner:
            assert model._meta.get_field(owner).related_model._meta.label == "access.Department", label


def test_every_audited_signals_model_is_withheld_or_shown_for_a_reason():
    """A model the signals app adds later is withheld until someone decides otherwise here."""
    shown = {
        # a department's catalogue of category names: configuration, not what any signal is about
        "signals.Category",
    }
    audited = {m._meta.label for m in apps.get_app_config("signals").get_models() if auditlog.contains(m)}
    assert audited - shown == set(VALUES_WITHHELD), audited


def test_the_nightly_expiry_and_a_removed_signal_are_named_without_content(auditor_client, world):
    """The bulk change records of the nightly job (actor: the system) withhold their values too, and a signal that is
    gone is still named with its department (from its own change record)."""
    from signals.services import signal_expire_due

    sz, officer = world["sz"], world["officer"]
    today = timezone.localdate()
    doomed = signal_create(user=officer, department=sz, address=world["address"], category=world["category"],
                           details="GEHEIM-3", contact_officer=world["contact"], valid_until=today + timedelta(days=5))
    assert signal_expire_due(today=today + timedelta(days=6)) == 1
    response = auditor_client.get("/audit/wijzigingen/", {"model": "signals.signal", "object_pk": doomed.pk})
    html = response.content.decode()
    bulk = [e for e in response.context["rows"] if (e.additional_data or {}).get("bulk")]
    assert len(bulk) == 1 and bulk[0].actor is None and bulk[0].values_withheld
    assert "Geldigheid verstreken" in html and "<strong>Status</strong>" in html and "verlopen" not in html
    assert f"Signaal #{doomed.pk} (Sociale Zaken)" in html
    assert_clean(html, world, "the expired signal's history")

    pk = doomed.pk
    Signal.objects.get(pk=pk).delete()
    response = auditor_client.get("/audit/wijzigingen/", {"model": "signals.signal", "object_pk": pk})
    html = response.content.decode()
    assert [e.action for e in response.context["rows"]][0] == LogEntry.Action.DELETE
    assert html.count(f"Signaal #{pk} (Sociale Zaken)") == len(response.context["rows"]) == 3
    assert_clean(html, world, "the removed signal's history")
