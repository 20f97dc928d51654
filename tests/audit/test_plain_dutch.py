"""Audit screens speak Dutch to people: object names instead of `areas.Address #1`, field labels and readable values
instead of column names and codes in the change history, local time on the pages and in the CSV, and API-token
events named as such (they used to appear as grant requests)."""
import csv
import io

import pytest
from django.test import Client
from django.utils import timezone

from access import roles as R
from areas.models import Address
from audit.models import AccessEvent
from audit.services import access_event_record
from tests.factories import admins, grant, login, make_user

pytestmark = pytest.mark.django_db
A = AccessEvent.Action


@pytest.fixture
def henk():
    return make_user("henk", department="toezicht-handhaving")


@pytest.fixture
def address():
    return Address.objects.create(bag_id="0855200000000012", street="Stationsstraat", number=12, letter="A",
                                  postcode="5038AB", city="Tilburg")


def cell_texts(html):
    import re

    return [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)]


def test_the_event_list_names_objects_in_dutch(auditor_client, henk, address):
    access_event_record(action=A.ADDRESS_SEARCH, actor=henk, obj=address, query=address.search_key, purpose="Zaak 1",
                        result_count=1)
    access_event_record(action=A.EXPORT, actor=henk, object_type="signals.HitReport", object_label="CSV")
    html = auditor_client.get("/audit/?person=henk").content.decode()
    visible = " ".join(cell_texts(html))
    assert "areas.Address" not in visible and "signals.HitReport" not in visible
    assert "Adres" in visible and "Stationsstraat 12A" in visible and "Uitdraai signalen" in visible


def test_the_change_history_shows_field_labels_and_readable_values(auditor_client):
    admins()
    ana = make_user("ana")
    g = grant(ana, R.AUDITOR, days=30)
    html = auditor_client.get(f"/audit/wijzigingen/?model=access.authorisation&object_pk={g.pk}").content.decode()
    visible = " ".join(cell_texts(html))
    for column in ("valid_until", "valid_from", "purpose", "status"):
        assert f" {column} " not in visible and f">{column}<" not in html, column
    assert "Geldig tot en met" in visible and "Doel en grondslag" in visible
    until = g.valid_until.strftime("%d-%m-%Y")
    assert until in visible and g.valid_until.isoformat() not in visible
    assert "Actief" in visible or "actief" in visible
    assert " create " not in visible and " update " not in visible
    assert "aangemaakt" in visible and "Autorisatie" in visible
    assert "access.authorisation #" not in visible


def test_the_csv_export_is_in_local_time_and_names_objects(auditor_client, henk, address):
    event = access_event_record(action=A.ADDRESS_SEARCH, actor=henk, obj=address, query=address.search_key,
                                purpose="Zaak 1", result_count=1)
    response = auditor_client.get("/audit/export.csv?person=henk")
    header, *rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")),
                                    delimiter=";"))
    row = dict(zip(header, rows[0], strict=True))
    assert header[0] == "tijdstip"
    assert row["tijdstip"] == timezone.localtime(event.occurred_at).isoformat(sep=" ", timespec="seconds")
    assert row["tijdstip"].endswith(("+01:00", "+02:00"))  # Europe/Amsterdam, the offset written out
    assert row["soort object"] == "Adres" and row["objecttype"] == "areas.Address"


def test_the_pages_show_local_time(auditor_client, henk, settings):
    event = access_event_record(action=A.EXPORT, actor=henk)
    html = auditor_client.get("/audit/?person=henk").content.decode()
    assert timezone.localtime(event.occurred_at).strftime("%d-%m-%Y %H:%M:%S") in html


def test_api_token_events_are_named_as_such(auditor_client, henk):
    client = login(Client(), henk)
    client.post("/mijn-api-token/")
    client.post("/mijn-api-token/", {"action": "revoke"})
    events = AccessEvent.objects.filter(object_type="authtoken.Token").order_by("id")
    assert [e.action for e in events] == [A.API_TOKEN_CREATE, A.API_TOKEN_REVOKE]
    assert not AccessEvent.objects.filter(action__in=[A.GRANT_REQUEST, A.GRANT_REVOKE], actor=henk).exists()
    visible = " ".join(cell_texts(auditor_client.get("/audit/?person=henk").content.decode()))
    assert "API-token aangemaakt" in visible and "API-token ingetrokken" in visible
    assert "autorisatie aangevraagd" not in visible and "API-token" in visible


def test_token_events_recorded_before_are_shown_as_token_events(auditor_client, henk):
    access_event_record(action=A.GRANT_REQUEST, actor=henk, object_type="authtoken.Token", object_id=str(henk.pk),
                        object_label="API-token van henk")
    visible = " ".join(cell_texts(auditor_client.get("/audit/?person=henk").content.decode()))
    assert "API-token aangemaakt" in visible and "autorisatie aangevraagd" not in visible


def test_unknown_object_types_stay_as_stored():
    from audit.selectors import object_type_label

    assert object_type_label("areas.Address") == "Adres"
    assert object_type_label("authtoken.Token") == "API-token"
    assert object_type_label("iets.Onbekends") == "iets.Onbekends" and object_type_label("") == ""
    assert object_type_label("access.Authorisation") == "Autorisatie"  # a model's own Dutch name
