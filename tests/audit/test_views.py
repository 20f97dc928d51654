"""The auditor pages: filters, "who looked at this address", per-person report, unusual behaviour, change history,
keyset pagination and the CSV export (safe against formula injection)."""
import csv
import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from access import roles as R
from areas.models import Address
from audit.models import AccessEvent
from audit.services import access_event_record
from tests.factories import grant, make_user

pytestmark = pytest.mark.django_db
A = AccessEvent.Action
OUT = AccessEvent.Outcome


def rows_of(response):
    return response.context["rows"]


@pytest.fixture
def people():
    return make_user("henk", department="toezicht-handhaving"), make_user("sanne", department="sociale-zaken")


@pytest.fixture
def address():
    return Address.objects.create(bag_id="0855200000000012", street="Stationsstraat", number=12, letter="A",
                                  postcode="5038AB", city="Tilburg")


def search(user, address, purpose="Zaak 2026-001", outcome=OUT.ALLOWED, result_count=1):
    return access_event_record(action=A.ADDRESS_SEARCH, actor=user, obj=address, query=address.search_key,
                               purpose=purpose, result_count=result_count, outcome=outcome)


def test_filters_by_person_department_action_outcome_and_period(auditor_client, people):
    henk, sanne = people
    e1 = access_event_record(action=A.EXPORT, actor=henk)
    e2 = access_event_record(action=A.DENIED, actor=sanne, outcome=OUT.DENIED)
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        e3 = access_event_record(action=A.EXPORT, actor=henk)
    get = auditor_client.get
    assert {e.pk for e in rows_of(get("/audit/?person=henk"))} == {e1.pk, e3.pk}
    assert {e.pk for e in rows_of(get("/audit/?department=Sociale+Zaken"))} == {e2.pk}
    assert {e.pk for e in rows_of(get("/audit/?outcome=denied&person=sanne"))} == {e2.pk}
    assert {e.pk for e in rows_of(get("/audit/?action=export"))} == {e1.pk, e3.pk}
    today = timezone.localdate().isoformat()
    assert {e.pk for e in rows_of(get(f"/audit/?action=export&since={today}&until={today}"))} == {e1.pk}
    old = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert {e.pk for e in rows_of(get(f"/audit/?action=export&until={old}"))} == {e3.pk}
    assert {e.pk for e in rows_of(get(f"/audit/?object_type=access.User&object_id={henk.pk}"))} == set()


def test_invalid_filter_shows_no_rows(auditor_client, people):
    access_event_record(action=A.EXPORT, actor=people[0])
    response = auditor_client.get("/audit/?since=gisteren&action=bestaat-niet")
    assert response.status_code == 200 and rows_of(response) == []


def test_who_looked_at_this_address(auditor_client, people, address):
    henk, sanne = people
    hit = search(henk, address)
    other = Address.objects.create(bag_id="0855200000000013", street="Stationsstraat", number=13, postcode="5038AB",
                                   city="Tilburg")
    search(sanne, other)
    free_text = access_event_record(action=A.ADDRESS_SEARCH, actor=sanne, query="5038AB 12A", result_count=0)
    for text in ["5038 AB 12a", "5038AB-12-A", "Stationsstraat 12A Tilburg"]:
        response = auditor_client.get("/audit/adres/", {"address": text})
        assert {e.pk for e in rows_of(response)} == {hit.pk, free_text.pk}, text
        assert response.context["addresses"] == [address]
        assert "Stationsstraat 12A" in response.content.decode()
    view = AccessEvent.objects.filter(action=A.AUDIT_VIEW, object_type="audit.address").order_by("-id").first()
    assert view.object_id == str(address.pk) and view.query == "Stationsstraat 12A Tilburg"
    # The same through the general list filter.
    assert {e.pk for e in rows_of(auditor_client.get("/audit/", {"address": "5038ab 12a"}))} == {hit.pk, free_text.pk}


def test_person_report(auditor_client, people, address):
    henk, _sanne = people
    search(henk, address)
    search(henk, address, purpose="")
    access_event_record(action=A.DENIED, actor=henk, outcome=OUT.DENIED)
    g = grant(henk, R.SIGNAL_SEARCH, purpose="Handhaving woonfraude")
    response = auditor_client.get("/audit/persoon/", {"person": "henk"})
    report = response.context["report"]
    assert report["searches_without_purpose"] == 1 and report["denials"] == 1
    counts = {(r["action"], r["outcome"]): r["n"] for r in report["per_action"]}
    assert counts[("address_search", "allowed")] == 2
    body = response.content.decode()
    assert "Handhaving woonfraude" in body and f"object_pk={g.pk}" in body


def test_unusual_behaviour(auditor_client, people, address, settings):
    settings.AUDIT_SEARCH_THRESHOLD_PER_DAY = 2
    settings.AUDIT_DENIAL_THRESHOLD_PER_DAY = 2
    settings.AUDIT_OFFICE_HOURS = (7, 19)
    henk, sanne = people
    for _ in range(3):
        search(henk, address)
    search(sanne, address)
    search(sanne, address, purpose="")
    for _ in range(2):
        access_event_record(action=A.DENIED, actor=sanne, outcome=OUT.DENIED)
    night = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=1), datetime.min.time()))
    with time_machine.travel(night + timedelta(hours=3)):
        access_event_record(action=A.SIGNAL_VIEW, actor=henk)
    response = auditor_client.get("/audit/afwijkend/")
    ctx = response.context
    assert [(r["actor_username"], r["n"]) for r in ctx["searches"]] == [("henk", 3)]
    assert [(r["actor_username"], r["n"]) for r in ctx["denials"]] == [("sanne", 2)]
    assert [r["actor_username"] for r in ctx["without_purpose"]] == ["sanne"]
    assert "henk" in [r["actor_username"] for r in ctx["off_hours"]]


def test_change_history_shows_who_changed_an_authorisation(auditor_client, people):
    henk, _sanne = people
    g = grant(henk, R.SIGNAL_SEARCH, purpose="Woonfraude")
    response = auditor_client.get("/audit/wijzigingen/", {"model": "access.authorisation", "object_pk": g.pk})
    rows = rows_of(response)
    assert rows and all(entry.object_pk == str(g.pk) for entry in rows)
    assert "Woonfraude" in response.content.decode()


def test_keyset_pagination_walks_everything_once(auditor_client, people, settings):
    settings.AUDIT_PAGE_SIZE = 3
    henk = people[0]
    created = {access_event_record(action=A.EXPORT, actor=henk, query=str(i)).pk for i in range(8)}
    seen, url, pages = [], "/audit/?action=export", 0
    while url:
        response = auditor_client.get(url)
        seen += [e.pk for e in rows_of(response)]
        cursor = response.context["next_cursor"]
        url = f"/audit/?action=export&cursor={cursor}" if cursor else None
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) and set(seen) == created
    assert seen == sorted(seen, reverse=True)


def test_garbage_cursor_is_the_first_page(auditor_client, people):
    access_event_record(action=A.EXPORT, actor=people[0])
    for cursor in ["xyz", "!!!", "MjAyNnxhYmM", ""]:
        assert auditor_client.get(f"/audit/?cursor={cursor}").status_code == 200


def test_csv_export_is_safe_and_complete(auditor_client, people):
    henk = people[0]
    access_event_record(action=A.EXPORT, actor=henk, purpose='=cmd|" /C calc"!A0', query="@SUM(1)",
                        object_label="+evil")
    response = auditor_client.get("/audit/export.csv?person=henk")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    reader = csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    header, *rows = list(reader)
    assert header[0] == "tijdstip" and len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["doel"] == "'=cmd|\" /C calc\"!A0" and row["zoekvraag"] == "'@SUM(1)" and row["object"] == "'+evil"
    for cell in rows[0]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_export_respects_the_row_limit(auditor_client, people, settings):
    settings.AUDIT_EXPORT_MAX_ROWS = 2
    for _ in range(3):
        access_event_record(action=A.EXPORT, actor=people[0])
    response = auditor_client.get("/audit/export.csv?action=export")
    assert response["X-Export-Truncated"] == "2"
    assert len(b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()) == 3


def test_integrity_page_runs_the_verification(auditor_client):
    response = auditor_client.post("/audit/integriteit/")
    assert response.context["problems"] == [] and "intact" in response.content.decode()


def test_audit_tool_is_on_the_home_page_for_auditors_only(auditor_client, people):
    assert 'href="/audit/"' in auditor_client.get("/").content.decode()
    from django.test import Client

    from tests.factories import login

    assert 'href="/audit/"' not in login(Client(), people[0]).get("/").content.decode()


def test_integrity_page_shows_the_last_daily_check_and_guards_huge_logs(auditor_client, settings):
    from audit.tasks import verify_chains

    verify_chains.delay()
    response = auditor_client.get("/audit/integriteit/")
    assert response.context["last_check"].object_label == "intact"
    settings.AUDIT_VERIFY_WEB_LIMIT = 1
    response = auditor_client.post("/audit/integriteit/")
    assert response.context["problems"] is None and response.context["too_big"]
